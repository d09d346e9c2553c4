// OCR accuracy and speed per preprocessing variant over tests/fixtures/screen (rendered by
// tests/fixtures/screen/generate.mjs). Prints a table and `name: value` lines, then the chosen
// variant: best key-phrase detection, then character accuracy, among variants whose mean time
// per full 1920x1080 frame is within budget (1.5 s on 2 cores).
//   node bench/ocr-accuracy.mjs        (OCR_BENCH_FILTER=<substring> limits the fixtures,
//                                       OCR_BENCH_SCALES=0.5,2 the scales tried)
// The TypeScript sources it measures are bundled with esbuild into a temporary CommonJS file
// (everything inlined except tesseract.js, which is loaded from this repository's node_modules).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'alisa-ocr-bench-'));
const out = path.join(tmp, 'screen.cjs');
const tesseractPath = require.resolve('tesseract.js');
await build({
  stdin: {
    contents: "export * from './companion/screen/ocr'; export * from './companion/screen/image'; export * from './tests/fixtures/screen/metrics';",
    resolveDir: root,
    loader: 'ts',
  },
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'error',
  plugins: [{ name: 'tesseract-external', setup: (b) => b.onResolve({ filter: /^tesseract\.js$/ }, () => ({ path: tesseractPath, external: true })) }],
});
const { OcrEngine, decodeImage, preprocess, charAccuracy, loadCases, phraseFound } = require(out);
rmSync(tmp, { recursive: true, force: true });
const langPath = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

const BUDGET_MS = 1500;
const dir = path.join(root, 'tests', 'fixtures', 'screen');
const filter = process.env.OCR_BENCH_FILTER ?? '';
const cases = loadCases(dir).filter((c) => c.file.includes(filter));
const images = new Map(cases.map((c) => [c.file, decodeImage(readFileSync(path.join(dir, c.file)))]));
const engine = new OcrEngine({ preprocess: false, langPath });
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

async function run(v) {
  const acc = { light: [], dark: [] };
  const hits = { light: [], dark: [] };
  const msFull = [];
  const msAll = [];
  const msCrop = [];
  for (const c of cases) {
    const t0 = performance.now();
    const g = preprocess(images.get(c.file), v.opts);
    const r = await engine.recognize(g);
    const ms = performance.now() - t0;
    msAll.push(ms);
    if (!c.cropped) msFull.push(ms);
    else msCrop.push(ms);
    acc[c.theme].push(charAccuracy(r.text, c.text));
    for (const p of c.keyPhrases) hits[c.theme].push(phraseFound(r.text, p) ? 1 : 0);
  }
  const row = {
    name: v.name,
    opts: v.opts,
    acc: mean([...acc.light, ...acc.dark]),
    accLight: mean(acc.light),
    accDark: mean(acc.dark),
    phrases: mean([...hits.light, ...hits.dark]),
    phrasesLight: mean(hits.light),
    phrasesDark: mean(hits.dark),
    msFull: mean(msFull),
    msAll: mean(msAll),
    msCrop: mean(msCrop),
  };
  const pct = (x) => (Number.isNaN(x) ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);
  console.log(
    `${row.name.padEnd(30)} ${pct(row.acc)} ${pct(row.accLight)} ${pct(row.accDark)}   ${pct(row.phrases)} ${pct(row.phrasesLight)} ${pct(row.phrasesDark)}   ${row.msFull.toFixed(0).padStart(8)} ${row.msCrop.toFixed(0).padStart(7)}`,
  );
  return row;
}

console.log(
  `ocr-accuracy: ${cases.length} fixtures (${cases.filter((c) => c.theme === 'light').length} light, ${cases.filter((c) => c.theme === 'dark').length} dark, ${cases.filter((c) => c.cropped).length} cropped)`,
);
console.log(
  `${'variant'.padEnd(30)} ${'chars'.padStart(6)} ${'light'.padStart(6)} ${'dark'.padStart(6)}   ${'phrase'.padStart(6)} ${'light'.padStart(6)} ${'dark'.padStart(6)}   ${'ms/1080p'.padStart(8)} ${'ms/crop'.padStart(7)}`,
);
await engine.recognize(preprocess(images.get(cases[0].file), { scale: 0.25, contrast: false, invertDark: false })); // warm-up (worker start)

const rows = [];
for (const v of [
  { name: 'raw gray', opts: { scale: 1, contrast: false, invertDark: false } },
  { name: 'gray+contrast', opts: { scale: 1, contrast: true, invertDark: false } },
  { name: 'gray+invert-dark', opts: { scale: 1, contrast: false, invertDark: true } },
  { name: 'gray+contrast+invert-dark', opts: { scale: 1, contrast: true, invertDark: true } },
])
  rows.push(await run(v));
// Key-phrase detection first (what the help feature needs), then character accuracy.
const better = (a, b) => (Math.abs(a.phrases - b.phrases) > 0.005 ? (a.phrases > b.phrases ? a : b) : a.acc >= b.acc ? a : b);
const base = rows.reduce(better);
for (const scale of (process.env.OCR_BENCH_SCALES ?? '0.5,0.75,1.25,1.5,2').split(',').map(Number)) {
  rows.push(await run({ name: `${base.name} x${scale}`, opts: { ...base.opts, scale } }));
}
await engine.stop();

const inBudget = rows.filter((r) => r.msFull <= BUDGET_MS || Number.isNaN(r.msFull));
const chosen = (inBudget.length ? inBudget : rows).reduce(better);
for (const r of rows) {
  const key = r.name.replace(/[^a-z0-9.]+/gi, '_');
  console.log(`ocr_${key}_char_accuracy: ${r.acc.toFixed(4)}`);
  console.log(`ocr_${key}_phrase_rate: ${r.phrases.toFixed(4)}`);
  console.log(`ocr_${key}_ms_per_frame: ${r.msFull.toFixed(0)}`);
}
console.log(
  `ocr chosen variant: ${chosen.name} ${JSON.stringify(chosen.opts)} (char ${(chosen.acc * 100).toFixed(1)}%, phrases ${(chosen.phrases * 100).toFixed(1)}%, ${chosen.msFull.toFixed(0)} ms per 1920x1080 frame)`,
);
