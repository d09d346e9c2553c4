// Words the user reads (issue 15): sentences joined with their full stops, errors that say what
// happened and what to do in a sentence each with the raw output apart (`details`), and no
// message that names a setting or command Alisa does not have.
//
// The names check reads every string and template literal (through the TypeScript parser, so
// comments do not count) of extension/, companion/, webview/, common/ and protocol/, and the
// README, finds each `alisa.<name>` and looks it up in package.json: a setting
// (contributes.configuration), a settings section or `alisa.<section>.*` (a prefix of settings),
// or a command (contributes.commands). The few ids that are neither, but never meant as a setting
// (a storage key, the view's id, a file name), are allowed by name, file and reason below.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { asSentence, errorText, joinSentences } from '../common/sentences';
import { derivePatterns } from '../companion/rhythm/patterns';
import { microphoneMessage, startRecording } from '../companion/voice/recorder';
import { AlisaError } from '../companion/errors';
import { ErrorInfo } from '../protocol';
import { REPO_ROOT } from './helpers/model';

describe('joining sentences', () => {
  it('gives each part exactly one ending and one space between', () => {
    expect(joinSentences('The download failed', 'Try again.')).toBe('The download failed. Try again.');
    expect(joinSentences('The download failed.', 'Try again')).toBe('The download failed. Try again.');
    expect(joinSentences('Offline.', '', null, undefined, false, '  Check the cable.  ')).toBe('Offline. Check the cable.');
    expect(joinSentences('Is she running?', 'Start her!')).toBe('Is she running? Start her!');
    expect(joinSentences('It said "no."', '(See the log.)')).toBe('It said "no." (See the log.)');
    expect(joinSentences('Open the link it prints (it ends with #token=…)')).toBe('Open the link it prints (it ends with #token=…).');
    expect(joinSentences()).toBe('');
    expect(asSentence('  ')).toBe('');
  });

  it("an error's words: message, then action", () => {
    expect(errorText({ message: 'Alisa could not open the microphone', action: 'Connect one' })).toBe('Alisa could not open the microphone. Connect one.');
    expect(errorText({ message: 'No model.' })).toBe('No model.');
  });
});

