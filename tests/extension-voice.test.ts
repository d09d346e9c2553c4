// Voice in the extension: the `alisa.voice.*` settings and commands as contributed, settings ->
// `voice.configure` (on connect, on change, with the character's voice), the commands, the
// status bar items, and a mute from the panel kept in the setting. `vscode` is the shared fake
// (tests/helpers/fake-vscode.ts: this runs outside VS Code); the companion is a recording fake manager.
import { describe, expect, it, vi } from 'vitest';
import { FakeManager, flush, pkg, useController } from './helpers/ext-manager';
import { fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { DEFAULT_TTS_ENGINES, VOICE_LAUNCH_ONLY, VOICE_LIMITS, VoiceConfigure, TtsEngineId, type VoiceStatus } from '../protocol/voice';
import { StatusBar } from '../extension/status-bar';
import { VoiceController } from '../extension/voice/voice-controller';
import { companionArgs } from '../extension/companion-args';
import { needsRestart, readSettings, readVoiceSettings } from '../extension/settings';
import { parseConfig } from '../companion/config';
import {
  DEFAULT_TTS_ORDER,
  muteToPersist,
  normalizeVoiceSettings,
  STT_ENGINES,
  TTS_ENGINES,
  VOICE_COMMANDS,
  VOICE_DEFAULTS,
  VOICE_SETTING_LIMITS,
  voiceConfigureParams,
  voiceListeningLook,
  voiceMuteLook,
  normalizeVoiceLaunchSettings,
  VOICE_LAUNCH_DEFAULTS,
  VOICE_LAUNCH_KEYS,
  voiceInput,
  voiceLaunchArgs,
  type VoiceSettings,
} from '../extension/voice/voice-logic';

const base: VoiceStatus = {
  muted: false,
  speaking: false,
  listening: false,
  handsFree: false,
  tts: [
    { id: 'msedge', available: true, reason: null },
    { id: 'espeak', available: true, reason: null },
  ],
  stt: [{ id: 'pocketsphinx', available: true, reason: null }],
  lastEngine: 'msedge',
  error: null,
};

const settingsFrom = (values: Partial<Record<keyof VoiceSettings, unknown>>) => normalizeVoiceSettings((k) => values[k]);

describe('voice settings and commands as contributed', () => {
  const props = pkg.contributes.configuration.properties;

  it('has every setting with the seed defaults', () => {
    expect(props['alisa.voice.muted']).toMatchObject({ type: 'boolean', default: false });
    // Empty: each engine's own voice (an Edge voice name would mean nothing to the local default engines).
    expect(props['alisa.voice.voice']).toMatchObject({ type: 'string', default: '' });
    expect(props['alisa.voice.rate']).toMatchObject({ type: 'string', default: '+15%' });
    expect(props['alisa.voice.pitch']).toMatchObject({ type: 'string', default: '+10Hz' });
    // Local only by default; msedge selectable, and labelled online.
    expect(props['alisa.voice.ttsEngines']).toMatchObject({
      type: 'array',
      default: ['piper', 'espeak'],
      items: { enum: ['msedge', 'espeak', 'piper', 'openai-tts', 'elevenlabs', 'fish', 'xtts'] },
    });
    expect(props['alisa.voice.ttsEngines'].items.enumDescriptions[0]).toMatch(/^online: your text goes to Microsoft/);
    expect(props['alisa.voice.ttsEngines'].markdownDescription).toMatch(/`msedge` is \*\*online\*\*/);
    expect(props['alisa.voice.sttEngine']).toMatchObject({ type: 'string', default: 'auto', enum: ['auto', 'sherpa', 'openai', 'whispercpp', 'pocketsphinx'] });
    expect(props['alisa.voice.transcript']).toMatchObject({ default: 'insert', enum: ['insert', 'send'] });
    expect(props['alisa.voice.handsFree']).toMatchObject({ type: 'boolean', default: false });
    expect(props['alisa.voice.input']).toMatchObject({ type: 'string', default: 'default' });
    // Settings that name a program, a model file or a server: the user's own settings only (a
    // workspace cannot set them), and never part of voice.configure (launch flags instead).
    for (const k of VOICE_LAUNCH_KEYS) expect(props[`alisa.voice.${k}`]).toMatchObject({ type: 'string', default: '', scope: 'machine' });
    expect(props['alisa.voice.input']).toMatchObject({ scope: 'machine' });
    for (const k of VOICE_LAUNCH_KEYS) expect(Object.keys(VoiceConfigure.shape)).not.toContain(k);
    expect([...VOICE_LAUNCH_KEYS]).toEqual([...VOICE_LAUNCH_ONLY]);
    // The defaults in package.json are the ones the code falls back to.
    for (const [k, v] of Object.entries(VOICE_DEFAULTS)) expect(props[`alisa.voice.${k}`].default ?? null).toEqual(v === null ? '' : v);
  });

  it('has the three commands, with keybindings for mute and push to talk', () => {
    const commands = pkg.contributes.commands as Array<{ command: string; title: string; category: string }>;
    expect(commands.find((c) => c.command === VOICE_COMMANDS.toggleMute)).toMatchObject({ title: "Mute/Unmute Alisa's Voice", category: 'Alisa' });
    expect(commands.find((c) => c.command === VOICE_COMMANDS.pushToTalk)).toMatchObject({ title: 'Push to Talk', category: 'Alisa' });
    expect(commands.find((c) => c.command === VOICE_COMMANDS.stop)).toMatchObject({ title: 'Stop Speaking', category: 'Alisa' });
    expect(pkg.contributes.keybindings).toEqual(
      expect.arrayContaining([
        { command: VOICE_COMMANDS.toggleMute, key: 'ctrl+alt+m', mac: 'cmd+alt+m' },
        expect.objectContaining({ command: VOICE_COMMANDS.pushToTalk, key: 'ctrl+alt+t' }),
      ]),
    );
  });

  it('repeats the protocol limits and engine ids exactly', () => {
    expect(VOICE_SETTING_LIMITS).toEqual(VOICE_LIMITS);
    expect([...TTS_ENGINES]).toEqual(TtsEngineId.options);
    expect([...DEFAULT_TTS_ORDER]).toEqual([...DEFAULT_TTS_ENGINES]);
    expect([...STT_ENGINES]).toEqual(VoiceConfigure.shape.sttEngine.unwrap().options);
  });
});

describe('settings -> voice.configure', () => {
  it('maps the defaults', () => {
    const params = voiceConfigureParams(settingsFrom({}));
    expect(params).toEqual({
      muted: false,
      voice: '',
      rate: '+15%',
      pitch: '+10Hz',
      ttsEngines: ['piper', 'espeak'],
      sttEngine: 'auto',
      transcript: 'insert',
      handsFree: false,
      input: 'default',
    });
    expect(VoiceConfigure.safeParse(params).success).toBe(true);
  });

  it('maps what the user set, and the character voice wins over the setting', () => {
    const s = settingsFrom({
      muted: true,
      voice: ' en-GB-SoniaNeural ',
      rate: '-10%',
      pitch: '+0Hz',
      ttsEngines: ['piper', 'espeak'],
      sttEngine: 'openai',
      transcript: 'send',
      handsFree: true,
      input: 'tests/hello.wav',
    });
    const params = voiceConfigureParams(s);
    expect(params).toMatchObject({
      muted: true,
      voice: 'en-GB-SoniaNeural',
      rate: '-10%',
      ttsEngines: ['piper', 'espeak'],
      sttEngine: 'openai',
      transcript: 'send',
      handsFree: true,
      input: 'tests/hello.wav',
    });
    expect(params).not.toHaveProperty('piperBinary');
    expect(voiceConfigureParams(s, 'en-US-JennyNeural').voice).toBe('en-US-JennyNeural');
    expect(voiceConfigureParams(s, '  ').voice).toBe('en-GB-SoniaNeural');
    expect(VoiceConfigure.safeParse(params).success).toBe(true);
  });

  it('cleans what the user typed into what the companion accepts', () => {
    const s = settingsFrom({
      ttsEngines: ['say', 'espeak', 'espeak', 3],
      sttEngine: 'whisper',
      transcript: 'shout',
      voice: 'x'.repeat(101),
      muted: 'yes',
      input: 'p'.repeat(1001),
    });
    expect(s.ttsEngines).toEqual(['espeak']);
    expect(s.sttEngine).toBe('auto');
    expect(s.transcript).toBe('insert');
    expect(s.voice).toBe('');
    expect(s.muted).toBe(false);
    expect(s.input).toBe('default');
    expect(settingsFrom({ ttsEngines: [] }).ttsEngines).toEqual(['piper', 'espeak']);
    expect(
      normalizeVoiceSettings(
        (k) => (k === 'input' ? '~/v.wav' : undefined),
        (p) => p.replace('~', '/home/me'),
      ).input,
    ).toBe('/home/me/v.wav');
    // An input the companion would refuse (a URL, an option) becomes the default microphone, with the reason.
    for (const bad of ['http://example.com/mic.wav', '-f', ' -i x', 'concat:a.wav|b.wav']) {
      expect(settingsFrom({ input: bad }).input).toBe('default');
      expect(voiceInput(bad).problem).toMatch(/alisa\.voice\.input/);
    }
    expect(voiceInput('hw:1,0')).toEqual({ input: 'hw:1,0', problem: null });
    expect(VoiceConfigure.safeParse(voiceConfigureParams(s)).success).toBe(true);
  });
});

describe('voice status bar looks', () => {
  it('mute item: hidden while unknown, $(unmute) speaking, $(mute) muted; a click toggles', () => {
    expect(voiceMuteLook(null)).toBeNull();
    expect(voiceMuteLook(base)).toEqual({
      text: '$(unmute)',
      tooltip: 'Alisa speaks her replies (last spoken with msedge). Click to mute.',
      command: 'alisa.voice.toggleMute',
    });
    const online = { ...base, tts: [{ id: 'msedge', available: true, reason: null, online: true }, ...base.tts.slice(1)] };
    expect(voiceMuteLook(online)!.tooltip).toBe('Alisa speaks her replies (last spoken with msedge, online: her text goes to that service). Click to mute.');
    expect(voiceMuteLook({ ...base, muted: true })).toEqual({
      text: '$(mute)',
      tooltip: "Alisa's voice is muted. Click to unmute.",
      command: 'alisa.voice.toggleMute',
    });
  });

  it('says why she is silent when no engine works', () => {
    const look = voiceMuteLook({ ...base, lastEngine: null, tts: [{ id: 'espeak', available: false, reason: 'Install espeak-ng.' }] })!;
    expect(look.tooltip).toContain('No speech engine works here: espeak: Install espeak-ng.');
  });

  it('listening item: only while listening; a click stops', () => {
    expect(voiceListeningLook(null)).toBeNull();
    expect(voiceListeningLook(base)).toBeNull();
    expect(voiceListeningLook({ ...base, listening: true })).toMatchObject({ text: '$(record) Listening…', command: 'alisa.voice.pushToTalk' });
    expect(voiceListeningLook({ ...base, listening: true, handsFree: true })!.tooltip).toMatch(/hands-free/);
  });
});

describe('a mute from the panel is kept in the setting', () => {
  it('only when the status can be trusted', () => {
    expect(muteToPersist(false, { ...base, muted: true }, true, 0)).toBe(true);
    expect(muteToPersist(true, { ...base, muted: false }, true, 0)).toBe(false);
    expect(muteToPersist(false, base, true, 0)).toBeNull();
    expect(muteToPersist(false, { ...base, muted: true }, false, 0)).toBeNull(); // before this connection's configure
    expect(muteToPersist(false, { ...base, muted: true }, true, 1)).toBeNull(); // a configure on its way
    expect(muteToPersist(false, null, true, 0)).toBeNull();
  });
});

// ------------------------------------------------------------------ the controller with a fake companion

/** Alisa's one status item over the voice controller `c`, her state ready. */
function statusItem(m: VoiceManager, c: VoiceController) {
  const manager = { state: { state: 'ready' }, status: null, modelConfigured: true, onDidChangeState: m.state.event, onDidReceiveEvent: m.events.event };
  const bar = new StatusBar(manager as never, { voice: c });
  return { bar, item: fake.items.filter((i) => i.id === 'alisa.status').at(-1)! };
}

/** The companion's character list and voice methods. */
class VoiceManager extends FakeManager {
  status = { characterId: 1 } as { characterId: number };
  voice: VoiceStatus = base;
  characterVoice: string | null = null;
  protected override answer(method: string, params: any): unknown {
    switch (method) {
      case 'character.list':
        return {
          characters: [{ id: this.status.characterId, key: 'alisa', name: 'Alisa', systemPrompt: '', voice: this.characterVoice, avatar: null, builtin: true }],
          activeId: this.status.characterId,
        };
      case 'voice.configure':
        this.voice = { ...this.voice, muted: params.muted ?? this.voice.muted };
        return this.voice;
      case 'voice.listen':
        this.voice = { ...this.voice, listening: params.action === 'start' };
        return { listening: this.voice.listening };
      case 'voice.stop':
        return { ok: true };
    }
    return super.answer(method, params);
  }
  configures() {
    return this.sent('voice.configure');
  }
}

describe('VoiceController', () => {
  let m: VoiceManager;
  let c: VoiceController;
  useController(VoiceManager, VoiceController, (started) => ({ m, c } = started));

  it('configures on start, on every connect and on a settings change', async () => {
    expect(m.configures()).toHaveLength(1);
    expect(m.configures()[0]).toMatchObject({ muted: false, voice: '', rate: '+15%', ttsEngines: ['piper', 'espeak'] });
    m.state.fire({ state: 'restarting' });
    expect(c.status).toBeNull();
    m.state.fire({ state: 'ready' });
    await flush();
    expect(m.configures()).toHaveLength(2);
    await fake.api.workspace.getConfiguration('alisa').update('voice.rate', '+30%', 1);
    await flush();
    expect(m.configures()).toHaveLength(3);
    expect(m.configures()[2]).toMatchObject({ rate: '+30%' });
    // A change elsewhere sends nothing.
    fake.configChanged.fire({ affectsConfiguration: (s) => s === 'alisa.mode' });
    await flush();
    expect(m.configures()).toHaveLength(3);
  });

  it("programs, model files and servers: launch flags from the user's own settings (a restart), never voice.configure; a workspace value is ignored", async () => {
    const before = m.configures().length;
    const config = fake.api.workspace.getConfiguration('alisa');
    /** Sets `values` in order at `target` (1 the user's, 2 the workspace's): none of them is sent in a voice.configure. */
    const updateLaunchOnly = async (target: number, values: Record<string, string>) => {
      for (const [key, value] of Object.entries(values)) await config.update(key, value, target);
      await flush();
      expect(m.configures()).toHaveLength(before);
    };
    // A workspace's .vscode/settings.json tries to name a program: nothing uses it.
    await updateLaunchOnly(2, {
      'voice.piperBinary': '/tmp/evil/piper',
      'voice.sttEndpoint': 'http://evil.example/v1',
      'voice.input': '/tmp/evil.wav',
      'companion.nodePath': '/tmp/evil/node',
    });
    expect(readSettings('/data').voice).toEqual(VOICE_LAUNCH_DEFAULTS);
    expect(readSettings('/data').nodePath).toBe('node');
    expect(readVoiceSettings().input).toBe('default');
    expect(companionArgs(readSettings('/data'), 1).join(' ')).not.toMatch(/evil/);
    // The user's own values: launch flags (a change restarts the companion), still no configure.
    await updateLaunchOnly(1, {
      'voice.piperBinary': '~/piper/piper',
      'voice.piperModel': '/voices/amy.onnx',
      'voice.sttModel': '/models/whisper-tiny',
      'voice.sttEndpoint': 'http://127.0.0.1:8080/v1',
    });
    const launch = readSettings('/data');
    expect(launch.voice?.piperBinary).toMatch(/^\/.*piper\/piper$/);
    const args = companionArgs(launch, 1);
    expect(args).toEqual(
      expect.arrayContaining([
        `--piper-binary=${launch.voice!.piperBinary}`,
        '--piper-model=/voices/amy.onnx',
        '--stt-model=/models/whisper-tiny',
        '--stt-endpoint=http://127.0.0.1:8080/v1',
      ]),
    );
    // The companion reads exactly these flags back.
    const parsed = parseConfig(args, {});
    expect(parsed).toMatchObject({
      piperBinary: launch.voice!.piperBinary,
      piperModel: '/voices/amy.onnx',
      sttModel: '/models/whisper-tiny',
      sttEndpoint: 'http://127.0.0.1:8080/v1',
    });
    for (const key of VOICE_LAUNCH_KEYS) expect(needsRestart({ affectsConfiguration: (s: string) => s === `alisa.voice.${key}` } as never)).toBe(true);
    expect(needsRestart({ affectsConfiguration: (s: string) => s === 'alisa.voice.rate' } as never)).toBe(false);
    // A value starting with '-' stays a value (the companion then says what is wrong with it).
    expect(parseConfig(voiceLaunchArgs({ ...VOICE_LAUNCH_DEFAULTS, piperBinary: '-x' }), {})).toMatchObject({ piperBinary: '-x' });
    expect(normalizeVoiceLaunchSettings((k) => (k === 'sttModel' ? '  ' : undefined))).toEqual(VOICE_LAUNCH_DEFAULTS);
  });

  it('an input the companion would refuse is not sent: the default, and the user is told once', async () => {
    const before = m.configures().length;
    await fake.api.workspace.getConfiguration('alisa').update('voice.input', 'http://evil.example/stream', 1);
    await flush();
    expect(m.configures().length).toBe(before);
    expect(fake.dialogs.filter((d) => /alisa\.voice\.input.*is a URL/.test(d.message))).toHaveLength(1);
    await fake.api.workspace.getConfiguration('alisa').update('voice.input', '/tmp/mic.wav', 1);
    await flush();
    expect(m.configures().at(-1)).toMatchObject({ input: '/tmp/mic.wav' });
  });

  it("sends the active character's voice, and again when the character changes", async () => {
    m.characterVoice = 'en-US-JennyNeural';
    m.status = { characterId: 2 };
    m.events.fire({ type: 'status', status: { characterId: 2 } });
    await flush();
    expect(m.configures().at(-1)).toMatchObject({ voice: 'en-US-JennyNeural' });
    const n = m.configures().length;
    m.events.fire({ type: 'status', status: { characterId: 2 } });
    await flush();
    expect(m.configures()).toHaveLength(n); // same character: nothing new
  });

  it('toggle mute writes the setting, which goes to the companion; the status bar follows', async () => {
    const { bar, item } = statusItem(m, c);
    // Speaking aloud is her normal state: no icon, but the tooltip and the menu say it.
    expect(item).toMatchObject({ text: '$(comment-discussion) Alisa', visible: true, command: 'alisa.statusMenu' });
    expect(String(item.tooltip)).toMatch(/speaks her replies/);
    await fake.commands.get(VOICE_COMMANDS.toggleMute)!();
    await flush();
    expect(fake.config['alisa.voice.muted']).toBe(true);
    expect(m.configures().at(-1)).toMatchObject({ muted: true });
    expect(item.text).toBe('$(comment-discussion) Alisa $(mute)');
    // The menu unmutes through the same command.
    fake.quickPickIndex = 1;
    await fake.commands.get('alisa.statusMenu')!();
    expect(fake.quickPicks.at(-1)!.items[1]).toBe('$(unmute) Unmute her voice');
    await flush();
    expect(m.configures().at(-1)).toMatchObject({ muted: false });
    expect(item.text).toBe('$(comment-discussion) Alisa');
    bar.dispose();
  });

  it('push to talk toggles listening; the status bar shows Listening…', async () => {
    const { item } = statusItem(m, c);
    await fake.commands.get(VOICE_COMMANDS.pushToTalk)!();
    expect(m.requests.at(-1)).toEqual({ method: 'voice.listen', params: { action: 'start' } });
    expect(item.text).toBe('$(comment-discussion) Alisa $(record)');
    expect(String(item.tooltip)).toMatch(/Alisa listens/);
    await fake.commands.get(VOICE_COMMANDS.pushToTalk)!();
    expect(m.requests.at(-1)).toEqual({ method: 'voice.listen', params: { action: 'stop' } });
    expect(item.text).toBe('$(comment-discussion) Alisa');
    // Listening started elsewhere (the panel's mic) shows too, and the menu stops it.
    m.events.fire({ type: 'voice.state', status: { ...base, listening: true } });
    expect(item.text).toBe('$(comment-discussion) Alisa $(record)');
    fake.quickPickIndex = 1;
    await fake.commands.get('alisa.statusMenu')!();
    expect(fake.quickPicks.at(-1)!.items[1]).toBe('$(debug-stop) Stop listening');
    expect(m.requests.at(-1)).toEqual({ method: 'voice.listen', params: { action: 'stop' } });
  });

  it('stop speaking asks the companion', async () => {
    await fake.commands.get(VOICE_COMMANDS.stop)!();
    expect(m.requests.at(-1)).toEqual({ method: 'voice.stop', params: {} });
  });

  it("the panel's mute (seen in voice.state) is kept in the setting, without a loop", async () => {
    m.voice = { ...base, muted: true };
    m.events.fire({ type: 'voice.state', status: m.voice });
    await flush();
    expect(fake.updates).toEqual([{ key: 'alisa.voice.muted', value: true, target: 1 }]);
    // The setting change has nothing new to send.
    expect(m.configures()).toHaveLength(1);
  });
});

describe('voice commands the editor carries out', () => {
  it('maps the built-in phrases to VS Code commands, and nothing else', async () => {
    const { voiceCommandAction } = await import('../extension/voice/voice-logic');
    expect(voiceCommandAction('explain this error')).toBe('alisa.explainError');
    expect(voiceCommandAction('Fix this error')).toBe('alisa.fixDiagnostic');
    expect(voiceCommandAction('open the chat')).toBe('alisa.openChat');
    expect(voiceCommandAction('new session')).toBe('alisa.newSession');
    expect(voiceCommandAction('stop talking')).toBeNull(); // the companion stops speaking itself
    expect(voiceCommandAction('rm -rf /')).toBeNull();
    expect(voiceCommandAction(null)).toBeNull();
    const contributed = new Set((pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    for (const target of ['alisa.explainError', 'alisa.fixDiagnostic', 'alisa.openChat', 'alisa.newSession'])
      expect(contributed.has(target), target).toBe(true);
  });
});
