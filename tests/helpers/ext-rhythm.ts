import type { RhythmSummary } from '../../protocol/rhythm';

/** A rhythm summary's numbers once nothing has been learned (or all of it was forgotten). */
export const NOTHING_LEARNED: Omit<RhythmSummary, 'text'> = {
  busyHours: [],
  quietHours: [],
  sequences: [],
  acceptance: [],
  typicalSessionMinutes: null,
  samples: 0,
};
