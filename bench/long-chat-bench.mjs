import { getLlama, LlamaChatSession } from 'node-llama-cpp';
import { connectBench, MODEL, startBenchCompanion } from './lib/companion.mjs';
import { alternate, machineLoad as load, median } from './lib/stats.mjs';

const TURNS = Number(process.env.BENCH_TURNS ?? 120);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 60);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const VERBS = ['loved', 'found', 'talked about', 'dreamed of', 'played with', 'looked for', 'painted', 'sang about'];
const SUBJECTS = [
  'the sea',
  'a red ball',
  'her grandmother',
  'a lost puppy',
  'the big tree',
  'a rainy day',
  'the moon',
  'a little boat',
  'his friend Tim',
  'the garden',
];
/** Varied user messages, the same for both sides. */
const message = (i) => `Tell me how Lily ${VERBS[i % VERBS.length]} ${SUBJECTS[(i * 7) % SUBJECTS.length]} on day ${i + 1}.`;

/** A raw LlamaChatSession: returns a function that runs turn i. */
async function raw() {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ contextSize: Math.min(model.trainContextSize, 4096), threads: THREADS });
  const sequence = context.getSequence();
  const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: 'You are Alisa, a teasing but warm companion.' });
  return async (i) => {
    const before = sequence.tokenMeter.usedInputTokens;
    const t0 = performance.now();
    let first = null;
    await session.prompt(message(i), { maxTokens: MAX_TOKENS, temperature: 0, onTextChunk: () => (first ??= performance.now() - t0) });
    return { evaluated: sequence.tokenMeter.usedInputTokens - before, firstMs: first ?? performance.now() - t0 };
  };
}

async function ours() {
  // Default settings but for the model, threads, greedy decoding and the reply length (as raw).
  const { proc, ready } = await startBenchCompanion({
    model: MODEL,
    threads: THREADS,
    prefix: 'alisa-long-chat-',
    args: ['--temperature', '0', '--max-reply-tokens', String(MAX_TOKENS)],
  });
  const { ws, next, request } = await connectBench(ready);
  const session = await request('session.create', {});
  const turn = async (i) => {
    const t0 = performance.now();
    let first = null;
    const firstToken = next((m) => m.type === 'reply.token').then(() => (first ??= performance.now() - t0));
    const sent = await request('chat.send', { text: message(i), sessionId: session.id });
    const end = await next((m) => (m.type === 'reply.end' || m.type === 'reply.error') && m.replyId === sent.replyId);
    if (end.type === 'reply.error') throw new Error(`turn ${i}: ${end.error.message}`);
    await Promise.race([firstToken, Promise.resolve()]);
    // Measured here, as for raw (from the request, through the socket, to the first token's event).
    return { evaluated: end.tokens.evaluated ?? NaN, prompt: end.tokens.prompt, firstMs: first ?? NaN };
  };
  return { turn, stop: () => (ws.close(), proc.kill('SIGTERM')) };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.error(`long chat: ${TURNS} turns, ${MAX_TOKENS} reply tokens, ${THREADS} thread(s); load before ${load()}`);
// Turn by turn, alternating: each pair runs under the same machine load.
const rawTurn = await raw();
const oursSide = await ours();
const [r, o] = await alternate(TURNS, rawTurn, oursSide.turn);
oursSide.stop();
const half = Math.floor(TURNS / 2);
const rEval = mean(r.slice(half).map((t) => t.evaluated));
const oEval = mean(o.slice(half).map((t) => t.evaluated));
if (process.env.BENCH_VERBOSE)
  for (let i = 0; i < TURNS; i++)
    console.error(
      `turn ${i + 1}: raw eval ${r[i].evaluated} first ${r[i].firstMs.toFixed(0)} ms | ours eval ${o[i].evaluated} prompt ${o[i].prompt} first ${o[i].firstMs.toFixed(0)} ms`,
    );
// "At turn ~N": the median of the last 10 turns (one turn alone is noise; a cut of the window, or
// raw's context shift, falls on some turns), and the worst of them.
const lastR = median(r.slice(-10).map((t) => t.firstMs));
const lastO = median(o.slice(-10).map((t) => t.firstMs));
const worstR = Math.max(...r.slice(-10).map((t) => t.firstMs));
const worstO = Math.max(...o.slice(-10).map((t) => t.firstMs));
console.log(`long_chat_turns: ${TURNS}`);
console.log(`long_chat_raw_evaluated_tokens_per_turn: ${rEval.toFixed(1)}`);
console.log(`long_chat_ours_evaluated_tokens_per_turn: ${oEval.toFixed(1)}`);
console.log(`long_chat_evaluated_ratio: ${(oEval / rEval).toFixed(2)} (goal <= 1.2)`);
console.log(`long_chat_raw_first_token_last_10_turns_ms: ${lastR.toFixed(1)}`);
console.log(`long_chat_ours_first_token_last_10_turns_ms: ${lastO.toFixed(1)}`);
console.log(`long_chat_first_token_ratio: ${(lastO / lastR).toFixed(2)} (goal <= 1.5)`);
console.log(`long_chat_worst_first_token_last_10_ms: ours ${worstO.toFixed(0)}, raw ${worstR.toFixed(0)}`);
console.log(`long_chat_load: ${load()}`);
