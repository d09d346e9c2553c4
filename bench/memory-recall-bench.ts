// What long-term memory (issue 17) costs each reply's prompt: `ChatPrompt.build` with recall
// (FTS5 bm25 candidates, ranking, the budget, marking the chosen ones used) on a real SQLite file
// holding 100 memories against one holding 100,000 (10x the store's bound of unpinned ones,
// filled directly so the bound does not prune them), and against the same build without
// memories, and at the bound (10,000). Then hybrid recall (bm25 fused with vector similarity over
// every memory's vector) at 100 against 100,000, with the message embedded before each build
// (MemoryRecall.prepare) and timed with it. Its embedder is ConceptTestEmbedder, the DETERMINISTIC
// TEST EMBEDDER of tests/helpers (a real model would take minutes to embed 100,000 memories here,
// and its own time per message is the model's, not recall's): the figures are recall's cost over
// vectors of its 32 dimensions. Sides alternate so they share the machine's load. Prints
// `name: value` lines.
//   node dist-bench/memory-recall-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChatPrompt } from '../companion/chat/chat-prompt';
import { ContextStore } from '../companion/context/context-store';
import { EventHub } from '../companion/events';
import type { LlmProvider } from '../companion/llm';
import { MemoryStore } from '../companion/memory';
import { MemoryRecall } from '../companion/memory-recall/memory-recall';
import { MemoryVectors } from '../companion/memory-recall/memory-vectors';
import { recallTerms } from '../companion/memory-recall/terms';
import { DEFAULT_CHARACTER } from '../companion/persona';
import { CompanionState } from '../companion/state';
import { ConceptTestEmbedder } from '../tests/helpers/concept-embedder';
import { SEED_TOPICS, SEED_WHEN, seedMemories } from '../tests/helpers/seed-memories';
import { seededRandom } from '../tests/helpers/seeded-random';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_RECALL_ROUNDS ?? 15);
const PER_ROUND = 20;
const TOPICS = SEED_TOPICS;
const WHEN = SEED_WHEN;

/** A token count at four characters a token, as when no tokenizer is at hand. */
const provider = {
  id: 'bench',
  exactTokenCount: false,
  countTokens: (text: string) => Math.ceil(text.length / 4),
} as unknown as LlmProvider;

interface Side {
  dir: string;
  store: MemoryStore;
  prompt: ChatPrompt;
  recall: MemoryRecall;
  sessionId: number;
}

async function side(memories: number, mode: 'none' | 'bm25' | 'hybrid'): Promise<Side> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-recall-bench-'));
  const file = path.join(dir, 'alisa.db');
  const store = MemoryStore.open(file);
  const characterId = store.upsertBuiltinCharacter(DEFAULT_CHARACTER).id;
  seedMemories(file, memories, Date.now());
  let vectors: MemoryVectors | null = null;
  if (mode === 'hybrid') {
    const embedder = new ConceptTestEmbedder();
    // Every memory's vector, stored in large transactions (the background pass stores 16 at a time).
    for (let batch = store.factsLackingVector(embedder.model, 5000); batch.length; batch = store.factsLackingVector(embedder.model, 5000)) {
      const made = await embedder.embed(batch.map((f) => f.text));
      store.putFactVectors(
        embedder.model,
        batch.map((f, i) => ({ ...f, vector: made[i]! })),
      );
    }
    vectors = new MemoryVectors({ memory: () => store, embedder, events: new EventHub(), replying: () => false, log: () => {} });
    await vectors.catchUp();
  }
  const recall = new MemoryRecall({ memory: () => store, emit: () => {}, log: () => {}, similar: () => vectors });
  const state = CompanionState.load(store, { characterId });
  const prompt = new ChatPrompt({
    state,
    context: new ContextStore(),
    settings: { historyTokens: 2000, promptStyle: 'full' },
    ...(mode !== 'none' ? { recall: (req) => recall.recall(req) } : {}),
  });
  const session = store.createSession('bench', characterId, null);
  for (let i = 0; i < 20; i++) store.addMessage({ sessionId: session.id, role: i % 2 ? 'assistant' : 'user', text: `earlier turn ${i} about nothing much` });
  return { dir, store, prompt, recall, sessionId: session.id };
}

