// Source excerpts and the diagnostics snapshot (pure, no `vscode`): the lines around an error,
// the text around the cursor, and one file's diagnostics in the protocol's shape, all bounded by
// LIMITS.
import { LIMITS } from './limits';
import type { DiagnosticInfo, FileDiagnostics, Range } from '../../protocol/context';
import { capHead } from './privacy';

const EXCERPT_RADIUS = 8;

interface Excerpt {
  text: string;
  /** 0-based line of the excerpt's first line. */
  startLine: number;
  /** Number of whole lines in `text`. */
  lineCount: number;
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * Lines `line - radius` .. `endLine + radius` of `lines` (clamped, without trailing blank lines), shrunk until
 * the text fits `maxChars`; a single over-long line is cut. Whole lines only otherwise, so the
 * excerpt can be replaced line for line.
 */
export function buildExcerpt(lines: readonly string[], line: number, opts: { endLine?: number; radius?: number; maxChars?: number } = {}): Excerpt {
  const radius = opts.radius ?? EXCERPT_RADIUS;
  const maxChars = opts.maxChars ?? LIMITS.textAroundCursor;
  const last = Math.max(0, lines.length - 1);
  const from = Math.min(Math.max(0, line), last);
  const to = Math.min(Math.max(from, opts.endLine ?? from), last);
  let start = Math.max(0, from - radius);
  let end = Math.min(last, to + radius);
  // No trailing blank lines (nor the empty "line" after a final newline): the excerpt is shown
  // numbered and replaced line for line, and a trailing newline would blur its line count.
  while (end > to && lines[end]!.trim() === '') end--;
  const join = () => lines.slice(start, end + 1).join('\n');
  let text = join();
  while (text.length > maxChars && (start < from || end > to)) {
    if (end - to >= from - start && end > to) end--;
    else start++;
    text = join();
  }
  if (text.length > maxChars) text = capHead(text, maxChars);
  return { text, startLine: start, lineCount: end - start + 1 };
}

/** The text around the cursor line, for the editor snapshot. */
export function textAroundCursor(lines: readonly string[], cursorLine: number, maxChars: number = LIMITS.textAroundCursor): Excerpt {
  return buildExcerpt(lines, cursorLine, { radius: 40, maxChars });
}

/** A diagnostic as the watchers see it, before privacy filtering and capping. */
export interface RawDiagnostic {
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  code: string | number | null;
  source: string | null;
  range: Range;
  related: Array<{ path: string | null; range: Range; message: string }>;
}

function toDiagnosticInfo(d: RawDiagnostic & { severity: 'error' | 'warning' }): DiagnosticInfo {
  return {
    severity: d.severity,
    message: capHead(d.message, LIMITS.message),
    code: d.code === null ? null : capHead(String(d.code), 100),
    source: d.source === null ? null : capHead(d.source, 100),
    range: d.range,
    // Related locations in excluded or outside files (path null) are left out.
    related: d.related
      .filter((r): r is { path: string; range: Range; message: string } => r.path !== null)
      .slice(0, 10)
      .map((r) => ({ path: capHead(r.path, LIMITS.path), range: r.range, message: capHead(r.message, LIMITS.message) })),
  };
}

/** Most excerpts per file (each error gets one unless it falls inside an earlier one). */
const MAX_EXCERPTS_PER_FILE = 5;

/**
 * One file's snapshot: errors first, then warnings (info and hints are dropped), capped, with an
 * excerpt of the source around each error. `text` is the document's text (null: not loaded).
 */
export function buildFileDiagnostics(file: {
  path: string;
  language: string | null;
  text: string | null;
  diagnostics: readonly RawDiagnostic[];
}): FileDiagnostics | null {
  const rank = { error: 0, warning: 1 } as const;
  const kept = file.diagnostics
    .filter((d): d is RawDiagnostic & { severity: 'error' | 'warning' } => d.severity === 'error' || d.severity === 'warning')
    .sort((a, b) => rank[a.severity] - rank[b.severity] || a.range.start.line - b.range.start.line)
    .slice(0, LIMITS.diagnosticsPerFile);
  if (kept.length === 0) return null;
  const out: FileDiagnostics = {
    path: capHead(file.path, LIMITS.path),
    language: file.language === null ? null : capHead(file.language, 50),
    diagnostics: kept.map(toDiagnosticInfo),
  };
  if (file.text !== null) {
    const lines = splitLines(file.text);
    const excerpts: Record<string, string> = {};
    const covered: Array<[number, number]> = [];
    for (const d of kept) {
      if (d.severity !== 'error' || Object.keys(excerpts).length >= MAX_EXCERPTS_PER_FILE) continue;
      const line = d.range.start.line;
      if (covered.some(([a, b]) => line >= a && line <= b)) continue;
      const ex = buildExcerpt(lines, line, { endLine: d.range.end.line });
      excerpts[String(ex.startLine)] = ex.text;
      covered.push([ex.startLine, ex.startLine + ex.lineCount - 1]);
    }
    if (Object.keys(excerpts).length > 0) out.excerpts = excerpts;
  }
  return out;
}
