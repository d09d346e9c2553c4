// The message model the chat view renders: a stored message from the companion, a reply that is
// still streaming, or the user's own message before the companion has confirmed it.
import type { Attachment, Emotion, ErrorInfo, Message, MessageStatus, Role, SourceRef } from '../../protocol';

export interface ChatMessage {
  /** Stable for the element's lifetime: `m<id>` for stored, `r<replyId>` for live replies, `u<n>` for local. */
  key: string;
  /** The stored message's id; null until the companion has committed it. */
  id: number | null;
  sessionId: number | null;
  role: Role;
  text: string;
  emotion: Emotion | null;
  status: MessageStatus;
  /** Sent by this view and not yet confirmed by the companion. */
  pending: boolean;
  spontaneous: boolean;
  /** Why the message failed (status `error`), in the companion's words. */
  error: ErrorInfo | null;
  replyId: string | null;
  createdAt: number;
  /** Secrets the companion found in this (user) message: it is stored as typed, and the panel warns. */
  secrets?: number;
  /** The user message a live reply answers (from reply.start). */
  userMessageId?: number | null;
  /** Typed while a reply streamed: held by the outbox and sent when that reply ends. */
  queued?: boolean;
  /** The companion's own time to the first token of this reply (from reply.end), for measuring the UI's share. */
  firstTokenMs?: number | null;
  /** A user message: what it attached (shown as chips); a reply: what it cited (shown as source links). */
  sources?: SourceRef[];
  /** A user message of this view's, until sent: its attachments (they go back to the box if it fails). */
  attachments?: Attachment[];
}

export function fromStored(m: Message): ChatMessage {
  return {
    key: `m${m.id}`,
    id: m.id,
    sessionId: m.sessionId,
    role: m.role,
    text: m.text,
    emotion: m.emotion,
    status: m.status,
    pending: false,
    spontaneous: m.spontaneous,
    error: null,
    replyId: null,
    createdAt: m.createdAt,
    ...(m.sources?.length ? { sources: m.sources } : {}),
  };
}
