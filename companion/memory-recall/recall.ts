// Which memories go into a reply's prompt (pure): pinned ones first, then the candidates that
// share words with the user's message, ranked by bm25 weighted by recency (last used or updated)
// and by place (the client's own workspace before global ones), under a token budget. Memories of
// other workspaces never get here (the store's query leaves them out). With an embedding model
// (hybrid recall) the bm25 list and the list of memories closest in meaning are fused by
// reciprocal rank (`fuseCandidates`), so a memory that shares no word with the message can still
// be recalled; without one, only memories sharing a (stemmed) word are.
import type { MemoryFact } from '../../protocol/memory';

export const RECALL_BUDGET_TOKENS = 300;
/** Characters per token when no tokenizer is at hand. */
export const CHARS_PER_TOKEN = 4;
/** Half-weight age of a memory's recency boost. */
const RECENCY_HALF_LIFE_MS = 30 * 24 * 3600_000;
const WORKSPACE_BOOST = 1.3;
/** The block's heading, and each line's "- " and newline: counted against the budget. */
export const RECALL_HEADING = 'What you remember about the user (from earlier conversations):';
const LINE_OVERHEAD_CHARS = 3;

export interface RecallCandidate {
  fact: MemoryFact;
  /** FTS5 bm25: negative, lower is more relevant (0: no shared word, found by meaning). */
  bm25: number;
  /** Hybrid recall: the reciprocal-rank-fusion score, used instead of bm25 (higher is better). */
  fused?: number;
}

/** Reciprocal rank fusion's constant (the usual 60): a rank's weight is 1 / (RRF_K + rank). */
const RRF_K = 60;
/** Below this cosine a memory is not close in meaning at all (unrelated texts of small models score ~0-0.3). */
export const VECTOR_MIN_SIMILARITY = 0.35;
/** Memories found by meaning alone (no shared word) that may join: each costs prompt room. */
export const VECTOR_ONLY_MAX = 3;
/** How far above the median of the similar ones a memory found by meaning alone must be. */
export const VECTOR_ONLY_MARGIN = 0.1;

/**
 * The bm25 candidates and the memories closest in meaning (`similar`, best first, each with its
 * fact), fused by reciprocal rank. Similar ones below VECTOR_MIN_SIMILARITY do not count. One
 * sharing no word with the message joins only when it stands out: VECTOR_ONLY_MARGIN above the
 * median of the similar ones (with three or more). A model whose vectors say little about meaning
 * (the tiny test model rates two unrelated questions 0.98 alike) has no such outlier, and then
 * adds no noise; a real one puts the memory that answers well above the rest. At most
 * VECTOR_ONLY_MAX join.
 */
export function fuseCandidates(bm25: readonly RecallCandidate[], similar: ReadonlyArray<{ fact: MemoryFact; score: number }>): RecallCandidate[] {
  const byId = new Map<number, RecallCandidate>();
  bm25.forEach((c, rank) => byId.set(c.fact.id, { ...c, fused: 1 / (RRF_K + rank + 1) }));
  const scores = similar.map((s) => s.score).sort((a, b) => a - b);
  const median = scores.length >= 3 ? scores[Math.floor(scores.length / 2)]! : 0;
  const aloneMin = Math.max(VECTOR_MIN_SIMILARITY, median + VECTOR_ONLY_MARGIN);
  let alone = 0;
  similar
    .filter((s) => s.score >= VECTOR_MIN_SIMILARITY)
    .forEach((s, rank) => {
      const weight = 1 / (RRF_K + rank + 1);
      const known = byId.get(s.fact.id);
      if (known) known.fused! += weight;
      else if (s.score >= aloneMin && alone++ < VECTOR_ONLY_MAX) byId.set(s.fact.id, { fact: s.fact, bm25: 0, fused: weight });
    });
  return [...byId.values()];
}

export interface RecallOptions {
  now: number;
  /** The client's workspace id (null: none). */
  workspace: string | null;
  budgetTokens?: number;
  countTokens?: (text: string) => number;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** The score of a candidate (higher is better). */
export function recallScore(c: RecallCandidate, now: number, workspace: string | null): number {
  const relevance = c.fused ?? Math.max(0, -c.bm25);
  const last = c.fact.lastUsedAt ?? c.fact.updatedAt;
  const age = Math.max(0, now - Math.max(last, c.fact.updatedAt));
  const recency = 0.5 + 0.5 * 2 ** (-age / RECENCY_HALF_LIFE_MS);
  const place = workspace !== null && c.fact.workspace === workspace ? WORKSPACE_BOOST : 1;
  return relevance * recency * place * (0.5 + 0.5 * c.fact.confidence);
}

/** The memories to recall, in the order they are shown, within the budget. */
export function chooseRecall(pinned: readonly MemoryFact[], candidates: readonly RecallCandidate[], opts: RecallOptions): MemoryFact[] {
  const count = opts.countTokens ?? estimateTokens;
  let room = (opts.budgetTokens ?? RECALL_BUDGET_TOKENS) - count(RECALL_HEADING);
  const chosen: MemoryFact[] = [];
  const seen = new Set<number>();
  const take = (fact: MemoryFact) => {
    if (seen.has(fact.id)) return;
    // Other workspaces' memories never go into a prompt, whatever the caller passed.
    if (fact.workspace !== null && fact.workspace !== opts.workspace) return;
    const cost = count(fact.text) + Math.ceil(LINE_OVERHEAD_CHARS / CHARS_PER_TOKEN);
    if (cost > room) return;
    room -= cost;
    seen.add(fact.id);
    chosen.push(fact);
  };
  for (const f of pinned) take(f);
  const ranked = [...candidates].sort((a, b) => recallScore(b, opts.now, opts.workspace) - recallScore(a, opts.now, opts.workspace));
  for (const c of ranked) take(c.fact);
  return chosen;
}

/** The block as the model reads it, or '' when there is nothing to recall. */
export function recallBlock(facts: readonly MemoryFact[]): string {
  if (facts.length === 0) return '';
  return `${RECALL_HEADING}\n${facts.map((f) => `- ${f.text}`).join('\n')}`;
}
