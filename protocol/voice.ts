// Voice (issue 6): Alisa speaks her replies (text-to-speech in the companion, playback in the
// webview) and hears the user (the companion records the microphone; webviews cannot). These
// messages configure both directions, carry the audio and the transcripts, and report state.
import * as z from 'zod';
import { ErrorInfo } from './common';
import { deviceInputProblem } from './inputs';

export const VOICE_LIMITS = { text: 2000, engines: 10, path: 1000 } as const;

// Issue 19: voices on a server: OpenAI-compatible /v1/audio/speech, ElevenLabs, Fish Audio, XTTS.
export const TtsEngineId = z.enum(['msedge', 'espeak', 'piper', 'openai-tts', 'elevenlabs', 'fish', 'xtts']);
export type TtsEngineId = z.infer<typeof TtsEngineId>;
/** The default chain: local only (Piper's neural voice, then espeak-ng). msedge is opt-in. */
export const DEFAULT_TTS_ENGINES = ['piper', 'espeak'] as const satisfies readonly TtsEngineId[];
/** Engines that send the text to another machine (msedge: Microsoft's servers); labelled "online". */
export const ONLINE_TTS_ENGINES: readonly string[] = ['msedge', 'elevenlabs', 'fish'];
export function isOnlineTtsEngine(id: string | null | undefined): boolean {
  return !!id && ONLINE_TTS_ENGINES.includes(id);
}
export const SttEngineId = z.enum(['sherpa', 'openai', 'whispercpp', 'pocketsphinx']);
export type SttEngineId = z.infer<typeof SttEngineId>;

export const EngineState = z.object({
  id: z.string(),
  /** Usable now (installed, configured, reachable as far as is known). */
  available: z.boolean(),
  /** Why not, in words with what to install or set. */
  reason: z.string().nullable(),
  /** It sends what it hears or says to a server on another machine (alisa.network applies). */
  online: z.boolean().optional(),
});
export type EngineState = z.infer<typeof EngineState>;

/**
 * The Piper voice download (`voice.download`): on request only, resumable, cancellable; its
 * progress comes in `voice.state` events.
 */
export const VoiceDownloadState = z.object({
  state: z.enum(['downloading', 'unpacking', 'done', 'error', 'cancelled']),
  /** The voice's id ("en_US-amy-low") and readable name. */
  voice: z.string(),
  name: z.string(),
  /** 0..1 of the current step (download, then unpacking); null while unknown. */
  progress: z.number().min(0).max(1).nullable(),
  receivedBytes: z.number().nullable(),
  totalBytes: z.number().nullable(),
  /** The installed voice folder once done. */
  path: z.string().nullable(),
  error: ErrorInfo.nullable(),
});
export type VoiceDownloadState = z.infer<typeof VoiceDownloadState>;

/** What downloading the default Piper voice takes, told before it starts. No network. */
export const VoiceDownloadPlan = z.object({
  voice: z.string(),
  name: z.string(),
  /** Where it comes from (host), and the archive's address. */
  host: z.string(),
  url: z.string(),
  /** About this size (the server says the exact size once it starts). */
  sizeBytes: z.number(),
  /** Space it takes once unpacked. */
  unpackedBytes: z.number(),
  freeDiskBytes: z.number().nullable(),
  /** The folder it is installed in (DATA/voices/<id>). */
  dir: z.string(),
  /** Already installed there. */
  installed: z.boolean(),
  /** Bytes of an earlier, interrupted download that will be resumed. */
  partialBytes: z.number(),
});
export type VoiceDownloadPlan = z.infer<typeof VoiceDownloadPlan>;

export const VoiceStatus = z.object({
  /** Speech out is off (the mute toggle). */
  muted: z.boolean(),
  speaking: z.boolean(),
  listening: z.boolean(),
  handsFree: z.boolean(),
  /** Text-to-speech engines in fallback order, then silence. */
  tts: z.array(EngineState),
  /** Speech-to-text engines: dictation ones first, pocketsphinx for the built-in commands. */
  stt: z.array(EngineState),
  /** The engine that spoke last, or null. */
  lastEngine: z.string().nullable(),
  error: ErrorInfo.nullable(),
  /** The Piper voice in use (a folder or .onnx file), or null when Piper has none. */
  piperVoice: z.string().nullable().optional(),
  /** The voice download in progress or last finished in this run, or null. */
  voiceDownload: VoiceDownloadState.nullable().optional(),
});
export type VoiceStatus = z.infer<typeof VoiceStatus>;

/**
 * Settings that name an executable, a model file or a server: never part of `voice.configure`.
 * They come only from the companion's launch flags (--piper-binary, --piper-model, --stt-model,
 * --stt-endpoint, --stt-server-model), which the extension builds from the user's own VS Code settings.
 */
