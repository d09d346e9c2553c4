// Checks a local model file before llama.cpp sees it, so that a missing, foreign or damaged file
// becomes a clear AlisaError instead of llama.cpp's generic "Failed to load model" (or a TypeError
// deep in node-llama-cpp, which is what a file truncated inside its header produces).
//
// Checks, cheapest first: the file exists and is a regular file; it starts with the "GGUF"
// signature; its header parses; it names an architecture; and (for single-file models) it is at
// least as long as its header says (header + the byte size of every tensor) - a truncated
// download or copy fails here. Only the header is read, so this is fast even for large models.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Llama, readGgufFileInfo } from 'node-llama-cpp';
import { nodeLlama } from './node-llama';
import { AlisaError } from '../errors';

const MODEL_MISSING_ACTION = 'Choose a GGUF model file (setting alisa.model.path or --model), or download the recommended model.';
export const MODEL_INVALID_ACTION = 'Download the model again or choose another GGUF file.';

interface GgufSummary {
  architecture: string;
  fileSize: number;
}

function invalid(filePath: string, reason: string, cause?: unknown): AlisaError {
  return new AlisaError('model_invalid', `The model file ${filePath} cannot be used: ${reason}.`, MODEL_INVALID_ACTION, { cause });
}

/**
 * Throws AlisaError 'model_missing' or 'model_invalid'. `runtime` (the shared llama.cpp runtime,
 * for tensor sizes) is only requested once the cheap checks pass; without it node-llama-cpp would
 * start a second, backend-less runtime just for this (~700 ms).
 */
export async function checkGgufFile(filePath: string, runtime?: () => Promise<Llama>): Promise<GgufSummary> {
  let size: number;
  try {
    const info = await stat(filePath);
    if (info.isDirectory()) throw invalid(filePath, 'it is a folder, not a file');
    size = info.size;
  } catch (err) {
    if (err instanceof AlisaError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new AlisaError('model_missing', `Model file not found: ${filePath}`, MODEL_MISSING_ACTION, { cause: err });
    }
    throw invalid(filePath, `it cannot be read (${code ?? (err as Error).message})`, err);
  }

  if (size < 8) throw invalid(filePath, size === 0 ? 'the file is empty' : `the file is only ${size} bytes long`);
  const magic = await readMagic(filePath);
  if (magic !== 'GGUF') {
    throw invalid(filePath, `it is not a GGUF model (it starts with ${JSON.stringify(printable(magic))} instead of the "GGUF" signature)`);
  }

  // A runtime that cannot load is not a damaged file: say which it is.
  const lib = await loadRuntimeLibrary();
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await lib.readGgufFileInfo(filePath, { sourceType: 'filesystem', logWarnings: false });
  } catch (err) {
    throw invalid(filePath, `its GGUF header is damaged (${(err as Error).message})`, err);
  }
  const architecture = info.metadata?.general?.architecture;
  if (!architecture) throw invalid(filePath, 'its header names no model architecture (damaged or truncated file)');

  // Split models (model-00001-of-00003.gguf) keep tensors in other files: only check single files.
  if ((info.splicedParts ?? 1) === 1 && info.infoEndOffset != null) {
    const llama = runtime ? await runtime() : undefined;
    let tensorBytes: number;
    try {
      tensorBytes = (await lib.GgufInsights.from(info, llama)).modelSize;
    } catch (err) {
      throw invalid(filePath, `its tensor table is damaged (${(err as Error).message})`, err);
    }
    const expected = info.infoEndOffset + tensorBytes;
    if (size < expected) {
      throw invalid(filePath, `it is incomplete: ${formatBytes(size)} of the ${formatBytes(expected)} its header describes (an interrupted download or copy?)`);
    }
  }

  return { architecture: String(architecture), fileSize: size };
}

async function readMagic(filePath: string): Promise<string> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(4);
    await handle.read(buffer, 0, 4, 0);
    return buffer.toString('latin1');
  } finally {
    await handle.close();
  }
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(2)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** A short name for state and messages: the file name of a path or the last part of a URI. */
export function modelDisplayName(model: string): string {
  const withoutQuery = model.replace(/[?#].*$/, '');
  return path.basename(withoutQuery.replace(/^(hf:|huggingface:)/, '')) || model;
}

async function loadRuntimeLibrary(): Promise<typeof import('node-llama-cpp')> {
  try {
    return await nodeLlama();
  } catch (err) {
    throw new AlisaError(
      'llm_failed',
      `The local model runtime (node-llama-cpp) could not be loaded: ${(err as Error).message}`,
      'Reinstall Alisa, or use an OpenAI-compatible server instead (setting alisa.llm.endpoint).',
      { cause: err },
    );
  }
}
