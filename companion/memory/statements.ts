// Every SQL statement the store runs, prepared once when the store opens. Keeping the SQL
// together makes it easy to see which indexes each query relies on.
import type { Db } from './database';
import type { CharacterRow, MessageRow, SearchDetailsRow, SearchTopRow, SessionRow, SummaryRow } from './rows';

// v5: message_count is a column kept by triggers (schema.ts), not counted on each read.
const SESSION_COLUMNS = `s.id, s.title, s.character_id, s.created_ts, s.updated_ts, s.workspace, s.workspace_name, s.message_count`;

/** Named parameters of `updateMessage`: each `set_*` flag says whether that column changes (patchedColumns). */
export interface MessagePatchParams {
  id: number;
  set_text: number;
  text: string | null;
  set_emotion: number;
  emotion: string | null;
  set_status: number;
  status: string | null;
  set_prompt_tokens: number;
  prompt_tokens: number | null;
  set_completion_tokens: number;
  completion_tokens: number | null;
}

export interface SearchDetailsParams {
  match: string;
  lo: number;
  hi: number;
  /** JSON array of message ids. */
  ids: string;
}

export interface CharacterPatchParams {
  id: number;
  set_name: number;
  name: string | null;
  set_system_prompt: number;
  system_prompt: string | null;
  set_voice: number;
  voice: string | null;
  set_avatar: number;
  avatar: string | null;
  set_greeting: number;
  greeting: string | null;
  set_card: number;
  card: string | null;
  set_portrait: number;
  portrait: string | null;
  set_avatar_id: number;
  avatar_id: string | null;
  now: number;
}

/**
 * The SET list of a patch: `col = CASE WHEN @set_col THEN @col ELSE col END` for each column, so
 * one statement changes only the columns whose `set_*` flag is 1 (validate.ts patchParam).
 */
function patchedColumns(...columns: string[]): string {
  return columns.map((c) => `${c} = CASE WHEN @set_${c} THEN @${c} ELSE ${c} END`).join(', ');
}

