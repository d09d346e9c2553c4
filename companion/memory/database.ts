// Opening the SQLite file and keeping it healthy: folder creation, pragmas, migrations, and
// the translation of SQLite failures into errors a user can act on. Nothing here knows about
// sessions or messages; that is `memory-store.ts`.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AlisaError } from '../errors';
import { MIGRATIONS, type Migration } from './schema';

export type Db = Database.Database;

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Only tests pass their own list. */
  migrations?: readonly Migration[];
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
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new Database(file, { timeout: busyTimeoutMs });
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

export function lockedError(file: string, cause?: unknown): AlisaError {
  return new AlisaError(
    'database_locked',
    `Another process holds the memory database at ${file}, so it cannot be written right now.`,
    'Close the other Alisa window or program using it, or choose another data folder.',
    { cause },
  );
}

/** What went wrong and what to do, chosen from the SQLite or file-system error code. */
export function unavailableError(file: string, cause: unknown): AlisaError {
  const code = sqliteCode(cause) ?? '';
  const detail = cause instanceof Error ? cause.message : String(cause);
  const fail = (what: string, action: string) =>
    new AlisaError('database_unavailable', `The memory database at ${file} ${what} (${detail}).`, action, { cause });
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return fail('is not a usable database file', 'Move the file aside (Alisa will start a new one) or choose another data folder.');
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

/** Any failure while opening, as an AlisaError. */
export function toDatabaseError(file: string, err: unknown): AlisaError {
  if (err instanceof AlisaError) return err;
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
