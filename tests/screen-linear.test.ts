// Screen understanding is linear in the text's length (issue 13: 100k characters without line
// breaks took 28.5 s), proved by counting, not timing: detectErrors reports through a PatternMeter
// every string its patterns run on. No pattern sees more than MAX_LINE characters (so none can
// cost more than a bounded amount per character, whatever it does inside), and the characters and
// runs grow like the text: twice the text, twice the work. Long lines are read wrapped, as a
// terminal shows them, and an error past a long line is still found, where it stands.
import { describe, expect, it } from 'vitest';
import { fill, seededText } from '../bench/lib/long-text';
import { detectErrors, MAX_LINE, understandScreen, type PatternMeter } from '../companion/screen/understand';

const random = seededText(7);

const INPUTS: ReadonlyArray<readonly [string, (n: number) => string]> = [
  ['a URL without spaces or breaks', (n) => fill('https://example.com/path/to/page?query=value&other=thing#', n)],
  ['a rule of dashes', (n) => fill('-', n)],
  ['one long word', (n) => 'x'.repeat(n)],
  ['base64 without breaks', (n) => random(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')],
  ['prose without breaks', (n) => fill('The build failed: error TS2304 in src/app.ts(3,4): error TS2304: Cannot find name. ', n)],
  ['blanks', (n) => fill(' \t', n)],
  ['a screen of error lines', (n) => fill("src/app.ts(12,5): error TS2304: Cannot find name 'x'.\nfatal: not a git repository\nError: boom\n", n)],
  ['a screen of short lines', (n) => fill('ok\n', n)],
];

function work(text: string): PatternMeter {
  const meter: PatternMeter = { runs: 0, chars: 0, longest: 0 };
  detectErrors(text, meter);
  return meter;
}

describe('detectErrors does work linear in the text', () => {
  it.each(INPUTS)('%s: twice the text, twice the work; no pattern sees more than MAX_LINE', (_name, make) => {
    const n = work(make(50_000));
    const n2 = work(make(100_000));
    expect(n.longest).toBeLessThanOrEqual(MAX_LINE);
    expect(n2.longest).toBeLessThanOrEqual(MAX_LINE);
    // Linear: the ratio stays near 2 (a quadratic pass would make it 4).
    expect(n2.chars / n.chars).toBeGreaterThan(1.8);
    expect(n2.chars / n.chars).toBeLessThan(2.2);
    expect(n2.runs / n.runs).toBeLessThan(2.2);
    // And bounded per character: a fixed number of patterns per line.
    expect(n2.chars).toBeLessThan(100 * 100_000);
  });
});

describe('long lines are read wrapped', () => {
  it('an error at the end of a 100k-character line is found, where it stands in the text', () => {
    const text = `${'x'.repeat(50_000)} ${'word '.repeat(10_000)}TypeError: x is not a function`;
    const errors = detectErrors(text);
    expect(errors.map((e) => e.kind)).toEqual(['js_error']);
    const e = errors[0]!;
    expect(e.line).toBe('TypeError: x is not a function');
    expect(text.slice(e.index, e.index + e.line.length)).toBe(e.line);
    expect(e.context.length).toBeLessThanOrEqual(600);
    // The context is the text as it stands: a wrap point keeps its space, no line break added.
    expect(text).toContain(e.context);
  });

  it('text with short lines reads the same as before: lines, offsets and context unchanged', () => {
    const text =
      'ok\nrunning tests\nsrc/app.ts(3,4): error TS2304: Cannot find name \'y\'.\nok\nok\nok\nok\nTraceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: bad';
    const errors = detectErrors(text);
    expect(errors.map((e) => [e.kind, e.line])).toEqual([
      ['compile_error', "src/app.ts(3,4): error TS2304: Cannot find name 'y'."],
      ['python_traceback', 'ValueError: bad'],
    ]);
    for (const e of errors) expect(text.slice(e.index, e.index + e.line.length)).toBe(e.line);
    expect(errors[0]!.context).toBe("ok\nrunning tests\nsrc/app.ts(3,4): error TS2304: Cannot find name 'y'.\nok\nok");
  });

  it('understandScreen on 100k characters without line breaks gives the same answer as on the screen-sized text', () => {
    const screen = 'alice@laptop:~/proj$ npm test FAIL src/app.test.ts';
    const long = understandScreen({ title: 'alice@laptop: ~/proj', text: `${screen} ${'-'.repeat(100_000)}` });
    const short = understandScreen({ title: 'alice@laptop: ~/proj', text: screen });
    expect(long.app).toBe(short.app);
    expect(long.task).toBe(short.task);
    expect(long.errors.map((e) => [e.kind, e.line, e.index])).toEqual(short.errors.map((e) => [e.kind, e.line, e.index]));
  });
});
