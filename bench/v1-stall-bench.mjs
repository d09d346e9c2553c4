// Issue 12 ("One /v1 request with a 3.5 MB prompt blocked the event loop for 3-6 s"): what is left
// of the stall for the largest request the companion still accepts. The real companion with the
// tiny model and a context of 4096 tokens (so the prompt cap is 65,536 characters); /health is
// asked again and again while a /v1/chat/completions request is in flight, and the slowest answer
// is how long the event loop was held. Each figure is printed with its ratio to a small request's
// stall measured in the same run (the baseline), so a loaded machine does not change the verdict.
// Prints name: value lines. ALISA_BENCH_BUNDLE=path compares another build (e.g. the old one).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = process.env.ALISA_BENCH_BUNDLE ?? path.join(root, 'dist', 'companion.mjs');
const model = path.resolve(process.env.ALISA_TEST_MODEL ?? path.join(root, '..', 'shared', 'models', 'stories260K.gguf'));
const TINY = ['--threads', '1', '--gpu', 'off', '--prompt-style', 'compact', '--history-tokens', '300', '--max-reply-tokens', '40'];
const CONTEXT = Number(process.env.ALISA_BENCH_CONTEXT ?? 2048);
const CHAR_CAP = CONTEXT * 16;
const ROUNDS = Number(process.env.ALISA_BENCH_ROUNDS ?? 3);

const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-bench-'));
const proc = spawn(process.execPath, [bundle, '--data', data, '--model', model, ...TINY, '--context-size', String(CONTEXT)], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
proc.stderr.on('data', () => {});
const ready = await new Promise((resolve) => readline.createInterface({ input: proc.stdout }).once('line', (l) => resolve(JSON.parse(l))));
const base = `http://127.0.0.1:${ready.port}`;
const auth = { authorization: `Bearer ${ready.token}` };

const post = (messages) =>
  fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ messages, max_tokens: 8 }),
  });

/** The request's status and time, and the slowest /health answer while it was in flight. */
async function measure(messages) {
  const t0 = performance.now();
  let done = false;
  const request = post(messages).then(async (r) => {
    await r.arrayBuffer();
    done = true;
    return { status: r.status, ms: performance.now() - t0 };
  });
  let worst = 0;
  while (!done) {
    const h0 = performance.now();
    const r = await fetch(`${base}/health`, { headers: auth });
    await r.arrayBuffer();
    worst = Math.max(worst, performance.now() - h0);
  }
  return { ...(await request), worst };
}

/** The median of ROUNDS runs of one shape (the worst stall of each run). */
async function median(make) {
  const runs = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await measure(make(i)));
  runs.sort((a, b) => a.worst - b.worst);
  return runs[Math.floor(runs.length / 2)];
}

// Load the model first, so the figures are the requests', not the model's load.
await (await post([{ role: 'user', content: 'hi' }])).arrayBuffer();

const small = await median((i) => [{ role: 'user', content: `Once upon a time ${i}` }]);
// Just under the cap, in one long message.
const one = await median((i) => [{ role: 'user', content: `${i} ` + 'word '.repeat(Math.floor((CHAR_CAP - 100) / 5)) }]);
// Just under the cap, in many messages that alternate roles (history the model must drop).
const MANY = 2000;
const each = Math.floor((CHAR_CAP - 100) / MANY);
const many = await median((i) =>
  Array.from({ length: MANY }, (_, k) => ({ role: k === MANY - 1 ? 'user' : k % 2 ? 'assistant' : 'user', content: `${i}${k} `.padEnd(each, 'tale ') })),
);

const ratio = (x) => (x.worst / Math.max(small.worst, 1)).toFixed(1);
console.log(`v1_stall_small_request_ms: ${small.worst.toFixed(0)} (baseline, status ${small.status})`);
console.log(`v1_stall_one_message_at_char_cap_ms: ${one.worst.toFixed(0)} (status ${one.status}, request ${one.ms.toFixed(0)} ms)`);
console.log(`v1_stall_one_message_at_char_cap_ratio: ${ratio(one)}`);
console.log(`v1_stall_${MANY}_messages_at_char_cap_ms: ${many.worst.toFixed(0)} (status ${many.status}, request ${many.ms.toFixed(0)} ms)`);
console.log(`v1_stall_${MANY}_messages_at_char_cap_ratio: ${ratio(many)}`);
proc.kill('SIGTERM');
