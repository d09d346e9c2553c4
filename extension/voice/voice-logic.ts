// The vscode-free decisions of voice (issue 6) in the extension: what `voice.configure` carries
// for the `alisa.voice.*` settings (and the active character's voice), how the status bar shows
// the companion's VoiceStatus, and when a mute seen in the companion's status should be kept in
// the setting.
//
// Only type imports from the protocol (and protocol/inputs.ts, which has no zod): a value import
// of the schemas would load zod at activation.
import { deviceInputProblem } from '../../protocol/inputs';
import type { TtsEngineId, VoiceConfigure, VoiceStatus } from '../../protocol/voice';

export const VOICE_COMMANDS = {
  toggleMute: 'alisa.voice.toggleMute',
  pushToTalk: 'alisa.voice.pushToTalk',
  stop: 'alisa.voice.stop',
} as const;

/**
 * Built-in voice commands the editor carries out (the phrase as ListenService reports it → the
 * VS Code command). "stop talking" / "be quiet" are handled in the companion, "hello alisa" in the
 * panel. Explain and fix act on the error at the cursor; a fix is still only applied on a click.
 */
const VOICE_COMMAND_ACTIONS: Readonly<Record<string, string>> = {
  'explain this error': 'alisa.explainError',
  'explain the error': 'alisa.explainError',
  'fix this error': 'alisa.fixDiagnostic',
  'fix the error': 'alisa.fixDiagnostic',
  'open the chat': 'alisa.openChat',
  'open chat': 'alisa.openChat',
  'new session': 'alisa.newSession',
};

/** The VS Code command for a recognised voice command, or null. */
export function voiceCommandAction(command: string | null): string | null {
  if (!command) return null;
  return VOICE_COMMAND_ACTIONS[command.trim().toLowerCase()] ?? null;
}

/** The protocol's VOICE_LIMITS and engine ids (protocol/voice.ts), repeated to keep zod out of activation; a test checks they agree. */
export const VOICE_SETTING_LIMITS = { text: 2000, engines: 10, path: 1000 } as const;
export const TTS_ENGINES = ['msedge', 'espeak', 'piper', 'openai-tts', 'elevenlabs', 'fish', 'xtts'] as const satisfies readonly TtsEngineId[];
/** The default order (protocol/voice.ts DEFAULT_TTS_ENGINES): local only; msedge is online and opt-in. */
export const DEFAULT_TTS_ORDER = ['piper', 'espeak'] as const satisfies readonly TtsEngineId[];
export const STT_ENGINES = ['auto', 'sherpa', 'openai', 'whispercpp', 'pocketsphinx'] as const;

export interface VoiceSettings {
  muted: boolean;
  voice: string;
  rate: string;
  pitch: string;
  ttsEngines: TtsEngineId[];
  sttEngine: (typeof STT_ENGINES)[number];
  transcript: 'insert' | 'send';
  handsFree: boolean;
  input: string;
}

export const VOICE_DEFAULTS: VoiceSettings = {
  muted: false,
  // Empty: each engine's own voice (Piper's downloaded or chosen voice, espeak-ng's en-us).
  voice: '',
  rate: '+15%',
  pitch: '+10Hz',
  ttsEngines: [...DEFAULT_TTS_ORDER],
  sttEngine: 'auto',
  transcript: 'insert',
  handsFree: false,
  input: 'default',
};

const str = (v: unknown, max: number, fallback: string): string => {
  const t = typeof v === 'string' ? v.trim() : '';
  return t && t.length <= max ? t : fallback;
};
const pathOrNull = (v: unknown, expand: (p: string) => string): string | null => {
  const t = typeof v === 'string' ? v.trim() : '';
  if (!t) return null;
  const p = expand(t);
  return p.length <= VOICE_SETTING_LIMITS.path ? p : null;
};

/**
 * The voice settings that name an executable, a model file or a server. They never go over the
 * connection: they become the companion's launch flags (a change restarts it), and only the
 * user's own value counts (`machine` scope; the extension reads `inspect().globalValue`), so a
 * workspace's .vscode/settings.json cannot make the companion run a program.
 */
export interface VoiceLaunchSettings {
  piperBinary: string | null;
  piperModel: string | null;
  sttModel: string | null;
  sttEndpoint: string | null;
  /** The `model` field for an OpenAI-compatible transcription server. */
  sttServerModel: string | null;
}

export const VOICE_LAUNCH_KEYS = [
  'piperBinary',
  'piperModel',
  'sttModel',
  'sttEndpoint',
  'sttServerModel',
] as const satisfies readonly (keyof VoiceLaunchSettings)[];

export const VOICE_LAUNCH_DEFAULTS: VoiceLaunchSettings = { piperBinary: null, piperModel: null, sttModel: null, sttEndpoint: null, sttServerModel: null };

/** The user's values (`read` gives the global value only) into what the companion's flags take. */
export function normalizeVoiceLaunchSettings(
  read: (key: keyof VoiceLaunchSettings) => unknown,
  expandHome: (p: string) => string = (p) => p,
): VoiceLaunchSettings {
  return {
    piperBinary: pathOrNull(read('piperBinary'), expandHome),
    piperModel: pathOrNull(read('piperModel'), expandHome),
    sttModel: pathOrNull(read('sttModel'), expandHome),
    sttEndpoint: pathOrNull(read('sttEndpoint'), (p) => p),
    sttServerModel: pathOrNull(read('sttServerModel'), (p) => p),
  };
}

