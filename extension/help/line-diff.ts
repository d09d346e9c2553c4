// Line-level diff and edits for Alisa's proposals (pure, no `vscode`). A proposal replaces one
// region of a file (the excerpt she was shown); its hunks are computed between the region as the
// file holds it and the region as she proposes it, so each hunk can be applied or discarded on its
// own. Written here rather than taken from a library: the regions are bounded (the 8,000-character
// excerpt), an LCS table over them is small, and the result must line up with offsets in the real
// document, which `lineEdit` computes for both CRLF and LF files.

/** One change: `oldLines` at `oldStart` (region-relative) become `newLines` at `newStart`. */
export interface Hunk {
  oldStart: number;
  oldLines: string[];
  newStart: number;
  newLines: string[];
}

/** Above this many LCS cells the changed middle is reported as one hunk (it would not be readable as many anyway). */
const MAX_CELLS = 2_000_000;

/** The hunks that turn `a` into `b`: common prefix and suffix trimmed, then a longest common subsequence of the middle. */
export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if (x.length === 0 && y.length === 0) return [];
  if (x.length === 0 || y.length === 0 || x.length * y.length > MAX_CELLS) return [{ oldStart: head, oldLines: x, newStart: head, newLines: y }];

  // lcs[i][j]: the LCS length of x[i..] and y[j..], in one flat array.
  const w = y.length + 1;
  const lcs = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const hunks: Hunk[] = [];
  let open: Hunk | null = null;
  let i = 0;
  let j = 0;
  const start = () => (open ??= { oldStart: head + i, oldLines: [], newStart: head + j, newLines: [] });
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      if (open) hunks.push(open);
      open = null;
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
      start().newLines.push(y[j++]!);
    } else {
      start().oldLines.push(x[i++]!);
    }
  }
  if (open) hunks.push(open);
  return hunks;
}

/** A text replacement at a character offset of a document's text. */
export interface LineEdit {
  offset: number;
  oldText: string;
  newText: string;
}

/** Where each line of `text` starts and where its content ends (before `\n` or `\r\n`). */
export function lineBounds(text: string): { starts: number[]; ends: number[] } {
  const starts = [0];
  const ends: number[] = [];
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) {
    ends.push(k > 0 && text[k - 1] === '\r' ? k - 1 : k);
    starts.push(k + 1);
  }
  ends.push(text.length);
  return { starts, ends };
}

export const splitLines = (text: string): string[] => text.split(/\r?\n/);

/**
 * The edit replacing `count` lines of `text` from line `start` with `newLines` (joined by `eol`):
 * whole lines, with their line breaks when lines are inserted or removed, so the result is
 * `splitLines(text)` spliced. Throws when the lines are outside the text.
 */
export function lineEdit(text: string, start: number, count: number, newLines: readonly string[], eol: '\n' | '\r\n'): LineEdit {
  const { starts, ends } = lineBounds(text);
  const total = starts.length;
  if (start < 0 || count < 0 || start + count > total || (count === 0 && start > total))
    throw new RangeError(`lines ${start}..${start + count} are outside the text (${total} lines)`);
  let from: number;
  let to: number;
  let newText: string;
  if (count > 0 && newLines.length > 0) {
    from = starts[start]!;
    to = ends[start + count - 1]!;
    newText = newLines.join(eol);
  } else if (count === 0) {
    if (newLines.length === 0) return { offset: starts[Math.min(start, total - 1)]!, oldText: '', newText: '' };
    if (start < total) {
      from = to = starts[start]!;
      newText = newLines.join(eol) + eol;
    } else {
      from = to = text.length;
      newText = eol + newLines.join(eol);
    }
  } else if (start + count < total) {
    from = starts[start]!;
    to = starts[start + count]!;
    newText = '';
  } else if (start > 0) {
    // The last lines go, with the line break before them.
    from = ends[start - 1]!;
    to = text.length;
    newText = '';
  } else {
    from = 0;
    to = text.length;
    newText = '';
  }
  return { offset: from, oldText: text.slice(from, to), newText };
}

export function applyLineEdit(text: string, edit: LineEdit): string {
  return text.slice(0, edit.offset) + edit.newText + text.slice(edit.offset + edit.oldText.length);
}
