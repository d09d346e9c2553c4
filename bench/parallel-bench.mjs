// Issue 13 ("/v1 requests must not queue behind the chat"): 4 concurrent streaming
// /v1/chat/completions requests on the companion serving 4 sequences from one context, against
// llama.cpp's own llama-server with 4 slots built from the same llama.cpp source node-llama-cpp
// ships (node scripts/build-llama-server.mjs), on the same model, threads, context per sequence
// and greedy decoding. Also, on the companion: the same 4 requests one after another (the
// queueing baseline) and the same 4 concurrent on a companion with --parallel 1.
//
// All servers run side by side; each round measures every configuration once, in a rotating
// order, so every figure has neighbours measured under the same machine load. Ratios are the
// median over rounds of the per-round ratio.
//
// Prints `name: value` lines: parallel4_ours_tokens_per_s, parallel4_llama_server_tokens_per_s,
// parallel4_ours_vs_llama_server_ratio (goal close to 1), parallel4_vs_parallel1_speedup,
// parallel4_vs_sequential_speedup (and llama-server's own, for comparison), first-token figures
// and the machine load.
// Env: ALISA_TEST_MODEL, BENCH_THREADS (1), BENCH_CONTEXT (2048 per sequence), BENCH_RUNS (5),
// BENCH_MAX_TOKENS (200), LLAMA_SERVER (the binary; default: where the build script puts it).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { llamaServerPath } from '../scripts/build-llama-server.mjs';
import { MODEL, startBenchCompanion } from './lib/companion.mjs';
import { machineLoad as load, median } from './lib/stats.mjs';

const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const CONTEXT = Number(process.env.BENCH_CONTEXT ?? 2048);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 200);
const STREAMS = 4;
const LLAMA_SERVER = process.env.LLAMA_SERVER ?? llamaServerPath();
const SYSTEM = 'You are Alisa, a teasing but warm companion. Reply briefly.';
const PROMPTS = [
  'Once upon a time there was a little girl who loved the sea',
  'One day a small dog found a big red ball in the park',
  'Tom and his mom went to the store to buy some bread',
  'The sun was shining and the birds were singing in the tall tree',
];

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
const children = [];
const tmpDirs = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A companion serving /v1 with `parallel` sequences; resolves to its base URL and key. */
async function startCompanion(parallel) {
  const key = randomBytes(32).toString('base64url');
  const { proc, ready, data } = await startBenchCompanion({
    model: MODEL,
    threads: THREADS,
    stderr: 'pipe',
    env: { ALISA_API_KEY: key },
    args: ['--parallel', String(parallel), '--context-size', String(CONTEXT), '--mute', '--no-idle'],
  });
  tmpDirs.push(data);
  children.push(proc);
  return { name: `ours --parallel ${parallel}`, base: `http://127.0.0.1:${ready.port}/v1`, key };
}

