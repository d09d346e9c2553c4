// Learned quiet hours: the local hours in which the user rarely takes up what Alisa says unasked.
// An hour is quiet when it has at least `minSamples` recorded interruptions in the window and at
// most `maxAcceptance` of them were engaged with (declined and ignored ones count against it).
// A pure function over the counts MemoryStore.interruptionStats returns.
import type { HourOutcomes } from '../memory';

export interface QuietHoursOptions {
  /** Fewer interruptions than this in an hour say nothing about it. */
  minSamples?: number;
  /** The share of engaged interruptions at or under which an hour is quiet. */
  maxAcceptance?: number;
}

export const QUIET_HOURS_WINDOW_MS = 30 * 24 * 3600_000;
const DEFAULT_MIN_SAMPLES = 3;
const DEFAULT_MAX_ACCEPTANCE = 0.25;

export function learnQuietHours(stats: readonly HourOutcomes[], opts: QuietHoursOptions = {}): Set<number> {
  const minSamples = opts.minSamples ?? DEFAULT_MIN_SAMPLES;
  const maxAcceptance = opts.maxAcceptance ?? DEFAULT_MAX_ACCEPTANCE;
  const quiet = new Set<number>();
  for (const s of stats) {
    const total = s.engaged + s.declined + s.ignored;
    if (total >= minSamples && s.engaged / total <= maxAcceptance) quiet.add(s.hour);
  }
  return quiet;
}
