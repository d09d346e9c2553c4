// Secret redaction on text as OCR really produces it: the corpus (tests/fixtures/secrets) is
// rendered as editor screenshots by real Chromium (playwright-core, /usr/bin/chromium), light and
// dark, 13 to 16 px monospace with a line-number gutter and simple syntax colours, several lines
// per screenshot; each is read by the product's OCR engine (tesseract.js through OcrEngine, with
// its default preprocessing) and redacted with redactSecrets, as analyzeFrame does.
//
// Asserted: no secret that OCR read survives redaction (compared on folded text, robust to OCR
// noise: see survivors() in corpus.ts), and under 5 % of look-alikes get a redaction. Printed:
// recall, false-positive rate, and the run time. One browser and one OCR worker for the file.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { redactSecrets } from '../common/privacy/redact';
import { OcrEngine } from '../companion/screen/ocr';
import { LOOKALIKE_CASES, SECRET_CASES, fold, survivors, withoutSecrets, type LookalikeCase, type SecretCase } from './fixtures/secrets/corpus';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = existsSync(CHROMIUM)
  ? null
  : `${CHROMIUM} is missing (apt-get install chromium); the real-OCR redaction test needs it to render the screenshots`;
if (MISSING) console.log(`SKIPPED redaction-ocr: ${MISSING}`);

const MAX_FALSE_POSITIVE_RATE = 0.05;
const LINES_PER_SHOT = 26;
const CONFIGS = [
  { theme: 'light', fontSize: 13 },
  { theme: 'dark', fontSize: 14 },
  { theme: 'light', fontSize: 15 },
  { theme: 'dark', fontSize: 16 },
] as const;

