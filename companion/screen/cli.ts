// `npm run screen -- --once [--image FILE] [--title TEXT]`: captures the screen once (or reads an
// image file), reads it and prints what Alisa understands as one JSON object: app, window, task,
// text, errors with their context, redactions count and timings in ms. For users checking that
// screen understanding works on their machine, and for outside checks. Exit code 1 on failure,
// with {"error": {code, message, action}} on stdout.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AlisaError, runCli } from '../errors';
import { analyzeFrame } from './analyze';
import { decodeBmpGray, isBmp } from './bmp';
import { activeWindow, captureScreen, checkCapture } from './capture';
import { decodeImage, type Gray } from './image';
import { OcrEngine } from './ocr';
import { DEFAULT_EXCLUDED_WINDOWS } from '../../protocol/screen';
import { isExcludedWindow } from './windows';

const USAGE = `Usage: npm run screen -- --once [--image FILE] [--title TEXT]

  --once          capture the screen once and print the understanding as JSON
  --image FILE    read this PNG, BMP or PGM instead of capturing the screen
  --title TEXT    the window title to assume (default: the active window's, or none with --image)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { once: { type: 'boolean' }, image: { type: 'string' }, title: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || !values.once) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  const started = performance.now();
  let image: Gray;
  let captureMs = 0;
  let title: string | null = values.title ?? null;
  let appClass: string | null = null;
  if (values.image) {
    const t0 = performance.now();
    let buf: Buffer;
    try {
      buf = readFileSync(values.image);
    } catch (err) {
      throw new AlisaError('invalid_argument', `Cannot read ${values.image}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    try {
      image = isBmp(buf) ? decodeBmpGray(buf) : decodeImage(buf);
    } catch (err) {
      throw new AlisaError('invalid_argument', `${values.image} is not an image Alisa can read: ${(err as Error).message}`);
    }
    captureMs = performance.now() - t0;
  } else {
    const problem = await checkCapture();
    if (problem) throw problem;
    const [shot, win] = await Promise.all([captureScreen(), activeWindow()]);
    image = shot.decode();
    captureMs = shot.ms;
    if (values.title === undefined) title = win?.title ?? null;
    appClass = win?.appClass ?? null;
    if (isExcludedWindow(title, DEFAULT_EXCLUDED_WINDOWS) || isExcludedWindow(appClass, DEFAULT_EXCLUDED_WINDOWS)) {
      process.stdout.write(`${JSON.stringify({ excluded: true, window: title, timings: { captureMs: Math.round(captureMs) } })}\n`);
      return 0;
    }
  }
  const ocr = new OcrEngine();
  try {
    const a = await analyzeFrame(image, title, ocr, appClass);
    const out = {
      app: a.app,
      window: a.window,
      task: a.task,
      fileCategory: a.fileCategory,
      browsing: a.browsing,
      offerWorthy: a.offerWorthy,
      text: a.text,
      errors: a.errors.map((e) => ({ kind: e.kind, line: e.line, context: e.context })),
      redactions: a.redactions,
      confidence: Math.round(a.confidence * 100) / 100,
      size: { width: image.width, height: image.height },
      timings: {
        captureMs: Math.round(captureMs),
        ocrMs: Math.round(a.timings.ocrMs),
        understandMs: Math.round(a.timings.understandMs * 10) / 10,
        totalMs: Math.round(performance.now() - started),
      },
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await ocr.stop();
  }
  return 0;
}

runCli(main);
