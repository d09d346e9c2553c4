// Text embeddings inside the companion (issue 17): node-llama-cpp's embedding context on a GGUF
// model, for hybrid recall of memories. The model is the user's choice (--embedding-model): a
// dedicated embedding GGUF, or the chat model's own file ("chat": its weights are mapped again, the
// OS shares the pages). It loads on first use, never at start, on the process-wide llama.cpp
// runtime (llama-runtime.ts), with bounded threads (threads.ts: the library default oversubscribes
// small machines). A missing or unusable file is an AlisaError that says which; a failed load is
// forgotten so that a later call tries again (the user may fix the file).
//
// Vectors are normalised here (node-llama-cpp returns them raw: ~16 long for stories260K), so a
// dot product is their cosine. One text at a time: the context holds one sequence, and the texts
// are short (memories of at most 500 characters, a chat message); a text longer than the context
// is cut to its first tokens. Measured here (stories260K, 64 dimensions, 1 thread): ~4 ms a text.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { AlisaError, toAlisaError } from '../errors';
import type { Embedder } from './embedder';
import { checkGgufFile } from './gguf-check';
import { getRuntime, logMark, logSince, type GpuSetting } from './llama-runtime';
import { defaultThreads } from './threads';

export interface EmbeddedEmbedderOptions {
  /** A local GGUF file, or where to find it when it is first needed (the chat model's, once downloaded). */
  modelPath: string | (() => Promise<string>);
  /** Default: defaultThreads(). */
  threads?: number;
  gpu?: GpuSetting;
  /** Tokens a text may have (longer ones are cut); default min(the model's training context, 512). */
  contextSize?: number;
}

const DEFAULT_CONTEXT_CAP = 512;
export const EMBEDDING_MODEL_ACTION =
  'Choose a GGUF embedding model (setting alisa.memory.embeddingModel or --embedding-model), "chat" for the chat model, or leave it empty for word search only.';

interface Loaded {
  model: LlamaModel;
  context: LlamaEmbeddingContext;
  contextSize: number;
}

/** Scales `raw` to length 1 (a zero vector stays zero: it matches nothing). */
export function normalise(raw: ArrayLike<number>): Float32Array {
  const v = Float32Array.from(raw);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0 && Number.isFinite(norm)) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export class EmbeddedEmbedder implements Embedder {
  /** The file's name and size: vectors of another file (even one of the same name) are made again. */
  private identity: string;
  private loaded: Loaded | null = null;
  private loading: Promise<void> | null = null;
  /** One text at a time through the single-sequence context. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly options: EmbeddedEmbedderOptions) {
    this.identity = typeof options.modelPath === 'string' ? `gguf:${path.basename(options.modelPath)}` : 'gguf:chat';
  }

  get model(): string {
    return this.identity;
  }

  get dimensions(): number {
    return this.loaded?.model.embeddingVectorSize ?? 0;
  }

  /** Loads the model if needed (concurrent callers share one attempt; a failed one is forgotten). */
  ready(): Promise<void> {
    if (this.disposed) return Promise.reject(new AlisaError('llm_failed', 'The embedding model was closed.'));
    if (this.loaded) return Promise.resolve();
    if (!this.loading) {
      const attempt = this.load().then((loaded) => {
        this.loaded = loaded;
      });
      this.loading = attempt;
      attempt.catch(() => {
        if (this.loading === attempt) this.loading = null;
      });
    }
    return this.loading;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    await this.ready();
    const out: Float32Array[] = [];
    for (const text of texts) {
      if (signal?.aborted) throw new AlisaError('cancelled', 'Embedding was cancelled.');
      out.push(await this.one(text));
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.loading?.catch(() => {});
    const loaded = this.loaded;
    this.loaded = null;
    await loaded?.context.dispose().catch(() => {});
    await loaded?.model.dispose().catch(() => {});
  }

  private one(text: string): Promise<Float32Array> {
    const run = this.queue.then(async () => {
      const loaded = this.loaded;
      if (!loaded || this.disposed) throw new AlisaError('llm_failed', 'The embedding model was closed.');
      // A text longer than the context is cut to its start: node-llama-cpp adds a beginning and an
      // end token and wants the whole under the context size.
      let tokens = loaded.model.tokenize(text);
      if (tokens.length > loaded.contextSize - 3) tokens = tokens.slice(0, loaded.contextSize - 3);
      // No token (an empty text) has nothing to pool: the zero vector, which matches nothing.
      const vector = tokens.length ? (await loaded.context.getEmbeddingFor(tokens)).vector : [];
      return vector.length ? normalise(vector) : new Float32Array(loaded.model.embeddingVectorSize);
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async load(): Promise<Loaded> {
    const { modelPath, gpu = 'auto' } = this.options;
    const filePath = path.resolve(typeof modelPath === 'string' ? modelPath : await modelPath());
    const runtime = () => getRuntime(gpu);
    try {
      await checkGgufFile(filePath, runtime);
    } catch (err) {
      const e = toAlisaError(err, 'model_invalid');
      throw new AlisaError(e.code, `Embedding model: ${e.message}`, EMBEDDING_MODEL_ACTION, { cause: err });
    }
    this.identity = `gguf:${path.basename(filePath)}:${(await stat(filePath)).size}`;
    const llama = await runtime();
    const mark = logMark();
    let model: LlamaModel | null = null;
    try {
      model = await llama.loadModel({ modelPath: filePath });
      const contextSize = this.options.contextSize ?? Math.min(model.trainContextSize || DEFAULT_CONTEXT_CAP, DEFAULT_CONTEXT_CAP);
      const context = await model.createEmbeddingContext({ contextSize, threads: this.options.threads ?? defaultThreads() });
      return { model, context, contextSize };
    } catch (err) {
      await model?.dispose().catch(() => {});
      const why = logSince(mark).at(-1) ?? (err as Error).message;
      throw new AlisaError(
        'model_invalid',
        `The embedding model ${path.basename(filePath)} cannot make embeddings: ${why}`,
        `It may not be an embedding-capable GGUF. ${EMBEDDING_MODEL_ACTION}`,
        { cause: err },
      );
    }
  }
}
