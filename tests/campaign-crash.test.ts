// The crash campaign (issue 12): cycles of kill -9 at random (seeded) moments while a reply
// streams, on one data folder, against the real companion, the real tiny model and real SQLite.
// Afterwards: PRAGMA integrity_check is ok, no acknowledged user message is lost, and every reply
// the kills cut off is marked interrupted (no row left 'streaming').
// CRASH_CYCLES (default 40: about 90 s on 2 cores; 50 cycles took 113 s); the full
// 50 cycles with figures: `node bench/run-all.mjs` (bench/crash-bench.ts).
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/companion';
import { runCrashCampaign } from './helpers/crash-campaign';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 40);
const SEED = Number(process.env.CRASH_SEED ?? 12);

describe('crash campaign: kill -9 during replies', () => {
  it(`${CYCLES} cycles (seed ${SEED}): the database intact, nothing acknowledged lost, cut-off replies marked`, async () => {
    const report = await runCrashCampaign({ dataDir: tempDir('alisa-crash-'), cycles: CYCLES, seed: SEED });
    console.log(
      `crash campaign: ${report.cycles} cycles, ${report.acknowledged} acknowledged, ${report.lost.length} lost, integrity ${report.integrity}, ` +
        `${report.killedReplies} replies killed (${report.killedWithRow} with a row: ${report.interruptedMarked} marked interrupted, ${report.completeBeforeKill} complete before the kill), ` +
        `${report.streamingLeft} left streaming, ${Math.round(report.elapsedMs)} ms`,
    );
    expect(report.integrity).toBe('ok');
    expect(report.acknowledged).toBeGreaterThanOrEqual(CYCLES);
    expect(report.lost).toEqual([]);
    expect(report.killedReplies).toBe(CYCLES);
    expect(report.unmarked).toEqual([]);
    expect(report.streamingLeft).toBe(0);
    // The campaign did cut replies off mid-stream (the seed makes this so; a campaign that never
    // did would prove nothing).
    expect(report.interruptedMarked).toBeGreaterThan(0);
  }, 240_000);
});
