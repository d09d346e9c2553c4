// Turns the `model` setting into a local file path.
//
// - A file path is used as is (checking it is gguf-check's job).
// - An 'hf:' or 'http(s):' URI is first looked up in `modelsDir` WITHOUT any network access (the
//   file names node-llama-cpp gives downloads, e.g. hf:user/repo/file.gguf ->
//   hf_user_repo_file.gguf, or the URL's last path part), so a model downloaded once loads offline.
// - Otherwise it is downloaded into `modelsDir`. node-llama-cpp's downloader (ipull) retries a
//   dead network ~150 times with back-off (about 12 minutes) and takes no abort signal while it
//   resolves the file, so before calling it we check that the download host answers at all
//   (`preflightMs`), bound the resolving step (`resolveMs`), and abort a download that makes no
//   progress for `stallMs`. The partial file is kept (deleteTempFileOnCancel: false) so the next
//   attempt resumes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModelDownloader } from 'node-llama-cpp';
import { nodeLlama } from './node-llama';
import { AlisaError } from '../errors';
import { networkGate } from '../privacy/network-gate';

const DOWNLOAD_FAILED_ACTION = 'Choose a GGUF file you already have, or retry when online.';

export interface DownloadTimeouts {
  /** The download host must answer (any HTTP status) within this time. */
  preflightMs: number;
  /** Resolving the URI to a file (HF manifest, HEAD request) must finish within this time. */
  resolveMs: number;
  /** A running download is abandoned after this long without progress. */
  stallMs: number;
}

const DEFAULT_DOWNLOAD_TIMEOUTS: DownloadTimeouts = { preflightMs: 10_000, resolveMs: 30_000, stallMs: 60_000 };

export { isRemoteModel } from '../../common/model-uri';

/** The already-downloaded file for `uri` in `modelsDir`, or null. Never touches the network. */
export async function findDownloadedModel(uri: string, modelsDir: string): Promise<string | null> {
  try {
    return await (await nodeLlama()).resolveModelFile(uri, { directory: modelsDir, download: false, cli: false });
  } catch {
    // Not found under node-llama-cpp's naming: try the plain file name of a URL.
  }
  if (/^https?:\/\//i.test(uri)) {
    try {
      const name = decodeURIComponent(path.posix.basename(new URL(uri).pathname));
      const candidate = name ? path.join(modelsDir, name) : null;
      if (candidate && existsSync(candidate)) return candidate;
    } catch {
      // Not a parsable URL: the download step reports it.
    }
  }
  return null;
}

interface DownloadOptions {
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
  timeouts?: Partial<DownloadTimeouts>;
}

/**
 * Downloads `uri` into `modelsDir` and returns the file path. Throws AlisaError. The download goes
 * through the network gate (alisa.network): blocked offline, asked once per host in mode ask.
 */
export async function downloadModel(uri: string, modelsDir: string, options: DownloadOptions): Promise<string> {
  let host: string;
  try {
    host = downloadHost(uri);
  } catch {
    return downloadModelNow(uri, modelsDir, options); // not a URL: the preflight says so
  }
  return networkGate().run(
    {
      url: host,
      feature: 'model-download',
      purpose: `download the language model ${withoutSecrets(uri)}`,
      alternative: 'choose a GGUF file you already have ("Alisa: Choose Model File", or --model FILE)',
      signal: options.signal,
      // Hugging Face serves the files from its CDNs (cdn-lfs.huggingface.co, cas-bridge.xethub.hf.co, …).
      relatedHosts: /(^|\.)huggingface\.co$|(^|\.)hf\.co$/.test(new URL(host).hostname) ? ['*.huggingface.co', '*.hf.co'] : [],
    },
    () => downloadModelNow(uri, modelsDir, options),
  );
}

