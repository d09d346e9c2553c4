// The network gate in the extension: the setting and the command as contributed, the launch flag,
// alisa.network -> `network.configure` (the user's value only: a workspace cannot loosen it), the
// companion's questions as modals answered with `network.decide`, and "Show Network Activity" as
// a document. `vscode` is the shared fake (tests/helpers/fake-vscode.ts: this runs outside VS
// Code); the companion is a recording fake manager.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeManager, flush, pkg } from './helpers/ext-manager';
import { companionSettings } from './helpers/ext-settings';
import { fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { NETWORK_FEATURE_LABELS, NETWORK_MODE_TEXT, NetworkConfigure, NetworkDecide, type NetworkActivity, type NetworkStatus } from '../protocol/network';
import { companionArgs } from '../extension/companion-args';
import { NetworkController } from '../extension/network/network-controller';
import { activityMarkdown, ALLOW_ONCE, ALWAYS_ALLOW, askText, BLOCK, decisionFor, featureLabel, NETWORK_COMMANDS } from '../extension/network/network-logic';

const status = (mode: NetworkStatus['mode']): NetworkStatus => ({ mode, allowedHosts: [], sessionAllowed: [], sessionBlocked: [], pending: [] });
const ask = (id: string, host = 'huggingface.co') => ({
  type: 'network.ask' as const,
  id,
  host,
  port: 443,
  feature: 'model-download',
  purpose: 'download the language model hf:x',
  expiresAt: Date.now() + 60_000,
});

/** The companion's network methods; what the extension sends must be what the protocol accepts. */
class NetworkManager extends FakeManager {
  activity: NetworkActivity = { mode: 'ask', allowedHosts: [], records: [] };
  protected override answer(method: string, params: any): unknown {
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
    return super.answer(method, params);
  }
}

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
    const base = companionSettings({ dataFolder: '/d' });
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
        {
          id: 2,
          at: Date.UTC(2026, 0, 2, 3, 4, 5),
          lastAt: Date.UTC(2026, 0, 2, 3, 4, 9),
          count: 3,
          host: 'speech.platform.bing.com',
          port: 443,
          feature: 'voice-edge',
          purpose: "speak with Microsoft Edge's online voice",
          decision: 'blocked',
          reason: 'you blocked | this host',
          layer: 'gate',
          bytesSent: null,
          bytesReceived: null,
        },
        {
          id: 1,
          at: Date.UTC(2026, 0, 1),
          lastAt: Date.UTC(2026, 0, 1),
          count: 1,
          host: 'huggingface.co',
          port: 443,
          feature: 'model-download',
          purpose: 'download the language model hf:x',
          decision: 'asked-allowed',
          reason: null,
          layer: 'gate',
          bytesSent: 2048,
          bytesReceived: 3 * 1024 * 1024,
        },
      ],
    });
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| When'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /\(3 times, last .*\) \| speech\.platform\.bing\.com \| online voice \(Microsoft Edge\): speak with Microsoft Edge's online voice \| blocked \(you blocked \\\| this host\) \| — \|$/,
    );
    expect(rows[1]).toMatch(/\| huggingface\.co \| model download: download the language model hf:x \| allowed by you \| 2\.0 KB sent, 3\.0 MB received \|$/);
    expect(md).toContain('**Always allowed:** huggingface.co');
  });
});

describe('NetworkController', () => {
  let m: NetworkManager;
  let c: NetworkController;

  beforeEach(async () => {
    fake.reset();
    fake.unanswered = 'wait'; // a modal stays open until the test answers it (release)
    m = new NetworkManager();
  });
  afterEach(() => c?.dispose());

  it("sends the user's mode on start and on change, at once; a workspace value does not count", async () => {
    fake.workspaceConfig['alisa.network'] = 'allowed';
    c = new NetworkController(m as never);
    await flush();
    expect(m.sent('network.configure')).toEqual([{ mode: 'ask' }]);
    fake.config['alisa.network'] = 'offline';
    fake.configChanged.fire({ affectsConfiguration: (s) => 'alisa.network'.startsWith(s) });
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
    expect(fake.dialogs).toHaveLength(1);
    expect(fake.dialogs[0]).toMatchObject({
      kind: 'warning',
      message: 'Alisa wants to connect to huggingface.co',
      options: { modal: true },
      buttons: [ALLOW_ONCE, ALWAYS_ALLOW, BLOCK],
    });
    m.events.fire(ask('a2')); // same host, while the modal is open
    await flush();
    fake.release(ALWAYS_ALLOW);
    await flush();
    expect(m.sent('network.decide')).toEqual([
      { id: 'a1', allow: true, remember: true },
      { id: 'a2', allow: true, remember: true },
    ]);
    // Then the next host; closing the dialog blocks.
    expect(fake.dialogs).toHaveLength(2);
    expect(fake.dialogs[1]!.message).toBe('Alisa wants to connect to example.org');
    fake.release(undefined);
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
    fake.release(ALLOW_ONCE);
    await flush();
    expect(fake.dialogs.map((d) => d.message)).toEqual(['Alisa wants to connect to huggingface.co']);
    expect(m.sent('network.decide')).toEqual([{ id: 'a1', allow: true, remember: false }]);
  });

  it('"Show Network Activity" opens the activity as Markdown and offers to forget remembered hosts', async () => {
    c = new NetworkController(m as never);
    await flush();
    await fake.commands.get(NETWORK_COMMANDS.showActivity)!();
    expect(fake.documents).toHaveLength(1);
    expect(fake.documents[0]!.language).toBe('markdown');
    expect(fake.documents[0]!.content).toContain('Nothing has left this machine');
    expect(fake.dialogs).toEqual([]);

    m.activity = { mode: 'ask', allowedHosts: ['huggingface.co'], records: [] };
    fake.answers.push('Forget These Answers');
    await fake.commands.get(NETWORK_COMMANDS.showActivity)!();
    expect(fake.dialogs.at(-1)!.message).toBe('Alisa always allows: huggingface.co.');
    await flush();
    expect(m.sent('network.configure').at(-1)).toEqual({ forgetHosts: true });
  });
});