/** The mean ms of one prompt build (after the message's vector, for hybrid) over PER_ROUND questions (the question stored first, untimed). */
async function turns(s: Side, rnd: () => number): Promise<number> {
  let total = 0;
  for (let i = 0; i < PER_ROUND; i++) {
    const text = `what do you know about my ${TOPICS[Math.floor(rnd() * TOPICS.length)]} plans ${WHEN[Math.floor(rnd() * WHEN.length)]}?`;
    const m = s.store.addMessage({ sessionId: s.sessionId, role: 'user', text });
    const t0 = process.hrtime.bigint();
    await s.recall.prepare(text);
    s.prompt.build(s.store, provider, s.sessionId, m.id, text, 200);
    total += Number(process.hrtime.bigint() - t0) / 1e6;
    s.store.addMessage({ sessionId: s.sessionId, role: 'assistant', text: 'ok' });
  }
  return total / PER_ROUND;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const none = await side(0, 'none');
  const small = await side(100, 'bm25');
  const bound = await side(10_000, 'bm25');
  const large = await side(100_000, 'bm25');
  const hybridSmall = await side(100, 'hybrid');
  const hybridLarge = await side(100_000, 'hybrid');
  console.log(`memory_recall_fill_s: ${((Date.now() - t0) / 1000).toFixed(1)}`);
  const rnd = seededRandom(17);
  const base: number[] = [];
  const atBound: number[] = [];
  const [s, l] = await alternate(
    ROUNDS,
    async () => {
      base.push(await turns(none, rnd));
      return turns(small, rnd);
    },
    async () => {
      atBound.push(await turns(bound, rnd));
      return turns(large, rnd);
    },
  );
  const [hs, hl] = await alternate(
    ROUNDS,
    () => turns(hybridSmall, rnd),
    () => turns(hybridLarge, rnd),
  );
  // The store's candidates alone at 100,000: every match of the OR ranked (the full bm25 order,
  // as recall did before) against each word's newest matches ranked (what recall does now).
  const full: number[] = [];
  const windowed: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PER_ROUND; i++) {
      const text = `what do you know about my ${TOPICS[Math.floor(rnd() * TOPICS.length)]} plans ${WHEN[Math.floor(rnd() * WHEN.length)]}?`;
      const terms = recallTerms(text, 'and my docker plans at night?');
      let t0 = process.hrtime.bigint();
      large.store.factCandidates(terms.join(' OR '), null, 40);
      full.push(Number(process.hrtime.bigint() - t0) / 1e6);
      t0 = process.hrtime.bigint();
      large.store.factCandidates(terms, null, 40);
      windowed.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  console.log(`memory_recall_candidates_100k_full_ranking_ms: ${median(full).toFixed(3)}`);
  console.log(`memory_recall_candidates_100k_windowed_ms: ${median(windowed).toFixed(3)}`);
  console.log(`memory_recall_candidates_full_vs_windowed_ratio: ${(median(full) / median(windowed)).toFixed(2)}`);
  const b = median(base);
  const ms = median(s);
  const ml = median(l);
  console.log(`memory_recall_prompt_none_ms: ${b.toFixed(3)}`);
  console.log(`memory_recall_prompt_100_ms: ${ms.toFixed(3)}`);
  console.log(`memory_recall_prompt_10k_ms: ${median(atBound).toFixed(3)}`);
  console.log(`memory_recall_prompt_100k_ms: ${ml.toFixed(3)}`);
  console.log(`memory_recall_100k_vs_100_ratio: ${(ml / ms).toFixed(2)}`);
  console.log(`memory_recall_100_overhead_ms: ${(ms - b).toFixed(3)}`);
  console.log(`memory_recall_hybrid_test_embedder_100_ms: ${median(hs).toFixed(3)}`);
  console.log(`memory_recall_hybrid_test_embedder_100k_ms: ${median(hl).toFixed(3)}`);
  console.log(`memory_recall_hybrid_test_embedder_100k_vs_100_ratio: ${(median(hl) / median(hs)).toFixed(2)}`);
  for (const x of [none, small, bound, large, hybridSmall, hybridLarge]) {
    x.store.close();
    rmSync(x.dir, { recursive: true, force: true });
  }
}

runMain(main);
