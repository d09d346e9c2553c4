// Screen understanding costs, measured on a real X display (Xvfb 1920x1080) with the real
// capture (screenshot-desktop + ImageMagick) and tesseract.js:
//   1. OCR time per changed 1920x1080 frame, cold (worker start included) and warm;
//   2. CPU of the sampling loop on a static screen (change detection on) against naive OCR of
//      every sample, side by side at the same sampling rate, as a ratio.
// Goals (issue 5): <= 1.5 s per changed frame on 2 cores; a static screen costs ~0 CPU.
// Prints `name: value` lines like the other benches. Needs Xvfb, xterm and the capture tools.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ContextStore } from '../companion/context/context-store';
import { captureScreen } from '../companion/screen/capture';
import { decodeImage } from '../companion/screen/image';
import { OcrEngine } from '../companion/screen/ocr';
import { ScreenService } from '../companion/screen/screen-service';
import { missingScreenTools, startXvfb } from '../tests/helpers/xvfb';

const SAMPLE_MS = 1000;
const WINDOW_MS = 15_000;
const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds of this process and its reaped children (capture runs `import`). */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After the ") " the fields start at state (field 3): utime is 14, stime 15, cutime 16, cstime 17.
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (utime! + stime! + cutime! + cstime!) / TICKS_PER_S;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ocrTimes(): Promise<void> {
  const dir = path.join(__dirname, '..', 'fixtures', 'screen');
  const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Array<{ file: string; width?: number; height?: number }>;
  const frames = cases.map((c) => decodeImage(readFileSync(path.join(dir, c.file)))).filter((g) => g.width === 1920 && g.height === 1080);
  if (!frames.length) throw new Error('no 1920x1080 fixtures in tests/fixtures/screen');
  const ocr = new OcrEngine();
  const cold = await ocr.recognize(frames[0]!);
  const warm: number[] = [];
  for (const f of frames.slice(1, 9)) warm.push((await ocr.recognize(f)).ms);
  await ocr.stop();
  warm.sort((a, b) => a - b);
  const mean = warm.reduce((s, x) => s + x, 0) / warm.length;
  console.log(`screen_ocr_cold_ms: ${cold.ms}`);
  console.log(`screen_ocr_warm_mean_ms: ${Math.round(mean)} (n=${warm.length}, goal <= 1500)`);
  console.log(`screen_ocr_warm_max_ms: ${Math.round(warm[warm.length - 1]!)}`);
}

async function staticLoop(): Promise<void> {
  const x = await startXvfb();
  try {
    await x.terminal('static', 'ls -la /usr/lib | head -40; sleep 600');
    await sleep(1000);
    process.env.DISPLAY = x.display;

    // Ours: change detection on. The first frame is read; the rest are compared only.
    const service = new ScreenService({ context: new ContextStore(), emit: () => {}, timing: { activeMs: SAMPLE_MS, idleMs: SAMPLE_MS } });
    await service.configure({ enabled: true });
    while (service.status().counts.recognized < 1) await sleep(100);
    const c0 = service.status().counts.captured;
    const t0 = cpuSeconds();
    await sleep(WINDOW_MS);
    const ours = cpuSeconds() - t0;
    const s = service.status();
    await service.stop();
    const oursSamples = s.counts.captured - c0;

    // Baseline: the seed's way, capture and OCR every sample.
    const ocr = new OcrEngine();
    await ocr.recognize((await captureScreen()).decode());
    const t1 = cpuSeconds();
    const end = Date.now() + WINDOW_MS;
    let naiveSamples = 0;
    while (Date.now() < end) {
      const started = Date.now();
      await ocr.recognize((await captureScreen()).decode());
      naiveSamples++;
      await sleep(Math.max(0, SAMPLE_MS - (Date.now() - started)));
    }
    const naive = cpuSeconds() - t1;
    await ocr.stop();

    const perOurs = ours / Math.max(1, oursSamples);
    const perNaive = naive / Math.max(1, naiveSamples);
    console.log(`screen_static_cpu_per_sample_ms: ${Math.round(perOurs * 1000)} (ours, ${oursSamples} samples, ${s.counts.unchanged} unchanged)`);
    console.log(`screen_naive_cpu_per_sample_ms: ${Math.round(perNaive * 1000)} (OCR every sample, ${naiveSamples} samples)`);
    console.log(`screen_static_vs_naive_ratio: ${(perOurs / perNaive).toFixed(3)}`);
    console.log(`screen_static_cpu_at_8s_percent: ${((perOurs / 8) * 100).toFixed(2)} (of one core, at the default 8 s sampling)`);
  } finally {
    await x.stop();
  }
}

async function main(): Promise<void> {
  const missing = missingScreenTools();
  await ocrTimes();
  if (missing) {
    console.log(`screen_static_loop: skipped (${missing})`);
    return;
  }
  await staticLoop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
