// Alisa's long-term memory: conversations, their messages, the characters she can play and a
// few settings, in one SQLite file. Every public method is synchronous (better-sqlite3), keeps
// the database consistent on its own (multi-statement writes run in one transaction), and
// fails only with AlisaError for anything a user could meet: a lock held by another process
// becomes `database_locked`, an unknown id `not_found`, bad input `invalid_argument`.
// The shared internals (statements, transactions, the error gate) live in store-core.ts, the
// rhythm tables (interruptions, task memory) in rhythm-store.ts and the characters in
// character-store.ts; MemoryStore inherits them all, so callers still see one store.
import type { ClientWorkspace, HistorySummary, Message, SearchHit, Session, SourceRef } from '../../protocol';
import { AlisaError } from '../errors';
import { mapRuntimeError, openDatabase, type Db, type MovedAside } from './database';
import { renderJson, renderMarkdown, type ExportedSession, type HistoryExport } from './export-format';
import { parseSearchQuery } from './fts-query';
import { toMessage, toSession, type SessionRow, type SummaryRow } from './rows';
import { DEFAULT_SEARCH_WINDOW, runSearch } from './search';
import { SummaryStore } from './summary-store';
import type { ListMessagesOptions, MemoryStoreOptions, MessagePatch, NewMessage } from './types';
import * as v from './validate';
import { flag, isForeignKeyError, parseSessionCursor, patchParam } from './validate';

export const DEFAULT_SESSION_TITLE = 'New chat';
export const DEFAULT_PAGE_SIZE = 200;
/** Sessions per page of the list (session.list) unless asked otherwise, and the most a page holds. */
const DEFAULT_SESSION_PAGE = 50;
const MAX_SESSION_PAGE = 500;
const MAX_PAGE_SIZE = 10_000;
const MAX_SEARCH_HITS = 200;

export class MemoryStore extends SummaryStore {
  private constructor(
    path: string,
    db: Db,
    now: () => number,
    private readonly searchWindow: number,
  ) {
    super(path, db, now);
  }

  /** Opens or creates the database at `path` and migrates it. Throws AlisaError on failure. */
  static open(path: string, opts: MemoryStoreOptions = {}): MemoryStore {
    const window = opts.searchWindow ?? DEFAULT_SEARCH_WINDOW;
    if (!Number.isInteger(window) || window < 0) throw new AlisaError('invalid_argument', `searchWindow must be a non-negative integer, got ${window}.`);
    let movedAside: MovedAside | null = null;
    const db = openDatabase(path, { busyTimeoutMs: opts.busyTimeoutMs, onMovedAside: (info) => (movedAside = info) });
    try {
      const store = new MemoryStore(path, db, opts.now ?? Date.now, window);
      store.movedAside = movedAside;
      return store;
    } catch (err) {
      db.close();
      throw mapRuntimeError(path, err);
    }
  }

  // ---- sessions --------------------------------------------------------------------------

  /**
   * Newest activity first. With `workspace` (a workspace id): only that workspace's sessions and
   * those tied to no workspace.
   */
  listSessions(workspace?: string | null): Session[] {
    return this.guard(() => (typeof workspace === 'string' ? this.sql.listWorkspaceSessions.all(workspace) : this.sql.listSessions.all()).map(toSession));
  }

