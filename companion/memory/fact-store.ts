// What the memory store keeps of Alisa's long-term memory (issue 17, protocol/memory.ts): facts
// about the user, global or tied to one workspace, each with where it came from and how sure she
// is. The same fact in the same place is one row (a repeat refreshes it); at most FACTS_MAX_UNPINNED
// unpinned facts are kept (the least recently used go first, on insert); pinned ones are never
// pruned. memories_fts (schema v8) is kept by triggers, so a deleted fact leaves no trace in the
// index. No text with a detected secret is ever stored, whoever asks.
import { hasSecret } from '../../common/privacy/redact';
import type { ClientWorkspace } from '../../protocol';
import { MEMORY_TEXT_MAX, MemoryExport, type MemoryFact, type MemoryScope, type MemorySource } from '../../protocol/memory';
import { AlisaError } from '../errors';
import { ActionStore } from './action-store';
import type { Db } from './database';
import { toFtsQuery } from './fts-query';

export const FACTS_MAX_UNPINNED = 10_000;
/** Recall's bound on matches ranked per query, and the least each word ranks (factCandidates). */
const RANKED_MAX = 4000;
const TERM_WINDOW_MIN = 500;
/** A page of the Memory view's list: by default, and at most. */
const FACT_PAGE = { default: 50, max: 500 } as const;

export interface FactRow {
  id: number;
  text: string;
  scope: string;
  workspace: string | null;
  workspace_name: string | null;
  source: string;
  source_message_id: number | null;
  confidence: number;
  pinned: number;
  created_ts: number;
  updated_ts: number;
  last_used_ts: number | null;
}

export interface NewFact {
  text: string;
  scope?: MemoryScope;
  /** Needed for scope workspace: the workspace it belongs to. */
  workspace?: ClientWorkspace | null;
  source: MemorySource;
  sourceMessageId?: number | null;
  confidence?: number;
  pinned?: boolean;
  createdAt?: number;
  /** A fix that worked (source 'fix'): its error's signature (common/fix-signature.ts). */
  signature?: string | null;
}

export interface FactListOptions {
  /** Words to search for (the search box's rules: every word, the last one as a prefix). */
  query?: string;
  scope?: 'all' | 'global' | 'workspace';
  /** The client's workspace id; null: a client without one (it sees every workspace's facts). */
  workspace: string | null;
  limit?: number;
  cursor?: string;
}

export interface FactPage {
  facts: MemoryFact[];
  total: number;
  nextCursor: string | null;
}

/** A candidate for recall or "forget": the fact and its bm25 (lower is better, negative). */
export interface FactHit {
  fact: MemoryFact;
  bm25: number;
}

