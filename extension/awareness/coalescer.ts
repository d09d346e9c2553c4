// Turns many small observations into one `context.update` at most every interval, and only when
// something changed since the last one sent (pure: the clock and the sender are injected).
// Every update is fitted to the frame limit before it leaves (diagnostics-budget.ts); a frame the
// companion refuses as too large is never sent again as it was: the budget halves and the next
// try is smaller. Other failures are retried later and later (1 s, 2 s, 4 s ... 30 s).
import type { ContextUpdate } from '../../protocol/context';
import { DIAGNOSTICS_FIELDS, fitUpdate, frameBytes, MAX_UPDATE_BYTES } from './diagnostics-budget';

export interface CoalescerTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const DEFAULT_COALESCE_MS = 1000;
/** Failures other than "too large" are retried after at most this long. */
const MAX_RETRY_MS = 30_000;
/** Below this budget a refused update is given up (and said so in the log). */
const MIN_UPDATE_BYTES = 4 * 1024;

interface CoalescerOptions {
  /** The most a frame may take (default: the protocol's limit less a safety margin). */
  maxBytes?: number;
  /** Told (once per kind) when something was cut or given up. */
  log?: (message: string) => void;
}

/** The companion refused the frame for its size (an RpcError's code, kept by CompanionManager.request). */
function tooLarge(err: unknown): boolean {
  const e = err as { code?: unknown; info?: { code?: unknown } } | null;
  return e?.code === 'frame_too_large' || e?.info?.code === 'frame_too_large';
}

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
  /** The frame budget: halves each time the companion refuses a frame as too large. */
  private maxBytes: number;
  /** The wait before the next try after failures other than "too large" (0: none failed). */
  private retryMs = 0;
  private failedAt = -Infinity;
  private lastLog: string | null = null;

  constructor(
    private readonly send: (update: ContextUpdate) => Promise<unknown>,
    private readonly intervalMs = DEFAULT_COALESCE_MS,
    private readonly timers: CoalescerTimers = realTimers,
    private readonly opts: CoalescerOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? MAX_UPDATE_BYTES;
  }

  /** The current frame budget in bytes. */
  get budgetBytes(): number {
    return this.maxBytes;
  }

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
    // The diagnostics fields go together: the truncation counts describe the lists.
    if (DIAGNOSTICS_FIELDS.some((k) => k in out)) {
      for (const k of DIAGNOSTICS_FIELDS) if (k in this.pending) out[k] = this.pending[k];
    }
    return any ? (out as ContextUpdate) : null;
  }

  private schedule(): void {
    if (this.timer !== null || this.inFlight || this.disposed) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - this.timers.now(), this.failedAt + this.retryMs - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
  }

  private async flush(): Promise<void> {
    const update = this.changed();
    this.pending = {};
    if (!update || this.disposed) return;
    const fitted = fitUpdate(update, this.maxBytes);
    if (!fitted) {
      // Cannot happen within the protocol's field limits; if it does, said once and not retried.
      this.say(`context.update of ${frameBytes(update)} bytes cannot be cut under ${this.maxBytes} bytes; it was not sent.`);
      this.markSent(update);
      return;
    }
    if (fitted.degraded) this.say(`context.update cut to fit ${this.maxBytes} bytes (the panel says what was left out).`);
    this.inFlight = true;
    this.lastSentAt = this.timers.now();
    try {
      await this.send(fitted.update);
      // What was asked for counts as sent: the companion has the best that fits of it.
      this.markSent(update);
      this.retryMs = 0;
    } catch (err) {
      if (tooLarge(err)) {
        // Never the same frame again: the next try is at most half this one.
        const refused = frameBytes(fitted.update);
        this.maxBytes = Math.floor(Math.min(this.maxBytes, refused) / 2);
        if (this.maxBytes < MIN_UPDATE_BYTES) {
          this.say(`Alisa refused context.update even at ${refused} bytes; editor context is not sent until something changes.`);
          this.markSent(update);
          this.maxBytes = MIN_UPDATE_BYTES;
        } else {
          this.say(`Alisa refused a context.update of ${refused} bytes as too large; sending at most ${this.maxBytes} bytes from now on.`);
          this.keep(update);
        }
      } else {
        // Not delivered (not connected, no answer): kept, tried again later and later.
        this.retryMs = Math.min(MAX_RETRY_MS, Math.max(this.intervalMs, this.retryMs * 2));
        this.failedAt = this.timers.now();
        this.keep(update);
      }
    } finally {
      this.inFlight = false;
    }
    if (Object.keys(this.pending).length > 0) this.schedule();
  }

  private markSent(update: ContextUpdate): void {
    for (const [k, v] of Object.entries(update)) this.sent.set(k as Key, JSON.stringify(v));
  }

  /** Not delivered: kept for the next try unless newer values came meanwhile. */
  private keep(update: ContextUpdate): void {
    for (const [k, v] of Object.entries(update) as Array<[Key, unknown]>) {
      if (!(k in this.pending)) (this.pending as Record<string, unknown>)[k] = v;
    }
  }

  private say(message: string): void {
    if (message === this.lastLog) return;
    this.lastLog = message;
    this.opts.log?.(message);
  }
}