  /**
   * One page of the list, newest activity first (scope as in `listSessions`). `cursor` is the
   * `nextCursor` of the page before (absent: the first page); `nextCursor` is null on the last
   * page. Keyset paging on (updatedAt, id): a session created or used while paging moves above
   * the cursor, so later pages neither repeat nor skip the others (clients hear of the moved one
   * as an event).
   */
  listSessionsPage(opts: { workspace?: string | null; limit?: number; cursor?: string } = {}): { sessions: Session[]; nextCursor: string | null } {
    const limit = v.checkLimit(opts.limit ?? DEFAULT_SESSION_PAGE, 'limit', MAX_SESSION_PAGE);
    const [ts, id] = opts.cursor === undefined ? [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : parseSessionCursor(opts.cursor);
    return this.guard(
      () =>
        this.tx.deferred(() => {
          let rows: SessionRow[];
          if (typeof opts.workspace === 'string') {
            // Both halves in index order, merged: the first limit + 1 of their union.
            const own = this.sql.pageWorkspaceSessions.all(opts.workspace, ts, id, limit + 1);
            const loose = this.sql.pageLooseSessions.all(ts, id, limit + 1);
            rows = [...own, ...loose].sort((a, b) => b.updated_ts - a.updated_ts || b.id - a.id).slice(0, limit + 1);
          } else {
            rows = this.sql.pageSessions.all(ts, id, limit + 1);
          }
          const more = rows.length > limit;
          const page = rows.slice(0, limit);
          const last = page.at(-1);
          return { sessions: page.map(toSession), nextCursor: more && last ? `${last.updated_ts}:${last.id}` : null };
        }) as { sessions: Session[]; nextCursor: string | null },
    );
  }

  getSession(id: number): Session | null {
    return this.guard(() => {
      const row = this.sql.getSession.get(id);
      return row ? toSession(row) : null;
    });
  }

  /** The most recent session of all; with `workspace`, the most recent of that workspace's own (none tied to no workspace). */
  latestSession(workspace?: string | null): Session | null {
    return this.guard(() => {
      const row = typeof workspace === 'string' ? this.sql.latestWorkspaceSession.get(workspace) : this.sql.latestSession.get();
      return row ? toSession(row) : null;
    });
  }

  /** A blank or missing title becomes "New chat". `workspace` ties it to one (null: to none). */
  createSession(title?: string, characterId: number | null = null, workspace: ClientWorkspace | null = null): Session {
    const clean = typeof title === 'string' && title.trim() !== '' ? v.cleanTitle(title) : DEFAULT_SESSION_TITLE;
    if (characterId !== null) v.checkId(characterId, 'characterId');
    const workspaceId = workspace ? v.checkText(workspace.id, 'The workspace id') : null;
    // The name is only shown: stored lossily rather than refused.
    const workspaceName = workspace ? v.wellFormed(workspace.name) : null;
    return this.write(() => {
      const ts = this.now();
      let id: number;
      try {
        id = this.sql.insertSession.get(clean, characterId, ts, ts, workspaceId, workspaceName)!;
      } catch (err) {
        throw isForeignKeyError(err) ? v.notFound('Character', characterId!) : err;
      }
      return this.requireSession(id);
    });
  }

  renameSession(id: number, title: string): Session {
    const clean = v.cleanTitle(title);
    return this.write(() => {
      if (this.sql.renameSession.run(clean, id).changes === 0) throw v.notFound('Session', id);
      return this.requireSession(id);
    });
  }

  /** Removes the session with its messages; their search entries go with them (trigger). */
  deleteSession(id: number): void {
    this.write(() => {
      if (this.sql.deleteSession.run(id).changes === 0) throw v.notFound('Session', id);
    });
  }

  /** Marks the session as just used, moving it to the top of the list. */
  touchSession(id: number): void {
    this.write(() => {
      if (this.sql.touchSession.run(this.now(), id).changes === 0) throw v.notFound('Session', id);
    });
  }

  // ---- messages --------------------------------------------------------------------------

  /** Appends a message and moves its session to the top of the list. */
  addMessage(m: NewMessage): Message {
    v.checkId(m.sessionId, 'sessionId');
    const role = v.checkRole(m.role);
    const text = v.checkText(m.text);
    const emotion = v.checkEmotion(m.emotion);
    const status = v.checkStatus(m.status ?? 'complete');
    const promptTokens = v.checkTokens(m.promptTokens, 'promptTokens');
    const completionTokens = v.checkTokens(m.completionTokens, 'completionTokens');
    return this.write(() => {
      const ts = this.now();
      let row;
      try {
        row = this.sql.insertMessage.get(m.sessionId, role, text, emotion, status, flag(m.spontaneous === true), promptTokens, completionTokens, ts)!;
      } catch (err) {
        // The foreign key is the existence check: no extra lookup on the hot path.
        throw isForeignKeyError(err) ? v.notFound('Session', m.sessionId) : err;
      }
      this.sql.touchSession.run(ts, m.sessionId);
      return toMessage(row);
    });
  }

  /** Changes some fields of a message (typically a streaming reply growing, then finishing). */
  updateMessage(id: number, patch: MessagePatch): Message {
    const params = {
      id,
      ...patchParam(patch, 'text', 'text', (text) => v.checkText(text)),
      ...patchParam(patch, 'emotion', 'emotion', v.checkEmotion),
      ...patchParam(patch, 'status', 'status', v.checkStatus),
      ...patchParam(patch, 'promptTokens', 'prompt_tokens', (n) => v.checkTokens(n, 'promptTokens')),
      ...patchParam(patch, 'completionTokens', 'completion_tokens', (n) => v.checkTokens(n, 'completionTokens')),
    };
    return this.write(() => {
      const row = this.sql.updateMessage.get(params);
      if (!row) throw v.notFound('Message', id);
      return toMessage(row);
    });
  }

  /** What a user message attached or a reply cited (issue 17); an empty list clears it. */
  setMessageSources(id: number, sources: readonly SourceRef[]): void {
    const json = sources.length > 0 ? JSON.stringify(sources) : null;
    this.write(() => {
      if (this.sql.setMessageSources.run(json, id).changes === 0) throw v.notFound('Message', id);
    });
  }

  getMessage(id: number): Message | null {
    return this.guard(() => {
      const row = this.sql.getMessage.get(id);
      return row ? toMessage(row) : null;
    });
  }

  /** The newest `limit` messages (before `beforeId` if given), oldest first. */
  listMessages(sessionId: number, opts: ListMessagesOptions = {}): Message[] {
    const limit = v.checkLimit(opts.limit ?? DEFAULT_PAGE_SIZE, 'limit', MAX_PAGE_SIZE);
    const before = opts.beforeId === undefined ? Number.MAX_SAFE_INTEGER : v.checkId(opts.beforeId, 'beforeId');
    return this.guard(() => {
      const rows = this.sql.pageMessages.all(sessionId, before, limit);
      if (rows.length === 0 && !this.sql.sessionExists.get(sessionId)) throw v.notFound('Session', sessionId);
      return rows.map(toMessage);
    });
  }

  /** Removes one message (a reply's placeholder row that never got any text); false if it was not there. */
  deleteMessage(id: number): boolean {
    return this.write(() => this.sql.deleteMessage.run(id).changes > 0);
  }

  /**
   * Asking again from one of the user's messages (chat.retry, chat.edit): in one transaction,
   * replaces its text when `text` is given and deletes every later message of its session (their
   * search entries go by trigger), so no superseded reply is left to reach a prompt.
   * `onlyReplies` refuses when a later message of the user's would go too. Returns the message
   * and the ids deleted.
   */
  rewindTo(messageId: number, opts: { text?: string; onlyReplies?: boolean } = {}): { message: Message; removed: number[] } {
    const text = opts.text === undefined ? undefined : v.checkText(opts.text);
    return this.write(() => {
      const row = this.sql.getMessage.get(messageId);
      if (!row) throw v.notFound('Message', messageId);
      if (row.role !== 'user') throw new AlisaError('invalid_argument', 'Only your own messages can be asked again or edited.');
      const after = this.sql.messagesAfter.all(row.session_id, messageId);
      if (opts.onlyReplies && after.some((m) => m.role === 'user')) {
        throw new AlisaError('invalid_argument', 'Only the last question of a chat can be retried.', 'Edit the message instead to ask again from there.');
      }
      this.sql.deleteMessagesAfter.run(row.session_id, messageId);
      const unchanged = { set_emotion: 0, emotion: null, set_status: 0, status: null, set_prompt_tokens: 0, prompt_tokens: null };
      const patch = { ...unchanged, set_completion_tokens: 0, completion_tokens: null, id: messageId, set_text: 1, text: text ?? null };
      const kept = text === undefined ? row : this.sql.updateMessage.get(patch)!;
      this.sql.touchSession.run(this.now(), row.session_id);
      return { message: toMessage(kept), removed: after.map((m) => m.id) };
    });
  }

  /** At start-up: replies a crash left 'streaming' will never finish; says how many there were. */
  markStreamingInterrupted(): number {
    return this.write(() => this.sql.markInterrupted.run().changes);
  }

  // ---- search ----------------------------------------------------------------------------

  /**
   * Full-text search, best match first: bm25 over every match (or the newest `searchWindow`), the last
   * word matching as a prefix while it is not a complete word yet (see search.ts). Any input
   * is safe: it is reduced to quoted words (fts-query.ts); nothing searchable means no hits.
   */
  search(query: string, limit = 20): SearchHit[] {
    const terms = parseSearchQuery(v.checkText(query, 'The search query'));
    const n = Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_SEARCH_HITS);
    if (terms === null) return [];
    return this.guard(() => this.tx.deferred(() => runSearch(this.sql, terms, n, this.searchWindow)) as SearchHit[]);
  }

