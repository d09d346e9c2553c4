// Screen understanding on long text (issue 13: 28.5 s for 100k characters without line breaks):
// the time of understandScreen (redaction, app, task, errors) at 25k and 100k characters, and the
// ratio (linear = ~4), for texts without line breaks (one run without a space: a URL, a rule of
// dashes, base64; screen text with its breaks made spaces) and with them (screen text; a screen full of error
// lines). The baseline, measured side by side in this run, is the module before the fix
// (bench/baselines/understand-v1.ts). Prints `name: value` lines and the machine's load.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { understandScreen } from '../companion/screen/understand';
import { understandScreen as baselineUnderstand } from './baselines/understand-v1';
import { fill, seededText } from './lib/long-text';
import { machineLoad as load } from './lib/stats.mjs';

console.log(`screen_text_load_before: ${load()}`);

// Bundled by bench/run-all.mjs with __dirname = tests/helpers (as the other TypeScript benches).
const dir = path.join(__dirname, '..', 'fixtures', 'screen');
const screens = (JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Array<{ text: string }>).map((c) => c.text).join('\n');
/** Seeded, so every run reads the same text. */
const random = seededText(7);
const INPUTS: Record<string, (n: number) => string> = {
  // One run without a space: a long URL, a rule of dashes (as OCR reads a separator line).
  url_run: (n) => fill('https://example.com/path/to/page?query=value&other=thing#', n),
  rule_run: (n) => fill('-', n),
  base64_run: (n) => random(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
  screen_nobreak: (n) => fill(screens.replace(/\s*\n\s*/g, ' ') + ' ', n),
  screen_lines: (n) => fill(screens + '\n', n),
  error_lines: (n) => fill("src/app.ts(12,5): error TS2304: Cannot find name 'x'.\nfatal: not a git repository\n", n),
};

type Understand = (input: { title: string | null; text: string }) => unknown;
const TITLE = 'app.ts - proj - Visual Studio Code';

/** Best of `runs` timings, in ms. */
function best(f: Understand, text: string, runs: number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f({ title: TITLE, text });
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

for (const [name, make] of Object.entries(INPUTS)) {
  const small = make(25_000);
  const large = make(100_000);
  const ours = [best(understandScreen, small, 5), best(understandScreen, large, 5)];
  console.log(`screen_text_${name}_25k_ms: ${ours[0]!.toFixed(1)}`);
  console.log(`screen_text_${name}_100k_ms: ${ours[1]!.toFixed(1)}`);
  console.log(`screen_text_${name}_ratio: ${(ours[1]! / ours[0]!).toFixed(2)} (100k/25k, linear = ~4)`);
  // The baseline once each: on a run without spaces it takes tens of seconds at 100k.
  const base = [best(baselineUnderstand, small, 1), best(baselineUnderstand, large, 1)];
  console.log(`screen_text_${name}_25k_baseline_ms: ${base[0]!.toFixed(1)}`);
  console.log(`screen_text_${name}_100k_baseline_ms: ${base[1]!.toFixed(1)}`);
  console.log(`screen_text_${name}_ratio_baseline: ${(base[1]! / base[0]!).toFixed(2)} (100k/25k, quadratic = ~16)`);
  console.log(`screen_text_${name}_100k_vs_baseline: ${(ours[1]! / base[1]!).toPrecision(3)}`);
}
console.log(`screen_text_load_after: ${load()}`);
