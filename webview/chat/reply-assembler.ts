// The conversation of the session on screen, kept in step with the companion's events.
//
// Replies stream as `reply.start`, `reply.emotion`, `reply.token`… and end with `reply.end` (the
// final text replaces the streamed one) or `reply.error` (the partial text is kept). Events
// carry only the reply id after `reply.start`, and they arrive for every client of the
// companion, so this keeps every live reply by id and shows those that belong to the current
// session, including replies asked for in another window.
//
// Out-of-order safety: a token or emotion before its start creates the reply (its session is
// learned from start or end); anything after the end is ignored; a repeated start is harmless;
// history loaded while a reply streams does not duplicate it.
//
// Asking again (chat.retry, chat.edit): a reply that starts for a user message already followed
// by messages means the companion deleted those; they go here too (a window that did not ask
// reloads the chat, for an edited text). Messages queued while she answers stay last.
import type { Attachment, CompanionMessage, ErrorInfo, Message } from '../../protocol';
import { fromStored, type ChatMessage } from './chat-message';

export interface ApplyResult {
  /** Keys of shown messages whose text, status or emotion changed. */
  updated: string[];
  /** Messages were added to or removed from the shown list. */
  listChanged: boolean;
  /** A reply began for a user message this view has never seen (sent elsewhere): reload the session. */
  needsReload: boolean;
}

interface LiveReply {
  message: ChatMessage;
  ended: boolean;
}

/** Ended replies are remembered a while so late events for them are recognized and ignored. */
const MAX_ENDED_REPLIES = 100;

const none = (): ApplyResult => ({ updated: [], listChanged: false, needsReload: false });

export class ReplyAssembler {
  private current: number | null = null;
  private list: ChatMessage[] = [];
  private readonly live = new Map<string, LiveReply>();
  private localCounter = 0;
  /** Messages queued while she answered, until sent or cancelled (shown again when their chat is). */
  private held: ChatMessage[] = [];
  /** User messages this window asked again for (no reload needed when their reply starts). */
  private readonly askedAgain = new Set<number>();

  constructor(private readonly now: () => number = Date.now) {}

  get sessionId(): number | null {
    return this.current;
  }

  /** The shown messages, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.list;
  }

  /** The reply streaming in the given session (for the Stop button), if any. */
  streamingReplyId(sessionId: number | null = this.current): string | null {
    if (sessionId === null) return null;
    for (const [id, r] of this.live) if (!r.ended && r.message.sessionId === sessionId) return id;
    return null;
  }

  /** A reply this view has heard of (streaming or ended a while ago): its message, with its session and, once ended, its stored id. */
  replyMessage(replyId: string): ChatMessage | null {
    return this.live.get(replyId)?.message ?? null;
  }

  /** Switches to a session and shows its stored messages, merged with replies still streaming. */
  load(sessionId: number | null, history: readonly Message[]): void {
    this.current = sessionId;
    const keepLocal = this.list.filter((m) => m.pending && m.sessionId === sessionId);
    let list = history.map(fromStored);
    for (const r of this.live.values()) {
      if (r.message.sessionId !== sessionId || sessionId === null) continue;
      const m = r.message;
      if (!r.ended) {
        // The companion stores a streaming reply's partial text periodically: the live copy supersedes it.
        list = list.filter((h) => !(h.role === 'assistant' && h.status === 'streaming') && h.id !== m.id);
        list.push(m);
      } else if (m.id !== null) {
        const at = list.findIndex((h) => h.id === m.id);
        // History may have been read before the final write; the event's text is the final one.
        if (at >= 0) list[at] = { ...list[at]!, text: m.text, emotion: m.emotion, status: m.status };
      }
    }
    this.held = this.held.filter((m) => m.queued);
    const heldHere = this.held.filter((m) => m.sessionId === sessionId && !keepLocal.includes(m));
    this.list = [...list, ...keepLocal.filter((l) => !list.includes(l)), ...heldHere];
  }