/** The text as stored: spaces collapsed, trimmed. */
export function cleanFactText(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** The dedupe key: lowercased, spaces collapsed, without closing punctuation. */
export function factKey(text: string): string {
  return cleanFactText(text)
    .toLowerCase()
    .replace(/[\s.!;,]+$/u, '');
}

export function toFact(r: FactRow): MemoryFact {
  return {
    id: r.id,
    text: r.text,
    scope: r.scope as MemoryScope,
    workspace: r.workspace,
    workspaceName: r.workspace_name,
    source: r.source as MemorySource,
    sourceMessageId: r.source_message_id,
    confidence: r.confidence,
    pinned: r.pinned === 1,
    createdAt: r.created_ts,
    updatedAt: r.updated_ts,
    lastUsedAt: r.last_used_ts,
  };
}

/** A fact as an export file holds it: without its id, the message it came from, and its later times. */
function toExported(fact: MemoryFact): MemoryExport['facts'][number] {
  const { id: _id, sourceMessageId: _message, updatedAt: _updated, lastUsedAt: _used, ...kept } = fact;
  return kept;
}

const COLUMNS =
  'm.id, m.text, m.scope, m.workspace, m.workspace_name, m.source, m.source_message_id, m.confidence, m.pinned, m.created_ts, m.updated_ts, m.last_used_ts';
/** The list's filter: global ones (@g), workspace ones (@w) of @ws (null: of any workspace). */
const LIST_FILTER = '((@g AND m.workspace IS NULL) OR (@w AND m.workspace IS NOT NULL AND (@ws IS NULL OR m.workspace = @ws)))';
/** What a client may be reminded of: global facts and its own workspace's (@ws null: global only). */
const RECALL_FILTER = '(m.workspace IS NULL OR m.workspace = @ws)';

function statements(db: Db) {
  return {
    insert: db.prepare(
      `INSERT INTO memories (text, norm, scope, workspace, workspace_name, source, source_message_id, confidence, pinned, created_ts, updated_ts, signature)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    byKey: db.prepare<[string, string], FactRow>(`SELECT * FROM memories WHERE coalesce(workspace, '') = ? AND norm = ?`),
    refresh: db.prepare<[number, number, number, number | null, number], FactRow>(
      `UPDATE memories SET updated_ts = ?, confidence = max(confidence, ?), pinned = max(pinned, ?),
         source_message_id = coalesce(?, source_message_id) WHERE id = ? RETURNING *`,
    ),
    get: db.prepare<[number], FactRow>('SELECT * FROM memories WHERE id = ?'),
    update: db.prepare(
      `UPDATE memories SET text = @text, norm = @norm, scope = @scope, workspace = @workspace, workspace_name = @workspaceName,
         pinned = @pinned, updated_ts = @now WHERE id = @id RETURNING *`,
    ),
    delete: db.prepare('DELETE FROM memories WHERE id = ?'),
    clear: db.prepare('DELETE FROM memories'),
    countUnpinned: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM memories WHERE pinned = 0'),
    pruneIds: db.prepare<[number], { id: number }>('SELECT id FROM memories WHERE pinned = 0 ORDER BY coalesce(last_used_ts, updated_ts), id LIMIT ?'),
    markUsed: db.prepare('UPDATE memories SET last_used_ts = ? WHERE id = ?'),
    newest: db.prepare(
      `SELECT ${COLUMNS} FROM memories m WHERE ${LIST_FILTER} AND (m.updated_ts < @ts OR (m.updated_ts = @ts AND m.id < @id))
       ORDER BY m.updated_ts DESC, m.id DESC LIMIT @limit`,
    ),
    countAll: db.prepare(`SELECT count(*) AS n FROM memories m WHERE ${LIST_FILTER}`),
    matching: db.prepare(
      `SELECT ${COLUMNS} FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
       WHERE memories_fts MATCH @match AND ${LIST_FILTER} ORDER BY bm25(memories_fts), m.id LIMIT @limit OFFSET @offset`,
    ),
    countMatching: db.prepare(
      `SELECT count(*) AS n FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid WHERE memories_fts MATCH @match AND ${LIST_FILTER}`,
    ),
    // Recall in two steps: the index's best @wide by rank (bm25; for these OR queries FTS5's own
    // sort by rank measured ~2x faster than ORDER BY bm25() at 100,000 memories), then those rows
    // only, filtered by place. Reading the row of every match before ranking cost ~2.5x more.
    topRanked: db.prepare<{ match: string; wide: number }, { id: number; rank: number }>(
      'SELECT rowid AS id, rank FROM memories_fts WHERE memories_fts MATCH @match ORDER BY rank LIMIT @wide',
    ),
    // Recall at scale: one word's newest @window matches with their bm25 (see factCandidates).
    termWindow: db.prepare<{ term: string; window: number }, { id: number; score: number }>(
      'SELECT rowid AS id, bm25(memories_fts) AS score FROM memories_fts WHERE memories_fts MATCH @term ORDER BY rowid DESC LIMIT @window',
    ),
    // CROSS JOIN keeps json_each outermost: one primary-key lookup per id. With `m.id IN (...)`
    // SQLite chose the workspace index for RECALL_FILTER's OR and read every global memory
    // (measured at 100,000: 24 ms against 0.9 ms for 200 ids).
    rowsIn: db.prepare<{ ids: string; ws: string | null }, FactRow>(
      `SELECT ${COLUMNS} FROM json_each(@ids) j CROSS JOIN memories m ON m.id = j.value WHERE ${RECALL_FILTER}`,
    ),
    pinned: db.prepare(`SELECT ${COLUMNS} FROM memories m WHERE m.pinned = 1 AND ${RECALL_FILTER} ORDER BY m.updated_ts DESC, m.id DESC LIMIT @limit`),
    all: db.prepare<[], FactRow>('SELECT * FROM memories ORDER BY id'),
    bySignature: db.prepare<[string, string], FactRow>(
      `SELECT * FROM memories WHERE signature = ? AND coalesce(workspace, '') = ? ORDER BY updated_ts DESC, id DESC LIMIT 1`,
    ),
  };
}

/** Throws invalid_argument for a text that may not become a memory. */
function checkFactText(raw: unknown): string {
  if (typeof raw !== 'string') throw new AlisaError('invalid_argument', 'A memory needs a text.');
  const text = cleanFactText(raw);
  if (text === '') throw new AlisaError('invalid_argument', 'A memory needs a text.');
  if (text.length > MEMORY_TEXT_MAX) throw new AlisaError('invalid_argument', `A memory is at most ${MEMORY_TEXT_MAX} characters.`, 'Say it shorter.');
  if (hasSecret(text)) {
    throw new AlisaError('invalid_argument', 'That looks like a secret (a key, token or password): Alisa does not remember secrets.');
  }
  return text;
}

function place(scope: MemoryScope, workspace: ClientWorkspace | null | undefined): { workspace: string | null; workspaceName: string | null } {
  if (scope === 'global') return { workspace: null, workspaceName: null };
  if (!workspace)
    throw new AlisaError('invalid_argument', 'A workspace memory needs a workspace.', 'Open a folder or workspace, or remember it for everywhere.');
  return { workspace: workspace.id, workspaceName: workspace.name };
}

/** The fact methods of MemoryStore. */
export abstract class FactStore extends ActionStore {
  private factSql: ReturnType<typeof statements> | null = null;

  private get fsql(): ReturnType<typeof statements> {
    this.factSql ??= statements(this.db);
    return this.factSql;
  }

  /**
   * Adds a fact, or refreshes the same one in the same place (`created` false: newer, at least as
   * sure, pinned if either was). `pruned`: the ids of facts dropped to stay within the bound.
   */
  addFact(input: NewFact): { fact: MemoryFact; created: boolean; pruned: number[] } {
    const text = checkFactText(input.text);
    const scope = input.scope ?? 'global';
    const where = place(scope, input.workspace);
    const confidence = Math.max(0, Math.min(1, input.confidence ?? 1));
    const pinned = input.pinned ? 1 : 0;
    const norm = factKey(text);
    return this.write(() => {
      const now = this.now();
      const existing = this.fsql.byKey.get(where.workspace ?? '', norm);
      if (existing) {
        const row = this.fsql.refresh.get(now, confidence, pinned, input.sourceMessageId ?? null, existing.id)!;
        return { fact: toFact(row), created: false, pruned: [] };
      }
      const created = input.createdAt ?? now;
      const row = this.fsql.insert.get(
        text,
        norm,
        scope,
        where.workspace,
        where.workspaceName,
        input.source,
        input.sourceMessageId ?? null,
        confidence,
        pinned,
        created,
        now,
        input.signature ?? null,
      ) as FactRow;
      const over = this.fsql.countUnpinned.get()!.n - FACTS_MAX_UNPINNED;
      const pruned = over > 0 ? this.fsql.pruneIds.all(over).map((r) => r.id) : [];
      for (const id of pruned) this.fsql.delete.run(id);
      return { fact: toFact(row), created: true, pruned };
    });
  }

  getFact(id: number): MemoryFact | null {
    return this.guard(() => {
      const row = this.fsql.get.get(id);
      return row ? toFact(row) : null;
    });
  }

  /** `workspace`: where a fact moved to scope workspace goes (the client's). */
  updateFact(id: number, patch: { text?: string; scope?: MemoryScope; pinned?: boolean }, workspace: ClientWorkspace | null): MemoryFact {
    const text = patch.text === undefined ? undefined : checkFactText(patch.text);
    return this.write(() => {
      const old = this.fsql.get.get(id);
      if (!old) throw new AlisaError('not_found', `There is no memory ${id}.`, 'Reload the list.');
      const scope = patch.scope ?? (old.scope as MemoryScope);
      const where =
        patch.scope === undefined || patch.scope === old.scope ? { workspace: old.workspace, workspaceName: old.workspace_name } : place(scope, workspace);
      const newText = text ?? old.text;
      const norm = factKey(newText);
      const clash = this.fsql.byKey.get(where.workspace ?? '', norm);
      if (clash && clash.id !== id) throw new AlisaError('invalid_argument', 'Alisa already remembers that.', 'Delete one of the two instead.');
      const row = this.fsql.update.get({
        id,
        text: newText,
        norm,
        scope,
        workspace: where.workspace,
        workspaceName: where.workspaceName,
        pinned: patch.pinned === undefined ? old.pinned : patch.pinned ? 1 : 0,
        now: this.now(),
      }) as FactRow;
      return toFact(row);
    });
  }

  /** Removes the fact and its index entry; false when there was none. */
  deleteFact(id: number): boolean {
    return this.write(() => this.fsql.delete.run(id).changes > 0);
  }

  /** Forgets every fact; answers how many there were. */
  clearFacts(): number {
    return this.write(() => this.fsql.clear.run().changes);
  }

  /** One page: search hits by bm25, or newest first (keyset on updatedAt, id). */
  listFacts(opts: FactListOptions): FactPage {
    const limit = Math.max(1, Math.min(Math.floor(opts.limit ?? FACT_PAGE.default), FACT_PAGE.max));
    const scope = opts.scope ?? 'all';
    const filter = { g: scope === 'workspace' ? 0 : 1, w: scope === 'global' ? 0 : 1, ws: opts.workspace };
    const match = opts.query === undefined ? null : toFtsQuery(opts.query);
    return this.guard(
      () =>
        this.tx.deferred((): FactPage => {
          if (opts.query !== undefined) {
            if (match === null) return { facts: [], total: 0, nextCursor: null };
            const offset = opts.cursor === undefined ? 0 : parseOffset(opts.cursor);
            const rows = this.fsql.matching.all({ ...filter, match, limit: limit + 1, offset }) as FactRow[];
            const total = (this.fsql.countMatching.get({ ...filter, match }) as { n: number }).n;
            const more = rows.length > limit;
            return { facts: rows.slice(0, limit).map(toFact), total, nextCursor: more ? `o${offset + limit}` : null };
          }
          const [ts, id] = opts.cursor === undefined ? [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] : parseKeyset(opts.cursor);
          const rows = this.fsql.newest.all({ ...filter, ts, id, limit: limit + 1 }) as FactRow[];
          const total = (this.fsql.countAll.get(filter) as { n: number }).n;
          const page = rows.slice(0, limit);
          const last = page.at(-1);
          return { facts: page.map(toFact), total, nextCursor: rows.length > limit && last ? `k${last.updated_ts}:${last.id}` : null };
        }) as FactPage,
    );
  }

  /**
   * Facts matching an FTS5 MATCH expression (built by the caller: memory-recall/terms.ts) that a
   * client of `workspace` may be reminded of (null: global ones only), best bm25 first.
   */
  factCandidates(match: string | readonly string[], workspace: string | null, limit: number): FactHit[] {
    return this.guard(
      () =>
        this.tx.deferred(() => {
          const wide = Math.max(limit * 5, 200);
          const top = typeof match === 'string' ? this.fsql.topRanked.all({ match, wide }) : this.rankByTerm(match, wide);
          if (top.length === 0) return [];
          const rank = new Map(top.map((t) => [t.id, t.rank]));
          return this.fsql.rowsIn
            .all({ ids: JSON.stringify(top.map((t) => t.id)), ws: workspace })
            .map((r) => ({ fact: toFact(r), bm25: rank.get(r.id)! }))
            .sort((x, y) => x.bm25 - y.bm25 || x.fact.id - y.fact.id)
            .slice(0, limit);
        }) as FactHit[],
    );
  }

  /** The facts among `ids` a client of `workspace` may be reminded of (null: global ones only), in no order. */
  factsIn(ids: readonly number[], workspace: string | null): MemoryFact[] {
    if (ids.length === 0) return [];
    return this.guard(() => this.fsql.rowsIn.all({ ids: JSON.stringify(ids), ws: workspace }).map(toFact));
  }

  /** The newest fact tagged with an error's `signature` in `workspace` (null: global), or null. */
  factBySignature(signature: string, workspace: string | null): MemoryFact | null {
    return this.guard(() => {
      const row = this.fsql.bySignature.get(signature, workspace ?? '');
      return row ? toFact(row) : null;
    });
  }

  /**
   * The best `wide` facts for an OR of `terms` (FTS5 phrases), ranking a bounded number of matches.
   * Ranking costs ~1 µs a match, and an OR of common words matches a large share of the memories
   * (bench/memory-recall-bench.ts: ~40,000 of 100,000), so each word ranks only its newest
   * max(TERM_WINDOW_MIN, RANKED_MAX / words) matches and the scores are summed per memory: FTS5's
   * bm25 of an OR is the sum of each phrase's, so a memory within every window of its words gets
   * its exact score. A rare word (the one that matters: "Rex") is within its window whole; what a
   * window leaves out is old memories sharing only a common word, whose bm25 is low anyway.
   */
  private rankByTerm(terms: readonly string[], wide: number): Array<{ id: number; rank: number }> {
    const window = Math.max(TERM_WINDOW_MIN, Math.floor(RANKED_MAX / Math.max(1, terms.length)));
    const score = new Map<number, number>();
    for (const term of terms) {
      for (const r of this.fsql.termWindow.all({ term, window })) score.set(r.id, (score.get(r.id) ?? 0) + r.score);
    }
    return [...score]
      .map(([id, rank]) => ({ id, rank }))
      .sort((a, b) => a.rank - b.rank || b.id - a.id)
      .slice(0, wide);
  }

  /** Pinned facts a client of `workspace` may be reminded of, newest first. */
  pinnedFacts(workspace: string | null, limit: number): MemoryFact[] {
    return this.guard(() => (this.fsql.pinned.all({ ws: workspace, limit }) as FactRow[]).map(toFact));
  }

  /** They went into a prompt at `at`. */
  markFactsUsed(ids: readonly number[], at = this.now()): void {
    if (ids.length === 0) return;
    this.write(() => {
      for (const id of ids) this.fsql.markUsed.run(at, id);
    });
  }

  exportFacts(): MemoryExport {
    return this.guard(() => ({
      format: 'alisa-memories' as const,
      version: 1 as const,
      exportedAt: this.now(),
      facts: this.fsql.all.all().map((r) => toExported(toFact(r))),
    }));
  }

  /**
   * Adds an export file's facts (source `import`) in one transaction: a duplicate, a secret or an
   * invalid entry is skipped with its reason (numbered from 1, as the file's facts are).
   */
  importFacts(file: unknown): { added: MemoryFact[]; skipped: number; reasons: string[]; pruned: number[] } {
    const parsed = MemoryExport.safeParse(file);
    if (!parsed.success) throw new AlisaError('invalid_argument', 'That is not an Alisa memory export.', 'Choose a file made by "Export memories".');
    const added: MemoryFact[] = [];
    const reasons: string[] = [];
    const pruned: number[] = [];
    this.transaction(() => {
      parsed.data.facts.forEach((f, i) => {
        const n = i + 1;
        if ((f.scope === 'workspace') !== (f.workspace !== null)) return reasons.push(`fact ${n}: its scope and workspace disagree`);
        const text = cleanFactText(f.text);
        if (hasSecret(text)) return reasons.push(`fact ${n}: it looks like a secret`);
        if (text === '') return reasons.push(`fact ${n}: it is empty`);
        if (this.fsql.byKey.get(f.workspace ?? '', factKey(text))) return reasons.push(`fact ${n}: already remembered`);
        const r = this.addFact({
          text,
          scope: f.scope,
          workspace: f.workspace === null ? null : { id: f.workspace, name: f.workspaceName ?? f.workspace },
          source: 'import',
          confidence: f.confidence,
          pinned: f.pinned,
          createdAt: f.createdAt,
        });
        added.push(r.fact);
        pruned.push(...r.pruned);
      });
    });
    return { added, skipped: reasons.length, reasons, pruned };
  }
}

function parseOffset(cursor: string): number {
  const m = /^o(\d{1,9})$/.exec(cursor);
  if (!m) throw new AlisaError('invalid_argument', 'That page cursor is not valid.', 'Start again from the first page.');
  return Number(m[1]);
}

function parseKeyset(cursor: string): [number, number] {
  const m = /^k(\d{1,16}):(\d{1,16})$/.exec(cursor);
  if (!m) throw new AlisaError('invalid_argument', 'That page cursor is not valid.', 'Start again from the first page.');
  return [Number(m[1]), Number(m[2])];
}