describe('errors carry their raw output apart', () => {
  it('ErrorInfo has an optional details field, and AlisaError fills it', () => {
    const e = new AlisaError('microphone_unavailable', 'Alisa could not open the microphone.', 'Connect one.', { details: 'ffmpeg exited with 1' });
    expect(ErrorInfo.parse(e.toInfo())).toEqual({
      code: 'microphone_unavailable',
      message: 'Alisa could not open the microphone.',
      action: 'Connect one.',
      details: 'ffmpeg exited with 1',
    });
    expect(new AlisaError('internal', 'x').toInfo()).toEqual({ code: 'internal', message: 'x' });
  });

  it("no microphone: one sentence of what happened, one of what to do, the recorders' exit lines under details", async () => {
    // Recorders that fail the way they do on a machine without a microphone: many lines of stderr, exit 1.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'alisa-fake-recorders-'));
    try {
      const noisy = Array.from({ length: 6 }, (_, i) => `echo "ALSA lib pcm.c:${2600 + i}:(snd_pcm_open_noupdate) Unknown PCM default" >&2`).join('\n');
      for (const tool of ['ffmpeg', 'sox', 'arecord']) {
        const file = path.join(bin, tool);
        writeFileSync(file, `#!/bin/sh\n${noisy}\necho "${tool}: cannot open audio device default (No such file or directory)" >&2\nexit 1\n`);
        chmodSync(file, 0o755);
      }
      const err = await startRecording({ input: 'default', env: { PATH: bin }, platform: 'linux' }).then(
        async (rec) => {
          await rec.stop();
          throw new Error('the fake recorders recorded something');
        },
        (e: unknown) => e as AlisaError,
      );
      expect(err.code).toBe('microphone_unavailable');
      expect(err.message).toBe(microphoneMessage('default'));
      expect(err.message).toBe('Alisa could not open the microphone.');
      // Short: one sentence each, no process exit strings in what the user reads.
      for (const words of [err.message, err.action!]) {
        expect(words.match(/[.!?](\s|$)/g) ?? []).toHaveLength(1);
        expect(words).not.toMatch(/exited|ALSA|snd_pcm|\n/);
      }
      expect(err.action).toMatch(/alisa\.voice\.input/);
      // The raw story is there for "Details": every recorder tried and its last line.
      expect(err.details).toMatch(/ffmpeg \(pulse\): ffmpeg exited with 1: ffmpeg: cannot open audio device default/);
      expect(err.details).toMatch(/ffmpeg \(alsa\)/);
      expect(err.details).toMatch(/sox: sox exited with 1/);
      expect(err.details).toMatch(/arecord: arecord exited with 1/);
      expect(err.toInfo().details).toBe(err.details);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('"What Have You Learned About Me?" reads as sentences', () => {
  it('each finding is a sentence of its own, not a run of semicolons or key: value lines', () => {
    const p = derivePatterns({
      activity: [],
      outcomes: [],
      sequences: [
        { from: 'coding', to: 'running_tests', count: 5 },
        { from: 'debugging', to: 'coding', count: 3 },
      ],
      byTask: [],
      sessionLengthsMs: [40 * 60_000, 50 * 60_000, 60 * 60_000],
    } as never);
    expect(p.text).toBe('After coding you often run tests. After debugging you often write code. Your sessions last about 50 minutes.');
    expect(p.text).not.toMatch(/;|^\s*\w+:\s/m);
  });
});

// ---------------------------------------------------------------------------------------------
// `alisa.*` names

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    configuration: { properties: Record<string, unknown> } | Array<{ properties: Record<string, unknown> }>;
    commands: Array<{ command: string }>;
  };
};
const configurations = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
const SETTINGS = new Set(configurations.flatMap((c) => Object.keys(c.properties ?? {})));
const COMMANDS = new Set(pkg.contributes.commands.map((c) => c.command));
/** View and container ids, and the context keys `when` clauses read: ids, not settings. */
const CONTRIBUTED_IDS = new Set<string>();
(function collect(v: unknown, key: string): void {
  if (typeof v === 'string') {
    if (key === 'id' || key === 'when') for (const m of v.matchAll(/\balisa(?:\.\w+)*/g)) CONTRIBUTED_IDS.add(m[0]);
  } else if (Array.isArray(v)) v.forEach((x) => collect(x, key));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, k);
})(
  {
    views: (pkg.contributes as Record<string, unknown>).views,
    viewsContainers: (pkg.contributes as Record<string, unknown>).viewsContainers,
    menus: (pkg.contributes as Record<string, unknown>).menus,
    keybindings: (pkg.contributes as Record<string, unknown>).keybindings,
  },
  '',
);

/** Ids that are neither settings nor palette commands, and never meant as one: name → where, why. */
const ALLOWED: Record<string, { files: string[]; reason: string }> = {
  'alisa.llm.apiKey': {
    files: ['extension/settings.ts'],
    reason: 'the SecretStorage key of the model server\'s API key (API_KEY_SECRET); messages name the "Alisa: Set API Key" command instead',
  },
  'alisa.voice.sttApiKey': {
    files: ['extension/settings.ts'],
    reason:
      'the SecretStorage key of the transcription server\'s API key (STT_KEY_SECRET); messages name the "Alisa: Set Speech-to-Text API Key" command instead',
  },
  ...Object.fromEntries(
    ['alisa.voice.elevenLabsApiKey', 'alisa.voice.fishAudioApiKey', 'alisa.voice.openaiTtsApiKey'].map((name) => [
      name,
      {
        files: ['extension/voice/voice-keys.ts'],
        reason: 'the SecretStorage key of a voice server\'s API key (VOICE_KEY_SECRETS); messages name the "Alisa: Set Voice API Key" command instead',
      },
    ]),
  ),
  'alisa.status': { files: ['extension/status-bar.ts'], reason: "the status bar item's id" },
  'alisa.proposalOpen': { files: ['extension/help/proposal-controller.ts'], reason: "a context key (setContext) for the diff editor's Apply/Discard" },
  'alisa.proposalActive': { files: ['extension/help/proposal-controller.ts'], reason: "a context key (setContext) for the diff editor's Apply/Discard" },
  'alisa.token': {
    files: ['protocol/limits.ts', 'webview/host/browser-host.ts', 'README.md'],
    reason: "the WebSocket token subprotocol prefix and the browser tab's sessionStorage key",
  },
  'alisa.v1': { files: ['protocol/limits.ts', 'README.md'], reason: 'the WebSocket subprotocol name' },
  'alisa.webview.state': { files: ['webview/host/browser-host.ts'], reason: "the browser tab's localStorage key" },
  'alisa.db': { files: ['companion/config.ts', 'README.md'], reason: 'the database file name' },
  'alisa.db.corrupt': { files: ['README.md'], reason: 'the name a damaged database file is moved aside to' },
  'alisa.mentions.candidates': { files: ['extension/mentions/mentions.ts'], reason: 'an internal command (not in the palette) the extension-host tests call' },
  'alisa.mentions.resolve': { files: ['extension/mentions/mentions.ts'], reason: 'an internal command (not in the palette) the extension-host tests call' },
};

const NAME = /\balisa(?:\.[A-Za-z_*][\w*]*)+/g;

interface NameUse {
  name: string;
  file: string;
  line: number;
}

/** Every `alisa.<name>` in the string and template literals of a TypeScript source. */
function namesInSource(file: string, text: string): NameUse[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: NameUse[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      for (const m of node.text.matchAll(NAME)) out.push({ name: m[0], file, line });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function namesInText(file: string, text: string): NameUse[] {
  const out: NameUse[] = [];
  text.split('\n').forEach((l, i) => {
    for (const m of l.matchAll(NAME)) out.push({ name: m[0], file, line: i + 1 });
  });
  return out;
}

/** Null when `use` names something Alisa has (or an allowed internal id there); else why not. */
function problemOf(use: NameUse): string | null {
  const { name, file } = use;
  if (SETTINGS.has(name) || COMMANDS.has(name) || CONTRIBUTED_IDS.has(name)) return null;
  // `alisa.voice.*`, or a section (`alisa.voice`): a prefix of real settings.
  const prefix = name.endsWith('.*') ? name.slice(0, -1) : `${name}.`;
  if (!name.slice(0, -2).includes('*') && [...SETTINGS].some((s) => s.startsWith(prefix))) return null;
  const allowed = ALLOWED[name];
  if (allowed?.files.includes(file)) return null;
  return `${file}:${use.line} names ${name}, which is no setting (contributes.configuration) or command (contributes.commands) in package.json`;
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) yield* sources(rel);
    else if (entry.name.endsWith('.ts')) yield rel;
  }
}

describe('every alisa.* name the user can read exists', () => {
  const uses: NameUse[] = [];
  for (const dir of ['extension', 'companion', 'webview', 'common', 'protocol']) {
    for (const file of sources(dir)) uses.push(...namesInSource(file, readFileSync(path.join(REPO_ROOT, file), 'utf8')));
  }
  uses.push(...namesInText('README.md', readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')));

  it('finds the names (the scan reads the sources)', () => {
    expect(uses.length).toBeGreaterThan(50);
    expect(uses.some((u) => u.name === 'alisa.voice.input')).toBe(true);
    expect(SETTINGS.size).toBeGreaterThan(20);
  });

  it('each names a setting, a settings section or a command in package.json', () => {
    expect(uses.map(problemOf).filter(Boolean)).toEqual([]);
  });

  it('the allow-list holds only ids that are still used, each with a reason', () => {
    for (const [name, a] of Object.entries(ALLOWED)) {
      expect(a.reason.length, name).toBeGreaterThan(10);
      // Not a setting or command (then it needs no entry).
      expect(SETTINGS.has(name) || COMMANDS.has(name), name).toBe(false);
    }
  });

  it('a message naming a missing setting fails the check (the ones issue 15 found)', () => {
    const source = [
      "const API_KEY_ACTION = 'Set the API key this server expects (alisa.llm.apiKey).';",
      'const m = `Check the model name (alisa.llm.model) and the ${log}.`;',
      "const ok = 'Fix the endpoint setting (alisa.llm.endpoint); see alisa.voice.* and run alisa.setApiKey.';",
      '// a comment naming alisa.not.a.setting does not count',
    ].join('\n');
    const found = namesInSource('companion/llm/openai-provider.ts', source);
    expect(found.map((u) => u.name)).toEqual(['alisa.llm.apiKey', 'alisa.llm.model', 'alisa.llm.endpoint', 'alisa.voice.*', 'alisa.setApiKey']);
    expect(found.filter((u) => problemOf(u) !== null).map((u) => u.name)).toEqual(['alisa.llm.apiKey', 'alisa.llm.model']);
    // The secret's key is allowed only where it is the key, and a made-up section never.
    expect(problemOf({ name: 'alisa.llm.apiKey', file: 'extension/settings.ts', line: 1 })).toBeNull();
    expect(problemOf({ name: 'alisa.nothing.*', file: 'README.md', line: 1 })).toMatch(/no setting/);
  });
});
