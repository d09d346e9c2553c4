// When to restart a companion that died, and when to stop trying.
//
// Each crash waits a little longer than the one before (0.5 s, 1 s, 2 s, 4 s, ...), counted over a
// sliding window: crashes older than the window are forgotten, so a companion that ran for a
// while starts again from the short delay. Once `maxCrashes` crashes fall inside the window the
// cause is not going away by itself (a broken install, a bad setting), and restarting again would
// only hide it: the policy gives up and the user is told what happened.
// No `vscode` import: unit-tested in vitest.

export interface RestartPolicyOptions {
  /** Delay before the restart that follows the 1st, 2nd, ... crash in the window; the last one repeats. */
  delaysMs: readonly number[];
  /** This many crashes within `windowMs` means: give up. */
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  delaysMs: [500, 1000, 2000, 4000, 8000],
  maxCrashes: 5,
  windowMs: 2 * 60_000,
};

type CrashDecision =
  | {
      giveUp: false;
      delayMs: number /** 1-based restart number within the window. */;
      attempt: number /** Restarts allowed before giving up. */;
      maxAttempts: number;
    }
  | { giveUp: true; crashes: number; windowMs: number };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash that happened now and says what to do about it. */
  recordCrash(): CrashDecision {
    const now = this.now();
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    const count = this.crashes.length;
    if (count >= this.options.maxCrashes) return { giveUp: true, crashes: count, windowMs: this.options.windowMs };
    const delays = this.options.delaysMs;
    return { giveUp: false, delayMs: delays[Math.min(count - 1, delays.length - 1)] ?? 0, attempt: count, maxAttempts: this.options.maxCrashes - 1 };
  }

  /** The user asked for a restart (or changed the settings): old crashes no longer count. */
  reset(): void {
    this.crashes = [];
  }
}

/** "2 minutes", "30 s": for messages. */
export function describeDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
  return `${Math.round(ms / 100) / 10} s`;
}
