// Text embeddings (issue 17): vectors for hybrid recall of memories and for the codebase index's
// optional semantic search. The embedded implementation is node-llama-cpp's `getEmbeddingFor` on a
// configurable GGUF embedding model; with none configured there is no embedder and callers fall
// back to BM25 alone.
export interface Embedder {
  /** Identifies the model: vectors made by another model are not comparable and are made again. */
  readonly model: string;
  /** Vector length. Known once the model is loaded (0 before). */
  readonly dimensions: number;
  /** One vector per text, in order, each normalised to length 1 (so a dot product is the cosine). */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Cosine similarity of two unit vectors (their dot product); 0 when the lengths differ. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}
