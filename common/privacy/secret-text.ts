// Character-level helpers and the scan context shared by the secret detectors (redact.ts,
// secret-names.ts, secret-shapes.ts): char classes, Shannon entropy, how word-like or random a
// token looks, line lookups.
import type { SecretFinding } from './redact';

/** Where a finding comes from; the lowest rank names a merged finding. */
export const Rank = { Block: 0, Shape: 1, Header: 2, Named: 3, Entropy: 4 } as const;

export interface Span extends SecretFinding {
  rank: number;
}

// Character helpers (char codes: no regex per character on the hot paths)

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
export const isAlnum = (c: number) => isDigit(c) || isUpper(c) || isLower(c);
export const isSpace = (c: number) => c === 32 || c === 9;
export const isEol = (c: number) => c === 10 || c === 13 || Number.isNaN(c);
/** Part of a run of non-space characters (a token, a word, a path). */
export const isRunChar = (c: number) => !Number.isNaN(c) && c > 32 && c !== 127;
/** base64/base64url characters (no padding). */
export const isB64 = (c: number) => isAlnum(c) || c === 43 || c === 47 || c === 95 || c === 45;

/** Shannon entropy (bits per character) of the alphanumerics of `s`. */
export function entropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Share of the letters that sit in dictionary-like pieces (`Filter`, `V`, `AUTH`: 3+ letters with a vowel). */
export function wordiness(alnum: string): number {
  let letters = 0;
  let wordy = 0;
  for (const piece of alnum.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []) {
    if (isDigit(piece.charCodeAt(0))) continue;
    letters += piece.length;
    if (piece.length >= 3 && /[aeiouyAEIOUY]/.test(piece)) wordy += piece.length;
  }
  return letters ? wordy / letters : 0;
}

/** Looks machine-made: a digit and a letter, or lower and upper case inside (not just `Title`). */
export function randomish(s: string): boolean {
  const digit = /[0-9]/.test(s);
  const letter = /[A-Za-z]/.test(s);
  return (digit && letter) || /[a-z][A-Z]|[A-Z]{2}[a-z]/.test(s);
}

// Thresholds measured on 3000 random strings per length (20 to 64): the 1st percentile of the
// entropy of random base62 (mixed case) and base36 (one case) text of length n, minus 0.1 bit;
// capped where longer random text levels off (it never exceeds log2 of its alphabet).
const minEntropyMixed = (n: number) => Math.min(4.8, 0.756 * Math.log2(n) + 0.25);
const minEntropyOneCase = (n: number) => Math.min(4.3, 0.637 * Math.log2(n) + 0.56);

/** Whether an alphanumeric string of 20+ characters is random enough to be a key. */
export function isRandomToken(alnum: string): boolean {
  const n = alnum.length;
  if (n < 20) return false;
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let switches = 0;
  for (let i = 0; i < n; i++) {
    const c = alnum.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (isUpper(c)) upper++;
    else lower++;
    if (i > 0 && isDigit(c) !== isDigit(alnum.charCodeAt(i - 1))) switches++;
  }
  if (digits === 0 || digits === n) return false;
  if (upper && lower) return entropy(alnum) >= minEntropyMixed(n) && wordiness(alnum) <= 0.7;
  // One case and digits: random base36 has ~28 % digits, spread out; `md5sha256` does not.
  return entropy(alnum) >= minEntropyOneCase(n) && digits / n >= 0.15 && switches >= n / 6;
}

/** One detection pass over one text: what the detectors found so far. */
export interface Ctx {
  text: string;
  spans: Span[];
  /** Start offsets of the lines (for "name first on its line" checks). */
  lineStarts: Int32Array | null;
  /** Where the spans found before the assignments start. */
  starts?: Set<number>;
}

/** The end of the line holding `from` (its `\n`, or the text's end), looking at most `max` characters. */
export function lineEnd(text: string, from: number, max: number): number {
  let e = from;
  while (e < text.length && e - from < max && text.charCodeAt(e) !== 10) e++;
  return e;
}

export function lineStartOf(ctx: Ctx, i: number): number {
  if (!ctx.lineStarts) {
    const starts = [0];
    for (let k = ctx.text.indexOf('\n'); k >= 0; k = ctx.text.indexOf('\n', k + 1)) starts.push(k + 1);
    ctx.lineStarts = Int32Array.from(starts);
  }
  const ls = ctx.lineStarts;
  let lo = 0;
  let hi = ls.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ls[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return ls[lo]!;
}
