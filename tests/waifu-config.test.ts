// GET/PUT /api/config of the waifu-rt3d API (issue 19): the merge, the validation and the mapping
// onto Alisa's settings as functions; then the real companion (--waifu-port 0, the real model)
// over HTTP: the original's shape, a real deep merge, unknown keys kept across a restart, bad
// input refused with nothing changed, keys never stored, logged or echoed, and a change reaching
// VS Code's settings (`settings.changed`, written by extension/settings-sync.ts into the shared
// fake `vscode`) and, through them, the next companion.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { PROTOCOL_VERSION, SettingsChangedEvent, SYNCED_SETTING_KEYS, type CompanionMessage } from '../protocol';
import { deepMerge, loadStored, patchProblem, planPatch } from '../companion/waifu/config-routes';
import { applySettingsChanged, SYNCED_KEYS } from '../extension/settings-sync';
import { companionArgs } from '../extension/companion-args';
import { readSettings, readVoiceSettings } from '../extension/settings';
import { voiceConfigureParams } from '../extension/voice/voice-logic';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { pkg } from './helpers/ext-manager';
import { requireModel } from './helpers/model';

/** preflight.py's default app.json (shared/reference/seed-apis.md, "Configuration"). */
const REFERENCE_DEFAULT = {
  profile: 'auto',
  input_mode: 'text',
  output_mode: 'text+voice',
  llm: { provider: 'lmstudio', endpoint: 'http://127.0.0.1:1234/v1', api_key: 'lm-studio', model: '' },
  tts: {
    provider: 'fish_audio',
    endpoint: 'https://api.fish.audio/v1',
    api_key: '',
    voice_id: '8ef4a238714b45718ce04243307c57a7',
    format: 'mp3',
    sample_rate: 24000,
    fallback_chain: ['piper_local', 'xtts_server', 'elevenlabs'],
  },
  asr: { enabled: false, provider: 'browser', endpoint: '', api_key: '', model: 'whisper-1', language: 'en' },
  memory: { max_history: 12 },
};
/** Ours adds one field to each section with a key: whether a key is set (the key itself is never answered). */
const KEYED = ['llm', 'tts', 'asr'];

const LLM_KEY = 'sk-llm-NEVER-STORED-4242';
const TTS_KEY = 'fish-key-NEVER-STORED-9191';

const live = (over: Partial<{ muted: boolean; order: any[]; voice: string; servers: any; stt: any }> = {}) => ({
  muted: false,
  order: ['piper', 'espeak'] as any[],
  voice: '',
  servers: {},
  stt: 'auto' as const,
  ...over,
});
const NOW = {
  output_mode: 'text+voice',
  llm: { provider: 'embedded', endpoint: '', model: '' },
  asr: { endpoint: '', model: 'whisper-1' },
};

