// The shapes SQLite hands back and the one place where they become protocol records.
// Column names stay snake_case here and nowhere else.
import { EMOTIONS, SourceRef, type Character, type Emotion, type Message, type MessageStatus, type Role, type SearchHit, type Session } from '../../protocol';
import { cardFields } from './card-fields';

export interface SessionRow {
  id: number;
  title: string;
  character_id: number | null;
  created_ts: number;
  updated_ts: number;
  workspace: string | null;
  workspace_name: string | null;
  message_count: number;
}

export interface MessageRow {
  id: number;
  session_id: number;
  role: string;
  text: string;
  emotion: string | null;
  status: string;
  spontaneous: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_ts: number;
  /** v9: JSON array of SourceRef, or null (older rows, and messages with none). */
  sources?: string | null;
}

export interface CharacterRow {
  id: number;
  key: string;
  name: string;
  system_prompt: string;
  voice: string | null;
  avatar: string | null;
  builtin: number;
  created_ts: number;
  updated_ts: number;
  greeting: string | null;
  /** v10: the imported character card as JSON (character-cards.ts), or null. */
  card?: string | null;
  /** v10: the card's image, relative to the data folder, or null. */
  portrait?: string | null;
  /** v10: her own avatar (the avatar store's id), or null. */
  avatar_id?: string | null;
}

export interface SearchTopRow {
  id: number;
  rank: number;
}

export interface SearchDetailsRow {
  id: number;
  session_id: number;
  title: string;
  workspace_name: string | null;
  role: string;
  created_ts: number;
  snippet: string;
}

export interface SummaryRow {
  sessions: number;
  messages: number;
  turns: number | null;
  chars: number | null;
}

const EMOTION_SET: ReadonlySet<string> = new Set(EMOTIONS);

/** An emotion from an older or newer build that this one does not know reads as none. */
function toEmotion(value: string | null): Emotion | null {
  return value !== null && EMOTION_SET.has(value) ? (value as Emotion) : null;
}

export function toSession(r: SessionRow): Session {
  return {
    id: r.id,
    title: r.title,
    characterId: r.character_id,
    createdAt: r.created_ts,
    updatedAt: r.updated_ts,
    messageCount: r.message_count,
    workspace: r.workspace,
    workspaceName: r.workspace_name,
  };
}

export function toMessage(r: MessageRow): Message {
  return {
    id: r.id,
    sessionId: r.session_id,
    // role and status are guarded by CHECK constraints in the schema.
    role: r.role as Role,
    text: r.text,
    emotion: toEmotion(r.emotion),
    status: r.status as MessageStatus,
    spontaneous: r.spontaneous !== 0,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    createdAt: r.created_ts,
    ...sourcesOf(r.sources),
  };
}

/** A message's stored sources; a value this build cannot read is left out rather than failing the read. */
function sourcesOf(json: string | null | undefined): { sources?: SourceRef[] } {
  if (!json) return {};
  try {
    const parsed = SourceRef.array().safeParse(JSON.parse(json));
    return parsed.success && parsed.data.length > 0 ? { sources: parsed.data } : {};
  } catch {
    return {};
  }
}

export function toCharacter(r: CharacterRow): Character {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    systemPrompt: r.system_prompt,
    voice: r.voice,
    avatar: r.avatar,
    builtin: r.builtin !== 0,
    greeting: r.greeting ?? null,
    avatarId: r.avatar_id ?? null,
    ...cardFields(r.card ?? null),
    portrait: r.portrait != null,
  };
}

export function toSearchHit(top: SearchTopRow, r: SearchDetailsRow): SearchHit {
  return {
    messageId: r.id,
    sessionId: r.session_id,
    sessionTitle: r.title,
    workspaceName: r.workspace_name,
    role: r.role as Role,
    snippet: r.snippet,
    rank: top.rank,
    createdAt: r.created_ts,
  };
}
