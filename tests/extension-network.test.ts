// The network gate in the extension: the setting and the command as contributed, the launch flag,
// alisa.network -> `network.configure` (the user's value only: a workspace cannot loosen it), the
// companion's questions as modals answered with `network.decide`, and "Show Network Activity" as
// a document. `vscode` is a small stand-in (this runs outside VS Code); the companion is a
// recording fake manager.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => {
  class EventEmitter<T> {
    private listeners: Array<(e: T) => void> = [];
    event = (l: (e: T) => void) => {
      this.listeners.push(l);
      return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
    };
    fire(e: T): void {
      for (const l of [...this.listeners]) l(e);
    }
    dispose(): void {
      this.listeners = [];
    }
  }
  const config: Record<string, unknown> = {};
  const workspaceConfig: Record<string, unknown> = {};
  const configChanged = new EventEmitter<{ affectsConfiguration: (s: string) => boolean }>();
  const commands = new Map<string, (...a: unknown[]) => unknown>();
  const dialogs: Array<{ kind: string; message: string; options: any; buttons: string[] }> = [];
  /** Answers to the next dialogs; a dialog with no answer queued waits for `release()`. */
  const answers: Array<string | undefined> = [];
  let pendingDialog: ((v: string | undefined) => void) | null = null;
  const documents: Array<{ language: string; content: string }> = [];
  const dialog = (kind: string) => (message: string, ...rest: unknown[]) => {
    const options = typeof rest[0] === 'object' && rest[0] !== null ? rest.shift() : undefined;
    dialogs.push({ kind, message, options, buttons: rest as string[] });
    if (answers.length) return Promise.resolve(answers.shift());
    return new Promise<string | undefined>((resolve) => (pendingDialog = resolve));
  };
  const release = (answer: string | undefined) => {
    const p = pendingDialog;
    pendingDialog = null;
    p?.(answer);
  };
  const vscode = {
    EventEmitter,
    workspace: {
      onDidChangeConfiguration: configChanged.event,
      getConfiguration: (section: string) => ({
        get: (key: string, fallback?: unknown) => workspaceConfig[`${section}.${key}`] ?? config[`${section}.${key}`] ?? fallback,
        inspect: (key: string) => ({ globalValue: config[`${section}.${key}`], workspaceValue: workspaceConfig[`${section}.${key}`], defaultValue: 'ask' }),
      }),
      openTextDocument: async (d: { language: string; content: string }) => (documents.push(d), d),
    },
    commands: {
      registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
        commands.set(id, fn);
        return { dispose: () => commands.delete(id) };
      },
    },
    window: {
      showInformationMessage: dialog('info'),
      showWarningMessage: dialog('warning'),
      showTextDocument: async () => undefined,
      setStatusBarMessage: () => undefined,
    },
  };
  return { vscode, config, workspaceConfig, configChanged, commands, dialogs, answers, release, documents, EventEmitter };
});

vi.mock('vscode', () => h.vscode);

import { NETWORK_FEATURE_LABELS, NETWORK_MODE_TEXT, NetworkConfigure, NetworkDecide, type NetworkActivity, type NetworkStatus } from '../protocol/network';
import { companionArgs, type CompanionSettings } from '../extension/companion-args';
import { NetworkController } from '../extension/network/network-controller';
import { activityMarkdown, ALLOW_ONCE, ALWAYS_ALLOW, askText, BLOCK, decisionFor, featureLabel, NETWORK_COMMANDS } from '../extension/network/network-logic';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

const status = (mode: NetworkStatus['mode']): NetworkStatus => ({ mode, allowedHosts: [], sessionAllowed: [], sessionBlocked: [], pending: [] });
const ask = (id: string, host = 'huggingface.co') => ({ type: 'network.ask' as const, id, host, port: 443, feature: 'model-download', purpose: 'download the language model hf:x', expiresAt: Date.now() + 60_000 });