  /** Older stored messages, put before the shown ones (paging back through a long chat). */
  prepend(older: readonly Message[]): void {
    const known = new Set(this.list.map((m) => m.id).filter((id) => id !== null));
    this.list = [...older.filter((m) => !known.has(m.id)).map(fromStored), ...this.list];
  }

  /** This window asks again from a user message (retry, edit): its reply needs no reload. */
  expectAgain(userMessageId: number, expected = true): void {
    if (expected) this.askedAgain.add(userMessageId);
    else this.askedAgain.delete(userMessageId);
  }

  /** The user's message, shown at once while `chat.send` is on its way (`queued`: held until her reply ends). */
  addUserMessage(text: string, opts: { queued?: boolean; attachments?: Attachment[] } = {}): ChatMessage {
    const m: ChatMessage = {
      key: `u${++this.localCounter}`,
      id: null,
      sessionId: this.current,
      role: 'user',
      text,
      emotion: null,
      status: 'complete',
      pending: true,
      spontaneous: false,
      error: null,
      replyId: null,
      createdAt: this.now(),
      ...(opts.queued ? { queued: true } : {}),
      ...(opts.attachments?.length ? { attachments: opts.attachments, sources: opts.attachments.map(({ text: _text, ...ref }) => ref) } : {}),
    };
    this.list.push(m);
    if (opts.queued) this.held.push(m);
    return m;
  }

  /** The companion stored the user's message. */
  confirmUserMessage(key: string, userMessageId: number, secrets = 0): void {
    const m = this.list.find((x) => x.key === key);
    if (!m) return;
    m.id = userMessageId;
    m.pending = false;
    if (secrets > 0) m.secrets = secrets;
  }

  /** Sending failed: the message stays, marked, with the reason. */
  failUserMessage(key: string, error: ErrorInfo): void {
    const m = this.list.find((x) => x.key === key);
    if (!m) return;
    m.pending = false;
    m.status = 'error';
    m.error = error;
  }

  /** The user's message now reads `text` (she edited it); secrets as the companion counted them. */
  setUserText(key: string, text: string, secrets = 0): void {
    const m = this.list.find((x) => x.key === key);
    if (!m) return;
    m.text = text;
    if (secrets > 0) m.secrets = secrets;
    else delete m.secrets;
    // Asked again without its attachments (the companion keeps none for an edit): no chips either.
    delete m.sources;
  }

  /** Removes a local message (the text was a command such as `/mode calm`, not a chat message). */
  removeLocal(key: string): void {
    this.list = this.list.filter((m) => m.key !== key);
    this.held = this.held.filter((m) => m.key !== key);
  }

  /** The connection is gone: replies still streaming will never end, so they stop here. */
  interruptAll(): ApplyResult {
    const result = none();
    for (const r of this.live.values()) {
      if (r.ended) continue;
      r.ended = true;
      r.message.status = 'interrupted';
      if (this.shown(r.message)) result.updated.push(r.message.key);
    }
    return result;
  }

