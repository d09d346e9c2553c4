// The vectors behind hybrid recall (issue 17): every memory gets an embedding of its text, made in
// the background, never on a reply's path. At start (and after every memory.changed) the memories
// lacking a vector of the current model (new, edited, or made by another model) are embedded in
// batches of BATCH, newest first; the work waits while a reply streams (both would share the
// CPU) and a reply that starts stops the batch under way (it is done again). Vectors live in the
// database (memory_vectors) and in a VectorIndex in memory, loaded once per model.
//
// The message replied to is embedded just before its prompt is built (`prepare`), with a time
// limit: a slow or broken embedder makes recall fall back to BM25, never the reply wait.
// A model that cannot load is reported once in the log with its reason (and retried after a
// while, in case the user fixed the file); chat goes on with BM25 alone.
import type { EmbeddingsState } from '../../protocol';
import type { Embedder } from '../llm/embedder';
import type { EventHub } from '../events';
import type { MemoryStore } from '../memory';
import { VectorIndex, type VectorHit } from './vector-index';

const BATCH = 16;
const BUSY_RETRY_MS = 250;
/** After a failure (the model does not load, a batch fails): wait this long before trying again. */
const FAILURE_RETRY_MS = 5 * 60_000;
/** How long a reply waits for its message's vector before recall goes on without it. */
export const QUERY_TIMEOUT_MS = 1500;

export interface MemoryVectorsDeps {
  memory: () => MemoryStore;
  /** `ready` loads the model ahead of the first batch; `dispose` frees it at shutdown. */
  embedder: Embedder & { ready?: () => Promise<void>; dispose?: () => Promise<void> };
  events: EventHub;
  /** True while a chat reply streams (the background work waits). */
  replying: () => boolean;
  log: (line: string) => void;
  /** Overrides QUERY_TIMEOUT_MS (tests). */
  queryTimeoutMs?: number;
}

