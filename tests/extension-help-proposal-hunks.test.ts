// Hunks of Alisa's proposals (pure): the line diff between the region as the file holds it and as
// she proposes it, the edit each hunk makes to the real text (LF and CRLF, insertions, deletions
// at the ends), and applying or discarding single hunks until the proposal is settled.
import { describe, expect, it } from 'vitest';
import { applyLineEdit, diffLines, lineEdit, splitLines } from '../extension/help/line-diff';
import {
  afterApplyingHunk,
  afterDiscardingHunk,
  applyAllEdit,
  applyHunkEdit,
  hunksOf,
  locateRegion,
  proposedLines,
  regionProposal,
} from '../extension/help/proposal-model';

/** Applies the hunks to `a` from the last to the first (positions stay valid) and returns the lines. */
function patch(a: string[], hunks: ReturnType<typeof diffLines>): string[] {
  const out = [...a];
  for (const h of [...hunks].reverse()) out.splice(h.oldStart, h.oldLines.length, ...h.newLines);
  return out;
}

describe('diffLines', () => {
  it('finds no hunk in equal lines', () => {
    expect(diffLines(['a', 'b'], ['a', 'b'])).toEqual([]);
    expect(diffLines([], [])).toEqual([]);
  });

  it('keeps separate changes apart, with positions on both sides', () => {
    const a = ['function f() {', '  const x: number = "1";', '  log(x);', '  return x;', '}'];
    const b = ['function f() {', '  const x: number = 1;', '  log(x);', '  return x + 1;', '}'];
    expect(diffLines(a, b)).toEqual([
      { oldStart: 1, oldLines: ['  const x: number = "1";'], newStart: 1, newLines: ['  const x: number = 1;'] },
      { oldStart: 3, oldLines: ['  return x;'], newStart: 3, newLines: ['  return x + 1;'] },
    ]);
  });

  it('reports pure insertions and deletions', () => {
    expect(diffLines(['a', 'c'], ['a', 'b', 'c'])).toEqual([{ oldStart: 1, oldLines: [], newStart: 1, newLines: ['b'] }]);
    expect(diffLines(['a', 'b', 'c'], ['a', 'c'])).toEqual([{ oldStart: 1, oldLines: ['b'], newStart: 1, newLines: [] }]);
    expect(diffLines(['a'], [])).toEqual([{ oldStart: 0, oldLines: ['a'], newStart: 0, newLines: [] }]);
  });

  it('turns a into b for any pair (seeded random lines)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let run = 0; run < 300; run++) {
      const a = Array.from({ length: rnd(12) }, () => 'abcd'[rnd(4)]!);
      const b = Array.from({ length: rnd(12) }, () => 'abcd'[rnd(4)]!);
      const hunks = diffLines(a, b);
      expect(patch(a, hunks)).toEqual(b);
      // Hunks are ordered, apart, and each one changes something.
      for (const [k, h] of hunks.entries()) {
        expect(h.oldLines.length + h.newLines.length).toBeGreaterThan(0);
        if (k > 0) expect(h.oldStart).toBeGreaterThan(hunks[k - 1]!.oldStart + hunks[k - 1]!.oldLines.length - 1);
      }
    }
  });
});

describe('lineEdit', () => {
  const cases: Array<[string, number, number, string[]]> = [
    ['a\nb\nc', 1, 1, ['B']],
    ['a\nb\nc', 1, 1, ['B1', 'B2']],
    ['a\nb\nc', 1, 0, ['x']],
    ['a\nb\nc', 3, 0, ['d']],
    ['a\nb\nc', 0, 0, ['z']],
    ['a\nb\nc', 1, 1, []],
    ['a\nb\nc', 2, 1, []],
    ['a\nb\nc', 0, 3, []],
    ['a\nb\nc\n', 3, 1, ['last']],
    ['a\r\nb\r\nc', 1, 2, ['x', 'y', 'z']],
    ['a\r\nb\r\nc', 2, 1, []],
  ];
  it.each(cases)('%j: lines %i..+%i become %j, as one replacement', (text, start, count, lines) => {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const edit = lineEdit(text, start, count, lines, eol);
    const expected = splitLines(text);
    expected.splice(start, count, ...lines);
    expect(applyLineEdit(text, edit)).toBe(expected.join(eol));
    expect(text.slice(edit.offset, edit.offset + edit.oldText.length)).toBe(edit.oldText);
  });

  it('refuses lines outside the text', () => {
    expect(() => lineEdit('a\nb', 1, 2, ['x'], '\n')).toThrow(RangeError);
  });
});

describe('a region proposal', () => {
  const FILE = [
    'import { x } from "./x";',
    '',
    'export function total(p: number[]): number {',
    '  const label: number = "sum";',
    '  return p.length + label;',
    '}',
    '',
  ].join('\n');
  const HERS = ['export function total(p: number[]): number {', '  const label = 0;', '  return p.length + label;', '}'].join('\n');
  const region = () => regionProposal(FILE, 2, 4, HERS);

  it('applies whole: one edit that yields the proposed document', () => {
    const p = region();
    const lines = splitLines(FILE);
    const at = locateRegion(lines, p)!;
    expect(at).toBe(2);
    const edit = applyAllEdit(FILE, at, p, '\n');
    expect(applyLineEdit(FILE, edit)).toBe(proposedLines(lines, at, p).join('\n'));
    expect(applyLineEdit(FILE, edit)).toContain('const label = 0;');
  });

  it('is found again after lines are added above it, and not when its own lines changed', () => {
    const p = region();
    expect(locateRegion(splitLines('// header\n' + FILE), p)).toBe(3);
    expect(locateRegion(splitLines(FILE.replace('"sum"', '"total"')), p)).toBeNull();
    // Ambiguous (twice in the file, neither at its place): refused rather than guessed.
    const twice = '\n\n\n' + HERS + '\n' + splitLines(FILE).slice(2, 6).join('\n') + '\n' + splitLines(FILE).slice(2, 6).join('\n');
    expect(locateRegion(splitLines(twice), p)).toBeNull();
  });

  it('applies single hunks until none is left, each as its own edit', () => {
    const mine = ['a', 'b', 'c', 'd', 'e'].join('\n');
    let p = regionProposal(mine, 0, 5, ['a', 'B', 'c', 'd', 'E'].join('\n'));
    let text = mine;
    expect(hunksOf(p)).toHaveLength(2);
    // The second hunk first: the first must still land at its place.
    for (const pick of [1, 0]) {
      const h = hunksOf(p)[pick]!;
      const at = locateRegion(splitLines(text), p)!;
      text = applyLineEdit(text, applyHunkEdit(text, at, h, '\n'));
      p = afterApplyingHunk(p, h, at);
      expect(locateRegion(splitLines(text), p)).toBe(0);
    }
    expect(text).toBe('a\nB\nc\nd\nE');
    expect(hunksOf(p)).toEqual([]);
  });

  it('discards single hunks from her side without touching the file', () => {
    let p = regionProposal('a\nb\nc', 0, 3, 'a\nB\nc\nd');
    const [first] = hunksOf(p);
    p = afterDiscardingHunk(p, first!);
    expect(p.newLines).toEqual(['a', 'b', 'c', 'd']);
    expect(hunksOf(p)).toEqual([{ oldStart: 3, oldLines: [], newStart: 3, newLines: ['d'] }]);
    p = afterDiscardingHunk(p, hunksOf(p)[0]!);
    expect(hunksOf(p)).toEqual([]);
    expect(p.oldLines).toEqual(['a', 'b', 'c']);
  });
});
