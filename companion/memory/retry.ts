// Waiting for a lock without freezing: SQLite's own busy wait (better-sqlite3) blocks the event
// loop, so it is kept short (DEFAULT_BUSY_TIMEOUT_MS) and a write that must eventually happen is
// retried here, between turns of the event loop, with a growing pause.
import { AlisaError } from '../errors';

export interface RetryOptions {
  /** The first pause after a `database_locked` failure (ms); each next pause doubles. */
  firstDelayMs?: number;
  /** The longest single pause (ms). */
  maxDelayMs?: number;
  /** Gives up (rethrowing the last `database_locked`) after this many attempts. */
  attempts?: number;
  /** Told after each locked attempt (for logs and tests). */
  onLocked?: (attempt: number, err: AlisaError) => void;
}

/** Attempts within ~15 s by default: 25, 50, 100, ... up to 2000 ms apart. */
export async function retryWhileLocked<T>(fn: () => T, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 14;
  let delay = opts.firstDelayMs ?? 25;
  const maxDelay = opts.maxDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof AlisaError) || err.code !== 'database_locked' || attempt >= attempts) throw err;
      opts.onLocked?.(attempt, err);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
