import type { Timers } from '../../webview/util/timers';

/** Timers driven by the test: time moves only in advance(). */
export class FakeTimers implements Timers {
  time = 0;
  /** Every delay ever asked for, in order. */
  delays: number[] = [];
  private queue: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.delays.push(ms);
    this.queue.push({ at: this.time + ms, fn, id });
    return id;
  }

  clearTimeout(h: unknown): void {
    this.queue = this.queue.filter((t) => t.id !== h);
  }

  now(): number {
    return this.time;
  }

  get pending(): number {
    return this.queue.length;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (let next = this.due(until); next; next = this.due(until)) next.fn();
    this.time = until;
  }

  /** As advance(), letting `ticks` rounds of promise callbacks run after each timer (for logic that awaits in between). */
  async advanceAsync(ms: number, ticks = 5): Promise<void> {
    const until = this.time + ms;
    for (let next = this.due(until); next; next = this.due(until)) {
      next.fn();
      for (let i = 0; i < ticks; i++) await Promise.resolve();
    }
    this.time = until;
  }

  /** The earliest timer due by `until`, taken off the queue with the time moved to it; none if there is none. */
  private due(until: number): { at: number; fn: () => void; id: number } | undefined {
    this.queue.sort((a, b) => a.at - b.at);
    const next = this.queue[0];
    if (!next || next.at > until) return undefined;
    this.queue.shift();
    this.time = next.at;
    return next;
  }
}
