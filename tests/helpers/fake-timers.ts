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
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = until;
  }
}