export function prepareStatements(db: Db) {
  return {
    // sessions
    listSessions: db.prepare<[], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY s.updated_ts DESC, s.id DESC`),
    getSession: db.prepare<[number], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`),
    latestSession: db.prepare<[], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY s.updated_ts DESC, s.id DESC LIMIT 1`),
    // v4: one workspace's sessions and those tied to none; and the workspace's own newest.
    listWorkspaceSessions: db.prepare<[string], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.workspace = ? OR s.workspace IS NULL ORDER BY s.updated_ts DESC, s.id DESC`,
    ),
    latestWorkspaceSession: db.prepare<[string], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.workspace = ? ORDER BY s.updated_ts DESC, s.id DESC LIMIT 1`,
    ),
    // Pages of the list (newest first), after a (updated_ts, id) cursor: keyset paging on
    // sessions_by_updated / sessions_by_workspace, so a page costs the same however deep it is.
    // The workspace scope runs the second and third and merges them (an OR would sort every row).
    pageSessions: db.prepare<[number, number, number], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE (s.updated_ts, s.id) < (?, ?) ORDER BY s.updated_ts DESC, s.id DESC LIMIT ?`,
    ),
    pageWorkspaceSessions: db.prepare<[string, number, number, number], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.workspace = ? AND (s.updated_ts, s.id) < (?, ?)
       ORDER BY s.updated_ts DESC, s.id DESC LIMIT ?`,
    ),
    pageLooseSessions: db.prepare<[number, number, number], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.workspace IS NULL AND (s.updated_ts, s.id) < (?, ?)
       ORDER BY s.updated_ts DESC, s.id DESC LIMIT ?`,
    ),
    sessionExists: db.prepare<[number], number>(`SELECT 1 FROM sessions WHERE id = ?`).pluck(),
    insertSession: db
      .prepare<[string, number | null, number, number, string | null, string | null], number>(
        `INSERT INTO sessions (title, character_id, created_ts, updated_ts, workspace, workspace_name) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .pluck(),
    renameSession: db.prepare<[string, number]>(`UPDATE sessions SET title = ? WHERE id = ?`),
    touchSession: db.prepare<[number, number]>(`UPDATE sessions SET updated_ts = ? WHERE id = ?`),
    deleteSession: db.prepare<[number]>(`DELETE FROM sessions WHERE id = ?`),
    deleteAllSessions: db.prepare<[]>(`DELETE FROM sessions`),

    // messages
    insertMessage: db.prepare<[number, string, string, string | null, string, number, number | null, number | null, number], MessageRow>(
      `INSERT INTO messages (session_id, role, text, emotion, status, spontaneous, prompt_tokens, completion_tokens, created_ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    updateMessage: db.prepare<MessagePatchParams, MessageRow>(
      `UPDATE messages SET ${patchedColumns('text', 'emotion', 'status', 'prompt_tokens', 'completion_tokens')}
       WHERE id = @id RETURNING *`,
    ),
    getMessage: db.prepare<[number], MessageRow>(`SELECT * FROM messages WHERE id = ?`),
    setMessageSources: db.prepare<[string | null, number]>(`UPDATE messages SET sources = ? WHERE id = ?`),
    // The newest `limit` before a cursor, turned back into reading order.
    pageMessages: db.prepare<[number, number, number], MessageRow>(
      `SELECT * FROM (SELECT * FROM messages WHERE session_id = ? AND id < ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC`,
    ),
    allMessages: db.prepare<[number], MessageRow>(`SELECT * FROM messages WHERE session_id = ? ORDER BY id`),
    markInterrupted: db.prepare<[]>(`UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'`),
    deleteSessionMessages: db.prepare<[number]>(`DELETE FROM messages WHERE session_id = ?`),
    deleteMessage: db.prepare<[number]>(`DELETE FROM messages WHERE id = ?`),
    // Asking again from a message (retry, edit): what follows it in its session, then deleting that.
    messagesAfter: db.prepare<[number, number], { id: number; role: string }>(`SELECT id, role FROM messages WHERE session_id = ? AND id > ? ORDER BY id`),
    deleteMessagesAfter: db.prepare<[number, number]>(`DELETE FROM messages WHERE session_id = ? AND id > ?`),

    // search (see search.ts for why it takes these steps)
    // Whether a quoted word occurs at all: stops at the first match.
    searchWordExists: db.prepare<[string], number>(`SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1`).pluck(),
    // bm25 (negative, lower is better) over the newest `window` matches, best `limit` first,
    // newer first on ties. FTS5 walks rowids backwards and stops at the
    // window; calling bm25() in SQL lets SQLite keep only the best rows, whereas ordering by
    // the hidden `rank` column makes FTS5 score and sort every match itself, several times slower.
    searchTop: db.prepare<[string, number, number], SearchTopRow>(
      `SELECT id, rank FROM (
         SELECT rowid AS id, bm25(messages_fts) AS rank FROM messages_fts
         WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?
       ) ORDER BY rank, id DESC LIMIT ?`,
    ),
    // The same over every match (searchWindow 0): no window to apply, so no subquery.
    searchTopAll: db.prepare<[string, number], SearchTopRow>(
      `SELECT rowid AS id, bm25(messages_fts) AS rank FROM messages_fts
       WHERE messages_fts MATCH ? ORDER BY rank, rowid DESC LIMIT ?`,
    ),
    // Snippet and context of the hits, in one pass over their rowid range; the `+` keeps the
    // id list a filter instead of a per-id lookup. better-sqlite3 binds JS numbers as REAL,
    // and FTS5 ignores some rowid constraints that are not INTEGER: hence the CASTs.
    searchDetails: db.prepare<SearchDetailsParams, SearchDetailsRow>(
      `SELECT f.rowid AS id, m.session_id, s.title, s.workspace_name, m.role, m.created_ts,
         snippet(messages_fts, 0, '[[', ']]', '…', 12) AS snippet
       FROM messages_fts f
       JOIN messages m ON m.id = f.rowid
       JOIN sessions s ON s.id = m.session_id
       WHERE messages_fts MATCH @match AND f.rowid BETWEEN CAST(@lo AS INTEGER) AND CAST(@hi AS INTEGER)
         AND +f.rowid IN (SELECT value FROM json_each(@ids))`,
    ),

    // summary
    summaryAll: db.prepare<[], SummaryRow>(
      `SELECT (SELECT COUNT(*) FROM sessions) AS sessions, COUNT(*) AS messages,
         SUM(role = 'user') AS turns, SUM(length(text)) AS chars FROM messages`,
    ),
    summarySession: db.prepare<[number], SummaryRow>(
      `SELECT 1 AS sessions, COUNT(*) AS messages, SUM(role = 'user') AS turns, SUM(length(text)) AS chars
       FROM messages WHERE session_id = ?`,
    ),

    // characters
    listCharacters: db.prepare<[], CharacterRow>(`SELECT * FROM characters ORDER BY builtin DESC, name COLLATE NOCASE, id`),
    getCharacter: db.prepare<[number], CharacterRow>(`SELECT * FROM characters WHERE id = ?`),
    getCharacterByKey: db.prepare<[string], CharacterRow>(`SELECT * FROM characters WHERE key = ?`),
    insertCharacter: db.prepare<[string, string, string, string | null, string | null, number, number, number, string | null, string | null], CharacterRow>(
      `INSERT INTO characters (key, name, system_prompt, voice, avatar, builtin, created_ts, updated_ts, greeting, card)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    updateCharacter: db.prepare<CharacterPatchParams, CharacterRow>(
      `UPDATE characters SET ${patchedColumns('name', 'system_prompt', 'voice', 'avatar', 'greeting', 'card', 'portrait', 'avatar_id')}, updated_ts = @now
       WHERE id = @id RETURNING *`,
    ),
    // A builtin keeps the name the user may have given it; its prompt follows the app.
    refreshBuiltin: db.prepare<[string, number, string], CharacterRow>(
      `UPDATE characters SET system_prompt = ?, builtin = 1, updated_ts = ? WHERE key = ? RETURNING *`,
    ),
    deleteCharacter: db.prepare<[number]>(`DELETE FROM characters WHERE id = ?`),

    // settings
    // interruptions (help offers, idle talk) and what the user did with them
    addInterruption: db.prepare<[number, number, string, string]>(`INSERT INTO interruptions (ts, hour, kind, outcome) VALUES (?, ?, ?, ?)`),
    pruneInterruptionsBefore: db.prepare<[number]>(`DELETE FROM interruptions WHERE ts < ?`),
    pruneInterruptionsOverCount: db.prepare<[number]>(`DELETE FROM interruptions WHERE id <= (SELECT id FROM interruptions ORDER BY id DESC LIMIT 1 OFFSET ?)`),
    interruptionStats: db.prepare<[number], { hour: number; engaged: number; declined: number; ignored: number }>(
      `SELECT hour,
              SUM(outcome = 'engaged') AS engaged,
              SUM(outcome = 'declined') AS declined,
              SUM(outcome = 'ignored') AS ignored
         FROM interruptions WHERE ts >= ? GROUP BY hour ORDER BY hour`,
    ),
    // task memory (v3): bounded buckets, pairs and sessions
    addInterruptionWithTask: db.prepare<[number, number, string, string, string | null]>(
      `INSERT INTO interruptions (ts, hour, kind, outcome, task) VALUES (?, ?, ?, ?, ?)`,
    ),
    interruptionsByTask: db.prepare<[number], { task: string; engaged: number; total: number }>(
      `SELECT task, SUM(outcome = 'engaged') AS engaged, COUNT(*) AS total
         FROM interruptions WHERE ts >= ? AND task IS NOT NULL GROUP BY task ORDER BY total DESC`,
    ),
    interruptionCount: db.prepare<[], number>(`SELECT COUNT(*) FROM interruptions`).pluck(),
    addActivityMinute: db.prepare<[number, number, string]>(
      `INSERT INTO rhythm_activity (day, hour, task, minutes) VALUES (?, ?, ?, 1)
       ON CONFLICT(day, hour, task) DO UPDATE SET minutes = MIN(60, minutes + 1)`,
    ),
    pruneActivityBefore: db.prepare<[number]>(`DELETE FROM rhythm_activity WHERE day < ?`),
    activityByHour: db.prepare<[number], { hour: number; minutes: number; days: number }>(
      `SELECT hour, SUM(minutes) AS minutes, COUNT(DISTINCT day) AS days
         FROM rhythm_activity WHERE day >= ? GROUP BY hour ORDER BY hour`,
    ),
    activityTotal: db.prepare<[], number>(`SELECT COALESCE(SUM(minutes), 0) FROM rhythm_activity`).pluck(),
    activityRows: db.prepare<[], number>(`SELECT COUNT(*) FROM rhythm_activity`).pluck(),
    addSequence: db.prepare<[string, string, number, number]>(
      `INSERT INTO rhythm_sequences (from_task, to_task, count, last_ts) VALUES (?, ?, 1, ?)
       ON CONFLICT(from_task, to_task) DO UPDATE SET count = MIN(?, count + 1), last_ts = excluded.last_ts`,
    ),
    pruneSequencesBefore: db.prepare<[number]>(`DELETE FROM rhythm_sequences WHERE last_ts < ?`),
    pruneSequencesOverCount: db.prepare<[number]>(
      `DELETE FROM rhythm_sequences WHERE (from_task, to_task) IN
         (SELECT from_task, to_task FROM rhythm_sequences ORDER BY last_ts DESC LIMIT -1 OFFSET ?)`,
    ),
    sequences: db.prepare<[number, number], { from: string; to: string; count: number }>(
      `SELECT from_task AS "from", to_task AS "to", count FROM rhythm_sequences WHERE last_ts >= ? AND count >= ?
        ORDER BY count DESC, last_ts DESC`,
    ),
    sequenceRows: db.prepare<[], number>(`SELECT COUNT(*) FROM rhythm_sequences`).pluck(),
    insertRhythmSession: db.prepare<[number, number], number>(`INSERT INTO rhythm_sessions (start_ts, end_ts) VALUES (?, ?) RETURNING id`).pluck(),
    updateRhythmSession: db.prepare<[number, number]>(`UPDATE rhythm_sessions SET end_ts = ? WHERE id = ?`),
    pruneRhythmSessionsBefore: db.prepare<[number]>(`DELETE FROM rhythm_sessions WHERE start_ts < ?`),
    pruneRhythmSessionsOverCount: db.prepare<[number]>(
      `DELETE FROM rhythm_sessions WHERE id <= (SELECT id FROM rhythm_sessions ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ),
    rhythmSessionLengths: db.prepare<[number], number>(`SELECT end_ts - start_ts FROM rhythm_sessions WHERE start_ts >= ? ORDER BY id`).pluck(),
    rhythmSessionRows: db.prepare<[], number>(`SELECT COUNT(*) FROM rhythm_sessions`).pluck(),
    clearRhythm: db.prepare<[]>(`DELETE FROM rhythm_activity`),
    clearSequences: db.prepare<[]>(`DELETE FROM rhythm_sequences`),
    clearRhythmSessions: db.prepare<[]>(`DELETE FROM rhythm_sessions`),
    clearInterruptions: db.prepare<[]>(`DELETE FROM interruptions`),
    getSetting: db.prepare<[string], string>(`SELECT value FROM settings WHERE key = ?`).pluck(),
    setSetting: db.prepare<[string, string]>(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
