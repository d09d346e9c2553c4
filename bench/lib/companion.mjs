// Starting the built companion for a bench, the one way every bench does it: a fresh data folder
// in the temp dir, the test model, one or more threads on the CPU, then the bench's own flags;
// resolves with the process, its ready line and the data folder once it has printed the ready
// line, and rejects with its exit code if it exits first.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `model`: the GGUF file; `threads` (default 1); `args`: the bench's own flags (after the common
 * ones, so they win); `bundle`: another build to measure (default dist/companion.mjs); `stderr`:
 * 'ignore' (default), 'inherit' or 'pipe'; `env`: extra environment.
 */
export async function startBenchCompanion({ model, threads = 1, args = [], bundle, stderr = 'ignore', env, prefix = 'alisa-bench-' }) {
  const data = mkdtempSync(path.join(os.tmpdir(), prefix));
  const proc = spawn(
    process.execPath,
    [bundle ?? path.join(root, 'dist', 'companion.mjs'), '--model', model, '--data', data, '--threads', String(threads), '--gpu', 'off', ...args],
    { stdio: ['ignore', 'pipe', stderr], ...(env ? { env: { ...process.env, ...env } } : {}) },
  );
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`the companion exited with ${code} before it was ready`)));
  });
  return { proc, ready: JSON.parse(line), data };
}
