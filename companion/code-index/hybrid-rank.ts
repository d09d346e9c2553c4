// The optional semantic half of a codebase search (issue 17): the chunks whose vectors are nearest
// to the question's, fused with the BM25 ranking by reciprocal rank fusion (a chunk scores
// Σ 1/(k + rank) over the two lists), which needs no calibration between bm25 and cosine scores.
import { cosine } from '../llm/embedder';
import type { ChunkRow, IndexStore } from './index-store';

/** Reciprocal rank fusion's constant (the usual 60): how much the top ranks dominate. */
const RRF_K = 60;

/** The `limit` chunks whose vectors are nearest to `q`. */
export function nearest(vectors: Array<{ id: number; vector: Float32Array }>, q: Float32Array, limit: number): number[] {
  return vectors
    .map((v) => ({ id: v.id, s: cosine(v.vector, q) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, limit)
    .map((v) => v.id);
}

/** Reciprocal rank fusion of the BM25 ranking and the vector ranking: each chunk scores Σ 1/(k + rank). */
export function fuse(lexical: ChunkRow[], semantic: number[], store: IndexStore): Array<ChunkRow & { score: number }> {
  const score = new Map<number, number>();
  lexical.forEach((r, i) => score.set(r.id, (score.get(r.id) ?? 0) + 1 / (RRF_K + i + 1)));
  semantic.forEach((id, i) => score.set(id, (score.get(id) ?? 0) + 1 / (RRF_K + i + 1)));
  const rows = new Map<number, ChunkRow>(lexical.map((r) => [r.id, r]));
  for (const r of store.chunksByIds(semantic.filter((id) => !rows.has(id)))) rows.set(r.id, r);
  return [...score.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([id, s]) => ({ ...rows.get(id)!, score: s }))
    .filter((r) => r.rel !== undefined);
}