  // ---- history as a whole ----------------------------------------------------------------

  /** Size of one session's history, or of all of it; tokens are estimated at 4 chars each. */
  summary(sessionId: number | undefined, maxTokens: number): HistorySummary {
    return this.guard(() => {
      let row: SummaryRow;
      if (sessionId === undefined) row = this.sql.summaryAll.get()!;
      else {
        if (!this.sql.sessionExists.get(sessionId)) throw v.notFound('Session', sessionId);
        row = this.sql.summarySession.get(sessionId)!;
      }
      return {
        sessions: row.sessions,
        messages: row.messages,
        turns: row.turns ?? 0,
        estimatedTokens: Math.ceil((row.chars ?? 0) / 4),
        maxTokens,
      };
    });
  }

  /** Forgets one session's messages (the session stays), or every session and message. Characters and settings stay. */
  clear(sessionId?: number): void {
    this.write(() => {
      if (sessionId === undefined) {
        this.sql.deleteAllSessions.run(); // messages follow by cascade, search entries by trigger
        return;
      }
      if (!this.sql.sessionExists.get(sessionId)) throw v.notFound('Session', sessionId);
      this.sql.deleteSessionMessages.run(sessionId);
    });
  }

  exportJson(sessionId?: number): string {
    return renderJson(this.collectExport(sessionId));
  }

