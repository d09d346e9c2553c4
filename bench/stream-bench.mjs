import WebSocket from 'ws';
import { getLlama, LlamaChat } from 'node-llama-cpp';
import { MODEL, startBenchCompanion } from './lib/companion.mjs';
import { alternate, machineLoad, median } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 300);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
// The companion's compact prompt (companion/persona/characters.ts COMPACT_PERSONA) with no history.
const SYSTEM = 'You are Alisa, a teasing but warm companion. Reply briefly.';
// Varied prompts (run i uses PROMPTS[i % n] on both sides): one prompt would measure one reply.
const PROMPTS = [
  'Once upon a time there was a little girl who loved the sea',
  'Tell me about a dog who found a red ball in the park',
  'Why did the little bird fly to the top of the tall tree?',
  'Lily and Tom wanted to bake a cake for their mom',
  'The old man had a boat and a big smile',
];

async function rawRunner() {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ contextSize: Math.min(model.trainContextSize, 4096), threads: THREADS });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  return async (i = 0) => {
    const t0 = performance.now();
    let first = null;
    let tokens = 0;
    await chat.generateResponse(
      [
        { type: 'system', text: SYSTEM },
        { type: 'user', text: PROMPTS[i % PROMPTS.length] },
      ],
      {
        maxTokens: MAX_TOKENS,
        temperature: 0,
        onTextChunk: () => (first ??= performance.now() - t0),
        onToken: (t) => (tokens += t.length),
      },
    );
    const total = performance.now() - t0;
    return { first, total, tokens };
  };
}

/** `muted`: speech out off (--mute); otherwise the default, Alisa speaks every reply while it streams. */
async function oursRunner(muted) {
  const { proc, ready } = await startBenchCompanion({
    model: MODEL,
    threads: THREADS,
    stderr: 'inherit',
    args: ['--prompt-style', 'compact', '--history-tokens', '0', '--temperature', '0', '--max-reply-tokens', String(MAX_TOKENS), ...(muted ? ['--mute'] : [])],
  });
  const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/ws`, { headers: { authorization: `Bearer ${ready.token}` } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let onMessage = () => {};
  ws.on('message', (d) => onMessage(JSON.parse(d.toString())));
  const next = (pred) => new Promise((resolve) => (onMessage = (m) => pred(m) && resolve(m)));
  const welcome = next((m) => m.type === 'welcome');
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, client: 'bench' }));
  await welcome;
  let n = 0;
  const run = async (i = 0) => {
    // A new session each time, so every run sees the same prompt with no history.
    const created = next((m) => m.type === 'response');
    ws.send(JSON.stringify({ type: 'request', id: `s${n}`, method: 'session.create', params: {} }));
    const session = (await created).result;
    let first = null;
    const t0 = performance.now();
    const done = new Promise((resolve) => {
      onMessage = (m) => {
        if (m.type === 'reply.token') first ??= performance.now() - t0;
        if (m.type === 'reply.end' || m.type === 'reply.error') resolve(m);
      };
    });
    ws.send(JSON.stringify({ type: 'request', id: `c${n++}`, method: 'chat.send', params: { text: PROMPTS[i % PROMPTS.length], sessionId: session.id } }));
    const end = await done;
    if (end.type === 'reply.error') throw new Error(end.error.message);
    return { first, total: performance.now() - t0, tokens: end.tokens.completion };
  };
  await run(); // warm-up: the model loads on the first chat
  return { run, stop: () => (ws.close(), proc.kill('SIGTERM')) };
}

const raw = await rawRunner();
await raw(); // warm-up
// Voice on (the default: she speaks each reply as it streams) and muted, each against raw runs
// alternating with it; one companion at a time.
async function measure(muted) {
  const ours = await oursRunner(muted);
  const [rawResults, ourResults] = await alternate(RUNS, raw, ours.run);
  ours.stop();
  return { rawResults, ourResults };
}
const muted = await measure(true);
const { rawResults, ourResults } = await measure(false);
const tpsOf = (r) => (r.tokens / r.total) * 1000;
const mutedRatio = median(muted.ourResults.map((r, i) => tpsOf(r) / tpsOf(muted.rawResults[i])));
console.log(`stream_throughput_ratio_muted: ${mutedRatio.toFixed(2)} (goal >= 0.95)`);
console.log(`load_during_stream_bench: ${machineLoad()}`);

const tps = (r) => (r.tokens / r.total) * 1000;
const rawTps = median(rawResults.map(tps));
const ourTps = median(ourResults.map(tps));
// Runs alternate, so each of ours has a raw neighbour measured under the same machine load.
const pairRatio = median(ourResults.map((r, i) => tps(r) / tps(rawResults[i])));
const rawFirst = median(rawResults.map((r) => r.first));
const ourFirst = median(ourResults.map((r) => r.first));
const f = (x) => x.toFixed(2);
console.log(`stream_tokens_per_reply: ${median(ourResults.map((r) => r.tokens))} (raw ${median(rawResults.map((r) => r.tokens))})`);
console.log(`stream_raw_tokens_per_s: ${f(rawTps)}`);
console.log(`stream_ours_tokens_per_s: ${f(ourTps)}`);
console.log(`stream_throughput_ratio: ${f(pairRatio)} (voice on, the default; goal >= 0.95)`);
console.log(`stream_throughput_ratio_of_medians: ${f(ourTps / rawTps)}`);
console.log(`first_token_raw_ms: ${f(rawFirst)}`);
console.log(`first_token_ours_ms: ${f(ourFirst)}`);
console.log(`first_token_added_ms: ${f(ourFirst - rawFirst)}`);
process.exit(0);
