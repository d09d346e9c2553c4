// One workspace's codebase index on disk (issue 17): its own SQLite file under the data folder
// (`code-index/<hash of the workspace id>.sqlite`), never the memory database, because it is a
// cache that can always be built again from the files. So a damaged file, one from another
// version of the schema or one that is not a database at all is deleted and started afresh (the
// caller is told why, and says so in its progress event); a lock held by another process is an
// error to report, never a reason to delete anything.
//
// Tables: `files` (folder name, folder-relative path, size, mtime, content hash: what incremental
// updates compare), `chunks` (line ranges of a file, and the chunk's vector when embeddings are
// on) and `chunks_fts`, a contentless FTS5 index of the chunks' words (code-terms.ts): the text
// itself is read from the file when a chunk is found, so the index stays smaller than the code.
// The FTS5 index keeps positions (detail=full): detail=column would halve it, but bm25 then scores
// every match 0 and the ranking is lost.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { AlisaError } from '../errors';
import { checkIntegrity, isBusyError, migrate, type Db } from '../memory/database';
import { sqliteAddonPath } from '../memory/native-addon';
import { CODE_TOKENIZER } from './code-terms';

const MIGRATIONS = [
  (db: Db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        folder TEXT NOT NULL,
        rel TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (folder, rel)
      );
      CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        start_line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        vector BLOB
      );
      CREATE INDEX chunks_file ON chunks(file_id);
      CREATE VIRTUAL TABLE chunks_fts USING fts5(body, content = '', contentless_delete = 1, tokenize = "${CODE_TOKENIZER}");
    `);
  },
];

export interface StoredFile {
  id: number;
  size: number;
  mtimeMs: number;
  hash: string;
}

export interface NewChunk {
  startLine: number;
  endLine: number;
  /** What FTS5 indexes (code-terms.ts indexText of the redacted text). */
  body: string;
  /** The chunk's redacted text, for the embedder (never stored). */
  text: string;
  vector?: Float32Array | null;
}

export interface ChunkRow {
  id: number;
  folder: string;
  rel: string;
  startLine: number;
  endLine: number;
  /** bm25: negative, lower is more relevant. */
  rank: number;
}

export class IndexStore {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly file: string,
    private readonly db: Db,
  ) {}

  /** Each statement is prepared once (preparing costs more than running most of them). */
  private sql(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  /**
   * Opens (creating if needed) the index at `file`. A damaged or foreign file is deleted and a new
   * one started: `rebuilt` says why. A lock held elsewhere throws AlisaError `database_locked`.
   */
  static open(file: string): { store: IndexStore; rebuilt: string | null } {
    let rebuilt: string | null = null;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      rebuilt = checkIntegrity(file);
    } catch (err) {
      if (err instanceof AlisaError && err.code === 'database_locked') throw lockedError(file, err);
      rebuilt = `it could not be read (${err instanceof Error ? err.message : String(err)})`;
    }
    if (rebuilt) removeIndexFiles(file);
    try {
      return { store: new IndexStore(file, openDb(file)), rebuilt };
    } catch (err) {
      if (isBusyError(err)) throw lockedError(file, err);
      // Another schema (a newer Alisa) or a file SQLite refuses once open: a cache, so started again.
      const why = `it could not be used (${err instanceof Error ? err.message : String(err)})`;
      removeIndexFiles(file);
      return { store: new IndexStore(file, openDb(file)), rebuilt: rebuilt ?? why };
    }
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // Closing only releases the file; nothing is lost when it fails.
    }
  }

  getMeta(key: string): string | null {
    return (this.sql('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** What is indexed of one folder, by folder-relative path. */
  filesOf(folder: string): Map<string, StoredFile> {
    const rows = this.sql('SELECT id, rel, size, mtime_ms AS mtimeMs, hash FROM files WHERE folder = ?').all(folder) as Array<StoredFile & { rel: string }>;
    return new Map(rows.map((r) => [r.rel, { id: r.id, size: r.size, mtimeMs: r.mtimeMs, hash: r.hash }]));
  }

  /** The folders with indexed files. */
  folders(): string[] {
    return this.sql('SELECT DISTINCT folder FROM files').pluck().all() as string[];
  }

  /** Runs `fn` in one transaction (a batch of files is one commit, not one per file). */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Replaces a file's chunks (adding the file when new). */
  putFile(folder: string, rel: string, size: number, mtimeMs: number, hash: string, chunks: readonly NewChunk[]): void {
    const fileId = this.db
      .prepare(
        `INSERT INTO files (folder, rel, size, mtime_ms, hash) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(folder, rel) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, hash = excluded.hash
         RETURNING id`,
      )
      .pluck()
      .get(folder, rel, size, mtimeMs, hash) as number;
    this.deleteChunks(fileId);
    const insert = this.sql('INSERT INTO chunks (file_id, start_line, end_line, vector) VALUES (?, ?, ?, ?)');
    const insertFts = this.sql('INSERT INTO chunks_fts (rowid, body) VALUES (?, ?)');
    for (const c of chunks) {
      const id = insert.run(fileId, c.startLine, c.endLine, c.vector ? Buffer.from(c.vector.buffer, c.vector.byteOffset, c.vector.byteLength) : null)
        .lastInsertRowid as number;
      insertFts.run(id, c.body);
    }
  }

  /** The file's content did not change, only its size or time (a touch, a checkout of the same text). */
  touchFile(id: number, size: number, mtimeMs: number): void {
    this.sql('UPDATE files SET size = ?, mtime_ms = ? WHERE id = ?').run(size, mtimeMs, id);
  }

  deleteFile(id: number): void {
    this.deleteChunks(id);
    this.sql('DELETE FROM files WHERE id = ?').run(id);
  }

  private deleteChunks(fileId: number): void {
    this.sql('DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE file_id = ?)').run(fileId);
    this.sql('DELETE FROM chunks WHERE file_id = ?').run(fileId);
  }

  /** The best `limit` chunks for an FTS5 MATCH expression, by bm25. */
  search(match: string, limit: number): ChunkRow[] {
    return this.db
      .prepare(
        `SELECT c.id, f.folder, f.rel, c.start_line AS startLine, c.end_line AS endLine, h.rank
         FROM (SELECT rowid, bm25(chunks_fts) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?) h
         JOIN chunks c ON c.id = h.rowid JOIN files f ON f.id = c.file_id
         ORDER BY h.rank`,
      )
      .all(match, limit) as ChunkRow[];
  }

  /** Every chunk that has a vector (for the optional semantic half of a search). */
  vectors(): Array<{ id: number; vector: Float32Array }> {
    const rows = this.sql('SELECT id, vector FROM chunks WHERE vector IS NOT NULL').all() as Array<{ id: number; vector: Buffer }>;
    return rows.map((r) => ({ id: r.id, vector: new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength)) }));
  }

  chunksByIds(ids: readonly number[]): ChunkRow[] {
    if (ids.length === 0) return [];
    return this.db
      .prepare(
        `SELECT c.id, f.folder, f.rel, c.start_line AS startLine, c.end_line AS endLine, 0 AS rank
         FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids)) as ChunkRow[];
  }

  counts(): { files: number; chunks: number } {
    return {
      files: this.sql('SELECT count(*) FROM files').pluck().get() as number,
      chunks: this.sql('SELECT count(*) FROM chunks').pluck().get() as number,
    };
  }

  /** Drops every file and chunk (the embedding model changed, or a rebuild was asked for). */
  clear(): void {
    this.batch(() => {
      this.db.exec("DELETE FROM chunks_fts; DELETE FROM chunks; DELETE FROM files; DELETE FROM meta WHERE key <> 'created'");
    });
  }

  /**
   * After a pass: merges the FTS5 index's segments when much was written (fewer, smaller b-trees),
   * returns freed pages to the file system and empties the write-ahead log into the file.
   */
  async compact(changedFiles: number, signal?: AbortSignal): Promise<void> {
    if (changedFiles >= 200) {
      // In small steps ('merge' of a few pages at a time, until it finds nothing left to do), yielding
      // between them: one 'optimize' of a large index holds the event loop for a third of a second.
      const changes = this.sql('SELECT total_changes()').pluck();
      const merge = this.sql("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('merge', 32)");
      for (let i = 0; i < 10_000 && !signal?.aborted; i++) {
        const before = changes.get();
        merge.run();
        if (changes.get() === before) break;
        await new Promise((r) => setImmediate(r));
      }
    }
    // Freed pages back to the file system, a few hundred at a time.
    const freelist = this.sql('PRAGMA freelist_count').pluck();
    while ((freelist.get() as number) > 0 && !signal?.aborted) {
      this.db.pragma('incremental_vacuum(500)');
      await new Promise((r) => setImmediate(r));
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Bytes on disk (the database and its write-ahead log). */
  sizeOnDisk(): number {
    let total = 0;
    for (const suffix of ['', '-wal']) {
      try {
        total += statSync(this.file + suffix).size;
      } catch {
        // No WAL right now.
      }
    }
    return total;
  }
}

function openDb(file: string): Db {
  const db = new Database(file, { timeout: 25, nativeBinding: sqliteAddonPath() });
  try {
    db.pragma('busy_timeout = 25');
    // Before the first table exists (it cannot be changed later without a VACUUM): deleted files' pages can go back to the disk.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // A cache: a power cut that loses the last batch only means those files are read again.
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS);
    // Reading it back proves the file is a usable database before anything relies on it.
    db.prepare('SELECT count(*) FROM chunks_fts').get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function removeIndexFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) rmSync(file + suffix, { force: true });
}

function lockedError(file: string, cause: unknown): AlisaError {
  return new AlisaError(
    'database_locked',
    `Another process holds the codebase index at ${file}, so it cannot be updated right now.`,
    'Close the other Alisa instance using the same data folder, then run "Alisa: Rebuild Codebase Index".',
    { cause },
  );
}