  apply(event: CompanionMessage): ApplyResult {
    switch (event.type) {
      case 'reply.start': {
        const r = this.reply(event.replyId);
        if (r.ended) return none();
        const wasShown = this.shown(r.message);
        r.message.sessionId = event.sessionId;
        r.message.spontaneous = event.spontaneous;
        r.message.userMessageId = event.userMessageId;
        if (wasShown || event.sessionId !== this.current) return none();
        const userAt = event.userMessageId === null ? -1 : this.list.findIndex((m) => m.id === event.userMessageId);
        let dropped = false;
        if (userAt >= 0) {
          // Asked again: what followed it was deleted (local messages on their way stay).
          const after = this.list.slice(userAt + 1);
          const kept = after.filter((m) => m.pending || m.queued);
          dropped = kept.length < after.length;
          // Gone from the companion: their ids may be given to new messages (SQLite reuses the
          // highest), so an ended reply among them must never be merged into a later load.
          for (const m of after) if (!kept.includes(m)) m.id = null;
          this.list = [...this.list.slice(0, userAt + 1), r.message, ...kept];
        } else {
          const queuedAt = this.list.findIndex((m) => m.queued);
          this.list.splice(queuedAt < 0 ? this.list.length : queuedAt, 0, r.message);
        }
        const askedHere = event.userMessageId !== null && this.askedAgain.delete(event.userMessageId);
        // A pending local message in this session is most likely the one this reply answers.
        const ours = this.list.some((m) => m.pending && !m.queued && m.role === 'user');
        return { updated: [], listChanged: true, needsReload: (event.userMessageId !== null && userAt < 0 && !ours) || (dropped && !askedHere) };
      }
      case 'reply.token': {
        const r = this.reply(event.replyId);
        if (r.ended || event.text === '') return none();
        r.message.text += event.text;
        return this.changed(r.message);
      }
      case 'reply.emotion': {
        const r = this.reply(event.replyId);
        if (r.ended) return none();
        r.message.emotion = event.emotion;
        return this.changed(r.message);
      }
      case 'reply.end': {
        const r = this.reply(event.replyId);
        if (r.ended) return none();
        r.ended = true;
        Object.assign(r.message, {
          id: event.messageId,
          sessionId: event.sessionId,
          text: event.text,
          emotion: event.emotion,
          status: event.interrupted ? 'interrupted' : 'complete',
          firstTokenMs: event.timings.firstTokenMs,
          ...(event.sources?.length ? { sources: event.sources } : {}),
        } satisfies Partial<ChatMessage>);
        this.prune();
        return this.settle(r.message);
      }
      case 'reply.error': {
        const r = this.reply(event.replyId);
        if (r.ended) return none();
        r.ended = true;
        const stopped = event.error.code === 'cancelled';
        Object.assign(r.message, {
          id: event.messageId ?? r.message.id,
          sessionId: event.sessionId,
          status: stopped ? 'interrupted' : 'error',
          error: stopped ? null : event.error,
        } satisfies Partial<ChatMessage>);
        this.prune();
        return this.settle(r.message);
      }
      default:
        return none();
    }
  }

  private reply(replyId: string): LiveReply {
    let r = this.live.get(replyId);
    if (!r) {
      r = {
        ended: false,
        message: {
          key: `r${replyId}`,
          id: null,
          sessionId: null,
          role: 'assistant',
          text: '',
          emotion: null,
          status: 'streaming',
          pending: false,
          spontaneous: false,
          error: null,
          replyId,
          createdAt: this.now(),
        },
      };
      this.live.set(replyId, r);
    }
    return r;
  }

  private shown(m: ChatMessage): boolean {
    return this.list.includes(m);
  }

  private changed(m: ChatMessage): ApplyResult {
    return this.shown(m) ? { updated: [m.key], listChanged: false, needsReload: false } : none();
  }

  /** An ended reply: update it if shown; show it if it belongs here and was not (start was missed). */
  private settle(m: ChatMessage): ApplyResult {
    if (this.shown(m)) return { updated: [m.key], listChanged: false, needsReload: false };
    if (m.sessionId === null || m.sessionId !== this.current) return none();
    const stored = m.id === null ? -1 : this.list.findIndex((x) => x.id === m.id);
    if (stored >= 0) {
      const old = this.list[stored]!;
      this.list[stored] = { ...old, text: m.text, emotion: m.emotion, status: m.status, error: m.error };
      return { updated: [old.key], listChanged: false, needsReload: false };
    }
    const queuedAt = this.list.findIndex((x) => x.queued);
    this.list.splice(queuedAt < 0 ? this.list.length : queuedAt, 0, m);
    return { updated: [], listChanged: true, needsReload: false };
  }

  private prune(): void {
    let ended = 0;
    for (const r of this.live.values()) if (r.ended) ended++;
    for (const [id, r] of this.live) {
      if (ended <= MAX_ENDED_REPLIES) break;
      if (r.ended) {
        this.live.delete(id);
        ended--;
      }
    }
  }
}
