// Issue 12 ("Found by the campaign"), the figures behind tests/campaign-small.test.ts:
// - a closed log pipe: the companion's CPU in the 3 s after its stderr reader went away and it
//   had something to log (before the fix: an EPIPE -> uncaught -> log -> EPIPE loop, ~1 core),
//   and whether it exited;
// - an oversized /v1 request (3.5 MB prompt): its answer time and status, and the time /health
//   takes at worst while it is in flight (how long the event loop was held); the same for the
//   largest prompt still accepted (65,000 characters for a context of 4096 tokens).
// Prints name: value lines. ALISA_BENCH_BUNDLE=path compares another build (e.g. the old one).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = process.env.ALISA_BENCH_BUNDLE ?? path.join(root, 'dist', 'companion.mjs');
const model = path.resolve(process.env.ALISA_TEST_MODEL ?? path.join(root, '..', 'shared', 'models', 'stories260K.gguf'));
const TINY = ['--threads', '1', '--gpu', 'off', '--prompt-style', 'compact', '--history-tokens', '300', '--max-reply-tokens', '40'];

function start(args) {
  const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-bench-'));
  const proc = spawn(process.execPath, [bundle, '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr.on('data', () => {});
  return new Promise((resolve) => readline.createInterface({ input: proc.stdout }).once('line', (l) => resolve({ proc, ...JSON.parse(l) })));
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ = 100 on Linux)
}

// 1. closed log pipe
{
  const c = await start(['--no-model']);
  let exited = false;
  c.proc.once('exit', () => (exited = true));
  const before = cpuSeconds(c.pid);
  c.proc.stderr.destroy();
  // Something to log: a refused websocket upgrade.
  await fetch(`http://127.0.0.1:${c.port}/ws`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } }).catch(() => {});
  let after = before;
  for (let i = 0; i < 30 && !exited; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      after = cpuSeconds(c.pid);
    } catch {
      break;
    }
  }
  console.log(`closed_log_pipe_cpu_seconds_in_3s: ${(after - before).toFixed(2)}`);
  console.log(`closed_log_pipe_exited: ${exited}`);
  if (!exited) c.proc.kill('SIGKILL');
}

// 2. oversized /v1 request
{
  const c = await start(['--model', model, ...TINY, '--context-size', '4096']);
  const auth = { authorization: `Bearer ${c.token}` };
  // Load the model first, so the figure is the request's, not the model's load.
  await fetch(`http://127.0.0.1:${c.port}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
  });
  const measure = async (content) => {
    const body = JSON.stringify({ messages: [{ role: 'user', content }], max_tokens: 1 });
    const t0 = performance.now();
    const big = fetch(`http://127.0.0.1:${c.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    }).then(async (r) => {
      await r.arrayBuffer();
      return { status: r.status, ms: performance.now() - t0 };
    });
    // /health asked again and again while the big request is in flight: the slowest answer is how
    // long the event loop was held.
    let done = false;
    void big.then(() => (done = true));
    let worst = 0;
    while (!done) {
      const h0 = performance.now();
      const r = await fetch(`http://127.0.0.1:${c.port}/health`, { headers: auth });
      await r.arrayBuffer();
      worst = Math.max(worst, performance.now() - h0);
    }
    return { ...(await big), worst };
  };
  const b = await measure('a '.repeat(1_750_000));
  console.log(`v1_3_5mb_prompt_status: ${b.status}`);
  console.log(`v1_3_5mb_prompt_ms: ${b.ms.toFixed(0)}`);
  console.log(`health_worst_during_3_5mb_prompt_ms: ${b.worst.toFixed(0)}`);
  // The largest prompt still tokenized: just under 16 characters per token of a 4096 context.
  const cap = await measure('word '.repeat(13_000));
  console.log(`v1_prompt_at_char_cap_status: ${cap.status}`);
  console.log(`health_worst_during_prompt_at_char_cap_ms: ${cap.worst.toFixed(0)}`);
  c.proc.kill('SIGTERM');
}
