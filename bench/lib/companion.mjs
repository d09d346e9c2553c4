// Starting the built companion for a bench, the one way every bench does it: a fresh data folder
// in the temp dir, the test model, one or more threads on the CPU, then the bench's own flags;
// resolves with the process, its ready line and the data folder once it has printed the ready
// line, and rejects with its exit code if it exits first. Also a client of its WebSocket.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

/** The repository's root folder. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The test model (ALISA_TEST_MODEL, else the shared stories260K.gguf), as the tests' MODEL_PATH. */
export const MODEL = path.resolve(process.env.ALISA_TEST_MODEL ?? path.join(ROOT, '..', 'shared', 'models', 'stories260K.gguf'));

/**
 * `model`: the GGUF file, or null for `--no-model` (and no thread or GPU flags); `threads`
 * (default 1); `args`: the bench's own flags (after the common ones, so they win); `bundle`:
 * another build to measure (default dist/companion.mjs); `stderr`: 'ignore' (default), 'inherit'
 * or 'pipe' (read, its last 4000 characters told if the companion exits before it is ready);
 * `env`: extra environment; `data`: a data folder (default a new one named by `prefix`).
 */
export async function startBenchCompanion({ model, threads = 1, args = [], bundle, stderr = 'ignore', env, prefix = 'alisa-bench-', data }) {
  data ??= mkdtempSync(path.join(os.tmpdir(), prefix));
  const modelArgs = model === null ? ['--no-model'] : ['--model', model];
  const machineArgs = model === null ? [] : ['--threads', String(threads), '--gpu', 'off'];
  const proc = spawn(process.execPath, [bundle ?? path.join(ROOT, 'dist', 'companion.mjs'), ...modelArgs, '--data', data, ...machineArgs, ...args], {
    stdio: ['ignore', 'pipe', stderr],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  let log = '';
  proc.stderr?.on('data', (d) => (log = (log + d).slice(-4000)));
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`the companion exited with ${code} before it was ready${log ? `:\n${log}` : ''}`)));
  });
  return { proc, ready: JSON.parse(line), data };
}

/**
 * A WebSocket client of a bench's companion, past its hello: `next(pred)` resolves with the first
 * message from then on that `pred` accepts; `listeners` holds functions that see every message;
 * `request(method, params)` resolves with the result, or throws the error's message.
 */
export async function connectBench(ready, client = 'bench') {
  const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/ws`, { headers: { authorization: `Bearer ${ready.token}` } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const listeners = new Set();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    for (const l of listeners) l(m);
  });
  const next = (pred) =>
    new Promise((resolve) => {
      const l = (m) => pred(m) && (listeners.delete(l), resolve(m));
      listeners.add(l);
    });
  const welcome = next((m) => m.type === 'welcome');
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, client }));
  await welcome;
  let n = 0;
  const request = async (method, params) => {
    const id = `b${n++}`;
    const answer = next((m) => (m.type === 'response' || m.type === 'error') && m.id === id);
    ws.send(JSON.stringify({ type: 'request', id, method, params }));
    const m = await answer;
    if (m.type === 'error') throw new Error(`${method}: ${m.error.message}`);
    return m.result;
  };
  return { ws, next, listeners, request };
}