export const VOICE_LAUNCH_ONLY = ['piperBinary', 'piperModel', 'sttModel', 'sttEndpoint', 'sttServerModel'] as const;

/** A microphone: "default", a device name, or a WAV file standing in for it; never a URL or an option. */
export const VoiceInput = z
  .string()
  .max(VOICE_LIMITS.path)
  .superRefine((value, ctx) => {
    const problem = deviceInputProblem(value, 'The voice input');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const VoiceConfigure = z.strictObject(
  {
    muted: z.boolean().optional(),
    /**
     * A voice name for the engines that take one: an espeak-ng voice ("en-us"), an Edge voice
     * ("en-US-AnaNeural"), or a Piper speaker number for multi-speaker voices; empty: each
     * engine's own default. A name meant for another engine is ignored.
     */
    voice: z.string().max(100).optional(),
    /** e.g. "+15%" and "+10Hz" (the seed's defaults). */
    rate: z.string().max(20).optional(),
    pitch: z.string().max(20).optional(),
    /** Text-to-speech fallback order (default piper, espeak; msedge is online and opt-in). */
    ttsEngines: z.array(TtsEngineId).max(VOICE_LIMITS.engines).optional(),
    /** Dictation: which engine (its model file or server is a launch setting, see VOICE_LAUNCH_ONLY). */
    sttEngine: z.enum(['auto', 'sherpa', 'openai', 'whispercpp', 'pocketsphinx']).optional(),
    /** Put the transcript in the input box (editable) or send it at once. */
    transcript: z.enum(['insert', 'send']).optional(),
    /** Listen continuously with voice activity detection instead of push-to-talk. */
    handsFree: z.boolean().optional(),
    /** Audio input: "default", a device name, or a WAV file standing in for the microphone. */
    input: VoiceInput.optional(),
  },
  {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const keys = (issue as { keys?: string[] }).keys ?? [];
      const launchOnly = keys.filter((k) => (VOICE_LAUNCH_ONLY as readonly string[]).includes(k));
      if (launchOnly.length === 0) return `Unknown voice setting(s): ${keys.join(', ')}.`;
      return `${launchOnly.join(', ')} cannot be set over the connection: executables, model files and servers come only from the user's own settings (alisa.voice.* in VS Code user settings, or the companion's --piper-binary, --piper-model, --stt-model, --stt-endpoint and --stt-server-model flags).`;
    },
  },
);
export type VoiceConfigure = z.infer<typeof VoiceConfigure>;

/** One sentence of speech, in order; the webview plays chunks of an utterance back to back. */
export const SpeechChunk = z.object({
  type: z.literal('speech.chunk'),
  utteranceId: z.string(),
  replyId: z.string().nullable(),
  seq: z.number().int().nonnegative(),
  /** What is spoken (cleaned: no tags, markdown, code or links). */
  text: z.string(),
  engine: z.string(),
  mime: z.enum(['audio/wav', 'audio/mpeg']),
  /** Base64 of the encoded audio. */
  data: z.string(),
  durationMs: z.number().nullable(),
});
export type SpeechChunk = z.infer<typeof SpeechChunk>;

export const SpeechStart = z.object({ type: z.literal('speech.start'), utteranceId: z.string(), replyId: z.string().nullable() });
export const SpeechEnd = z.object({
  type: z.literal('speech.end'),
  utteranceId: z.string(),
  replyId: z.string().nullable(),
  reason: z.enum(['done', 'stopped', 'failed']),
});
/**
 * Said once per cause: e.g. every engine failed and she fell silent, and what to install.
 * `code` names causes a client may act on: `piper_voice_missing` (Piper has no voice yet: offer
 * to download one or choose one; another engine speaks meanwhile).
 */
export const VoiceNotice = z.object({
  type: z.literal('voice.notice'),
  message: z.string(),
  action: z.string().nullable(),
  code: z.string().nullable().optional(),
  /** The raw reasons (each engine's error), shown folded under "Details". */
  details: z.string().optional(),
});
export const VoiceStateEvent = z.object({ type: z.literal('voice.state'), status: VoiceStatus });
export const VoiceTranscript = z.object({
  type: z.literal('voice.transcript'),
  text: z.string(),
  engine: z.string(),
  /** A built-in voice command recognised ("stop talking"), or null for dictation. */
  command: z.string().nullable(),
  /** What the user wants done with the text (the setting). */
  mode: z.enum(['insert', 'send']),
});
export type VoiceTranscript = z.infer<typeof VoiceTranscript>;
