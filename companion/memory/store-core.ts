// The part of the memory store every table group shares: the open database, its prepared
// statements, one reusable transaction wrapper, and the two gates every access goes through
// (`guard` turns lock and storage failures into AlisaError; `write` is a guarded write
// transaction). The store's method groups build on it by inheritance (StoreCore <- RhythmStore
// <- MemoryStore), so they keep one public class and one set of statements without
// passing the internals around.
import type BetterSqlite3 from 'better-sqlite3';
import { AlisaError } from '../errors';
import { mapRuntimeError, type Db, type MovedAside } from './database';
import { prepareStatements, type Statements } from './statements';

export abstract class StoreCore {
  protected readonly sql: Statements;
  /** One reusable transaction wrapper; nested use becomes a savepoint. */
  protected readonly tx: BetterSqlite3.Transaction<(fn: () => unknown) => unknown>;
  /** Set when the file found at open was damaged and moved aside (this store is a fresh one). */
  movedAside: MovedAside | null = null;

  protected constructor(
    readonly path: string,
    protected readonly db: Db,
    protected readonly now: () => number,
  ) {
    this.sql = prepareStatements(db);
    this.tx = db.transaction((fn: () => unknown) => fn());
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

  /** Every database access goes through here so lock and storage failures speak AlisaError. */
  protected guard<T>(fn: () => T): T {
    if (!this.db.open) throw new AlisaError('database_unavailable', `The memory database at ${this.path} is closed.`, 'Restart the companion.');
    try {
      return fn();
    } catch (err) {
      throw mapRuntimeError(this.path, err);
    }
  }

  /** A guarded write transaction (a savepoint when already inside `transaction()`). */
  protected write<T>(fn: () => T): T {
    return this.guard(() => this.tx.immediate(fn) as T);
  }
}