/** llama-server with 4 slots (its -c is the total context, split among the slots). */
async function startLlamaServer() {
  const port = await freePort();
  const key = randomBytes(32).toString('base64url');
  const args = [
    '-m',
    MODEL,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--api-key',
    key,
    '-np',
    String(STREAMS),
    '-c',
    String(CONTEXT * STREAMS),
    '-t',
    String(THREADS),
    '-tb',
    String(THREADS),
    '-ngl',
    '0',
    '--temp',
    '0',
    '--no-webui',
  ];
  const proc = spawn(LLAMA_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let log = '';
  const keep = (d) => (log = (log + d).slice(-4000));
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let exited = null;
  proc.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== null) throw new Error(`llama-server exited with ${exited}:\n${log}`);
    if (Date.now() > deadline) throw new Error(`llama-server was not ready within 120 s:\n${log}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return { name: 'llama-server -np 4', base: `http://127.0.0.1:${port}/v1`, key };
}

/** One streaming chat completion; times are from `t0` (the start of its batch). */
async function stream(server, prompt, t0) {
  const r = await fetch(`${server.base}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: prompt },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: MAX_TOKENS,
      temperature: 0,
    }),
  });
  if (!r.ok) throw new Error(`${server.name}: HTTP ${r.status} ${await r.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let first = null;
  let chunks = 0;
  let usage = null;
  for await (const part of r.body) {
    buffer += decoder.decode(part, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const msg = JSON.parse(data);
      if (msg.error) throw new Error(`${server.name}: ${JSON.stringify(msg.error)}`);
      if (msg.usage) usage = msg.usage;
      const content = msg.choices?.[0]?.delta?.content;
      if (content) {
        first ??= performance.now() - t0;
        chunks++;
      }
    }
  }
  return { first, end: performance.now() - t0, tokens: usage?.completion_tokens ?? chunks };
}

/** The 4 prompts at once (or one after another): total tokens/s, mean first-token ms. */
async function batch(server, round, sequential = false) {
  const prompts = PROMPTS.map((p) => `${p} (${round})`);
  const t0 = performance.now();
  let results;
  if (sequential) {
    results = [];
    for (const p of prompts) {
      const start = performance.now();
      const r = await stream(server, p, start);
      results.push(r);
    }
  } else {
    results = await Promise.all(prompts.map((p) => stream(server, p, t0)));
  }
  const wall = performance.now() - t0;
  const tokens = results.reduce((n, r) => n + r.tokens, 0);
  return { tps: (tokens / wall) * 1000, first: mean(results.map((r) => r.first)), lastFirst: Math.max(...results.map((r) => r.first)), tokens, wall };
}

function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);

console.log(
  `parallel_bench_setup: model ${path.basename(MODEL)}, threads ${THREADS}, context ${CONTEXT} per sequence, ${STREAMS} streams of max ${MAX_TOKENS} tokens, ${RUNS} rounds, greedy`,
);
console.log(`load_before_parallel_bench: ${load()}`);
const p4 = await startCompanion(4);
const p1 = await startCompanion(1);
let llama = null;
let skipped = null;
if (!existsSync(LLAMA_SERVER)) {
  skipped = `no llama-server binary at ${LLAMA_SERVER} (build it from node-llama-cpp's llama.cpp source: node scripts/build-llama-server.mjs)`;
} else {
  try {
    llama = await startLlamaServer();
  } catch (err) {
    skipped = `llama-server did not start: ${err.message.split('\n')[0]}`;
  }
}

// Warm-up: the models load and the first prompts are evaluated.
for (const s of [p4, p1, llama].filter(Boolean)) await batch(s, 'warm-up');

const configs = [
  { key: 'p4', run: (i) => batch(p4, i) },
  { key: 'seq', run: (i) => batch(p4, i, true) },
  { key: 'p1', run: (i) => batch(p1, i) },
  ...(llama
    ? [
        { key: 'ls', run: (i) => batch(llama, i) },
        { key: 'lsSeq', run: (i) => batch(llama, i, true) },
      ]
    : []),
];
const results = Object.fromEntries(configs.map((c) => [c.key, []]));
const loads = [];
for (let i = 0; i < RUNS; i++) {
  // Rotate the order so that no configuration always runs first (or right after another).
  for (let k = 0; k < configs.length; k++) {
    const c = configs[(i + k) % configs.length];
    results[c.key].push(await c.run(i));
  }
  loads.push(os.loadavg()[0]);
}

const tpsMedian = (key) => median(results[key].map((r) => r.tps));
const firstMedian = (key) => median(results[key].map((r) => r.first));
const pairRatio = (a, b) => median(results[a].map((r, i) => r.tps / results[b][i].tps));
const tokensPerStream = (key) => median(results[key].map((r) => r.tokens / STREAMS));

console.log(`parallel4_ours_tokens_per_s: ${f(tpsMedian('p4'))} (4 concurrent streams, --parallel 4; ${f(tokensPerStream('p4'))} tokens per stream)`);
console.log(`parallel1_ours_tokens_per_s: ${f(tpsMedian('p1'))} (the same 4 concurrent streams, --parallel 1)`);
console.log(`sequential_ours_tokens_per_s: ${f(tpsMedian('seq'))} (the 4 requests one after another, --parallel 4)`);
if (llama) {
  console.log(
    `parallel4_llama_server_tokens_per_s: ${f(tpsMedian('ls'))} (llama-server -np 4, the same 4 concurrent streams; ${f(tokensPerStream('ls'))} tokens per stream)`,
  );
  console.log(`parallel4_ours_vs_llama_server_ratio: ${f(pairRatio('p4', 'ls'))} (goal close to 1)`);
  console.log(`sequential_llama_server_tokens_per_s: ${f(tpsMedian('lsSeq'))} (the 4 requests one after another on llama-server)`);
  console.log(`parallel4_vs_sequential_speedup_llama_server: ${f(pairRatio('ls', 'lsSeq'))} (what 4 slots gain llama-server, for comparison with ours)`);
} else {
  console.log(`parallel4_llama_server: skipped: ${skipped}`);
}
console.log(`parallel4_vs_parallel1_speedup: ${f(pairRatio('p4', 'p1'))}`);
console.log(`parallel4_vs_sequential_speedup: ${f(pairRatio('p4', 'seq'))}`);
console.log(`first_token_parallel4_ours_ms: ${f(firstMedian('p4'))} (mean of the 4 streams, from the moment all 4 were sent)`);
console.log(`first_token_parallel1_ours_ms: ${f(firstMedian('p1'))} (the same, --parallel 1: the requests queue)`);
console.log(`first_token_parallel1_ours_last_ms: ${f(median(results.p1.map((r) => r.lastFirst)))} (the 4th stream's first token, --parallel 1)`);
console.log(`first_token_parallel4_ours_last_ms: ${f(median(results.p4.map((r) => r.lastFirst)))} (the 4th stream's first token, --parallel 4)`);
console.log(`first_token_sequential_ours_ms: ${f(firstMedian('seq'))} (each request alone, from its own start)`);
if (llama) {
  console.log(`first_token_parallel4_llama_server_ms: ${f(firstMedian('ls'))}`);
  console.log(`first_token_parallel4_ours_vs_llama_server_ratio: ${f(median(results.p4.map((r, i) => r.first / results.ls[i].first)))}`);
}
console.log(`load_during_parallel_bench: ${load()} (1-min load per round: ${loads.map((x) => x.toFixed(2)).join(' ')}; ${os.cpus().length} cores)`);
process.exit(0);
