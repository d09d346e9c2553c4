// What callers hand the memory store. The records it hands back (Session, Message, ...) are
// protocol types and live in protocol/common.ts.
import type { Emotion, MessageStatus, Role } from '../../protocol';

export interface MemoryStoreOptions {
  /** How long a call waits for another process's lock before `database_locked` (default 25 ms: the wait blocks the event loop). */
  busyTimeoutMs?: number;
  /** Clock for timestamps (ms since epoch); tests pin it. */
  now?: () => number;
  /** Search ranks at most this many of the newest matches of a query; 0 (the default) ranks all. */
  searchWindow?: number;
}

export interface NewMessage {
  sessionId: number;
  role: Role;
  text: string;
  emotion?: Emotion | null;
  status?: MessageStatus;
  spontaneous?: boolean;
  promptTokens?: number | null;
  completionTokens?: number | null;
}

/** Only the fields present change; `null` clears a nullable field. */
export interface MessagePatch {
  text?: string;
  emotion?: Emotion | null;
  status?: MessageStatus;
  promptTokens?: number | null;
  completionTokens?: number | null;
}

export interface ListMessagesOptions {
  /** How many of the newest messages to return (default 200). */
  limit?: number;
  /** Only messages with a smaller id: the cursor for "load older". */
  beforeId?: number;
}

export interface NewCharacter {
  name: string;
  systemPrompt: string;
  voice?: string | null;
  avatar?: string | null;
  greeting?: string | null;
  /** An imported character card, as JSON (persona/character-cards.ts). */
  card?: string | null;
}

/** Only the fields present change; the key stays as created. */
export interface CharacterPatch {
  name?: string;
  systemPrompt?: string;
  voice?: string | null;
  avatar?: string | null;
  greeting?: string | null;
  /** The imported card as JSON; null: none (she was replaced by one made here). */
  card?: string | null;
  /** The card's image, relative to the data folder; null: none. */
  portrait?: string | null;
  /** Her own avatar (the avatar store's id); null: the default. */
  avatarId?: string | null;
}

export interface BuiltinCharacter {
  key: string;
  name: string;
  systemPrompt: string;
  voice: string | null;
}
