// Secret redaction (companion/privacy/redact.ts) against the label-based redactor it replaced
// (bench/baselines/redact-label-v1.ts), both measured in this run:
//   1. recall (secret cases with nothing left) and false-positive rate (look-alikes changed) on
//      the corpus (tests/fixtures/secrets), clean and with the OCR distortions of corpus.ts;
//   2. throughput in MB/s on a large realistic text (this repository's sources, README,
//      package-lock.json, the OCR fixtures' screen text and the corpus), and the ratio new/old;
//   3. the slowest of a set of 100k-character single lines built to make backtracking patterns
//      explode, and how the time of the worst grows from 20k to 200k characters (10 = linear).
// Prints `name: value` lines like the other benches. Real OCR is measured by
// tests/redaction-ocr.test.ts (it needs Chromium).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../common/privacy/redact';
import { redactSecrets as baselineRedact } from './baselines/redact-label-v1';
import { DISTORTIONS, LOOKALIKE_CASES, SECRET_CASES, survivors, withoutSecrets } from '../tests/fixtures/secrets/corpus';

type Redactor = (text: string) => { text: string; count: number };
const REDACTORS: ReadonlyArray<[string, Redactor]> = [
  ['', redactSecrets],
  ['_baseline', baselineRedact],
];

/** The repository root: the folder above this file (or the bundle's stand-in for it) with package.json. */
function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'companion'))) return dir;
  }
  return process.cwd();
}

function corpusFigures(): void {
  for (const variant of ['clean', 'underscores', 'spaced', 'swapped', 'broken', 'ocr', 'ocr+broken']) {
    const distort = DISTORTIONS[variant]!;
    for (const [suffix, redact] of REDACTORS) {
      const found = SECRET_CASES.filter((c) => survivors(redact(distort(c.text)).text, c.secrets, withoutSecrets(c.text, c.secrets)).length === 0).length;
      const changed = LOOKALIKE_CASES.filter((c) => {
        const input = distort(c.text);
        const out = redact(input);
        return out.count > 0 || out.text !== input;
      }).length;
      const name = variant.replace('+', '_');
      console.log(`redaction_recall_${name}${suffix}_pct: ${((100 * found) / SECRET_CASES.length).toFixed(1)}`);
      console.log(`redaction_false_positive_${name}${suffix}_pct: ${((100 * changed) / LOOKALIKE_CASES.length).toFixed(1)}`);
    }
  }
  console.log(`redaction_corpus_cases: ${SECRET_CASES.length} secret, ${LOOKALIKE_CASES.length} look-alike`);
}

/** Source files under `dir` (no node_modules), for the realistic text. */
function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.') && !e.name.startsWith('dist')) sources(p, out);
    } else if (/\.(ts|mjs|md|json)$/.test(e.name) && statSync(p).size < 2_000_000) {
      out.push(p);
    }
  }
  return out;
}

function realisticText(root: string): string {
  const parts: string[] = [];
  for (const d of ['companion', 'extension', 'webview', 'protocol', 'scripts'])
    for (const f of sources(path.join(root, d))) parts.push(readFileSync(f, 'utf8'));
  parts.push(readFileSync(path.join(root, 'README.md'), 'utf8'));
  parts.push(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const screens = JSON.parse(readFileSync(path.join(root, 'tests', 'fixtures', 'screen', 'cases.json'), 'utf8')) as Array<{ text: string }>;
  for (const c of screens) parts.push(c.text);
  for (const c of [...SECRET_CASES, ...LOOKALIKE_CASES]) parts.push(c.text);
  let text = parts.join('\n');
  while (text.length < 4_000_000) text += `\n${text}`;
  return text;
}

/** Best of `runs` timings of f(), in ms. */
function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function throughput(root: string): void {
  const text = realisticText(root);
  const mb = text.length / 1e6;
  const rates: number[] = [];
  for (const [suffix, redact] of REDACTORS) {
    redact(text.slice(0, 200_000)); // warm up
    const ms = best(3, () => redact(text));
    rates.push(mb / (ms / 1000));
    console.log(`redaction_throughput${suffix}_mb_s: ${(mb / (ms / 1000)).toFixed(1)} (${mb.toFixed(1)} MB of sources, lock file and screen text)`);
  }
  console.log(`redaction_throughput_ratio_new_vs_baseline: ${(rates[0]! / rates[1]!).toFixed(2)}`);
}

function longLines(): void {
  let seed = 11;
  const random = (n: number): string => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let s = '';
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      s += alphabet[Math.floor(seed / 65536) % 64];
    }
    return s;
  };
  const units: Record<string, (n: number) => string> = {
    word: (n) => 'x'.repeat(n),
    base64: (n) => random(n),
    operators: (n) => 'a=b:'.repeat(n / 4),
    secret_names: (n) => 'password:'.repeat(Math.ceil(n / 9)),
    env_assignments: (n) => 'TOKEN=x '.repeat(n / 8),
    ocr_names: (n) => 'API KEY = '.repeat(n / 10),
    quoted_names: (n) => '"password":"'.repeat(Math.ceil(n / 12)),
    url_starts: (n) => '://a:'.repeat(n / 5),
    key_begins: (n) => '-----BEGIN RSA PRIVATE KEY-----'.repeat(Math.ceil(n / 31)),
    minified: (n) => 'var a=b(c,d);e.f="g";'.repeat(Math.ceil(n / 21)),
  };
  let worst = 0;
  let worstName = '';
  for (const [name, make] of Object.entries(units)) {
    const line = make(100_000);
    redactSecrets(line);
    const ms = best(5, () => redactSecrets(line));
    if (ms > worst) {
      worst = ms;
      worstName = name;
    }
  }
  const small = units[worstName]!(20_000);
  const large = units[worstName]!(200_000);
  const growth = best(5, () => redactSecrets(large)) / best(5, () => redactSecrets(small));
  console.log(`redaction_long_line_100k_max_ms: ${worst.toFixed(1)} (${worstName}; ${Object.keys(units).length} adversarial single lines)`);
  console.log(`redaction_long_line_growth_20k_to_200k: ${growth.toFixed(1)} (${worstName}; 10 = linear)`);
}

const root = repoRoot();
corpusFigures();
throughput(root);
longLines();
