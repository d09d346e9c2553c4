// Alisa's long-term memory: conversations, their messages, the characters she can play and a
// few settings, in one SQLite file. Every public method is synchronous (better-sqlite3), keeps
// the database consistent on its own (multi-statement writes run in one transaction), and
// fails only with AlisaError for anything a user could meet: a lock held by another process
// becomes `database_locked`, an unknown id `not_found`, bad input `invalid_argument`.
import type BetterSqlite3 from 'better-sqlite3';
import type { Character, ClientWorkspace, HistorySummary, Message, SearchHit, Session } from '../../protocol';
import { AlisaError } from '../errors';
import { mapRuntimeError, openDatabase, type Db, type MovedAside } from './database';
import { renderJson, renderMarkdown, type ExportedSession, type HistoryExport } from './export-format';
import { parseSearchQuery } from './fts-query';
import { toCharacter, toMessage, toSession, type SessionRow, type SummaryRow } from './rows';
import { DEFAULT_SEARCH_WINDOW, runSearch } from './search';
import { prepareStatements, type Statements } from './statements';
import type { BuiltinCharacter, CharacterPatch, ListMessagesOptions, MemoryStoreOptions, MessagePatch, NewCharacter, NewMessage } from './types';
import * as v from './validate';

export const DEFAULT_SESSION_TITLE = 'New chat';
export const INTERRUPTION_OUTCOMES = ['engaged', 'declined', 'ignored'] as const;
export type InterruptionOutcome = (typeof INTERRUPTION_OUTCOMES)[number];
export interface HourOutcomes {
  hour: number;
  engaged: number;
  declined: number;
  ignored: number;
}
export const INTERRUPTION_MAX_AGE_MS = 60 * 24 * 3600_000;
export const INTERRUPTION_MAX_ROWS = 5000;
/** Task memory keeps this much history (buckets, pairs and sessions older are dropped). */
export const RHYTHM_MAX_AGE_MS = 60 * 24 * 3600_000;
/** A task pair's count stops growing here (the order of pairs is all that matters). */
export const RHYTHM_MAX_COUNT = 10_000;
export const RHYTHM_MAX_SEQUENCES = 400;
export const RHYTHM_MAX_SESSIONS = 1000;
const RHYTHM_MAX_TASK = 64;
const DAY_MS = 24 * 3600_000;
export const DEFAULT_PAGE_SIZE = 200;
/** Sessions per page of the list (session.list) unless asked otherwise, and the most a page holds. */
export const DEFAULT_SESSION_PAGE = 50;
export const MAX_SESSION_PAGE = 500;
const MAX_PAGE_SIZE = 10_000;
const MAX_SEARCH_HITS = 200;

/** A patch field counts when present and not undefined; null means "clear it". */
const has = (o: object, key: string) => (o as Record<string, unknown>)[key] !== undefined;
const flag = (b: boolean) => (b ? 1 : 0);

/** A `nextCursor` of listSessionsPage: "<updatedAt>:<id>". */
function parseSessionCursor(cursor: string): [number, number] {
  const m = typeof cursor === 'string' ? /^(\d{1,16}):(\d{1,16})$/.exec(cursor) : null;
  const ts = m ? Number(m[1]) : NaN;
  const id = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(ts) || !Number.isSafeInteger(id)) {
    throw new AlisaError('invalid_argument', `Not a session list cursor: ${JSON.stringify(String(cursor).slice(0, 40))}.`, 'Pass the nextCursor of the previous page, or none for the first page.');
  }
  return [ts, id];
}

function isForeignKeyError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

export class MemoryStore {
  private readonly sql: Statements;
  /** One reusable transaction wrapper; nested use becomes a savepoint. */
  private readonly tx: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;
  /** Set when the file found at open was damaged and moved aside (this store is a fresh one). */
  movedAside: MovedAside | null = null;

