// The schema of the memory database as an ordered list of migrations. Migration N (1-based)
// moves a database from `user_version` N-1 to N; `database.ts` runs each one in its own
// transaction. Never edit a migration that has shipped: append a new one instead.
import type BetterSqlite3 from 'better-sqlite3';

export type Migration = (db: BetterSqlite3.Database) => void;

/** v1: characters, sessions, messages with their full-text index, settings. */
function v1(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE characters (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      system_prompt TEXT NOT NULL,
      voice TEXT,
      avatar TEXT,
      builtin INTEGER NOT NULL DEFAULT 0,
      created_ts INTEGER NOT NULL,
      updated_ts INTEGER NOT NULL
    );

    CREATE TABLE sessions (
      id INTEGER PRIMARY KEY,
      title TEXT NOT NULL,
      character_id INTEGER REFERENCES characters(id) ON DELETE SET NULL,
      created_ts INTEGER NOT NULL,
      updated_ts INTEGER NOT NULL
    );
    -- The session list is always read newest first.
    CREATE INDEX sessions_by_updated ON sessions(updated_ts DESC, id DESC);
    -- ON DELETE SET NULL on characters has to find the sessions that point at one.
    CREATE INDEX sessions_by_character ON sessions(character_id);

    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
      text TEXT NOT NULL,
      emotion TEXT,
      status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
      spontaneous INTEGER NOT NULL DEFAULT 0,
      prompt_tokens INTEGER,
      completion_tokens INTEGER,
      created_ts INTEGER NOT NULL
    );
    -- Paging through one session, counting its messages, and the cascade on session delete.
    CREATE INDEX messages_by_session ON messages(session_id, id);
    -- Start-up looks for replies a crash left half-written; there are almost never any.
    CREATE INDEX messages_streaming ON messages(id) WHERE status = 'streaming';

    -- External-content index: the text lives once, in messages; the triggers below are the
    -- only writers of messages_fts and must see every change, or search returns ghosts.
    CREATE VIRTUAL TABLE messages_fts USING fts5(
      text,
      content = 'messages',
      content_rowid = 'id',
      tokenize = 'porter unicode61'
    );

    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
      INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;

    -- Also fires for rows removed by ON DELETE CASCADE from sessions.
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
      INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;

    -- Streaming replies rewrite text many times; status-only updates skip the re-index.
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
    WHEN old.text IS NOT new.text BEGIN
      INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
      INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;

    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `);
}

/**
 * v2: interruptions, one row per time she spoke up unasked (a help offer, later idle talk) and
 * what the user did with it. The hour is the user's local hour when it happened, so quiet hours
 * can be learned without time-zone arithmetic. Pruned by age and count on every insert.
 */
function v2(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE interruptions (
      id INTEGER PRIMARY KEY,
      ts INTEGER NOT NULL,
      hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
      kind TEXT NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('engaged', 'declined', 'ignored'))
    );
    CREATE INDEX interruptions_ts ON interruptions(ts);
  `);
}

/**
 * v3: task memory (the user's rhythm). Everything is bounded: activity is counted in
 * (day, local hour, task) buckets of active minutes (at most 60 each; buckets older than the
 * retention are deleted), task sequences are counts per pair (capped, pruned by age), sessions are
 * rows pruned by age and count. Interruptions learn the task they interrupted.
 */