class FakeManager {
  connected = true;
  activity: NetworkActivity = { mode: 'ask', allowedHosts: [], records: [] };
  readonly requests: Array<{ method: string; params: any }> = [];
  readonly state = new h.EventEmitter<{ state: string }>();
  readonly events = new h.EventEmitter<any>();
  readonly onDidChangeState = this.state.event;
  readonly onDidReceiveEvent = this.events.event;
  readonly log = { warn: vi.fn() };
  async request(method: string, params: any): Promise<any> {
    this.requests.push({ method, params });
    await Promise.resolve();
    switch (method) {
      case 'network.configure':
        expect(NetworkConfigure.safeParse(params).success).toBe(true);
        return status(params.mode ?? 'ask');
      case 'network.decide':
        expect(NetworkDecide.safeParse(params).success).toBe(true);
        return { applied: true };
      case 'network.activity':
        return this.activity;
    }
    throw new Error(`no ${method}`);
  }
  sent(method: string) {
    return this.requests.filter((r) => r.method === method).map((r) => r.params);
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

describe('as contributed', () => {
  it('alisa.network: offline / ask / allowed, default ask, a user setting only, each mode explained', () => {
    const s = pkg.contributes.configuration.properties['alisa.network'];
    expect(s).toMatchObject({ type: 'string', enum: ['offline', 'ask', 'allowed'], default: 'ask', scope: 'application' });
    expect(s.enumDescriptions).toHaveLength(3);
    expect(s.enumDescriptions[0]).toMatch(/Never connect to another machine/);
    expect(s.enumDescriptions[1]).toMatch(/Ask once per host/);
    expect(s.enumDescriptions[2]).toMatch(/recorded/);
    expect(s.markdownDescription).toMatch(/Show Network Activity/);
    expect(s.markdownDescription).toMatch(/workspace cannot loosen it/);
    const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === NETWORK_COMMANDS.showActivity);
    expect(cmd).toMatchObject({ title: 'Show Network Activity', category: 'Alisa' });
    // The Edge voice says it is online.
    expect(pkg.contributes.configuration.properties['alisa.voice.ttsEngines'].items.enumDescriptions[0]).toMatch(/online/);
  });

  it('the extension keeps the protocol feature labels (it does not load zod at activation)', () => {
    for (const [id, label] of Object.entries(NETWORK_FEATURE_LABELS)) expect(featureLabel(id)).toBe(label);
  });

  it('the companion starts with the mode', () => {
    const base: CompanionSettings = { modelPath: '', dataFolder: '/d', providers: null, endpoint: '', endpointModel: '', contextSize: null, threads: null, gpu: 'auto', promptStyle: 'full', emotionGrammar: false, historyTokens: 3000, maxReplyTokens: 512, character: null, mode: null, legacyPort: null };
    const args = companionArgs({ ...base, network: 'offline' }, 1);
    expect(args[args.indexOf('--network') + 1]).toBe('offline');
    expect(companionArgs(base, 1)).not.toContain('--network');
  });
});

describe('what the user reads', () => {
  it('the question names the host and what for; closing it blocks', () => {
    const t = askText(ask('a'));
    expect(t.message).toBe('Alisa wants to connect to huggingface.co');
    expect(t.detail).toMatch(/^To download the language model hf:x \(model download\)\. Nothing is sent until you answer\./);
    expect(decisionFor(ALLOW_ONCE)).toEqual({ allow: true, remember: false });
    expect(decisionFor(ALWAYS_ALLOW)).toEqual({ allow: true, remember: true });
    expect(decisionFor(BLOCK)).toEqual({ allow: false, remember: false });
    expect(decisionFor(undefined)).toEqual({ allow: false, remember: false });
  });

  it('the activity: mode, remembered hosts, a row per kind of attempt, or that nothing left', () => {
    const empty = activityMarkdown({ mode: 'offline', allowedHosts: [], records: [] });
    expect(empty).toContain(`**Mode (alisa.network): offline.** ${NETWORK_MODE_TEXT.offline}`);
    expect(empty).toContain('Nothing has left this machine');
    const md = activityMarkdown({
      mode: 'ask',
      allowedHosts: ['huggingface.co'],
      records: [
        { id: 2, at: Date.UTC(2026, 0, 2, 3, 4, 5), lastAt: Date.UTC(2026, 0, 2, 3, 4, 9), count: 3, host: 'speech.platform.bing.com', port: 443, feature: 'voice-edge', purpose: "speak with Microsoft Edge's online voice", decision: 'blocked', reason: 'you blocked | this host', layer: 'gate', bytesSent: null, bytesReceived: null },
        { id: 1, at: Date.UTC(2026, 0, 1), lastAt: Date.UTC(2026, 0, 1), count: 1, host: 'huggingface.co', port: 443, feature: 'model-download', purpose: 'download the language model hf:x', decision: 'asked-allowed', reason: null, layer: 'gate', bytesSent: 2048, bytesReceived: 3 * 1024 * 1024 },
      ],
    });
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| When'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/\(3 times, last .*\) \| speech\.platform\.bing\.com \| online voice \(Microsoft Edge\): speak with Microsoft Edge's online voice \| blocked \(you blocked \\\| this host\) \| — \|$/);
    expect(rows[1]).toMatch(/\| huggingface\.co \| model download: download the language model hf:x \| allowed by you \| 2\.0 KB sent, 3\.0 MB received \|$/);
    expect(md).toContain('**Always allowed:** huggingface.co');
  });
});

