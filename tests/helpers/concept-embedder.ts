// A DETERMINISTIC TEST EMBEDDER, not a model: it stands in for a real embedding model's sense of
// meaning, which the only model that runs here (stories260K, 260K parameters) does not have. Words
// of one concept group below share a dimension (so "oolong" is close to "beverage" though the two
// share no letters); any other word lands on one of OTHER_DIMS hashed dimensions with a small
// weight. Vectors are unit length, as the Embedder interface requires. Tests that use it say so.
import type { Embedder } from '../../companion/llm/embedder';
import { contentWords } from '../../companion/memory-recall/terms';

const CONCEPTS: readonly string[][] = [
  ['tea', 'coffee', 'oolong', 'matcha', 'espresso', 'beverage', 'beverages', 'drink', 'drinks', 'brews', 'brew'],
  ['dog', 'puppy', 'pet', 'pets', 'terrier', 'cat', 'kitten'],
  ['car', 'vehicle', 'drive', 'drives', 'bike', 'bicycle', 'commute'],
  ['database', 'postgres', 'mysql', 'sqlite', 'storage'],
];
const OTHER_DIMS = 28;
const OTHER_WEIGHT = 0.3;

function hash(word: string): number {
  let h = 2166136261;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
  return (h >>> 0) % OTHER_DIMS;
}

export class ConceptTestEmbedder implements Embedder {
  readonly dimensions = CONCEPTS.length + OTHER_DIMS;
  /** Texts embedded so far (tests check what was asked). */
  readonly seen: string[] = [];

  constructor(readonly model = 'test:concepts') {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.seen.push(...texts);
    return texts.map((t) => this.vector(t));
  }

  vector(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    for (const word of contentWords(text, 64)) {
      const concept = CONCEPTS.findIndex((group) => group.includes(word));
      if (concept >= 0) v[concept]! += 1;
      else v[CONCEPTS.length + hash(word)]! += OTHER_WEIGHT;
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
    return v;
  }
}
