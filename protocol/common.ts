// Shared vocabulary of the protocol: emotions, modes, roles, errors, and the records that
// requests return. Every message type in `messages.ts` is built from these schemas.
import * as z from 'zod';
import { SourceRef } from './attachments';

/** Bumped on any incompatible change; `hello` carries it and a mismatch is refused. */
export const PROTOCOL_VERSION = 1;

export const EMOTIONS = ['happy', 'calm', 'teasing', 'shy', 'serious', 'sad', 'neutral'] as const;
export const Emotion = z.enum(EMOTIONS);
export type Emotion = z.infer<typeof Emotion>;

export const MODES = ['teasing', 'serious', 'calm'] as const;
export const Mode = z.enum(MODES);
export type Mode = z.infer<typeof Mode>;

export const Role = z.enum(['user', 'assistant', 'system']);
export type Role = z.infer<typeof Role>;

/** complete: finished normally; streaming: being written now; interrupted: cut off by cancel or crash. */
export const MessageStatus = z.enum(['complete', 'streaming', 'interrupted', 'error']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const ErrorCode = z.enum([
  'bad_json', // the frame is not JSON
  'bad_message', // JSON, but not a message this protocol knows (schema failure)
  'unknown_method', // a request for a method that does not exist
  'frame_too_large', // the frame is over the size limit
  'rate_limited', // too many frames too quickly
  'protocol_mismatch', // hello carried another protocol version
  'hello_required', // a request arrived before hello
  'not_found', // session, message or character does not exist
  'invalid_argument', // a value the companion cannot use
  'forbidden', // e.g. deleting the default character
  'busy', // a reply is already streaming in that session
  'model_missing', // the model file does not exist
  'model_invalid', // the file is not a loadable GGUF
  'model_loading', // the model is still loading
  'model_download_failed', // an hf: or https: download failed (offline?)
  'model_download_required', // the model must be downloaded first and the user has not said yes yet
  'llm_unreachable', // an OpenAI-compatible server did not answer
  'llm_failed', // generation failed for another reason
  'no_provider', // no LLM provider is configured or usable
  'database_locked', // another process holds the database
  'database_unavailable', // the database could not be opened
  'screen_unavailable', // no display, or the capture tools are missing
  'ocr_unavailable', // the OCR engine or its language data could not load
  'voice_unavailable', // no text-to-speech or speech-to-text engine can work here
  'microphone_unavailable', // no recorder (ffmpeg, sox, arecord) or no input device
  'stt_model_missing', // the dictation model file is not there
  'camera_unavailable', // no ffmpeg, no camera, or the face model could not load
  'network_blocked', // a connection to another machine was blocked (alisa.network offline, or not allowed when asked)
  'voice_download_failed', // a Piper voice download or its unpacking failed (offline?)
  'cancelled',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * What an error tells the user: what happened (`message`, one short sentence), what to do
 * (`action`, one sentence) and, for whoever wants it, the raw output behind it (`details`: a
 * tool's exit lines, a server's answer), which the UIs show folded under "Details", never inline.
 */
export const ErrorInfo = z.object({
  code: ErrorCode,
  message: z.string(),
  action: z.string().optional(),
  details: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const Id = z.number().int().positive();

export const Session = z.object({
  id: Id,
  title: z.string(),
  characterId: Id.nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  messageCount: z.number().int().nonnegative(),
  /**
   * The workspace the session belongs to (its id, see `Hello.workspace`) and its display name;
   * null for a session tied to no workspace (older ones, the browser UI's). Older companions do
   * not send them: read as null.
   */
  workspace: z.string().nullable().default(null),
  workspaceName: z.string().nullable().default(null),
});
export type Session = z.infer<typeof Session>;

export const Message = z.object({
  id: Id,
  sessionId: Id,
  role: Role,
  text: z.string(),
  emotion: Emotion.nullable(),
  status: MessageStatus,
  spontaneous: z.boolean(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  createdAt: z.number(),
  /** A user message: what she attached (@-mentions); a reply: what it cited. Older companions omit it. */
  sources: z.array(SourceRef).optional(),
});
export type Message = z.infer<typeof Message>;

/**
 * The fields of an imported character card (SillyTavern Character Card V1/V2/V3) beyond those Alisa
 * uses directly (name, persona, greeting, voice); shown, and kept for export (character.export).
 */
export const CharacterCardInfo = z.object({
  spec: z.enum(['chara_card_v2', 'chara_card_v3']),
  description: z.string(),
  personality: z.string(),
  scenario: z.string(),
  firstMessage: z.string(),
  alternateGreetings: z.array(z.string()),
  exampleDialogue: z.string(),
  systemPrompt: z.string(),
  postHistoryInstructions: z.string(),
  creatorNotes: z.string(),
  tags: z.array(z.string()),
  creator: z.string(),
  characterVersion: z.string(),
});
export type CharacterCardInfo = z.infer<typeof CharacterCardInfo>;

export const Character = z.object({
  id: Id,
  key: z.string(),
  name: z.string(),
  systemPrompt: z.string(),
  voice: z.string().nullable(),
  avatar: z.string().nullable(),
  builtin: z.boolean(),
  /** Her first line in an empty chat (shown, not sent to the model); older companions omit it. */
  greeting: z.string().nullable().optional(),
  /** Her own avatar (an `avatar.*` id); null: the default. Older companions omit it. */
  avatarId: z.string().nullable().optional(),
  /** What her imported character card says (null: made here); older companions omit it. */
  card: CharacterCardInfo.nullable().optional(),
  /** She has a portrait (the card's image; `character.portrait` reads it). */
  portrait: z.boolean().optional(),
});
export type Character = z.infer<typeof Character>;

export const SearchHit = z.object({
  messageId: Id,
  sessionId: Id,
  sessionTitle: z.string(),
  /** The workspace name of the hit's session (null: none; older companions do not send it). */
  workspaceName: z.string().nullable().default(null),
  role: Role,
  /** Text around the match; matched terms are wrapped in `[[` and `]]`. */
  snippet: z.string(),
  rank: z.number(),
  createdAt: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const HistorySummary = z.object({
  sessions: z.number().int(),
  messages: z.number().int(),
  turns: z.number().int(),
  estimatedTokens: z.number().int(),
  maxTokens: z.number().int(),
});
export type HistorySummary = z.infer<typeof HistorySummary>;

/** What downloading a model will take, shown before asking the user. */
export const DownloadPlan = z.object({
  uri: z.string(),
  /** Readable name (the URI when unknown). */
  name: z.string(),
  /** Where it downloads from (host), null when the URI cannot be parsed. */
  host: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  /** Free space on the disk of the models folder. */
  freeDiskBytes: z.number().nullable(),
  /** About how much memory the model needs to run. */
  ramBytes: z.number().nullable(),
  totalRamBytes: z.number(),
  freeRamBytes: z.number(),
});
export type DownloadPlan = z.infer<typeof DownloadPlan>;

export const ModelState = z.object({
  provider: z.string().nullable(),
  state: z.enum(['none', 'loading', 'downloading', 'ready', 'error']),
  model: z.string().nullable(),
  /** 0..1 while loading or downloading. */
  progress: z.number().min(0).max(1).nullable(),
  error: ErrorInfo.nullable(),
  /** Set while the model waits for the user's yes to a download (error model_download_required). */
  download: DownloadPlan.nullable().optional(),
});
export type ModelState = z.infer<typeof ModelState>;

export const DatabaseState = z.object({
  state: z.enum(['ready', 'error']),
  path: z.string(),
  error: ErrorInfo.nullable(),
  /**
   * Set when the file found at start was damaged: it was moved (never deleted) to `movedTo` and
   * a fresh database started. `message` says what happened, `action` what to do.
   */
  recovered: z.object({ movedTo: z.string(), message: z.string(), action: z.string() }).nullable().optional(),
});
export type DatabaseState = z.infer<typeof DatabaseState>;

/**
 * Hybrid recall's embedding model (issue 17; absent: none configured, recall by words alone):
 * `indexed` memories have a vector of it; `error` says why it is off (a missing or unusable file).
 */
export const EmbeddingsState = z.object({
  model: z.string(),
  state: z.enum(['idle', 'working', 'ready', 'error']),
  indexed: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type EmbeddingsState = z.infer<typeof EmbeddingsState>;

export const Status = z.object({
  version: z.string(),
  protocolVersion: z.number().int(),
  model: ModelState,
  providers: z.array(ModelState),
  database: DatabaseState,
  mode: Mode,
  characterId: Id,
  embeddings: EmbeddingsState.optional(),
});
export type Status = z.infer<typeof Status>;

export const Timings = z.object({
  /** From the request to the first token of text. */
  firstTokenMs: z.number().nullable(),
  totalMs: z.number(),
  tokensPerSecond: z.number().nullable(),
});
export type Timings = z.infer<typeof Timings>;