describe('the config as functions', () => {
  it('deep-merges: nested objects merged, arrays and scalars replaced, null removes the key', () => {
    const base = { tts: { provider: 'fish_audio', opts: { a: 1, b: 2 }, list: [1, 2, 3] }, x: 1, gone: { y: 1 } };
    const merged = deepMerge(base, { tts: { opts: { b: 3 }, list: [9] }, x: 'two', gone: null, added: { z: [1] } });
    expect(merged).toEqual({ tts: { provider: 'fish_audio', opts: { a: 1, b: 3 }, list: [9] }, x: 'two', added: { z: [1] } });
    expect(base.tts.opts).toEqual({ a: 1, b: 2 }); // the stored object is not changed in place
  });

  it('names the field of a wrong type or out of range; unknown keys pass', () => {
    expect(patchProblem({ anything: { goes: [null, 1] }, tts: { mystery: 'x' } })).toBeNull();
    expect(patchProblem({ tts: { sample_rate: 'fast' } })).toMatch(/^tts\.sample_rate must be a whole number/);
    expect(patchProblem({ tts: { sample_rate: 96_000 } })).toMatch(/^tts\.sample_rate /);
    expect(patchProblem({ tts: { provider: 'festival' } })).toMatch(/^tts\.provider must be one of .*fish_audio/);
    expect(patchProblem({ tts: { fallback_chain: ['piper_local', 'nope'] } })).toMatch(/^tts\.fallback_chain has an unknown provider "nope"/);
    expect(patchProblem({ output_mode: 'voice' })).toMatch(/^output_mode must be one of text, text\+voice/);
    expect(patchProblem({ llm: { endpoint: 'ftp://x' } })).toMatch(/^llm\.endpoint must be an http/);
    expect(patchProblem({ llm: { endpoint: 'http://user:pw@host/v1' } })).toMatch(/^llm\.endpoint /);
    expect(patchProblem({ asr: { enabled: 'yes' } })).toMatch(/^asr\.enabled must be true or false/);
    expect(patchProblem({ memory: { max_history: 0 } })).toMatch(/^memory\.max_history /);
    expect(patchProblem({ memory: 12 })).toMatch(/^memory must be an object/);
    expect(patchProblem({ tts: { provider: null } })).toMatch(/^tts\.provider cannot be null/);
  });

  it('maps the provider and its fallback chain onto the engine order, output_mode onto mute', () => {
    const plan = planPatch({ tts: { provider: 'fish_audio', fallback_chain: ['xtts_server', 'espeak'] }, output_mode: 'text' }, NOW, live(), ['embedded']);
    expect(plan.voice).toEqual({ ttsEngines: ['fish', 'xtts', 'espeak'], muted: true });
    expect(plan.settings).toContainEqual({ key: 'alisa.voice.ttsEngines', value: ['fish', 'xtts', 'espeak'] });
    expect(plan.settings).toContainEqual({ key: 'alisa.voice.muted', value: true });
    // A provider alone moves to the front; the rest of the order stays.
    expect(planPatch({ tts: { provider: 'espeak' } }, NOW, live(), ['embedded']).voice.ttsEngines).toEqual(['espeak', 'piper']);
    // The same values again change nothing.
    expect(planPatch({ tts: { provider: 'piper_local', fallback_chain: ['espeak'] }, output_mode: 'text+voice' }, NOW, live(), ['embedded']).settings).toEqual(
      [],
    );
  });

  it('maps a server voice to alisa.voice.servers and a local one to alisa.voice.voice; the LLM to launch settings', () => {
    const servers = {
      fish: { url: null, voice: null, model: null, keySet: false },
      xtts: { url: 'http://127.0.0.1:8020', voice: 'a.wav', model: 'en', keySet: false },
    };
    const plan = planPatch({ tts: { provider: 'fish_audio', voice_id: 'ref-1' } }, NOW, live({ servers }), ['embedded']);
    expect(plan.servers).toEqual([{ id: 'fish', change: { voice: 'ref-1' } }]);
    expect(plan.settings).toContainEqual({
      key: 'alisa.voice.servers',
      value: { fishAudio: { voice: 'ref-1' }, xtts: { url: 'http://127.0.0.1:8020', voice: 'a.wav', model: 'en' } },
    });
    expect(planPatch({ tts: { voice_id: 'en-gb' } }, NOW, live(), ['embedded']).settings).toEqual([{ key: 'alisa.voice.voice', value: 'en-gb' }]);
    const llm = planPatch({ llm: { provider: 'lmstudio', endpoint: 'http://127.0.0.1:1234/v1', model: 'qwen', api_key: LLM_KEY } }, NOW, live(), ['embedded']);
    expect(llm.settings).toEqual([
      { key: 'alisa.llm.providers', value: ['openai', 'embedded'] },
      { key: 'alisa.llm.endpoint', value: 'http://127.0.0.1:1234/v1' },
      { key: 'alisa.llm.endpointModel', value: 'qwen' },
    ]);
    expect(llm.restartKeys).toEqual(['alisa.llm.providers', 'alisa.llm.endpoint', 'alisa.llm.endpointModel']);
    expect(JSON.stringify(llm)).not.toContain(LLM_KEY);
    const asr = planPatch({ asr: { provider: 'whisper_local', endpoint: 'http://127.0.0.1:8080/inference' } }, NOW, live(), ['embedded']);
    expect(asr.voice).toEqual({ sttEngine: 'whispercpp' });
    expect(asr.settings.map((s) => s.key)).toEqual(['alisa.voice.sttEngine', 'alisa.voice.sttEndpoint']);
  });

  it('moves a corrupt file aside (never overwriting it) and answers the defaults', () => {
    const dir = tempDir('alisa-waifu-config-unit-');
    writeFileSync(path.join(dir, 'waifu-config.json'), '{"profile": "mine", oops');
    const lines: string[] = [];
    expect(loadStored(dir, (l) => lines.push(l))).toEqual({});
    expect(existsSync(path.join(dir, 'waifu-config.json'))).toBe(false);
    const aside = readdirSync(dir).filter((f) => f.startsWith('waifu-config.json.broken-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe('{"profile": "mine", oops');
    expect(lines.join('\n')).toMatch(/not valid JSON.*moved to .*broken-/);
  });

  it('the protocol and the extension allow the same settings, each one Alisa contributes', () => {
    expect([...SYNCED_KEYS].sort()).toEqual([...SYNCED_SETTING_KEYS].sort());
    for (const key of SYNCED_KEYS) expect(pkg.contributes.configuration.properties[key], key).toBeDefined();
    // A value the setting would not take never reaches the extension.
    expect(SettingsChangedEvent.safeParse({ type: 'settings.changed', source: 't', changes: [{ key: 'alisa.voice.muted', value: 'yes' }] }).success).toBe(
      false,
    );
    expect(
      SettingsChangedEvent.safeParse({ type: 'settings.changed', source: 't', changes: [{ key: 'alisa.voice.piperBinary', value: '/bin/sh' }] }).success,
    ).toBe(false);
  });
});

describe('the extension keeps what the API changed (settings-sync.ts)', () => {
  const log = { info: vi.fn(), warn: vi.fn() };
  beforeEach(() => fake.reset());

  it('writes the allowed keys to the user settings, only when they differ', async () => {
    fake.config['alisa.voice.muted'] = true;
    const written = await applySettingsChanged(
      {
        type: 'settings.changed',
        source: 'test',
        changes: [
          { key: 'alisa.voice.muted', value: true },
          { key: 'alisa.voice.ttsEngines', value: ['fish', 'espeak'] },
        ],
      },
      log,
    );
    expect(written).toEqual(['alisa.voice.ttsEngines']);
    expect(fake.updates).toEqual([{ key: 'alisa.voice.ttsEngines', value: ['fish', 'espeak'], target: 1 }]);
    // A key outside the list (only possible from a companion that skips the protocol's check) is not written.
    await applySettingsChanged({ type: 'settings.changed', source: 'test', changes: [{ key: 'alisa.voice.piperBinary', value: '/bin/sh' }] } as never, log);
    expect(fake.updates).toHaveLength(1);
    expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/ignored a change of alisa\.voice\.piperBinary/));
  });
});

describe('GET/PUT /api/config on the real companion', () => {
  let c: RunningCompanion;
  const dataDir = tempDir('alisa-waifu-config-');
  const file = path.join(dataDir, 'waifu-config.json');

  async function api(method: string, route: string, body?: unknown, raw?: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${c.waifuPort}${route}`, {
      method,
      headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: res.status, body: await res.json() };
  }
  const start = async (args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    c = await startCompanion({ dataDir, args: ['--waifu-port', '0', ...args], env });
    expect(c.waifuPort).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    requireModel();
    // A corrupt file from before: moved aside at the first GET, never overwritten.
    writeFileSync(file, '[not json');
    await start();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('answers the original shape: every key of its default config, keys empty; the corrupt file was moved aside and logged', async () => {
    const { status, body } = await api('GET', '/api/config');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(Object.keys(REFERENCE_DEFAULT).sort());
    for (const [section, value] of Object.entries(REFERENCE_DEFAULT)) {
      if (typeof value !== 'object') continue;
      const expected = [...Object.keys(value), ...(KEYED.includes(section) ? ['api_key_set'] : [])].sort();
      expect(Object.keys(body[section]).sort(), section).toEqual(expected);
    }
    // Alisa's own settings, as this companion was started: the default engines, not muted.
    expect(body).toMatchObject({
      output_mode: 'text+voice',
      llm: { provider: 'embedded', api_key: '', api_key_set: false },
      tts: { provider: 'piper_local', fallback_chain: ['espeak'], format: 'mp3', sample_rate: 24000 },
      asr: { enabled: false, provider: 'auto', language: 'en' },
      memory: { max_history: 12 },
    });
    expect(existsSync(file)).toBe(false);
    const aside = readdirSync(dataDir).find((f) => f.startsWith('waifu-config.json.broken-'));
    expect(readFileSync(path.join(dataDir, aside!), 'utf8')).toBe('[not json');
    expect(c.stderr()).toMatch(/waifu-config\.json could not be used \(it is not valid JSON\); it was moved to/);
  });

  it('merges deeply: a voice_id keeps the provider and its siblings; unknown keys are kept', async () => {
    const put = await api('PUT', '/api/config', { tts: { voice_id: 'en-gb', extra: { a: 1, b: [1, 2] } }, custom: { theme: 'dark' } });
    expect(put.status).toBe(200);
    expect(put.body.ok).toBe(true);
    expect(put.body.config.tts).toMatchObject({ provider: 'piper_local', voice_id: 'en-gb', fallback_chain: ['espeak'], extra: { a: 1, b: [1, 2] } });
    const again = await api('PUT', '/api/config', { tts: { extra: { b: [3] } }, memory: { max_history: 30 } });
    expect(again.body.config.tts).toMatchObject({ provider: 'piper_local', voice_id: 'en-gb', sample_rate: 24000, extra: { a: 1, b: [3] } });
    const { body } = await api('GET', '/api/config');
    expect(body).toEqual(again.body.config);
    expect(body.custom).toEqual({ theme: 'dark' });
    expect(body.memory.max_history).toBe(30);
  });

  it('refuses bad input with a 4xx naming the field, and changes nothing', async () => {
    const before = await api('GET', '/api/config');
    const fileBefore = readFileSync(file, 'utf8');
    const cases: Array<[unknown, number, RegExp]> = [
      [[1, 2], 400, /must be a JSON object/],
      ['text', 400, /must be a JSON object/],
      [{ tts: { sample_rate: 'fast' }, custom: { theme: 'light' } }, 422, /tts\.sample_rate/],
      [{ output_mode: 'loud', memory: { max_history: 5 } }, 422, /output_mode/],
      [{ tts: { provider: 'festival' } }, 422, /tts\.provider/],
      [{ llm: 'openai' }, 422, /llm must be an object/],
      [{ asr: { endpoint: 'file:///etc/passwd' } }, 422, /asr\.endpoint/],
    ];
    for (const [body, status, message] of cases) {
      const r = await api('PUT', '/api/config', body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body.detail).toMatch(message);
    }
    const nonJson = await api('PUT', '/api/config', undefined, '{"tts": ');
    expect(nonJson.status).toBe(400);
    expect((await api('GET', '/api/config')).body).toEqual(before.body);
    expect(readFileSync(file, 'utf8')).toBe(fileBefore);
  });

  it('a key is used, never stored, logged or answered', async () => {
    const fish = await api('PUT', '/api/config', { tts: { provider: 'fish_audio', api_key: TTS_KEY }, llm: { api_key: LLM_KEY }, my_token: 'abc-secret' });
    expect(fish.status).toBe(200);
    expect(fish.body.config.tts).toMatchObject({ provider: 'fish_audio', api_key: '', api_key_set: true, endpoint: 'https://api.fish.audio/v1' });
    expect(fish.body.config.llm).toMatchObject({ api_key: '', api_key_set: false });
    expect(fish.body.notes.join('\n')).toMatch(/llm\.api_key: not stored.*Alisa: Set API Key/);
    expect(fish.body.notes.join('\n')).toMatch(/my_token: not stored/);
    const get = JSON.stringify((await api('GET', '/api/config')).body);
    for (const secret of [TTS_KEY, LLM_KEY, 'abc-secret']) {
      expect(get).not.toContain(secret);
      expect(JSON.stringify(fish.body)).not.toContain(secret);
      expect(readFileSync(file, 'utf8')).not.toContain(secret);
      expect(c.stderr()).not.toContain(secret);
    }
  });

  it('reads Alisa live: voice.configure from a client shows in GET (the reverse direction)', async () => {
    const client = await TestClient.connect(c);
    try {
      await client.request('voice.configure', { muted: true, ttsEngines: ['espeak', 'piper'], sttEngine: 'openai' });
      const { body } = await api('GET', '/api/config');
      expect(body.output_mode).toBe('text');
      expect(body.tts).toMatchObject({ provider: 'espeak', fallback_chain: ['piper_local'] });
      expect(body.asr.provider).toBe('whisper_api');
      // And the API's change reaches the running companion's voice.
      await api('PUT', '/api/config', { output_mode: 'text+voice', tts: { provider: 'piper_local' } });
      const status = await client.request('voice.status', {});
      expect(status.muted).toBe(false);
      expect(status.tts.map((e) => e.id)).toEqual(['piper', 'espeak']);
    } finally {
      client.close();
    }
  });

  it('asr: "browser" (the page transcribes) is kept by the API; another provider is Alisa\'s dictation engine', async () => {
    const browser = await api('PUT', '/api/config', { asr: { enabled: true, provider: 'browser' } });
    expect(browser.body.config.asr).toMatchObject({ enabled: true, provider: 'browser' });
    expect(JSON.parse(readFileSync(file, 'utf8')).asr).toMatchObject({ enabled: true, provider: 'browser' });
    const local = await api('PUT', '/api/config', { asr: { provider: 'whisper_local' } });
    expect(local.body.config.asr).toMatchObject({ enabled: true, provider: 'whisper_local' });
    expect(JSON.parse(readFileSync(file, 'utf8')).asr).toEqual({ enabled: true });
  });

  it('keeps unknown keys across a restart; the run-only key is gone', async () => {
    await c.stop();
    await start();
    const { body } = await api('GET', '/api/config');
    expect(body.custom).toEqual({ theme: 'dark' });
    expect(body.tts.extra).toEqual({ a: 1, b: [3] });
    expect(body.memory.max_history).toBe(30);
    expect(body.tts.api_key_set).toBe(false);
    expect(body.my_token).toBeUndefined();
  });

  it('with no VS Code window, says what lasts and what is not applied', async () => {
    const r = await api('PUT', '/api/config', { output_mode: 'text', llm: { endpoint: 'http://127.0.0.1:9/v1' } });
    expect(r.status).toBe(200);
    const notes = r.body.notes.join('\n');
    expect(notes).toMatch(/alisa\.voice\.muted: applied until Alisa stops \(no VS Code window is connected/);
    expect(notes).toMatch(/alisa\.llm\.endpoint: not applied/);
    expect(r.body.config.output_mode).toBe('text');
    expect(r.body.config.llm.endpoint).toBe('');
  });

  it('a change reaches a VS Code window as settings.changed; written there, it reaches the next companion', async () => {
    fake.reset();
    // A window says hello as the extension does (its client name starts with alisa-vscode).
    const win = await TestClient.connect(c, { hello: false });
    const welcome = win.waitFor((m) => m.type === 'welcome');
    win.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'alisa-vscode/test' });
    await welcome;
    const endpoint = 'http://127.0.0.1:9/v1';
    const r = await api('PUT', '/api/config', {
      output_mode: 'text+voice',
      llm: { provider: 'lmstudio', endpoint, model: 'tiny' },
      tts: { provider: 'fish_audio', fallback_chain: ['espeak'] },
    });
    expect(r.body.notes.join('\n')).toMatch(
      /alisa\.llm\.providers, alisa\.llm\.endpoint, alisa\.llm\.endpointModel: saved in VS Code's settings; Alisa restarts/,
    );
    const event = (await win.waitFor((m) => m.type === 'settings.changed')) as Extract<CompanionMessage, { type: 'settings.changed' }>;
    win.close();
    expect(SettingsChangedEvent.parse(event).changes).toEqual(
      expect.arrayContaining([
        { key: 'alisa.voice.muted', value: false },
        { key: 'alisa.voice.ttsEngines', value: ['fish', 'espeak'] },
        { key: 'alisa.llm.providers', value: ['openai', 'embedded'] },
        { key: 'alisa.llm.endpoint', value: endpoint },
        { key: 'alisa.llm.endpointModel', value: 'tiny' },
      ]),
    );
    // The extension writes them (User settings)...
    await applySettingsChanged(event, { info: () => {}, warn: () => {} });
    expect(fake.config).toMatchObject({
      'alisa.llm.endpoint': endpoint,
      'alisa.voice.ttsEngines': ['fish', 'espeak'],
      'alisa.llm.providers': ['openai', 'embedded'],
    });
    expect(fake.updates.every((u) => u.target === 1)).toBe(true);
    // ...restarts the companion with its flags from those settings, then sends the voice settings.
    const args = companionArgs(readSettings(dataDir), process.pid);
    const llmArgs = args.flatMap((a, i) => (['--providers', '--endpoint', '--endpoint-model'].includes(a) ? [a, args[i + 1]!] : []));
    expect(llmArgs).toEqual(['--providers', 'openai,embedded', '--endpoint', endpoint, '--endpoint-model', 'tiny']);
    await c.stop();
    await start(llmArgs, { ALISA_LLM_API_KEY: LLM_KEY });
    const client = await TestClient.connect(c);
    try {
      await client.request('voice.configure', voiceConfigureParams(readVoiceSettings()));
      const { body } = await api('GET', '/api/config');
      expect(body.llm).toEqual({ provider: 'openai', endpoint, api_key: '', api_key_set: true, model: 'tiny' });
      expect(body.tts).toMatchObject({ provider: 'fish_audio', fallback_chain: ['espeak'] });
      expect(body.output_mode).toBe('text+voice');
      expect(JSON.stringify(body)).not.toContain(LLM_KEY);
    } finally {
      client.close();
    }
  });
});
