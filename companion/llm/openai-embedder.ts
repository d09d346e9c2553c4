// Embeddings from an OpenAI-compatible server (issue 17): `--embedding-model openai:<model>` asks
// the chat server (--endpoint, key ALISA_LLM_API_KEY) for POST /embeddings, e.g. llama-server
// started with --embeddings, Ollama or api.openai.com. The texts are memories, which go to that
// server in chat prompts anyway; a server on another machine passes the network gate first, as
// chat does. Vectors are normalised here (servers differ on that).
import { AlisaError } from '../errors';
import { networkGate } from '../privacy/network-gate';
import type { Embedder } from './embedder';
import { normalise } from './embedded-embedder';

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const ACTION = 'Check that the server serves /v1/embeddings (llama-server needs --embeddings) with that model, or leave the embedding model empty.';

export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  dimensions = 0;
  private readonly baseUrl: string;
  private readonly host: string;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.baseUrl = options.baseUrl.trim().replace(/\/+$/, '');
    let host = this.baseUrl;
    try {
      host = new URL(this.baseUrl).host;
    } catch {
      // fetch reports a bad URL
    }
    this.host = host;
    this.model = `openai:${host}/${options.model}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await networkGate().request({
      url: this.baseUrl,
      feature: 'llm-endpoint',
      purpose: `make embeddings of memories with the server at ${this.host} (alisa.memory.embeddingModel)`,
      alternative: 'use a local embedding model (a GGUF file) or none',
      signal,
    });
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/embeddings`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.options.model, input: texts }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw new AlisaError('cancelled', 'Embedding was cancelled.');
      throw new AlisaError('llm_failed', `The embeddings server at ${this.host} could not be reached: ${(err as Error).message}`, ACTION, { cause: err });
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      throw new AlisaError('llm_failed', `The embeddings server at ${this.host} answered ${response.status}${detail ? `: ${detail}` : ''}`, ACTION);
    }
    const vectors = parseEmbeddings(await response.json().catch(() => null), texts.length);
    if (!vectors) throw new AlisaError('llm_failed', `The embeddings server at ${this.host} did not answer with ${texts.length} embeddings.`, ACTION);
    this.dimensions = vectors[0]!.length;
    return vectors.map(normalise);
  }
}

/** `data[].embedding` in `index` order, all of one length; null when the answer is not that. */
function parseEmbeddings(body: unknown, count: number): number[][] | null {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== count) return null;
  const out: number[][] = new Array(count);
  for (const [i, item] of data.entries()) {
    const embedding = (item as { embedding?: unknown }).embedding;
    const index = typeof (item as { index?: unknown }).index === 'number' ? (item as { index: number }).index : i;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
    if (index < 0 || index >= count || out[index]) return null;
    out[index] = embedding as number[];
  }
  return out.every((v) => v.length === out[0]!.length) ? out : null;
}