  exportMarkdown(sessionId?: number): string {
    const doc = this.collectExport(sessionId);
    const names = new Map(this.listCharacters().map((c) => [c.id, c.name]));
    return renderMarkdown(doc, (id) => names.get(id));
  }

  /** One consistent snapshot of the sessions to export, oldest first, with all their messages. */
  private collectExport(sessionId?: number): HistoryExport {
    return this.guard(
      () =>
        this.tx.deferred(() => {
          const sessions = sessionId === undefined ? this.sql.listSessions.all().map(toSession) : [this.requireSession(sessionId)];
          sessions.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
          const withMessages: ExportedSession[] = sessions.map((s) => ({ ...s, messages: this.sql.allMessages.all(s.id).map(toMessage) }));
          return { exportedAt: new Date(this.now()).toISOString(), sessions: withMessages };
        }) as HistoryExport,
    );
  }

  // ---- settings --------------------------------------------------------------------------

  getSetting(key: string): string | null {
    return this.guard(() => this.sql.getSetting.get(key) ?? null);
  }

  setSetting(key: string, value: string): void {
    if (typeof key !== 'string' || key === '') throw new AlisaError('invalid_argument', 'A setting needs a non-empty key.');
    const text = v.checkText(value, `The value of setting ${key}`);
    this.write(() => {
      this.sql.setSetting.run(key, text);
    });
  }

  // ---- internals -------------------------------------------------------------------------

  private requireSession(id: number): Session {
    const row = this.sql.getSession.get(id);
    if (!row) throw v.notFound('Session', id);
    return toSession(row);
  }
}