function v3(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE rhythm_activity (
      day INTEGER NOT NULL,
      hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
      task TEXT NOT NULL,
      minutes INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 60),
      PRIMARY KEY (day, hour, task)
    ) WITHOUT ROWID;

    CREATE TABLE rhythm_sequences (
      from_task TEXT NOT NULL,
      to_task TEXT NOT NULL,
      count INTEGER NOT NULL,
      last_ts INTEGER NOT NULL,
      PRIMARY KEY (from_task, to_task)
    ) WITHOUT ROWID;

    CREATE TABLE rhythm_sessions (
      id INTEGER PRIMARY KEY,
      start_ts INTEGER NOT NULL,
      end_ts INTEGER NOT NULL
    );
    CREATE INDEX rhythm_sessions_start ON rhythm_sessions(start_ts);

    ALTER TABLE interruptions ADD COLUMN task TEXT;
  `);
}

/**
 * v4: sessions belong to a workspace (one VS Code window's folder or workspace file), so several
 * windows sharing one companion each see their own chats. `workspace` is the client's stable key
 * for it, `workspace_name` what the user calls it. Sessions from before, and those the browser UI
 * or legacy clients start, stay NULL: tied to no workspace, shown in every window.
 */
function v4(db: BetterSqlite3.Database): void {
  db.exec(`
    ALTER TABLE sessions ADD COLUMN workspace TEXT;
    ALTER TABLE sessions ADD COLUMN workspace_name TEXT;
    -- A window's own sessions, newest first (chat.send without a session, the list's workspace scope).
    CREATE INDEX sessions_by_workspace ON sessions(workspace, updated_ts DESC, id DESC);
  `);
}

/**
 * v5: each session keeps its message count, maintained by triggers in the same transaction as
 * every insert and delete of a message (cascades from a session delete included), so the session
 * list no longer counts every session's messages on each read (84 ms at 1M messages). Backfilled
 * here from the messages themselves.
 */
function v5(db: BetterSqlite3.Database): void {
  db.exec(`
    ALTER TABLE sessions ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
    UPDATE sessions SET message_count = (SELECT COUNT(*) FROM messages m WHERE m.session_id = sessions.id);

    CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
      UPDATE sessions SET message_count = message_count + 1 WHERE id = new.session_id;
    END;
    -- On a session delete the cascade fires this for a session already gone: a no-op.
    CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
      UPDATE sessions SET message_count = message_count - 1 WHERE id = old.session_id;
    END;
    -- No statement moves a message today; if one ever does, the counts follow.
    CREATE TRIGGER messages_count_move AFTER UPDATE OF session_id ON messages
    WHEN old.session_id IS NOT new.session_id BEGIN
      UPDATE sessions SET message_count = message_count - 1 WHERE id = old.session_id;
      UPDATE sessions SET message_count = message_count + 1 WHERE id = new.session_id;
    END;
  `);
}

/** v6: a character's greeting, her first line in an empty chat (NULL: none). */
function v6(db: BetterSqlite3.Database): void {
  db.exec(`ALTER TABLE characters ADD COLUMN greeting TEXT;`);
}

/**
 * v7: Alisa's actions (issue 16). The audit log keeps every action, allowed or refused (bounded
 * by age and count, pruned on insert); action_allow holds the user's "always allow" answers, per
 * workspace ("" for none) and per action.
 */
function v7(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE action_audit (
      id INTEGER PRIMARY KEY,
      ts INTEGER NOT NULL,
      action TEXT NOT NULL,
      risk TEXT NOT NULL,
      source TEXT NOT NULL,
      provenance TEXT,
      summary TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('done', 'refused', 'denied', 'expired', 'failed')),
      reason TEXT,
      workspace TEXT
    );
    CREATE INDEX action_audit_ts ON action_audit(ts);

    CREATE TABLE action_allow (
      workspace TEXT NOT NULL,
      action TEXT NOT NULL,
      ts INTEGER NOT NULL,
      PRIMARY KEY (workspace, action)
    ) WITHOUT ROWID;
  `);
}

/**
 * v8: long-term memory (issue 17): facts about the user (protocol/memory.ts). `norm` is the text
 * lowercased with its spaces collapsed: the same fact in the same place (global, or one workspace)
 * is one row. memories_fts is an external-content index kept by triggers, as messages_fts is.
 */
