// The crash campaign (issue 12) in full: CRASH_BENCH_CYCLES (default 50) cycles of kill -9 at
// random (seeded) moments while a reply streams, on one data folder, against the real companion
// and the tiny test model (ALISA_TEST_MODEL), then the figures read from the SQLite file:
// integrity_check, acknowledged user messages lost, killed replies marked interrupted.
// tests/campaign-crash.test.ts runs fewer cycles with the same code (tests/helpers/crash-campaign.ts).
// Prints `name: value` lines like the other benches; exits 1 when something was lost or unmarked.
import { rmSync } from 'node:fs';
import { tempDir } from '../tests/helpers/companion';
import { runCrashCampaign } from '../tests/helpers/crash-campaign';
import { requireModel } from '../tests/helpers/model';

const CYCLES = Number(process.env.CRASH_BENCH_CYCLES ?? 50);
const SEED = Number(process.env.CRASH_BENCH_SEED ?? 12);

async function main(): Promise<void> {
  requireModel();
  const dataDir = tempDir('alisa-crash-bench-');
  try {
    const r = await runCrashCampaign({ dataDir, cycles: CYCLES, seed: SEED });
    console.log(`crash_cycles: ${r.cycles}`);
    console.log(`crash_seed: ${SEED}`);
    console.log(`crash_acknowledged_messages: ${r.acknowledged}`);
    console.log(`crash_lost_messages: ${r.lost.length}`);
    console.log(`crash_integrity: ${r.integrity}`);
    console.log(`crash_replies_killed: ${r.killedReplies}`);
    console.log(`crash_replies_killed_after_a_token: ${r.killedWithRow}`);
    console.log(`crash_interrupted_marked: ${r.interruptedMarked}`);
    console.log(`crash_complete_before_kill: ${r.completeBeforeKill}`);
    console.log(`crash_unmarked: ${r.unmarked.length}`);
    console.log(`crash_rows_left_streaming: ${r.streamingLeft}`);
    console.log(`crash_cycle_mean_ms: ${Math.round(r.elapsedMs / r.cycles)}`);
    if (r.lost.length > 0 || r.unmarked.length > 0 || r.streamingLeft > 0 || r.integrity !== 'ok') {
      console.error(`crash-bench: lost ${JSON.stringify(r.lost.slice(0, 5))}, unmarked ${JSON.stringify(r.unmarked.slice(0, 5))}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
