// Cuts a source file into chunks a reply can cite (issue 17): whole declarations where the
// language's structure shows them, fixed windows of lines otherwise. One structural chunker for
// every language, fed a "level" per line: the bracket depth at its start for C-like languages
// (strings and comments skipped), the indentation for Python and YAML (bracketed continuation
// lines are never a boundary), the heading depth for Markdown. A range is cut at the lines of its
// lowest level (top-level declarations, sections), the small pieces packed together up to a
// target size, and a piece too large cut again one level deeper (a class's methods, a section's
// subsections), down to line windows when no structure is left. Comments and decorators just
// above a declaration stay with it. A real parser (TypeScript's) would cost megabytes in the
// companion's bundle for one language family; the brackets give the same top-level cuts.

export interface Chunk {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
}

/** Lines a chunk aims for, and the most a structural piece may have before it is cut again. */
const TARGET_LINES = 60;
const MAX_LINES = 120;
/** Fixed windows (no structure): their size and how many lines consecutive windows share. */
const WINDOW_LINES = 60;
const WINDOW_OVERLAP = 10;
/** A chunk longer than this (minified code, data) is cut by characters' worth of lines. */
const MAX_CHUNK_CHARS = 6000;

type Syntax = 'brace' | 'indent' | 'markdown' | 'lines';

const BRACE = new Set(
  'ts tsx mts cts js jsx mjs cjs java c h cc cpp cxx hpp hh cs go rs swift kt kts scala php dart groovy gradle m mm zig v sol proto css scss less json jsonc'.split(
    ' ',
  ),
);
const INDENT = new Set('py pyi yaml yml coffee nim'.split(' '));
const MARKDOWN = new Set('md mdx markdown rst adoc'.split(' '));
/** Languages whose comments start with `#` rather than `//` (for the brace scanner). */
const HASH_COMMENTS = new Set('py pyi yaml yml coffee nim'.split(' '));

export function syntaxOf(path: string): Syntax {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (BRACE.has(ext)) return 'brace';
  if (INDENT.has(ext)) return 'indent';
  if (MARKDOWN.has(ext)) return 'markdown';
  return 'lines';
}

/** The chunks of one file's text (none for an empty file); `structure: false`: line windows only. */
export function chunkFile(path: string, text: string, opts: { structure?: boolean } = {}): Chunk[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines.every((l) => l.trim() === '')) return [];
  const syntax = opts.structure === false ? 'lines' : syntaxOf(path);
  const levels =
    syntax === 'brace' ? braceLevels(lines) : syntax === 'indent' ? indentLevels(lines, path) : syntax === 'markdown' ? headingLevels(lines) : null;
  const ranges: Array<[number, number]> = [];
  // Comments and decorators above a declaration go with it; in Markdown a heading starts its section.
  if (levels) split(lines, levels, 0, lines.length, ranges, syntax !== 'markdown');
  else windows(0, lines.length, ranges);
  const chunks: Chunk[] = [];
  for (const [from, to] of ranges) {
    for (const [a, b] of capChars(lines, from, to)) {
      // Blank lines at either end are not worth citing.
      let s = a;
      let e = b;
      while (s < e && lines[s]!.trim() === '') s++;
      while (e > s && lines[e - 1]!.trim() === '') e--;
      if (s < e) chunks.push({ startLine: s + 1, endLine: e, text: lines.slice(s, e).join('\n') });
    }
  }
  return chunks;
}

/** Not a boundary: inside a string, a comment, brackets, or a line of no structure. */
const NONE = Number.POSITIVE_INFINITY;

/**
 * Cuts lines [from, to) at the lines of the lowest level found after `from` (the range's first line
 * may be the declaration that opens it), packing pieces up to TARGET_LINES into `out`.
 */
function split(lines: readonly string[], levels: readonly number[], from: number, to: number, out: Array<[number, number]>, attach: boolean): void {
  if (to - from <= TARGET_LINES) {
    out.push([from, to]);
    return;
  }
  // The range's own head (its declaration, with the comments above it) is not cut from its body.
  let head = from;
  while (head < to - 1 && (levels[head] === NONE || (attach && isLeading(lines[head]!)))) head++;
  const boundary = (i: number) => !(attach && isLeading(lines[i]!));
  let low = NONE;
  for (let i = head + 1; i < to; i++) if (levels[i]! < low && boundary(i)) low = levels[i]!;
  const starts = [from];
  if (low !== NONE)
    for (let i = head + 1; i < to; i++) if (levels[i] === low && boundary(i)) starts.push(attach ? declarationStart(lines, levels, i, starts.at(-1)!) : i);
  // No structure left to cut at: windows of lines.
  if (starts.length === 1) {
    windows(from, to, out);
    return;
  }
  starts.push(to);
  let packStart = from;
  for (let k = 0; k < starts.length - 1; k++) {
    const a = starts[k]!;
    const b = starts[k + 1]!;
    if (b - a > MAX_LINES) {
      if (a > packStart) out.push([packStart, a]);
      split(lines, levels, a, b, out, attach);
      packStart = b;
    } else if (b - packStart > TARGET_LINES && a > packStart) {
      out.push([packStart, a]);
      packStart = a;
    }
  }
  if (to > packStart) out.push([packStart, to]);
}

