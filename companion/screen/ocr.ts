// OCR for screen understanding: one lazily started tesseract.js worker (LSTM, English), calls
// serialised. tesseract.js is imported on first use so the companion starts fast when screen
// features are off. Nothing is written to disk (cacheMethod 'none'; the language data is read
// from the @tesseract.js-data/eng package). A tesseract failure never takes the process down:
// it becomes an AlisaError('ocr_unavailable') and the next call starts a fresh worker.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Worker } from 'tesseract.js';
import { AlisaError } from '../errors';
import { localRequire } from './local-require';
import { decodeImage, encodePgm, preprocess, type Gray, type PreprocessOptions } from './image';

interface OcrResult {
  text: string;
  /** Tesseract's mean word confidence scaled to 0..1. */
  confidence: number;
  /** Wall time of this call: decoding, preprocessing, OCR and, on the first call, worker start. */
  ms: number;
}

interface OcrEngineOptions {
  /** Folder holding eng.traineddata.gz; default: @tesseract.js-data/eng/4.0.0_best_int. */
  langPath?: string;
  logger?: (msg: string) => void;
  /** Preprocessing applied to Gray / decoded inputs; default OCR_PREPROCESS_DEFAULTS. */
  preprocess?: Partial<PreprocessOptions> | false;
  /** A recognition taking longer than this kills the worker (default 30 s). */
  timeoutMs?: number;
}

const INSTALL_ACTION = 'Reinstall Alisa (its OCR language data, @tesseract.js-data/eng, is missing or damaged), or turn screen understanding off.';

