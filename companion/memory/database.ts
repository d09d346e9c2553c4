// Opening the SQLite file and keeping it healthy: folder creation, pragmas, migrations, and
// the translation of SQLite failures into errors a user can act on. Nothing here knows about
// sessions or messages; that is `memory-store.ts`.
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, renameSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { AlisaError } from '../errors';
import { describeNativeLoadError, sqliteAddonPath } from './native-addon';
import { MIGRATIONS, type Migration } from './schema';

export type Db = Database.Database;

/**
 * How long a statement waits for another connection's lock before failing with
 * `database_locked` (ms). better-sqlite3 waits synchronously, on the event loop, so this stays
 * short: a lock held by another process must never freeze /health, the WebSocket or a reply.
 * Writes that must eventually happen (a streaming reply) are retried by their callers later.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 25;

interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Only tests pass their own list. */
  migrations?: readonly Migration[];
  /** Told when a damaged file was found at open and moved aside (a fresh database was started). */
  onMovedAside?: (info: MovedAside) => void;
}

/** A damaged database file found at open, kept (renamed, never deleted) for recovery. */
export interface MovedAside {
  /** What was wrong, in words. */
  reason: string;
  /** The new name of the database file (its -wal and -shm, if any, sit beside it with the same suffixes). */
  movedTo: string;
  /** Every file renamed, as [from, to]. */
  files: Array<[string, string]>;
  /** What the user sees: what happened and what to do. */
  message: string;
  action: string;
}

/**
 * Opens (creating if needed) the database at `file` and migrates it to the latest schema.
 * Throws AlisaError `database_locked` or `database_unavailable`; never a raw SQLite error.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Db {
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new AlisaError('invalid_argument', `busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}.`);
  }
  let db: Db | undefined;
  try {
    if (file !== ':memory:') {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      // Before anything can write to it (WAL switch, migrations, recovery marks): a damaged
      // file is moved aside whole and a fresh one started, so nothing is written into it.
      const damage = checkIntegrity(file, busyTimeoutMs);
      if (damage) opts.onMovedAside?.(moveAside(file, damage));
    }
    db = new Database(file, { timeout: busyTimeoutMs, nativeBinding: sqliteAddonPath() });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // WAL lets the UI read history while a reply is being written; NORMAL sync is safe with
    // WAL (a power cut can lose the last commit, never corrupt the file).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Per connection and off by default in SQLite; cascades and SET NULL depend on it.
    db.pragma('foreign_keys = ON');
    migrate(db, opts.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // The open already failed; the first error is the one worth reporting.
    }
    throw toDatabaseError(file, err);
  }
}

/**
 * Reads the file (read-only: no WAL checkpoint on close, no journal replay) and runs SQLite's
 * `quick_check`. Returns what is wrong with it, or null when it is healthy, missing or empty.
 * A lock or a file-system problem is thrown (as an AlisaError); it says nothing about damage.
 */
export function checkIntegrity(file: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): string | null {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unavailableError(file, err);
  }
  if (st.isDirectory()) {
    throw new AlisaError(
      'database_unavailable',
      `The memory database at ${file} is a folder, not a database file; Alisa left it untouched.`,
      'Move or rename that folder, or choose another data folder (--data) or database file (--db).',
    );
  }
  if (!st.isFile()) {
    throw new AlisaError(
      'database_unavailable',
      `The memory database at ${file} is not a regular file; Alisa left it untouched.`,
      'Remove it or choose another data folder.',
    );
  }
  if (st.size === 0) return null;
  let check: Db | undefined;
  try {
    check = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs, nativeBinding: sqliteAddonPath() });
    const rows = check.pragma('quick_check(20)') as Array<{ quick_check: string }>;
    const problems = rows.map((r) => r.quick_check).filter((line) => line !== 'ok');
    return problems.length === 0 ? null : `it has damaged pages (SQLite quick_check: ${problems.slice(0, 3).join('; ')})`;
  } catch (err) {
    const code = sqliteCode(err) ?? '';
    if (code.startsWith('SQLITE_NOTADB')) return 'it is not an SQLite database (its header is not one)';
    if (code.startsWith('SQLITE_CORRUPT')) return `it has damaged pages (${err instanceof Error ? err.message : String(err)})`;
    if (isBusyError(err)) throw lockedError(file, err);
    // Anything else (a read-only WAL file without its -shm, permissions): the read-write open
    // that follows reports it with its own words.
    return null;
  } finally {
    try {
      check?.close();
    } catch {
      // Closing a read-only connection writes nothing; a failure here changes nothing.
    }
  }
}

/**
 * Renames `file` (and its -wal and -shm, which may hold its newest commits) to
 * `<file>.corrupt-<time>`, never deleting anything. Throws when it cannot be moved: then
 * nothing is opened, so nothing is written into it.
 */
function moveAside(file: string, reason: string): MovedAside {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 2; [target, `${target}-wal`, `${target}-shm`].some((f) => existsSync(f)); n++) target = `${file}.corrupt-${stamp}-${n}`;
  const files: Array<[string, string]> = [];
  for (const suffix of ['', '-wal', '-shm']) {
    if (!existsSync(file + suffix)) continue;
    try {
      renameSync(file + suffix, target + suffix);
      files.push([file + suffix, target + suffix]);
    } catch (err) {
      throw new AlisaError(
        'database_unavailable',
        `The memory database at ${file} is damaged (${reason}) and could not be moved aside (${err instanceof Error ? err.message : String(err)}); Alisa did not open or change it.`,
        `Move the file away yourself (keep it: it holds your history) and restart Alisa, or choose another data folder.`,
        { cause: err },
      );
    }
  }
  return {
    reason,
    movedTo: target,
    files,
    message: `The memory database at ${file} was damaged (${reason}), so Alisa moved it to ${target} and started a new, empty one. Nothing was deleted.`,
    action: `Your old history is kept in ${target}; a recovery tool (for example \`sqlite3 ${path.basename(target)} .recover\`) may get most of it back. Delete that file once you no longer need it.`,
  };
}

function userVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs the migrations the file has not seen yet; returns the resulting schema version. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const found = userVersion(db);
  if (found > migrations.length) {
    throw new AlisaError(
      'database_unavailable',
      `The memory database at ${db.name} was written by a newer version of Alisa (schema ${found}; this version knows up to ${migrations.length}).`,
      'Update Alisa, or choose another data folder.',
    );
  }
  for (let target = found + 1; target <= migrations.length; target++) {
    const step = migrations[target - 1]!;
    db.transaction(() => {
      // Another process may have migrated while we waited for the write lock.
      if (userVersion(db) >= target) return;
      step(db);
      // user_version lives in the file header and is rolled back with the transaction.
      db.pragma(`user_version = ${target}`);
    }).immediate();
  }
  return userVersion(db);
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLITE_BUSY*, SQLITE_LOCKED*: someone else holds a lock we needed. */
export function isBusyError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function lockedError(file: string, cause?: unknown): AlisaError {
  return new AlisaError(
    'database_locked',
    `Another process holds the memory database at ${file}, so it cannot be written right now.`,
    'Close the other Alisa window or program using it, or choose another data folder.',
    { cause },
  );
}

/** What went wrong and what to do, chosen from the SQLite or file-system error code. */
function unavailableError(file: string, cause: unknown): AlisaError {
  const code = sqliteCode(cause) ?? '';
  const detail = cause instanceof Error ? cause.message : String(cause);
  const fail = (what: string, action: string) =>
    new AlisaError('database_unavailable', `The memory database at ${file} ${what} (${detail}).`, action, { cause });
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return fail(
      'is not a usable database file',
      'Restart Alisa: at start she checks the file, moves a damaged one aside (kept, never deleted) and starts a new one. Or choose another data folder.',
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code === 'EROFS' || code === 'EACCES') {
    // SQLite only says "unable to open": find out whether the folder is the reason.
    const folder = file === ':memory:' ? null : path.dirname(path.resolve(file));
    const why = folder ? folderProblem(folder) : null;
    if (why === 'read-only') {
      return fail(
        `cannot be written: its folder ${folder} is on a read-only file system`,
        'Choose a data folder on a writable disk (--data), or remount that disk read-write. Alisa changed nothing there.',
      );
    }
    if (why === 'full') {
      return fail(
        `cannot grow: the disk that holds ${folder} is full`,
        'Free some disk space or choose a data folder on another disk (--data). Alisa changed nothing in your history.',
      );
    }
    if (why === 'no-permission') {
      return fail(
        `cannot be written: you have no write permission on its folder ${folder}`,
        "Check the folder's permissions or choose another data folder (--data). Alisa changed nothing there.",
      );
    }
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return fail('cannot be written: permission denied', "Check the folder's permissions or choose another data folder.");
  }
  if (code === 'ENOSPC' || code.startsWith('SQLITE_FULL')) {
    return fail('cannot grow: the disk is full', 'Free some disk space or choose another data folder.');
  }
  if (code === 'ENOTDIR' || code === 'EEXIST' || code.startsWith('SQLITE_CANTOPEN')) {
    return fail('cannot be opened', 'Check that the data folder path points to a folder you can write to, or choose another data folder.');
  }
  return fail('could not be opened', 'Check the data folder, or choose another one.');
}

/** Whether `folder` can take new files (SQLite needs it for -wal and -shm): null when it can. */
function folderProblem(folder: string): 'read-only' | 'no-permission' | 'full' | null {
  try {
    accessSync(folder, fsConstants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EROFS' ? 'read-only' : code === 'EACCES' || code === 'EPERM' ? 'no-permission' : null;
  }
  try {
    // SQLite reports a full disk while opening as an I/O error (it could not size the -shm).
    const fs = statfsSync(folder);
    if (fs.bavail * fs.bsize < NEARLY_FULL_BYTES) return 'full';
  } catch {
    // No file-system figures here: nothing more to say.
  }
  return null;
}

/** Less free space than this counts as a full disk when SQLite fails to open or grow. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/** Any failure while opening, as an AlisaError. */
function toDatabaseError(file: string, err: unknown): AlisaError {
  if (err instanceof AlisaError) return err;
  // The SQLite addon itself did not load (built for another Node.js ABI): no file problem.
  const native = describeNativeLoadError(err);
  if (native) return new AlisaError('database_unavailable', native.message, native.action, { cause: err });
  return isBusyError(err) ? lockedError(file, err) : unavailableError(file, err);
}

const STORAGE_FAILURES = ['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM'];

/**
 * A failure during a normal call: locks and storage problems become AlisaErrors; anything
 * else (a constraint we did not expect, a bug) is returned unchanged for the caller to judge.
 */
export function mapRuntimeError(file: string, err: unknown): unknown {
  if (err instanceof AlisaError) return err;
  if (isBusyError(err)) return lockedError(file, err);
  const code = sqliteCode(err);
  if (code && STORAGE_FAILURES.some((prefix) => code.startsWith(prefix))) return unavailableError(file, err);
  return err;
}
