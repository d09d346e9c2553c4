// Companion start to ready (no model), against bare `node` starting and exiting as the floor;
// then the companion's CPU while idle.
// Prints: node_bare_start_ms, companion_ready_ms (goal <= 500), companion_ready_ratio,
// companion_idle_cpu_percent (goal ~0).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bareNode() {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

async function startCompanion() {
  const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-bench-'));
  const t0 = performance.now();
  const proc = spawn(process.execPath, [path.join(root, 'dist', 'companion.mjs'), '--no-model', '--data', data], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => readline.createInterface({ input: proc.stdout }).once('line', resolve));
  return { ms: performance.now() - t0, proc };
}

/** utime + stime of a process, in clock ticks (Linux). */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const bare = [];
const ready = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(bareNode());
  const c = await startCompanion();
  ready.push(c.ms);
  if (i < RUNS - 1) c.proc.kill('SIGTERM');
  else {
    await new Promise((r) => setTimeout(r, 1000));
    if (process.platform === 'linux') {
      const before = cpuTicks(c.proc.pid);
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const ticks = cpuTicks(c.proc.pid) - before;
      const hz = 100; // USER_HZ on Linux
      console.log(`companion_idle_cpu_percent: ${((ticks / hz / IDLE_SECONDS) * 100).toFixed(2)}`);
    }
    c.proc.kill('SIGTERM');
  }
}
console.log(`node_bare_start_ms: ${median(bare).toFixed(1)}`);
console.log(`companion_ready_ms: ${median(ready).toFixed(1)}`);
console.log(`companion_ready_ratio: ${(median(ready) / median(bare)).toFixed(2)}`);
