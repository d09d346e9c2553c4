// What long-term memory (issue 17) costs each reply's prompt: `ChatPrompt.build` with recall
// (FTS5 bm25 candidates, ranking, the budget, marking the chosen ones used) on a real SQLite file
// holding 100 memories against one holding 100,000 (10x the store's bound of unpinned ones,
// filled directly so the bound does not prune them), and against the same build without
// memories, and at the bound (10,000). Both sides alternate so they share the machine's load. Prints `name: value` lines.
//   node dist-bench/memory-recall-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChatPrompt } from '../companion/chat/chat-prompt';
import { ContextStore } from '../companion/context/context-store';
import type { LlmProvider } from '../companion/llm';
import { MemoryStore } from '../companion/memory';
import { MemoryRecall } from '../companion/memory-recall/memory-recall';
import { DEFAULT_CHARACTER } from '../companion/persona';
import { CompanionState } from '../companion/state';
import { seededRandom } from '../tests/helpers/seeded-random';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_RECALL_ROUNDS ?? 15);
const PER_ROUND = 20;
const TOPICS = [
  'kettle',
  'violin',
  'mortgage',
  'gardening',
  'cycling',
  'sourdough',
  'chess',
  'terraform',
  'haskell',
  'pottery',
  'sailing',
  'origami',
  'docker',
  'pytest',
  'rust',
  'kubernetes',
];
const VERBS = ['likes', 'hates', 'studies', 'collects', 'writes about', 'dreams of', 'avoids', 'teaches'];
const WHEN = ['on weekends', 'at night', 'with friends', 'for work', 'in winter', 'since 2019', 'every morning', 'rarely'];

/** A token count at four characters a token, as when no tokenizer is at hand. */
const provider = {
  id: 'bench',
  exactTokenCount: false,
  countTokens: (text: string) => Math.ceil(text.length / 4),
} as unknown as LlmProvider;

interface Side {
  store: MemoryStore;
  prompt: ChatPrompt;
  sessionId: number;
  nextId: number;
}

function side(memories: number, withRecall: boolean): Side {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-recall-bench-'));
  const file = path.join(dir, 'alisa.db');
  const store = MemoryStore.open(file);
  const characterId = store.upsertBuiltinCharacter(DEFAULT_CHARACTER).id;
  const rnd = seededRandom(memories);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const raw = new Database(file);
  const insert = raw.prepare(
    `INSERT OR IGNORE INTO memories (text, norm, scope, source, confidence, pinned, created_ts, updated_ts) VALUES (?, ?, 'global', 'model', 0.6, 0, ?, ?)`,
  );
  const now = Date.now();
  raw.transaction(() => {
    for (let i = 0; i < memories; i++) {
      const text = `The user ${pick(VERBS)} ${pick(TOPICS)} ${pick(WHEN)} (note ${i})`;
      const at = now - Math.floor(rnd() * 300 * 24 * 3600_000);
      insert.run(text, text.toLowerCase(), at, at);
    }
  })();
  raw.close();
  const recall = new MemoryRecall({ memory: () => store, emit: () => {}, log: () => {} });
  const state = CompanionState.load(store, { characterId });
  const prompt = new ChatPrompt({
    state,
    context: new ContextStore(),
    settings: { historyTokens: 2000, promptStyle: 'full' },
    ...(withRecall ? { recall: (req) => recall.recall(req) } : {}),
  });
  const session = store.createSession('bench', characterId, null);
  for (let i = 0; i < 20; i++) store.addMessage({ sessionId: session.id, role: i % 2 ? 'assistant' : 'user', text: `earlier turn ${i} about nothing much` });
  return { store, prompt, sessionId: session.id, nextId: 0 };
}

/** The median ms of one prompt build over PER_ROUND questions (the question stored first, untimed). */
function turns(s: Side, rnd: () => number): number {
  let total = 0;
  for (let i = 0; i < PER_ROUND; i++) {
    const text = `what do you know about my ${TOPICS[Math.floor(rnd() * TOPICS.length)]} plans ${WHEN[Math.floor(rnd() * WHEN.length)]}?`;
    const m = s.store.addMessage({ sessionId: s.sessionId, role: 'user', text });
    const t0 = process.hrtime.bigint();
    s.prompt.build(s.store, provider, s.sessionId, m.id, text, 200);
    total += Number(process.hrtime.bigint() - t0) / 1e6;
    s.store.addMessage({ sessionId: s.sessionId, role: 'assistant', text: 'ok' });
  }
  return total / PER_ROUND;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const none = side(0, false);
  const small = side(100, true);
  const bound = side(10_000, true);
  const large = side(100_000, true);
  console.log(`memory_recall_fill_s: ${((Date.now() - t0) / 1000).toFixed(1)}`);
  const rnd = seededRandom(17);
  const base: number[] = [];
  const atBound: number[] = [];
  const [s, l] = await alternate(
    ROUNDS,
    async () => {
      base.push(turns(none, rnd));
      return turns(small, rnd);
    },
    async () => {
      atBound.push(turns(bound, rnd));
      return turns(large, rnd);
    },
  );
  const b = median(base);
  const ms = median(s);
  const ml = median(l);
  console.log(`memory_recall_prompt_none_ms: ${b.toFixed(3)}`);
  console.log(`memory_recall_prompt_100_ms: ${ms.toFixed(3)}`);
  console.log(`memory_recall_prompt_10k_ms: ${median(atBound).toFixed(3)}`);
  console.log(`memory_recall_prompt_100k_ms: ${ml.toFixed(3)}`);
  console.log(`memory_recall_100k_vs_100_ratio: ${(ml / ms).toFixed(2)}`);
  console.log(`memory_recall_100_overhead_ms: ${(ms - b).toFixed(3)}`);
  for (const x of [none, small, bound, large]) x.store.close();
}

runMain(main);