  private constructor(
    readonly path: string,
    private readonly db: Db,
    private readonly now: () => number,
    private readonly searchWindow: number,
  ) {
    this.sql = prepareStatements(db);
    this.tx = db.transaction((fn: () => unknown) => fn());
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

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs `fn` in one write transaction: all of its store calls commit together or not at all.
   * Takes the write lock up front so a busy database fails fast instead of mid-way.
   */
  transaction<T>(fn: () => T): T {
    return this.guard(() => this.tx.immediate(fn) as T);
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
    return this.guard(() =>
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
      set_text: flag(has(patch, 'text')),
      text: has(patch, 'text') ? v.checkText(patch.text) : null,
      set_emotion: flag(has(patch, 'emotion')),
      emotion: v.checkEmotion(patch.emotion),
      set_status: flag(has(patch, 'status')),
      status: has(patch, 'status') ? v.checkStatus(patch.status) : null,
      set_prompt_tokens: flag(has(patch, 'promptTokens')),
      prompt_tokens: v.checkTokens(patch.promptTokens, 'promptTokens'),
      set_completion_tokens: flag(has(patch, 'completionTokens')),
      completion_tokens: v.checkTokens(patch.completionTokens, 'completionTokens'),
    };
    return this.write(() => {
      const row = this.sql.updateMessage.get(params);
      if (!row) throw v.notFound('Message', id);
      return toMessage(row);
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
    return this.guard(() =>
      this.tx.deferred(() => {
        const sessions = sessionId === undefined ? this.sql.listSessions.all().map(toSession) : [this.requireSession(sessionId)];
        sessions.sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
        const withMessages: ExportedSession[] = sessions.map((s) => ({ ...s, messages: this.sql.allMessages.all(s.id).map(toMessage) }));
        return { exportedAt: new Date(this.now()).toISOString(), sessions: withMessages };
      }) as HistoryExport,
    );
  }

  // ---- characters ------------------------------------------------------------------------

  /** Builtin characters first, then the user's by name. */
  listCharacters(): Character[] {
    return this.guard(() => this.sql.listCharacters.all().map(toCharacter));
  }

  getCharacter(id: number): Character | null {
    return this.guard(() => {
      const row = this.sql.getCharacter.get(id);
      return row ? toCharacter(row) : null;
    });
  }

  getCharacterByKey(key: string): Character | null {
    return this.guard(() => {
      const row = this.sql.getCharacterByKey.get(key);
      return row ? toCharacter(row) : null;
    });
  }

  /** A user character; its key is the slug of its name, suffixed -2, -3... if taken. */
  createCharacter(c: NewCharacter): Character {
    const name = v.cleanName(c.name);
    const prompt = v.checkText(c.systemPrompt, 'The system prompt');
    const voice = v.optionalString(c.voice, 'voice');
    const avatar = v.optionalString(c.avatar, 'avatar');
    return this.write(() => {
      const ts = this.now();
      const row = this.sql.insertCharacter.get(this.unusedKey(v.slugify(name)), name, prompt, voice, avatar, 0, ts, ts)!;
      return toCharacter(row);
    });
  }

  updateCharacter(id: number, patch: CharacterPatch): Character {
    const params = {
      id,
      set_name: flag(has(patch, 'name')),
      name: has(patch, 'name') ? v.cleanName(patch.name) : null,
      set_system_prompt: flag(has(patch, 'systemPrompt')),
      system_prompt: has(patch, 'systemPrompt') ? v.checkText(patch.systemPrompt, 'The system prompt') : null,
      set_voice: flag(has(patch, 'voice')),
      voice: v.optionalString(patch.voice, 'voice'),
      set_avatar: flag(has(patch, 'avatar')),
      avatar: v.optionalString(patch.avatar, 'avatar'),
    };
    return this.write(() => {
      const row = this.sql.updateCharacter.get({ ...params, now: this.now() });
      if (!row) throw v.notFound('Character', id);
      return toCharacter(row);
    });
  }

  /** Sessions that used it keep their history and fall back to no character. */
  deleteCharacter(id: number): void {
    this.write(() => {
      const row = this.sql.getCharacter.get(id);
      if (!row) throw v.notFound('Character', id);
      if (row.builtin) throw new AlisaError('forbidden', 'The default character cannot be deleted.', 'Edit it instead, or create a new character.');
      this.sql.deleteCharacter.run(id);
    });
  }

  /**
   * At start-up: makes sure a character shipped with Alisa exists. A new one is inserted; an
   * existing one gets the current system prompt and keeps the rest (the user may have renamed it).
   */
  upsertBuiltinCharacter(c: BuiltinCharacter): Character {
    const name = v.cleanName(c.name);
    const prompt = v.checkText(c.systemPrompt, 'The system prompt');
    const voice = v.optionalString(c.voice, 'voice');
    if (typeof c.key !== 'string' || c.key.trim() === '') throw new AlisaError('invalid_argument', 'A builtin character needs a key.');
    return this.write(() => {
      const ts = this.now();
      const row = this.sql.refreshBuiltin.get(prompt, ts, c.key) ?? this.sql.insertCharacter.get(c.key, name, prompt, voice, null, 1, ts, ts)!;
      return toCharacter(row);
    });
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

  // ---- interruptions --------------------------------------------------------------------

  /**
   * Records what the user did with something she said unasked. Rows older than
   * INTERRUPTION_MAX_AGE_MS, and all but the newest INTERRUPTION_MAX_ROWS, are dropped, so the
   * table stays small however long Alisa runs.
   */
  recordInterruption(kind: string, outcome: InterruptionOutcome, at: number = this.now(), hour: number = new Date(at).getHours()): void {
    if (!INTERRUPTION_OUTCOMES.includes(outcome)) throw new AlisaError('invalid_argument', `Unknown interruption outcome "${outcome}".`);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new AlisaError('invalid_argument', `An hour is 0-23, got ${hour}.`);
    const kindText = v.checkText(kind, 'The interruption kind');
    this.write(() => {
      this.sql.addInterruption.run(at, hour, kindText, outcome);
      this.sql.pruneInterruptionsBefore.run(at - INTERRUPTION_MAX_AGE_MS);
      this.sql.pruneInterruptionsOverCount.run(INTERRUPTION_MAX_ROWS);
    });
  }

  /** Outcome counts per local hour for interruptions since `since` (hours with none are absent). */
  interruptionStats(since: number): HourOutcomes[] {
    return this.guard(() => this.sql.interruptionStats.all(since));
  }

  // ---- task memory (the user's rhythm) -------------------------------------------------

  /** Like recordInterruption, also noting the task it interrupted (null: unknown). */
  recordInterruptionForTask(kind: string, outcome: InterruptionOutcome, at: number, hour: number, task: string | null): void {
    if (!INTERRUPTION_OUTCOMES.includes(outcome)) throw new AlisaError('invalid_argument', `Unknown interruption outcome "${outcome}".`);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new AlisaError('invalid_argument', `An hour is 0-23, got ${hour}.`);
    const kindText = v.checkText(kind, 'The interruption kind');
    const taskText = task === null ? null : v.checkText(v.wellFormed(task.slice(0, RHYTHM_MAX_TASK)), 'The task');
    this.write(() => {
      this.sql.addInterruptionWithTask.run(at, hour, kindText, outcome, taskText);
      this.sql.pruneInterruptionsBefore.run(at - INTERRUPTION_MAX_AGE_MS);
      this.sql.pruneInterruptionsOverCount.run(INTERRUPTION_MAX_ROWS);
    });
  }

  /** Engaged and total interruptions per task since `since`. */
  interruptionsByTask(since: number): Array<{ task: string; engaged: number; total: number }> {
    return this.guard(() => this.sql.interruptionsByTask.all(since));
  }

  /**
   * One active minute of `task` in (UTC day of `at`, local `hour`). Buckets hold at most 60 and
   * those older than RHYTHM_MAX_AGE_MS are dropped, so the table stays bounded.
   */
  recordActivityMinute(task: string, at: number, hour: number): void {
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new AlisaError('invalid_argument', `An hour is 0-23, got ${hour}.`);
    const taskText = v.checkText(v.wellFormed(task.slice(0, RHYTHM_MAX_TASK)), 'The task');
    const day = Math.floor(at / DAY_MS);
    this.write(() => {
      this.sql.addActivityMinute.run(day, hour, taskText);
      this.sql.pruneActivityBefore.run(day - Math.ceil(RHYTHM_MAX_AGE_MS / DAY_MS));
    });
  }

  /** Active minutes and distinct days per local hour since `since`. */
  activityByHour(since: number): Array<{ hour: number; minutes: number; days: number }> {
    return this.guard(() => this.sql.activityByHour.all(Math.floor(since / DAY_MS)));
  }

  /** `to` followed `from`; counts are capped and old or surplus pairs dropped. */
  recordTaskSequence(from: string, to: string, at: number): void {
    const f = v.checkText(v.wellFormed(from.slice(0, RHYTHM_MAX_TASK)), 'The task');
    const t = v.checkText(v.wellFormed(to.slice(0, RHYTHM_MAX_TASK)), 'The task');
    this.write(() => {
      this.sql.addSequence.run(f, t, at, RHYTHM_MAX_COUNT);
      this.sql.pruneSequencesBefore.run(at - RHYTHM_MAX_AGE_MS);
      this.sql.pruneSequencesOverCount.run(RHYTHM_MAX_SEQUENCES);
    });
  }

  /** Task pairs seen at least `minCount` times since `since`, most frequent first. */
  taskSequences(since: number, minCount = 1): Array<{ from: string; to: string; count: number }> {
    return this.guard(() => this.sql.sequences.all(since, minCount));
  }

  /** Starts a work session; returns its id for `extendRhythmSession`. */
  startRhythmSession(at: number): number {
    return this.write(() => {
      const id = this.sql.insertRhythmSession.get(at, at)!;
      this.sql.pruneRhythmSessionsBefore.run(at - RHYTHM_MAX_AGE_MS);
      this.sql.pruneRhythmSessionsOverCount.run(RHYTHM_MAX_SESSIONS);
      return id;
    });
  }

  extendRhythmSession(id: number, endAt: number): void {
    this.write(() => {
      this.sql.updateRhythmSession.run(endAt, id);
    });
  }

  /** Lengths (ms) of work sessions started since `since`, oldest first. */
  rhythmSessionLengths(since: number): number[] {
    return this.guard(() => this.sql.rhythmSessionLengths.all(since));
  }

  /** Row counts of the task-memory tables (for the summary and the bounds tests). */
  rhythmSizes(): { activityRows: number; activityMinutes: number; sequenceRows: number; sessionRows: number; interruptionRows: number } {
    return this.guard(() => ({
      activityRows: this.sql.activityRows.get()!,
      activityMinutes: this.sql.activityTotal.get()!,
      sequenceRows: this.sql.sequenceRows.get()!,
      sessionRows: this.sql.rhythmSessionRows.get()!,
      interruptionRows: this.sql.interruptionCount.get()!,
    }));
  }

  /** Forgets everything learned about the user's rhythm, interruption outcomes included. */
  clearRhythm(): void {
    this.write(() => {
      this.sql.clearRhythm.run();
      this.sql.clearSequences.run();
      this.sql.clearRhythmSessions.run();
      this.sql.clearInterruptions.run();
    });
  }

  // ---- internals -------------------------------------------------------------------------

  /** Every database access goes through here so lock and storage failures speak AlisaError. */
  private guard<T>(fn: () => T): T {
    if (!this.db.open) throw new AlisaError('database_unavailable', `The memory database at ${this.path} is closed.`, 'Restart the companion.');
    try {
      return fn();
    } catch (err) {
      throw mapRuntimeError(this.path, err);
    }
  }

  /** A guarded write transaction (a savepoint when already inside `transaction()`). */
  private write<T>(fn: () => T): T {
    return this.guard(() => this.tx.immediate(fn) as T);
  }

  private requireSession(id: number): Session {
    const row = this.sql.getSession.get(id);
    if (!row) throw v.notFound('Session', id);
    return toSession(row);
  }

  private unusedKey(base: string): string {
    let key = base;
    for (let n = 2; this.sql.getCharacterByKey.get(key); n++) key = `${base}-${n}`;
    return key;
  }
}