const THEMES = {
  light: { bg: '#ffffff', fg: '#1f1f1f', gutter: '#6e7681', key: '#0000ff', str: '#a31515', com: '#008000' },
  dark: { bg: '#1e1e1e', fg: '#d4d4d4', gutter: '#858585', key: '#9cdcfe', str: '#ce9178', com: '#6a9955' },
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A little syntax colour, as an editor would: the name before `=` / `:`, strings, comments. */
function colour(line: string): string {
  if (/^\s*(?:#|\/\/)/.test(line)) return `<span class="com">${esc(line)}</span>`;
  const op = line.search(/[=:]/);
  const head = op > 0 && !/:\/\//.test(line.slice(op, op + 3)) ? `<span class="key">${esc(line.slice(0, op))}</span>` : esc(line.slice(0, Math.max(0, op)));
  const tail = line
    .slice(Math.max(0, op))
    .replace(/("[^"]*"|'[^']*')|([^"']+)/g, (_m, str?: string, rest?: string) => (str ? `<span class="str">${esc(str)}</span>` : esc(rest ?? '')));
  return head + tail;
}

function html(lines: readonly string[], theme: keyof typeof THEMES, fontSize: number): string {
  const t = THEMES[theme];
  const body = lines.map((l, i) => `<span class="ln">${i + 1}</span>${colour(l)}`).join('\n');
  return `<!doctype html><html><head><style>
  html, body { margin: 0; background: ${t.bg}; color: ${t.fg}; width: 1920px; }
  pre { margin: 0; padding: 12px 16px; font-family: 'DejaVu Sans Mono', 'Liberation Mono', monospace; font-size: ${fontSize}px; line-height: 1.45; white-space: pre; }
  .ln { color: ${t.gutter}; display: inline-block; width: 3em; text-align: right; margin-right: 1.5em; }
  .key { color: ${t.key}; } .str { color: ${t.str}; } .com { color: ${t.com}; }
  </style></head><body><pre>${body}</pre></body></html>`;
}

/** Cases packed into screenshots of at most LINES_PER_SHOT lines (a case is never split). */
function pages<T extends { text: string }>(cases: readonly T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let n = 0;
  for (const c of cases) {
    const k = c.text.split('\n').length;
    if (n + k > LINES_PER_SHOT && cur.length) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(c);
    n += k;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Dice similarity of character bigrams of the folded texts. */
function similarity(a: string, b: string): number {
  const grams = (s: string): Map<string, number> => {
    const m = new Map<string, number>();
    const f = fold(s);
    for (let i = 0; i + 2 <= f.length; i++) m.set(f.slice(i, i + 2), (m.get(f.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let common = 0;
  let total = 0;
  for (const [g, n] of ga) {
    common += Math.min(n, gb.get(g) ?? 0);
    total += n;
  }
  for (const n of gb.values()) total += n;
  return total ? (2 * common) / total : 0;
}

describe.skipIf(MISSING !== null)(MISSING ? `redaction on real OCR (skipped: ${MISSING})` : 'redaction on real OCR of rendered screenshots', () => {
  let browser: Browser;
  let page: Page;
  const engine = new OcrEngine();
  const started = performance.now();
  let ocrMs = 0;
  let shots = 0;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 })).newPage();
  });

  afterAll(async () => {
    await engine.stop();
    await browser?.close();
    console.log(`redaction-ocr: ${shots} screenshots, ${(ocrMs / 1000).toFixed(1)} s of OCR, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
  });

  /** Renders the lines and reads them back with the product's OCR engine. */
  async function ocr(lines: readonly string[], theme: keyof typeof THEMES, fontSize: number): Promise<string> {
    await page.setContent(html(lines, theme, fontSize));
    const box = (await page.locator('pre').boundingBox())!;
    const png = await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: 1920, height: Math.ceil(box.height) } });
    const r = await engine.recognize(png);
    ocrMs += r.ms;
    shots++;
    return r.text;
  }

  it.each(CONFIGS)('no secret survives: $theme theme, $fontSize px', async ({ theme, fontSize }) => {
    let secrets = 0;
    let legible = 0;
    const leaked: string[] = [];
    for (const group of pages<SecretCase>(SECRET_CASES)) {
      const lines = group.flatMap((c) => c.text.split('\n'));
      const raw = await ocr(lines, theme, fontSize);
      const redacted = redactSecrets(raw).text;
      // Pieces that are not secret anywhere on this screenshot (names, keys, other text).
      const context = group.map((c) => withoutSecrets(c.text, c.secrets)).join('\n');
      for (const c of group) {
        for (const s of c.secrets) {
          secrets++;
          if (survivors(raw, [s], context).length === 0) continue; // OCR did not read it: nothing to hide
          legible++;
          if (survivors(redacted, [s], context).length)
            leaked.push(
              `${c.id}: ${s}\n    OCR: ${JSON.stringify(
                raw
                  .split('\n')
                  .filter((l) => survivors(l, [s], context).length)
                  .join(' / '),
              )}\n    out: ${JSON.stringify(
                redacted
                  .split('\n')
                  .filter((l) => survivors(l, [s], context).length)
                  .join(' / '),
              )}`,
            );
        }
      }
    }
    const recall = legible ? 1 - leaked.length / legible : 1;
    console.log(
      `redaction on real OCR, ${theme} ${fontSize} px: recall ${(recall * 100).toFixed(1)} % (${legible - leaked.length}/${legible} secrets OCR read; ${secrets} in all)${leaked.length ? `\n  leaked:\n  ${leaked.join('\n  ')}` : ''}`,
    );
    // OCR must have read most secrets, or the test proves nothing.
    expect(legible / secrets).toBeGreaterThan(0.8);
    expect(leaked).toEqual([]);
  });

  it.each(CONFIGS)(`look-alikes stay (false positives under ${MAX_FALSE_POSITIVE_RATE * 100} %): $theme theme, $fontSize px`, async ({ theme, fontSize }) => {
    const flagged = new Map<string, string>();
    for (const group of pages<LookalikeCase>(LOOKALIKE_CASES)) {
      const raw = await ocr(
        group.flatMap((c) => c.text.split('\n')),
        theme,
        fontSize,
      );
      for (const line of redactSecrets(raw).text.split('\n')) {
        if (!line.includes('[REDACTED')) continue;
        // The look-alike this OCR line came from: the most similar one on the screenshot.
        const source = group.reduce((best, c) => (similarity(line, c.text) > similarity(line, best.text) ? c : best), group[0]!);
        flagged.set(source.id, line);
      }
    }
    const rate = flagged.size / LOOKALIKE_CASES.length;
    console.log(
      `redaction on real OCR, ${theme} ${fontSize} px: false positives ${(rate * 100).toFixed(1)} % of ${LOOKALIKE_CASES.length} look-alikes${flagged.size ? `\n  ${[...flagged].map(([id, l]) => `${id}: ${JSON.stringify(l)}`).join('\n  ')}` : ''}`,
    );
    expect(rate).toBeLessThan(MAX_FALSE_POSITIVE_RATE);
  });
});
