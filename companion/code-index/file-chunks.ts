// One file on its way into the codebase index (issue 17): read (binary files and unreadable ones
// left out), hashed, cut into chunks (chunker.ts), each chunk's secrets redacted before a word of
// it is indexed, and, when embeddings are on, each chunk's vector.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { redactSecrets } from '../../common/privacy/redact';
import type { Embedder } from '../llm/embedder';
import { chunkFile } from './chunker';
import { indexText } from './code-terms';
import type { NewChunk } from './index-store';
import { isBinaryName, looksBinary, type FoundFile } from './walker';

/** The most a large file's chunks may hold the event loop before yielding (ms). */
const SLICE_MS = 30;

/** The file's text and hash, or null when it is binary or unreadable. */
export async function readIndexable(file: FoundFile): Promise<{ text: string; hash: string } | null> {
  if (isBinaryName(file.rel)) return null;
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.abs);
  } catch {
    return null;
  }
  if (looksBinary(bytes)) return null;
  return { text: bytes.toString('utf8'), hash: createHash('sha1').update(bytes).digest('hex') };
}

/**
 * A file's chunks, ready for the index: secrets redacted before a word of them is stored. A large
 * file yields to the event loop every SLICE_MS (its redaction and words take a few hundred ms).
 */
export async function chunksOf(rel: string, text: string): Promise<NewChunk[]> {
  let chunks;
  try {
    chunks = chunkFile(rel, text);
  } catch {
    // A file the structural chunker cannot take (a bug of ours) is still indexed, by line windows.
    chunks = chunkFile(rel, text, { structure: false });
  }
  const out: NewChunk[] = [];
  let since = Date.now();
  for (const c of chunks) {
    const safe = redactSecrets(c.text).text;
    // The path's words count too: "the walker" finds walker.ts.
    out.push({ startLine: c.startLine, endLine: c.endLine, body: indexText(`${rel}\n${safe}`), text: safe });
    if (Date.now() - since > SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      since = Date.now();
    }
  }
  return out;
}

export async function embedChunks(embedder: Embedder, batch: Array<{ chunks: NewChunk[] | null }>, signal: AbortSignal): Promise<void> {
  const all = batch.flatMap((b) => b.chunks ?? []);
  if (all.length === 0) return;
  const vectors = await embedder.embed(
    all.map((c) => c.text),
    signal,
  );
  all.forEach((c, i) => {
    c.vector = vectors[i] ?? null;
  });
}
