// When to offer help: one pure policy, fed with the current errors and the user's typing, asked
// `due(at)` by whoever runs the clock. No timers of its own.
//
// Rules: an error must persist `debounceMs` with no typing in the last `typingQuietMs` and still
// be present (vanished errors are forgotten); each error key is offered at most once per
// session; at most one offer per cooldown overall (x3 in focus mode; doubled for each decline in
// the last 30 minutes, at most x8; an engagement forgets the declines); none in a quiet hour.
import type { HelpTarget } from '../../protocol/context';

export interface OfferPolicyOptions {
  now?: () => number;
  debounceMs?: number;
  typingQuietMs?: number;
  cooldownMs?: number;
  /** Declines older than this no longer make offers rarer. */
  declineWindowMs?: number;
  /** True for hours (0-23, local time) when she should not interrupt. */
  quietHour?: (hour: number) => boolean;
  /** The local hour of a time; injectable for tests. */
  hourOf?: (at: number) => number;
}

interface DueOffer {
  key: string;
  target: HelpTarget;
}

const MAX_DECLINE_FACTOR = 8;
const FOCUS_FACTOR = 3;

export class OfferPolicy {
  readonly debounceMs: number;
  readonly typingQuietMs: number;
  readonly cooldownMs: number;
  readonly declineWindowMs: number;
  quietHour: ((hour: number) => boolean) | undefined;
  private readonly now: () => number;
  private readonly hourOf: (at: number) => number;
  private present = new Map<string, { target: HelpTarget; since: number }>();
  private offered = new Set<string>();
  private lastOfferAt: number | null = null;
  private lastTypingAt: number | null = null;
  private focus = false;
  private declines: number[] = [];

  constructor(opts: OfferPolicyOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.debounceMs = opts.debounceMs ?? 4000;
    this.typingQuietMs = opts.typingQuietMs ?? 2500;
    this.cooldownMs = opts.cooldownMs ?? 180_000;
    this.declineWindowMs = opts.declineWindowMs ?? 30 * 60_000;
    this.quietHour = opts.quietHour;
    this.hourOf = opts.hourOf ?? ((at) => new Date(at).getHours());
  }

  /** The current set of errors: new ones start their debounce, missing ones are forgotten. */
  observe(errors: ReadonlyArray<{ key: string; target: HelpTarget }>, at: number = this.now()): void {
    const keys = new Set(errors.map((e) => e.key));
    for (const key of [...this.present.keys()]) if (!keys.has(key)) this.present.delete(key);
    for (const e of errors) {
      const seen = this.present.get(e.key);
      if (seen) seen.target = e.target;
      else this.present.set(e.key, { target: e.target, since: at });
    }
  }

  typing(at: number = this.now()): void {
    this.lastTypingAt = at;
  }

  setFocusMode(on: boolean): void {
    this.focus = on;
  }

  /** The user said "not now" to the offer for `key`. */
  declined(key: string, at: number = this.now()): void {
    this.offered.add(key);
    this.declines.push(at);
    if (this.declines.length > 20) this.declines.shift();
  }

  /** The user took the offer (or asked for help): offers are welcome again at the normal rate. */
  engaged(key: string): void {
    this.offered.add(key);
    this.declines = [];
  }

  /** The cooldown in force at `at`. */
  cooldownAt(at: number = this.now()): number {
    const recent = this.declines.filter((d) => at - d < this.declineWindowMs).length;
    const factor = Math.min(MAX_DECLINE_FACTOR, 2 ** recent);
    return this.cooldownMs * (this.focus ? FOCUS_FACTOR : 1) * factor;
  }

  /** The local hour (0-23) of a time, as the quiet-hour check sees it. */
  hourAt(at: number): number {
    return this.hourOf(at);
  }

  /**
   * The offer to make now, if any; it is recorded as made (once per key, cooldown starts). Of the
   * errors due, one in `activePath` (the file in front of the user) wins; then the oldest.
   */
  due(at: number = this.now(), activePath: string | null = null): DueOffer | null {
    if (this.quietHour?.(this.hourOf(at))) return null;
    if (this.lastTypingAt !== null && at - this.lastTypingAt < this.typingQuietMs) return null;
    if (this.lastOfferAt !== null && at - this.lastOfferAt < this.cooldownAt(at)) return null;
    let best: { key: string; target: HelpTarget; since: number } | null = null;
    for (const [key, p] of this.present) {
      if (this.offered.has(key) || at - p.since < this.debounceMs) continue;
      const active = activePath !== null && p.target.path === activePath;
      const bestActive = best !== null && activePath !== null && best.target.path === activePath;
      if (!best || (active && !bestActive) || (active === bestActive && p.since < best.since)) best = { key, ...p };
    }
    if (!best) return null;
    this.offered.add(best.key);
    this.lastOfferAt = at;
    return { key: best.key, target: best.target };
  }
}