/** A URL without user:password@, query or fragment (they may hold a key): what the activity may keep. */
function withoutSecrets(uri: string): string {
  if (!/^https?:\/\//i.test(uri)) return uri;
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return uri.replace(/[?#].*$/, '');
  }
}

async function downloadModelNow(uri: string, modelsDir: string, options: DownloadOptions): Promise<string> {
  const timeouts = { ...DEFAULT_DOWNLOAD_TIMEOUTS, ...options.timeouts };
  const { signal } = options;
  const throwIfCancelled = () => {
    if (signal.aborted) throw cancelledError();
  };

  await preflight(uri, timeouts.preflightMs, signal);
  throwIfCancelled();

  let lastProgressAt = Date.now();
  const { createModelDownloader } = await nodeLlama();
  let downloader: ModelDownloader;
  try {
    downloader = await withTimeout(
      createModelDownloader({
        modelUri: uri,
        dirPath: modelsDir,
        skipExisting: true,
        deleteTempFileOnCancel: false, // keep the partial file: a later attempt resumes it
        showCliProgress: false,
        onProgress: ({ totalSize, downloadedSize }) => {
          lastProgressAt = Date.now();
          if (totalSize > 0) options.onProgress(Math.min(1, downloadedSize / totalSize));
        },
      }),
      timeouts.resolveMs,
      signal,
      `no answer while resolving the model within ${Math.round(timeouts.resolveMs / 1000)} s`,
    );
  } catch (err) {
    throwIfCancelled();
    throw downloadFailed(uri, err);
  }

  // Stall watchdog: cancel (keeping the partial file) when no bytes arrive for `stallMs`.
  lastProgressAt = Date.now();
  let stalled = false;
  const watchdog = setInterval(
    () => {
      if (Date.now() - lastProgressAt > timeouts.stallMs) {
        stalled = true;
        void downloader.cancel({ deleteTempFile: false }).catch(() => {});
      }
    },
    Math.min(1000, timeouts.stallMs),
  );
  watchdog.unref();
  const onAbort = () => void downloader.cancel({ deleteTempFile: false }).catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const filePath = await downloader.download({ signal });
    throwIfCancelled();
    if (stalled) throw new Error(`no data received for ${Math.round(timeouts.stallMs / 1000)} s`);
    options.onProgress(1);
    return filePath;
  } catch (err) {
    throwIfCancelled();
    throw downloadFailed(uri, stalled ? new Error(`no data received for ${Math.round(timeouts.stallMs / 1000)} s`) : err);
  } finally {
    clearInterval(watchdog);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The host a URI downloads from, mirroring node-llama-cpp's endpoint resolution for hf: URIs. */
export function downloadHost(uri: string): string {
  if (/^https?:\/\//i.test(uri)) return new URL(uri).origin;
  const endpoint = [process.env.MODEL_ENDPOINT, process.env.HF_ENDPOINT].find((e) => e && /^https?:\/\//i.test(e));
  return new URL(endpoint ?? 'https://huggingface.co/').origin;
}

/** Fails fast (and clearly) when the download host cannot be reached at all. */
async function preflight(uri: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let host: string;
  try {
    host = downloadHost(uri);
  } catch (err) {
    throw new AlisaError('model_download_failed', `The model address ${uri} is not a valid URL.`, DOWNLOAD_FAILED_ACTION, { cause: err });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(host, { method: 'HEAD', signal: controller.signal, redirect: 'manual' });
    await response.body?.cancel().catch(() => {});
  } catch (err) {
    if (signal.aborted) throw cancelledError();
    const reason = controller.signal.aborted ? (controller.signal.reason as Error).message : networkReason(err);
    throw new AlisaError(
      'model_download_failed',
      `Downloading the model ${uri} failed: ${new URL(host).host} could not be reached, the machine may be offline (${reason}).`,
      DOWNLOAD_FAILED_ACTION,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function downloadFailed(uri: string, err: unknown): AlisaError {
  const reason = networkReason(err);
  return new AlisaError(
    'model_download_failed',
    `Downloading the model ${uri} failed (${reason}). Check the address; the machine may also be offline.`,
    DOWNLOAD_FAILED_ACTION,
    { cause: err },
  );
}

function cancelledError(): AlisaError {
  return new AlisaError('cancelled', 'The model download was cancelled.', 'Load the model again to resume the download.');
}

/** "fetch failed" alone says nothing: add the system error code and message from the cause. */
export function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (cause?.message && cause.message !== err.message) return `${err.message}: ${cause.message}`;
  if (cause?.code) return `${err.message}: ${cause.code}`;
  return err.message;
}

function withTimeout<T>(promise: Promise<T>, ms: number, signal: AbortSignal, timeoutMessage: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new Error(timeoutMessage))), ms);
    const onAbort = () => finish(() => reject(cancelledError()));
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => finish(() => resolve(value)),
      (err) => finish(() => reject(err)),
    );
  });
}