/** The default language data folder, or null when the package is not installed. */
function defaultLangPath(): string | null {
  try {
    return path.join(path.dirname(localRequire().resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
  } catch {
    return null;
  }
}

/**
 * The worker script tesseract.js runs, as a `data:` module: its own Node worker script with one
 * fix. tesseract.js 7 hands its Node getCore a boolean (`lstmOnly`) where that function expects an
 * OEM number, so on Node it always loaded the full core (legacy engine and LSTM, ~30 % larger)
 * even for LSTM_ONLY. Translated here, the LSTM-only core is loaded (tesseract-core-simd-lstm,
 * or its relaxed-SIMD or plain variant, as the machine supports): the package carries only those.
 */
function lstmWorkerUrl(): URL | null {
  let script: string;
  try {
    script = localRequire().resolve('tesseract.js/src/worker-script/node/index.js');
  } catch {
    return null;
  }
  const code = `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(script)});
const { parentPort } = require('node:worker_threads');
const worker = require('..');
const getCore = require('./getCore');
const OEM = require('../../constants/OEM');
parentPort.on('message', (packet) => worker.dispatchHandlers(packet, (obj) => parentPort.postMessage(obj)));
worker.setAdapter({
  getCore: (lstmOnly, corePath, res) => getCore(lstmOnly ? OEM.LSTM_ONLY : OEM.TESSERACT_LSTM_COMBINED, corePath, res),
  gunzip: require('./gunzip'),
  fetch: globalThis.fetch,
  ...require('./cache'),
});
`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

export class OcrEngine {
  private readonly langPath: string | undefined;
  private readonly log: (msg: string) => void;
  private readonly prep: Partial<PreprocessOptions> | false;
  private readonly timeoutMs: number;
  private worker: Promise<Worker> | null = null;
  private live: Worker | null = null;
  /** Tail of the call queue: calls run one at a time. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Set by the worker's error handlers; fails the current call. */
  private workerFailure: ((err: AlisaError) => void) | null = null;

  constructor(opts: OcrEngineOptions = {}) {
    this.langPath = opts.langPath;
    this.log = opts.logger ?? (() => {});
    this.prep = opts.preprocess ?? {};
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Whether a worker is running (it starts on the first `recognize`). */
  get started(): boolean {
    return this.live !== null;
  }

  /** OCR of a Gray image or an encoded PNG/PGM/PPM. Calls are queued, one at a time. */
  recognize(img: Gray | Buffer): Promise<OcrResult> {
    const run = this.tail.then(() => this.recognizeNow(img));
    this.tail = run.catch(() => {});
    return run;
  }

  /** Terminates the worker (a later `recognize` starts a new one). */
  async stop(): Promise<void> {
    await this.tail;
    await this.kill();
  }

  private async recognizeNow(img: Gray | Buffer): Promise<OcrResult> {
    const t0 = performance.now();
    let gray: Gray;
    try {
      gray = Buffer.isBuffer(img) ? decodeImage(img) : img;
    } catch (err) {
      throw new AlisaError('ocr_unavailable', `The screenshot could not be read: ${(err as Error).message}`, undefined, { cause: err });
    }
    if (this.prep !== false) gray = preprocess(gray, this.prep);
    if (gray.width < 4 || gray.height < 4) return { text: '', confidence: 0, ms: Math.round(performance.now() - t0) };
    const worker = await this.ensureWorker();
    let timer: NodeJS.Timeout | undefined;
    try {
      const failure = new Promise<never>((_, reject) => {
        this.workerFailure = reject;
        timer = setTimeout(
          () =>
            reject(
              new AlisaError(
                'ocr_unavailable',
                `Text recognition took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped.`,
                'Try again; if it keeps happening, turn screen understanding off.',
              ),
            ),
          this.timeoutMs,
        );
      });
      const { data } = await Promise.race([worker.recognize(encodePgm(gray)), failure]);
      return { text: data.text, confidence: Math.max(0, Math.min(1, (data.confidence ?? 0) / 100)), ms: Math.round(performance.now() - t0) };
    } catch (err) {
      // The worker may be in any state now: start afresh next time.
      await this.kill();
      if (err instanceof AlisaError) throw err;
      throw new AlisaError('ocr_unavailable', `Text recognition failed: ${describe(err)}`, 'Try again; if it keeps happening, turn screen understanding off.', {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      this.workerFailure = null;
    }
  }

  private ensureWorker(): Promise<Worker> {
    if (!this.worker) {
      this.worker = this.startWorker();
      // A failed start is reported to this call only; the next call tries again.
      this.worker.catch(() => {
        this.worker = null;
      });
    }
    return this.worker;
  }

  private async startWorker(): Promise<Worker> {
    const langPath = this.langPath ?? defaultLangPath();
    if (!langPath) throw new AlisaError('ocr_unavailable', 'The OCR language data (@tesseract.js-data/eng) is not installed.', INSTALL_ACTION);
    let tesseract: typeof import('tesseract.js');
    try {
      // CJS package: named exports from Node's ESM loader, `default` from some bundlers.
      const mod = (await import('tesseract.js')) as Partial<typeof import('tesseract.js')> & { default?: typeof import('tesseract.js') };
      tesseract = (typeof mod.createWorker === 'function' ? mod : mod.default) as typeof import('tesseract.js');
    } catch (err) {
      throw new AlisaError(
        'ocr_unavailable',
        `The OCR engine (tesseract.js) could not be loaded: ${describe(err)}`,
        'Reinstall Alisa, or turn screen understanding off.',
        { cause: err },
      );
    }
    // The language data is checked here first (exists, gunzips, plausible size): tesseract.js's
    // worker reports a load failure only to errorHandler and leaves createWorker pending forever
    // with a live thread that cannot be terminated, so a missing or damaged file must never
    // reach it. (~100 ms, once per worker start.)
    try {
      const raw = await readFile(path.join(langPath, 'eng.traineddata.gz'));
      const data = gunzipSync(raw);
      if (data.length < 1_000_000) throw new Error(`eng.traineddata is only ${data.length} bytes`);
    } catch (err) {
      throw new AlisaError('ocr_unavailable', `The OCR language data could not be read from ${langPath}: ${describe(err)}`, INSTALL_ACTION, { cause: err });
    }
    const t0 = performance.now();
    const workerPath = lstmWorkerUrl();
    let worker: Worker;
    let failStart: (err: unknown) => void = () => {};
    const startFailed = new Promise<never>((_, reject) => {
      failStart = reject;
    });
    const startTimer = setTimeout(() => failStart(new Error(`no answer within ${Math.round(this.timeoutMs / 1000)} s`)), this.timeoutMs);
    try {
      worker = await Promise.race([
        tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, {
          ...(workerPath ? { workerPath: workerPath as unknown as string } : {}),
          langPath,
          gzip: true,
          cacheMethod: 'none',
          // Without an errorHandler tesseract.js throws from its message handler, which kills
          // the process. While starting, an error means the start failed (createWorker would
          // stay pending); later, the failing job's promise is rejected too, so this only logs.
          errorHandler: (e: unknown) => {
            this.log(`ocr: tesseract error: ${describe(e)}`);
            failStart(e);
          },
        }),
        startFailed,
      ]);
    } catch (err) {
      throw new AlisaError(
        'ocr_unavailable',
        `The OCR engine could not start with the English language data from ${langPath}: ${describe(err)}`,
        INSTALL_ACTION,
        { cause: err },
      );
    } finally {
      clearTimeout(startTimer);
      failStart = () => {};
    }
    // The worker thread itself: an uncaught error in it would be an unhandled 'error' event.
    const thread = (worker as unknown as { worker?: NodeJS.EventEmitter }).worker;
    if (thread && typeof thread.on === 'function') {
      thread.on('error', (e: unknown) => {
        this.log(`ocr: worker thread error: ${describe(e)}`);
        this.workerFailure?.(
          new AlisaError('ocr_unavailable', `The OCR worker crashed: ${describe(e)}`, 'Try again; if it keeps happening, turn screen understanding off.'),
        );
        void this.kill();
      });
      thread.on('exit', (code: number) => {
        if (this.live !== worker) return;
        this.log(`ocr: worker thread exited with code ${code}`);
        this.workerFailure?.(
          new AlisaError(
            'ocr_unavailable',
            `The OCR worker stopped unexpectedly (exit code ${code}).`,
            'Try again; if it keeps happening, turn screen understanding off.',
          ),
        );
        this.live = null;
        this.worker = null;
      });
    }
    this.live = worker;
    this.log(`ocr: worker started in ${Math.round(performance.now() - t0)} ms`);
    return worker;
  }

  private async kill(): Promise<void> {
    const w = this.live;
    this.live = null;
    this.worker = null;
    if (w) await w.terminate().catch(() => {});
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
