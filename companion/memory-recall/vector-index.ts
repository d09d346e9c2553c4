// The vectors of every memory in one typed array, searched by brute force (pure, no I/O). At the
// store's bound (10,000 unpinned memories) and a 384-dimension model that is ~4 M multiply-adds a
// query, a few ms in V8; bench/memory-recall-bench.ts measures it at 100,000. Rows are packed so the
// inner loop reads memory in order; a removed row is filled with the last one.
export interface VectorHit {
  id: number;
  /** Cosine similarity with the query (vectors are unit length). */
  score: number;
}

export class VectorIndex {
  private data = new Float32Array(0);
  private ids: number[] = [];
  private places: Array<string | null> = [];
  private readonly slot = new Map<number, number>();

  /** 0: taken from the first vector (a server's model says its length only with its first answer). */
  constructor(private dims = 0) {}

  get dimensions(): number {
    return this.dims;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.slot.has(id);
  }

  /** Adds or replaces `id`'s vector (a vector of another length is ignored: another model made it). */
  set(id: number, workspace: string | null, vector: Float32Array): void {
    if (this.dims === 0) this.dims = vector.length;
    if (vector.length !== this.dims || this.dims === 0) return;
    let at = this.slot.get(id);
    if (at === undefined) {
      at = this.ids.length;
      if ((at + 1) * this.dims > this.data.length) {
        const grown = new Float32Array(Math.max(64 * this.dims, this.data.length * 2));
        grown.set(this.data);
        this.data = grown;
      }
      this.ids.push(id);
      this.places.push(workspace);
      this.slot.set(id, at);
    }
    this.places[at] = workspace;
    this.data.set(vector, at * this.dimensions);
  }

  /** A memory moved to another place (its scope changed). */
  move(id: number, workspace: string | null): void {
    const at = this.slot.get(id);
    if (at !== undefined) this.places[at] = workspace;
  }

  delete(id: number): void {
    const at = this.slot.get(id);
    if (at === undefined) return;
    const last = this.ids.length - 1;
    if (at !== last) {
      const moved = this.ids[last]!;
      this.ids[at] = moved;
      this.places[at] = this.places[last]!;
      this.slot.set(moved, at);
      this.data.copyWithin(at * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
    }
    this.ids.pop();
    this.places.pop();
    this.slot.delete(id);
  }

  clear(): void {
    this.ids = [];
    this.places = [];
    this.slot.clear();
  }

  /**
   * The `limit` most similar memories a client of `workspace` may be reminded of (global ones and
   * its own workspace's; null: global only), best first, at least `minScore` similar.
   */
  search(query: Float32Array, workspace: string | null, limit: number, minScore = 0): VectorHit[] {
    if (query.length !== this.dimensions || limit <= 0) return [];
    const dims = this.dimensions;
    const data = this.data;
    // The best `limit` so far, worst last (a short insertion sort: limit is tens).
    const top: VectorHit[] = [];
    for (let row = 0; row < this.ids.length; row++) {
      const place = this.places[row];
      if (place !== null && place !== workspace) continue;
      let dot = 0;
      const base = row * dims;
      for (let i = 0; i < dims; i++) dot += data[base + i]! * query[i]!;
      if (dot < minScore || (top.length === limit && dot <= top[limit - 1]!.score)) continue;
      let i = top.length === limit ? limit - 1 : top.length;
      while (i > 0 && top[i - 1]!.score < dot) {
        top[i] = top[i - 1]!;
        i--;
      }
      top[i] = { id: this.ids[row]!, score: dot };
    }
    return top;
  }
}