function v8(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE memories (
      id INTEGER PRIMARY KEY,
      text TEXT NOT NULL,
      norm TEXT NOT NULL,
      scope TEXT NOT NULL CHECK (scope IN ('global', 'workspace')),
      workspace TEXT,
      workspace_name TEXT,
      source TEXT NOT NULL,
      source_message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
      confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
      pinned INTEGER NOT NULL DEFAULT 0,
      created_ts INTEGER NOT NULL,
      updated_ts INTEGER NOT NULL,
      last_used_ts INTEGER,
      CHECK ((scope = 'global') = (workspace IS NULL))
    );
    -- Dedupe: one row per fact and place.
    CREATE UNIQUE INDEX memories_by_norm ON memories(coalesce(workspace, ''), norm);
    -- The list, newest first (keyset paging), per place.
    CREATE INDEX memories_by_updated ON memories(updated_ts DESC, id DESC);
    CREATE INDEX memories_by_workspace ON memories(workspace, updated_ts DESC, id DESC);
    -- Pruning the oldest unused unpinned ones, and pinned ones for every recall.
    CREATE INDEX memories_prune ON memories(pinned, coalesce(last_used_ts, updated_ts), id);
    -- ON DELETE SET NULL on messages has to find the memories that point at one.
    CREATE INDEX memories_by_message ON memories(source_message_id) WHERE source_message_id IS NOT NULL;
  `);
  db.exec(externalFtsIndex('memories', 'text'));
}

/**
 * v9: the rest of issue 17.
 * - messages.sources: JSON array of SourceRef (protocol/attachments.ts): a user message's
 *   @-mentions, a reply's citations.
 * - memories.signature: a fix that worked (source 'fix') is found again by its error's signature,
 *   with no model; memories.session_id: a summary of an older session (source 'summary') goes with
 *   its session.
 * - memory_vectors: one embedding per memory for hybrid recall, tagged with the model that made it
 *   (vectors of another model are made again); they go with their memory.
 */
function v9(db: BetterSqlite3.Database): void {
  db.exec(`
    ALTER TABLE messages ADD COLUMN sources TEXT;
    ALTER TABLE memories ADD COLUMN signature TEXT;
    ALTER TABLE memories ADD COLUMN session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE;
    CREATE INDEX memories_by_signature ON memories(signature, updated_ts DESC) WHERE signature IS NOT NULL;
    CREATE UNIQUE INDEX memories_by_session ON memories(session_id) WHERE session_id IS NOT NULL;

    CREATE TABLE memory_vectors (
      memory_id INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
      model TEXT NOT NULL,
      vector BLOB NOT NULL
    );
  `);
}

/**
 * v10: characters the way companion users share them (issue 18).
 * - card: the imported character card (SillyTavern Character Card V1/V2/V3) as JSON, verbatim:
 *   every field, extensions and unknown ones included, so export gives back what was imported.
 *   Name, persona, greeting and voice stay in their columns (what Alisa uses and the user edits).
 * - portrait: the card's image, a file in the data folder (relative path); NULL: none.
 * - avatar_id: the character's own avatar (the avatar store's id; avatars are files, not rows);
 *   NULL: the default one.
 */
function v10(db: BetterSqlite3.Database): void {
  db.exec(`
    ALTER TABLE characters ADD COLUMN card TEXT;
    ALTER TABLE characters ADD COLUMN portrait TEXT;
    ALTER TABLE characters ADD COLUMN avatar_id TEXT;
  `);
}

/**
 * An FTS5 index over `table.column` that keeps no copy of the text (external content), and the
 * three triggers that are its only writers: every insert, delete and change of the text reaches it,
 * or search returns ghosts. v1 wrote these out for messages (shipped migrations stay as they are);
 * later ones use this.
 */
function externalFtsIndex(table: string, column: string): string {
  const fts = `${table}_fts`;
  const remove = `INSERT INTO ${fts}(${fts}, rowid, ${column}) VALUES ('delete', old.id, old.${column});`;
  const add = `INSERT INTO ${fts}(rowid, ${column}) VALUES (new.id, new.${column});`;
  return [
    `CREATE VIRTUAL TABLE ${fts} USING fts5(${column}, content = '${table}', content_rowid = 'id', tokenize = 'porter unicode61');`,
    `CREATE TRIGGER ${fts}_insert AFTER INSERT ON ${table} BEGIN ${add} END;`,
    `CREATE TRIGGER ${fts}_delete AFTER DELETE ON ${table} BEGIN ${remove} END;`,
    `CREATE TRIGGER ${fts}_update AFTER UPDATE OF ${column} ON ${table} WHEN old.${column} IS NOT new.${column} BEGIN ${remove} ${add} END;`,
  ].join('\n');
}

/** Index i holds the migration to version i + 1. */
export const MIGRATIONS: readonly Migration[] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10];