export class MemoryVectors {
  private index: VectorIndex | null = null;
  private indexModel = '';
  private running: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failedAt = 0;
  private lastError = '';
  private disposed = false;
  /** The current background pass, if any (tests wait for it). */
  current: Promise<void> | null = null;
  /** The last message embedded for recall. */
  private query: { text: string; vector: Float32Array } | null = null;
  private phase: EmbeddingsState['state'] = 'idle';
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: MemoryVectorsDeps) {
    deps.events.onEvent((event) => {
      if (event.type === 'reply.start') this.running?.abort();
      else if (event.type === 'memory.changed') {
        if (event.cleared) this.index?.clear();
        for (const id of event.deletedIds ?? []) this.index?.delete(id);
        if (event.fact) this.refresh(event.fact.id, event.fact.workspace);
      }
      if (event.type === 'memory.changed' || event.type === 'reply.end' || event.type === 'reply.error') this.schedule(0);
    });
  }

  get model(): string {
    return this.deps.embedder.model;
  }

  /** Starts the background pass (at start-up, after the database opened). */
  start(): void {
    this.schedule(0);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.running?.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.current;
    await this.deps.embedder.dispose?.();
  }

  /** For status: whether vectors are being made, are all made, or cannot be (and why). */
  state(): EmbeddingsState {
    return { model: this.deps.embedder.model, state: this.phase, indexed: this.indexed, error: this.phase === 'error' ? this.lastError : null };
  }

  onStateChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `force`: announce even when the phase stays (the count of indexed memories changed). */
  private setPhase(phase: EmbeddingsState['state'], force = false): void {
    if (phase === this.phase && !force) return;
    this.phase = phase;
    for (const listener of this.listeners) listener();
  }

  /** Memories with a vector in the index (for status and tests). */
  get indexed(): number {
    return this.index?.size ?? 0;
  }

  /**
   * Embeds the message a prompt is about to be built for, so that `search` can use it; resolves
   * within the time limit whatever happens (false: no vector, recall uses BM25 alone).
   */
  async prepare(text: string): Promise<boolean> {
    if (this.query?.text === text) return true;
    if (this.disposed || this.failedRecently()) return false;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(null);
      }, this.deps.queryTimeoutMs ?? QUERY_TIMEOUT_MS);
    });
    try {
      const embedded = this.deps.embedder.embed([text], controller.signal).then(
        (v) => v[0] ?? null,
        (err: unknown) => {
          if (!controller.signal.aborted) this.failed(err);
          return null;
        },
      );
      const vector = await Promise.race([embedded, timeout]);
      if (!vector) return false;
      this.query = { text, vector };
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The memories closest in meaning to `text` (which `prepare` embedded), or [] without its vector. */
  search(text: string, workspace: string | null, limit: number): VectorHit[] {
    if (!this.index || this.query?.text !== text || this.indexModel !== this.deps.embedder.model) return [];
    return this.index.search(this.query.vector, workspace, limit);
  }

  /** A memory changed: its place, and its vector if its text changed (the store dropped the old one). */
  private refresh(id: number, workspace: string | null): void {
    if (!this.index?.has(id)) return;
    try {
      if (this.deps.memory().factVector(id, this.indexModel)) this.index.move(id, workspace);
      else this.index.delete(id);
    } catch {
      this.index.delete(id);
    }
  }

  private failedRecently(): boolean {
    return this.failedAt > 0 && Date.now() - this.failedAt < FAILURE_RETRY_MS;
  }

  private failed(err: unknown): void {
    this.failedAt = Date.now();
    const message = err instanceof Error ? err.message : String(err);
    // Once per cause: a broken model file would otherwise fill the log every few minutes.
    if (message !== this.lastError) this.deps.log(`memory: embeddings are off, recall uses word search only: ${message}`);
    this.lastError = message;
    this.setPhase('error');
  }

  private schedule(ms: number): void {
    if (this.disposed || this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.deps.replying()) return this.schedule(BUSY_RETRY_MS);
      if (this.failedRecently()) return this.schedule(FAILURE_RETRY_MS);
      this.begin();
    }, ms);
    this.timer.unref();
  }

  private begin(): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    this.current = this.pass(controller.signal).then((again) => {
      this.running = null;
      this.current = null;
      if (again !== null) this.schedule(again);
    });
    return this.current;
  }

  /**
   * Embeds every memory lacking a vector now, whatever is scheduled (after the pass under way, if
   * any): for tests and the bench, which wait for the work instead of for a while.
   */
  async catchUp(): Promise<void> {
    while (this.current) await this.current;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.failedAt = 0;
    await this.begin();
  }

  /** Embeds what lacks a vector, batch by batch, until nothing does or it is stopped (then: when to go on). */
  private async pass(signal: AbortSignal): Promise<number | null> {
    const { embedder } = this.deps;
    try {
      await embedder.ready?.();
      const memory = this.deps.memory();
      if (!this.index || this.indexModel !== embedder.model) {
        // Every vector of this model, once: later ones are added as they are made.
        const index = new VectorIndex(embedder.dimensions);
        for (const v of memory.factVectors(embedder.model)) index.set(v.id, v.workspace, v.vector);
        this.index = index;
        this.indexModel = embedder.model;
      }
      let madeAny = false;
      for (;;) {
        if (signal.aborted || this.deps.replying()) return BUSY_RETRY_MS;
        const batch = memory.factsLackingVector(embedder.model, BATCH);
        if (batch.length === 0) break;
        this.setPhase('working');
        const vectors = await embedder.embed(
          batch.map((f) => f.text),
          signal,
        );
        if (signal.aborted) return BUSY_RETRY_MS;
        const items = batch.map((f, i) => ({ ...f, vector: vectors[i]! }));
        const stored = new Set(memory.putFactVectors(embedder.model, items));
        for (const f of items) if (stored.has(f.id)) this.index!.set(f.id, f.workspace, f.vector);
        madeAny ||= stored.size > 0;
        // Let the event loop breathe between batches (a request, a reply that starts).
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.failedAt = 0;
      this.lastError = '';
      // 'ready' is announced again after each pass that made vectors: the count changed.
      this.setPhase('ready', madeAny);
      return null;
    } catch (err) {
      if (signal.aborted) return BUSY_RETRY_MS;
      this.failed(err);
      return FAILURE_RETRY_MS;
    }
  }
}
