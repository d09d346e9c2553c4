// Blinking at natural, irregular intervals: the next blink comes a random 2–6 s after the last,
// and now and then a second one follows right away (a double blink). Runs only while motion is
// allowed; stopping clears every timer and leaves the eyes open.
import { realTimers, type Timers } from '../util/timers';
import { animating, type MotionConditions } from './motion-gate';

export interface BlinkOptions {
  /** Called with true when the eyes close and false when they open. */
  onBlink: (closed: boolean) => void;
  timers?: Timers;
  /** Returns a number in [0, 1). */
  random?: () => number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** How long the eyes stay closed. */
  closedMs?: number;
  /** Chance that a blink is followed by a second one. */
  doubleBlinkChance?: number;
  /** Open time between the two blinks of a double blink. */
  doubleGapMs?: number;
}

export const BLINK_DEFAULTS = {
  minIntervalMs: 2000,
  maxIntervalMs: 6000,
  closedMs: 140,
  doubleBlinkChance: 0.2,
  doubleGapMs: 160,
} as const;

export class BlinkScheduler {
  private timer: unknown = null;
  private closed = false;
  private active = false;
  private pace = 1;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly o: Required<Omit<BlinkOptions, 'onBlink' | 'timers' | 'random'>>;

  constructor(private readonly opts: BlinkOptions) {
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
    this.o = {
      minIntervalMs: opts.minIntervalMs ?? BLINK_DEFAULTS.minIntervalMs,
      maxIntervalMs: opts.maxIntervalMs ?? BLINK_DEFAULTS.maxIntervalMs,
      closedMs: opts.closedMs ?? BLINK_DEFAULTS.closedMs,
      doubleBlinkChance: opts.doubleBlinkChance ?? BLINK_DEFAULTS.doubleBlinkChance,
      doubleGapMs: opts.doubleGapMs ?? BLINK_DEFAULTS.doubleGapMs,
    };
  }

  get running(): boolean {
    return this.active;
  }

  /** Starts or stops blinking to match the view's visibility and the motion preference. */
  setConditions(c: MotionConditions): void {
    const run = animating(c);
    if (run === this.active) return;
    this.active = run;
    if (run) this.scheduleNext();
    else this.halt();
  }

  /** Stretches the pauses between blinks by `factor` (she blinks less while she rests); 1 is normal. */
  setPace(factor: number): void {
    this.pace = factor > 0 ? factor : 1;
  }

  dispose(): void {
    this.active = false;
    this.halt();
  }

  /** The delay before the next blink, within [min, max] (times the pace). */
  nextInterval(): number {
    const { minIntervalMs: min, maxIntervalMs: max } = this.o;
    return (min + this.random() * (max - min)) * this.pace;
  }

  private scheduleNext(): void {
    this.later(this.nextInterval(), () => this.blink(this.random() < this.o.doubleBlinkChance));
  }

  private blink(double: boolean): void {
    this.setClosed(true);
    this.later(this.o.closedMs, () => {
      this.setClosed(false);
      if (double) this.later(this.o.doubleGapMs, () => this.blink(false));
      else this.scheduleNext();
    });
  }

  private later(ms: number, fn: () => void): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (this.active) fn();
    }, ms);
  }

  private halt(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.setClosed(false);
  }

  private setClosed(closed: boolean): void {
    if (closed === this.closed) return;
    this.closed = closed;
    this.opts.onBlink(closed);
  }
}