/** A comment or decorator line belongs with the declaration below it: moves a boundary at `i` up over the comments, decorators and blank lines just above it (never above `floor`). */
function declarationStart(lines: readonly string[], levels: readonly number[], i: number, floor: number): number {
  let s = i;
  while (s - 1 > floor && (isLeading(lines[s - 1]!) || (levels[s - 1] === NONE && isCommentBody(lines[s - 1]!)))) s--;
  return s;
}

const isLeading = (line: string) => /^\s*(?:\/\/|\/\*|\*|#(?!include|define|if|endif|else|pragma|import)|@[\w.]+|\[[\w:]+)/.test(line);
const isCommentBody = (line: string) => /^\s*(?:\*|\/\/|#)/.test(line);

function windows(from: number, to: number, out: Array<[number, number]>): void {
  for (let s = from; s < to; s += WINDOW_LINES - WINDOW_OVERLAP) {
    const e = Math.min(to, s + WINDOW_LINES);
    out.push([s, e]);
    if (e === to) break;
  }
}

/** A range whose text is too long (long lines) cut into ranges of at most MAX_CHUNK_CHARS (a single longer line stays whole). */
function capChars(lines: readonly string[], from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = from;
  let chars = 0;
  for (let i = from; i < to; i++) {
    const len = lines[i]!.length + 1;
    if (chars + len > MAX_CHUNK_CHARS && i > s) {
      out.push([s, i]);
      s = i;
      chars = 0;
    }
    chars += len;
  }
  if (to > s) out.push([s, to]);
  return out;
}

/** Bracket depth at the start of each line; NONE inside a block comment or a string that spans lines, or for a blank line. */
function braceLevels(lines: readonly string[]): number[] {
  const levels: number[] = [];
  let depth = 0;
  let inBlock = false;
  let inString: string | null = null;
  for (const line of lines) {
    levels.push(inBlock || inString !== null || line.trim() === '' ? NONE : depth);
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (inBlock) {
        if (c === '*' && line[i + 1] === '/') {
          inBlock = false;
          i++;
        }
      } else if (inString !== null) {
        if (c === '\\') i++;
        else if (c === inString) inString = null;
      } else if (c === '/' && line[i + 1] === '/') break;
      else if (c === '/' && line[i + 1] === '*') {
        inBlock = true;
        i++;
      } else if (c === '"' || c === "'" || c === '`') inString = c;
      else if (c === '{' || c === '(' || c === '[') depth++;
      else if (c === '}' || c === ')' || c === ']') depth = Math.max(0, depth - 1);
    }
    // Only template literals span lines; an unclosed quote is a typo or a quote in prose.
    if (inString !== null && inString !== '`') inString = null;
  }
  return levels;
}

/** Indentation of each line (tabs count 4); NONE for blank lines, lines inside brackets or a triple-quoted string. */
function indentLevels(lines: readonly string[], path: string): number[] {
  const hash = HASH_COMMENTS.has(path.slice(path.lastIndexOf('.') + 1).toLowerCase());
  const levels: number[] = [];
  let depth = 0;
  let triple: string | null = null;
  for (const line of lines) {
    const indent = /^[ \t]*/.exec(line)![0].replace(/\t/g, '    ').length;
    levels.push(triple !== null || depth > 0 || line.trim() === '' ? NONE : indent);
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (triple !== null) {
        if (line.startsWith(triple, i)) {
          triple = null;
          i += 2;
        }
      } else if (hash && c === '#') break;
      else if ((c === '"' || c === "'") && line.startsWith(c.repeat(3), i)) {
        triple = c.repeat(3);
        i += 2;
      } else if (c === '"' || c === "'") {
        const close = line.indexOf(c, i + 1);
        i = close < 0 ? line.length : close;
      } else if (c === '{' || c === '(' || c === '[') depth++;
      else if (c === '}' || c === ')' || c === ']') depth = Math.max(0, depth - 1);
    }
  }
  return levels;
}

/** Heading depth of `#` headings (outside fenced code); NONE for every other line. */
function headingLevels(lines: readonly string[]): number[] {
  let fence = false;
  return lines.map((line) => {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = !fence && /^(#{1,6})\s/.exec(line);
    return m ? m[1]!.length : NONE;
  });
}
