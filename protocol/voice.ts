// Voice (issue 6): Alisa speaks her replies (text-to-speech in the companion, playback in the
// webview) and hears the user (the companion records the microphone; webviews cannot). These
// messages configure both directions, carry the audio and the transcripts, and report state.
import * as z from 'zod';
import { ErrorInfo } from './common';

export const VOICE_LIMITS = { text: 2000, engines: 10, path: 1000 } as const;

export const TtsEngineId = z.enum(['msedge', 'espeak', 'piper']);
export type TtsEngineId = z.infer<typeof TtsEngineId>;
export const SttEngineId = z.enum(['sherpa', 'openai', 'pocketsphinx']);
export type SttEngineId = z.infer<typeof SttEngineId>;

export const EngineState = z.object({
  id: z.string(),
  /** Usable now (installed, configured, reachable as far as is known). */
  available: z.boolean(),
  /** Why not, in words with what to install or set. */
  reason: z.string().nullable(),
});
export type EngineState = z.infer<typeof EngineState>;

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
});
export type VoiceStatus = z.infer<typeof VoiceStatus>;

export const VoiceConfigure = z.object({
  muted: z.boolean().optional(),
  /** Neural voice name for msedge-tts (default en-US-AnaNeural), or an espeak-ng voice. */
  voice: z.string().max(100).optional(),
  /** e.g. "+15%" and "+10Hz" (the seed's defaults). */
  rate: z.string().max(20).optional(),
  pitch: z.string().max(20).optional(),
  /** Text-to-speech fallback order (default msedge, espeak, piper). */
  ttsEngines: z.array(TtsEngineId).max(VOICE_LIMITS.engines).optional(),
  piperBinary: z.string().max(VOICE_LIMITS.path).nullable().optional(),
  piperModel: z.string().max(VOICE_LIMITS.path).nullable().optional(),
  /** Dictation: which engine, its model file (sherpa) or server (OpenAI-compatible). */
  sttEngine: z.enum(['auto', 'sherpa', 'openai', 'pocketsphinx']).optional(),
  sttModel: z.string().max(VOICE_LIMITS.path).nullable().optional(),
  sttEndpoint: z.string().max(VOICE_LIMITS.path).nullable().optional(),
  /** Put the transcript in the input box (editable) or send it at once. */
  transcript: z.enum(['insert', 'send']).optional(),
  /** Listen continuously with voice activity detection instead of push-to-talk. */
  handsFree: z.boolean().optional(),
  /** Audio input: "default", a device name, or a WAV file standing in for the microphone. */
  input: z.string().max(VOICE_LIMITS.path).optional(),
});
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
/** Said once per cause: e.g. every engine failed and she fell silent, and what to install. */
export const VoiceNotice = z.object({ type: z.literal('voice.notice'), message: z.string(), action: z.string().nullable() });
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