describe('NetworkController', () => {
  let m: FakeManager;
  let c: NetworkController;

  beforeEach(async () => {
    for (const k of Object.keys(h.config)) delete h.config[k];
    for (const k of Object.keys(h.workspaceConfig)) delete h.workspaceConfig[k];
    h.dialogs.length = 0;
    h.answers.length = 0;
    h.documents.length = 0;
    m = new FakeManager();
  });
  afterEach(() => c?.dispose());

  it('sends the user\'s mode on start and on change, at once; a workspace value does not count', async () => {
    h.workspaceConfig['alisa.network'] = 'allowed';
    c = new NetworkController(m as never);
    await flush();
    expect(m.sent('network.configure')).toEqual([{ mode: 'ask' }]);
    h.config['alisa.network'] = 'offline';
    h.configChanged.fire({ affectsConfiguration: (s) => 'alisa.network'.startsWith(s) });
    await flush();
    expect(m.sent('network.configure')).toEqual([{ mode: 'ask' }, { mode: 'offline' }]);
    expect(c.status?.mode).toBe('offline');
  });

  it('a question is a modal; every question for that host gets the answer; one modal at a time', async () => {
    c = new NetworkController(m as never);
    await flush();
    m.events.fire(ask('a1'));
    m.events.fire(ask('b1', 'example.org'));
    await flush();
    expect(h.dialogs).toHaveLength(1);
    expect(h.dialogs[0]).toMatchObject({ kind: 'warning', message: 'Alisa wants to connect to huggingface.co', options: { modal: true }, buttons: [ALLOW_ONCE, ALWAYS_ALLOW, BLOCK] });
    m.events.fire(ask('a2')); // same host, while the modal is open
    await flush();
    h.release(ALWAYS_ALLOW);
    await flush();
    expect(m.sent('network.decide')).toEqual([
      { id: 'a1', allow: true, remember: true },
      { id: 'a2', allow: true, remember: true },
    ]);
    // Then the next host; closing the dialog blocks.
    expect(h.dialogs).toHaveLength(2);
    expect(h.dialogs[1]!.message).toBe('Alisa wants to connect to example.org');
    h.release(undefined);
    await flush();
    expect(m.sent('network.decide').at(-1)).toEqual({ id: 'b1', allow: false, remember: false });
  });

  it('a question answered elsewhere is not asked', async () => {
    c = new NetworkController(m as never);
    await flush();
    m.events.fire(ask('a1'));
    m.events.fire(ask('b1', 'example.org'));
    m.events.fire({ type: 'network.askDone', id: 'b1', allow: true });
    await flush();
    h.release(ALLOW_ONCE);
    await flush();
    expect(h.dialogs.map((d) => d.message)).toEqual(['Alisa wants to connect to huggingface.co']);
    expect(m.sent('network.decide')).toEqual([{ id: 'a1', allow: true, remember: false }]);
  });

  it('"Show Network Activity" opens the activity as Markdown and offers to forget remembered hosts', async () => {
    c = new NetworkController(m as never);
    await flush();
    await h.commands.get(NETWORK_COMMANDS.showActivity)!();
    expect(h.documents).toHaveLength(1);
    expect(h.documents[0]!.language).toBe('markdown');
    expect(h.documents[0]!.content).toContain('Nothing has left this machine');
    expect(h.dialogs).toEqual([]);

    m.activity = { mode: 'ask', allowedHosts: ['huggingface.co'], records: [] };
    h.answers.push('Forget These Answers');
    await h.commands.get(NETWORK_COMMANDS.showActivity)!();
    expect(h.dialogs.at(-1)!.message).toBe('Alisa always allows: huggingface.co.');
    await flush();
    expect(m.sent('network.configure').at(-1)).toEqual({ forgetHosts: true });
  });
});