/** The companion's flags for them (`--flag=value`, so a value starting with '-' is not read as a flag; the companion checks it). */
export function voiceLaunchArgs(s: VoiceLaunchSettings | undefined): string[] {
  if (!s) return [];
  const args: string[] = [];
  if (s.piperBinary) args.push(`--piper-binary=${s.piperBinary}`);
  if (s.piperModel) args.push(`--piper-model=${s.piperModel}`);
  if (s.sttModel) args.push(`--stt-model=${s.sttModel}`);
  if (s.sttEndpoint) args.push(`--stt-endpoint=${s.sttEndpoint}`);
  if (s.sttServerModel) args.push(`--stt-server-model=${s.sttServerModel}`);
  return args;
}

/** What the configuration holds (anything the user typed) into what the companion accepts. */
export function normalizeVoiceSettings(read: (key: keyof VoiceSettings) => unknown, expandHome: (p: string) => string = (p) => p): VoiceSettings {
  const engines: TtsEngineId[] = [];
  const list = read('ttsEngines');
  for (const e of Array.isArray(list) ? list : VOICE_DEFAULTS.ttsEngines) {
    if ((TTS_ENGINES as readonly unknown[]).includes(e) && !engines.includes(e as TtsEngineId)) engines.push(e as TtsEngineId);
  }
  const stt = read('sttEngine');
  return {
    muted: read('muted') === true,
    voice: str(read('voice'), 100, VOICE_DEFAULTS.voice),
    rate: str(read('rate'), 20, VOICE_DEFAULTS.rate),
    pitch: str(read('pitch'), 20, VOICE_DEFAULTS.pitch),
    // An empty list would mean silence: it falls back to the default order.
    ttsEngines: engines.length > 0 ? engines : [...VOICE_DEFAULTS.ttsEngines],
    sttEngine: (STT_ENGINES as readonly unknown[]).includes(stt) ? (stt as VoiceSettings['sttEngine']) : 'auto',
    transcript: read('transcript') === 'send' ? 'send' : 'insert',
    handsFree: read('handsFree') === true,
    input: voiceInput(read('input'), expandHome).input,
  };
}

/** The voice input setting (`~` expanded): itself, or "default" with the reason when the companion would refuse it (a URL, an option). */
export function voiceInput(value: unknown, expandHome: (p: string) => string = (p) => p): { input: string; problem: string | null } {
  const input = str(typeof value === 'string' ? expandHome(value) : value, VOICE_SETTING_LIMITS.path, 'default');
  const problem = deviceInputProblem(input, 'alisa.voice.input: the voice input');
  return problem ? { input: 'default', problem } : { input, problem: null };
}

/**
 * `voice.configure` params: every setting, with the active character's own voice (if it has one)
 * instead of `alisa.voice.voice`.
 */
export function voiceConfigureParams(settings: VoiceSettings, characterVoice: string | null = null): VoiceConfigure {
  const voice = characterVoice?.trim();
  return {
    muted: settings.muted,
    voice: voice && voice.length <= 100 ? voice : settings.voice,
    rate: settings.rate,
    pitch: settings.pitch,
    ttsEngines: [...settings.ttsEngines],
    sttEngine: settings.sttEngine,
    transcript: settings.transcript,
    handsFree: settings.handsFree,
    input: settings.input,
  };
}

export interface VoiceStatusLook {
  text: string;
  tooltip: string;
  command: string;
}

/** The mute item: `$(unmute)` while she speaks aloud, `$(mute)` while muted; a click toggles. Null: hidden (unknown). */
export function voiceMuteLook(status: VoiceStatus | null): VoiceStatusLook | null {
  if (!status) return null;
  if (status.muted) return { text: '$(mute)', tooltip: "Alisa's voice is muted. Click to unmute.", command: VOICE_COMMANDS.toggleMute };
  // An online engine (EngineState.online: msedge) is named as such: her text goes to another machine.
  const online = status.tts.find((e) => e.id === status.lastEngine)?.online === true;
  const engine = status.lastEngine ? ` (last spoken with ${status.lastEngine}${online ? ', online: her text goes to that service' : ''})` : '';
  const silent = status.tts.length > 0 && !status.tts.some((e) => e.available);
  const why = silent ? `\nNo speech engine works here: ${status.tts.map((e) => `${e.id}: ${e.reason ?? 'unavailable'}`).join('; ')}` : '';
  return { text: '$(unmute)', tooltip: `Alisa speaks her replies${engine}. Click to mute.${why}`, command: VOICE_COMMANDS.toggleMute };
}

/** The listening item: shown only while the companion listens; a click stops. */
export function voiceListeningLook(status: VoiceStatus | null): VoiceStatusLook | null {
  if (!status?.listening) return null;
  return {
    text: '$(record) Listening…',
    tooltip: status.handsFree ? 'Alisa listens (hands-free). Click to stop.' : 'Alisa listens. Click (or Ctrl+Alt+T) to stop.',
    command: VOICE_COMMANDS.pushToTalk,
  };
}

/**
 * A mute changed from elsewhere (the panel's button, which asks the companion directly) is kept
 * in the setting, so that it survives a restart. Only when the status is trustworthy: after this
 * connection's own configure was answered and while none is on its way (an older status would
 * undo the user's change).
 */
export function muteToPersist(settingMuted: boolean, status: VoiceStatus | null, configured: boolean, inFlight: number): boolean | null {
  if (!status || !configured || inFlight > 0) return null;
  return status.muted !== settingMuted ? status.muted : null;
}
