// The process-wide llama.cpp runtime (node-llama-cpp's `Llama`), shared by every EmbeddedProvider.
//
// - `build: 'never'`: the package's postinstall is disabled, so a missing prebuilt binary must fail
//   fast instead of trying to download llama.cpp sources and compile them.
// - gpu 'auto' falls back to CPU when the GPU variant cannot start (measured here: 'auto' and false
//   both start in ~470-490 ms and 'auto' ends up on the CPU anyway, `llama.gpu === false`).
// - llama.cpp logs at error level are kept in a small ring buffer: when a load fails, llama.cpp
//   explains why only in its log ("tensor ... data is not within the file bounds"), and the
//   provider quotes that line in the error it reports.
// The runtime is never disposed by a provider: other providers may share it, and it lives as long
// as the process.
import type { Llama, LlamaLogLevel } from 'node-llama-cpp';
import { nodeLlama } from './node-llama';
import { AlisaError } from '../errors';

export type GpuSetting = 'auto' | false;

const runtimes = new Map<string, Promise<Llama>>();

interface LogLine {
  seq: number;
  level: LlamaLogLevel;
  message: string;
}

const LOG_KEEP = 50;
const recentLog: LogLine[] = [];
let logSeq = 0;

function record(level: LlamaLogLevel, message: string): void {
  const text = message.trim();
  if (!text) return;
  recentLog.push({ seq: ++logSeq, level, message: text });
  if (recentLog.length > LOG_KEEP) recentLog.shift();
  // stderr, never stdout: stdout may carry the companion's own output.
  process.stderr.write(`[llama.cpp] ${text}\n`);
}

/** A mark to pass to `logSince` later. */
export function logMark(): number {
  return logSeq;
}

/** llama.cpp error lines logged after `mark` (most useful last). */
export function logSince(mark: number): string[] {
  return recentLog.filter((line) => line.seq > mark).map((line) => line.message);
}

async function start(gpu: GpuSetting): Promise<Llama> {
  const { getLlama, LlamaLogLevel: Level } = await nodeLlama();
  return getLlama({
    gpu,
    build: 'never',
    logLevel: Level.error,
    logger: record,
    progressLogs: false,
  });
}

/** The shared runtime for a GPU setting; a failed start is forgotten so a later call retries. */
export function getRuntime(gpu: GpuSetting): Promise<Llama> {
  const key = String(gpu);
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = (async () => {
      if (gpu === 'auto') {
        try {
          return await start('auto');
        } catch {
          // No usable GPU build (or driver): the CPU build is always shipped.
        }
      }
      try {
        return await start(false);
      } catch (err) {
        throw new AlisaError(
          'llm_failed',
          `The llama.cpp runtime could not start: ${(err as Error).message}`,
          'Reinstall Alisa so that node-llama-cpp and its prebuilt binary for this platform are present, or use an OpenAI-compatible server (alisa.llm.endpoint).',
          { cause: err },
        );
      }
    })();
    runtimes.set(key, runtime);
    const started = runtime;
    started.catch(() => {
      if (runtimes.get(key) === started) runtimes.delete(key);
    });
  }
  return runtime;
}
