// Secret redaction over the corpus (tests/fixtures/secrets/corpus.json: made-up secrets in real
// shapes, and look-alikes that must stay), on clean text and on the distortions OCR really makes
// (underscores read as spaces, extra spaces around `=` and `:`, l/1 and O/0 swaps in names, a
// line broken in two; see corpus.ts). Every secret must be gone in every variant; look-alikes
// must come out unchanged (false-positive rate asserted under 5 %, printed per variant).
import { describe, expect, it } from 'vitest';
import { findSecrets, hasSecret, redactSecrets } from '../common/privacy/redact';
import { DISTORTIONS, LOOKALIKE_CASES, SECRET_CASES, survivors, withoutSecrets } from './fixtures/secrets/corpus';

const MAX_FALSE_POSITIVE_RATE = 0.05;

describe('the corpus', () => {
  it('has at least 60 secret cases and 40 look-alikes, each secret inside its text', () => {
    expect(SECRET_CASES.length).toBeGreaterThanOrEqual(60);
    expect(LOOKALIKE_CASES.length).toBeGreaterThanOrEqual(40);
    for (const c of SECRET_CASES) for (const s of c.secrets) expect(c.text, c.id).toContain(s);
    expect(new Set([...SECRET_CASES, ...LOOKALIKE_CASES].map((c) => c.id)).size).toBe(SECRET_CASES.length + LOOKALIKE_CASES.length);
  });

  it('is what the check can see: unredacted, every secret survives every distortion', () => {
    // Guards the survivors() check itself: if it could not see a secret, recall would be vacuous.
    for (const [variant, distort] of Object.entries(DISTORTIONS)) {
      for (const c of SECRET_CASES) expect(survivors(distort(c.text), c.secrets, withoutSecrets(c.text, c.secrets)), `${variant} ${c.id}`).toEqual(c.secrets);
    }
  });
});

describe.each(Object.keys(DISTORTIONS))('redactSecrets on %s text', (variant) => {
  const distort = DISTORTIONS[variant]!;

  it('removes every secret', () => {
    const missed: string[] = [];
    for (const c of SECRET_CASES) {
      const input = distort(c.text);
      const out = redactSecrets(input);
      const left = survivors(out.text, c.secrets, withoutSecrets(c.text, c.secrets));
      if (left.length) missed.push(`${c.id}: ${JSON.stringify(out.text)}`);
      expect(out.count, c.id).toBeGreaterThan(0);
    }
    const recall = 1 - missed.length / SECRET_CASES.length;
    console.log(`redaction recall on ${variant} text: ${(recall * 100).toFixed(1)} % of ${SECRET_CASES.length} cases`);
    expect(missed).toEqual([]);
  });

  it(`leaves look-alikes unchanged (false positives under ${MAX_FALSE_POSITIVE_RATE * 100} %)`, () => {
    const changed: string[] = [];
    for (const c of LOOKALIKE_CASES) {
      const input = distort(c.text);
      const out = redactSecrets(input);
      if (out.text !== input || out.count !== 0) changed.push(`${c.id}: ${JSON.stringify(out.text)}`);
    }
    const rate = changed.length / LOOKALIKE_CASES.length;
    console.log(
      `redaction false positives on ${variant} text: ${(rate * 100).toFixed(1)} % of ${LOOKALIKE_CASES.length} look-alikes${changed.length ? `\n  ${changed.join('\n  ')}` : ''}`,
    );
    expect(rate).toBeLessThan(MAX_FALSE_POSITIVE_RATE);
  });
});

describe('redactSecrets on the clean corpus', () => {
  it('keeps the names and context around each secret', () => {
    for (const c of SECRET_CASES) {
      const out = redactSecrets(c.text).text;
      for (const k of c.kept ?? []) expect(out, c.id).toContain(k);
    }
  });

  it('is idempotent: redacted text passes again unchanged', () => {
    for (const variant of ['clean', 'ocr+broken']) {
      for (const c of [...SECRET_CASES, ...LOOKALIKE_CASES]) {
        const once = redactSecrets(DISTORTIONS[variant]!(c.text));
        expect(redactSecrets(once.text), `${variant} ${c.id}`).toEqual({ text: once.text, count: 0 });
      }
    }
  });

  it('keeps the line structure: as many line breaks out as in', () => {
    for (const c of SECRET_CASES) {
      const input = DISTORTIONS['ocr+broken']!(c.text);
      const lines = (s: string) => s.split('\n').length;
      const out = redactSecrets(input).text;
      // A private key block becomes one marker; everything else keeps its lines.
      if (!out.includes('[REDACTED:private_key]')) expect(lines(out), c.id).toBe(lines(input));
    }
  });

  it('findSecrets gives sorted, disjoint spans that redactSecrets replaces one for one', () => {
    for (const c of SECRET_CASES) {
      const found = findSecrets(c.text);
      expect(found.length, c.id).toBe(redactSecrets(c.text).count);
      expect(hasSecret(c.text)).toBe(true);
      for (let i = 1; i < found.length; i++) expect(found[i]!.start).toBeGreaterThanOrEqual(found[i - 1]!.end);
      // Every secret lies inside some span.
      for (const s of c.secrets) {
        const at = c.text.indexOf(s);
        expect(
          found.some((f) => f.start <= at && f.end >= at + s.length),
          `${c.id}: ${s}`,
        ).toBe(true);
      }
    }
    for (const c of LOOKALIKE_CASES) expect(hasSecret(c.text), c.id).toBe(false);
  });
});

describe('redactSecrets on long lines', () => {
  // Correctness on inputs built to make a backtracking pattern explode (their cost is measured
  // in bench/redaction-bench.ts); a quadratic or exponential pattern would not finish here.
  const secret = 'ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5';
  let seed = 7;
  const random = (n: number, alphabet: string): string => {
    let s = '';
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      s += alphabet[Math.floor(seed / 65536) % alphabet.length];
    }
    return s;
  };
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  it.each([
    ['one long word', 'x'.repeat(100_000), 0],
    ['a repeated pattern (low entropy)', 'aB3+'.repeat(25_000), 0],
    ['a random base64 blob', random(100_000, B64), 1],
    ['operators everywhere', 'a=b:'.repeat(25_000), 0],
    ['secret names everywhere', 'password:'.repeat(11_112), 0],
    ['URL starts everywhere', '://a:'.repeat(20_000), 0],
    ['minified code with one token', `${'var a=b(c,d);'.repeat(4_000)}const t="${secret}";${'e.f=g;'.repeat(4_000)}`, 1],
  ] as const)('%s', (_name, input, count) => {
    const out = redactSecrets(input);
    expect(out.count).toBe(count);
    expect(out.text).not.toContain(secret);
    expect(redactSecrets(out.text).count).toBe(0);
  });

  it('key block starts without an end, on one line', () => {
    const out = redactSecrets('-----BEGIN RSA PRIVATE KEY-----'.repeat(3_000));
    expect(out.count).toBeGreaterThan(0);
    expect(out.text).not.toContain('PRIVATE KEY');
  });
});
