// Turns many small observations into one `context.update` at most every interval, and only when
// something changed since the last one sent (pure: the clock and the sender are injected).
import type { ContextUpdate } from '../../protocol/context';

export interface CoalescerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const DEFAULT_COALESCE_MS = 1000;

const realTimers: CoalescerTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

type Key = keyof ContextUpdate;

export class ContextCoalescer {
  private pending: ContextUpdate = {};
  /** What the companion has, per field, as JSON (to skip unchanged fields). */
  private readonly sent = new Map<Key, string>();
  private lastSentAt = -Infinity;
  private timer: unknown = null;
  private inFlight = false;
  private disposed = false;

  constructor(
    private readonly send: (update: ContextUpdate) => Promise<unknown>,
    private readonly intervalMs = DEFAULT_COALESCE_MS,
    private readonly timers: CoalescerTimers = realTimers,
  ) {}

  /** Records fields (later values of a field replace earlier ones) and schedules a send. */
  update(partial: ContextUpdate): void {
    if (this.disposed) return;
    for (const [k, v] of Object.entries(partial) as Array<[Key, unknown]>) {
      if (v === undefined) continue;
      (this.pending as Record<string, unknown>)[k] = v;
    }
    this.schedule();
  }

  /** Forgets what was sent (after a reconnect the companion knows nothing): the next update carries everything given again. */
  reset(): void {
    this.sent.clear();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The fields of `pending` that differ from what was sent. */
  private changed(): ContextUpdate | null {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const [k, v] of Object.entries(this.pending) as Array<[Key, unknown]>) {
      if (this.sent.get(k) === JSON.stringify(v)) continue;
      out[k] = v;
      any = true;
    }
    return any ? (out as ContextUpdate) : null;
  }

  private schedule(): void {
    if (this.timer !== null || this.inFlight || this.disposed) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
  }

  private async flush(): Promise<void> {
    const update = this.changed();
    this.pending = {};
    if (!update || this.disposed) return;
    this.inFlight = true;
    this.lastSentAt = this.timers.now();
    try {
      await this.send(update);
      for (const [k, v] of Object.entries(update)) this.sent.set(k as Key, JSON.stringify(v));
    } catch {
      // Not delivered: keep it for the next try unless newer values came meanwhile.
      for (const [k, v] of Object.entries(update) as Array<[Key, unknown]>) {
        if (!(k in this.pending)) (this.pending as Record<string, unknown>)[k] = v;
      }
    } finally {
      this.inFlight = false;
    }
    if (Object.keys(this.pending).length > 0) this.schedule();
  }
}
