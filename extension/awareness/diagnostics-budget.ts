// Bounded context updates (pure, no `vscode`; issue 13, "Big workspaces must not silence her").
//
// 1. `buildDiagnosticsSnapshot`: the workspace's problems as one bounded group of fields. Files
//    are ranked (the active file, then files whose problems changed most recently, then the most
//    errors); the first ones get full detail (diagnostics, excerpts) within a byte budget, the
//    next ones only their counts, and the rest are only counted in `diagnosticsTruncated`. Only
//    the files that get detail are converted and measured: the cost follows the budget, not
//    the workspace.
// 2. `fitUpdate`: the last word before a frame leaves. It measures the serialized update and
//    degrades it (counts, then detail from the least relevant file up, then long texts) until it
//    fits, keeping `diagnosticsTruncated` true to what is left.
import type { ContextUpdate, DiagnosticCount, DiagnosticsTruncation, FileDiagnostics } from '../../protocol/context';
import { MAX_FRAME_BYTES } from '../../protocol/limits';
import { buildFileDiagnostics, type RawDiagnostic } from './excerpt';
import { LIMITS } from './limits';
import { capHead, capTail } from './privacy';

/** What the diagnostics group may take of a frame: room is left for the editor, terminal and debugger fields. */
const DIAGNOSTICS_BUDGET_BYTES = 160 * 1024;
/** Of the group's budget, the counts of files beyond those in detail keep at most this share. */
const COUNTS_SHARE = 0.3;
/** A frame is built to stay this far under the protocol's limit (the request envelope, rounding). */
const FRAME_SAFETY_BYTES = 16 * 1024;
export const MAX_UPDATE_BYTES = MAX_FRAME_BYTES - FRAME_SAFETY_BYTES;
/** The request envelope around `params`: `{"type":"request","id":"c123…","method":"context.update","params":…}`. */
const ENVELOPE_BYTES = 96;

/** The fields that describe the problems: always sent together (the truncation describes the lists). */
export const DIAGNOSTICS_FIELDS = ['diagnostics', 'diagnosticCounts', 'diagnosticsTruncated'] as const;

export type DiagnosticsFields = Required<Pick<ContextUpdate, (typeof DIAGNOSTICS_FIELDS)[number]>>;

/** One file's problems as the watcher has them (`D`: VS Code's diagnostics, or RawDiagnostic). */
export interface DiagnosticsSource<D> {
  /** The sendable, workspace-relative path. */
  path: string;
  language: string | null;
  /** The document's text if it is open (asked for only when the file gets detail). */
  text: () => string | null;
  diagnostics: readonly D[];
}

interface SnapshotOptions<D> {
  /** The active editor's file (sendable path), first with full detail. */
  active: string | null;
  /** Files whose problems changed lately, most recent first (sendable paths). */
  recent: readonly string[];
  severity: (d: D) => RawDiagnostic['severity'];
  toRaw: (d: D) => RawDiagnostic;
  maxBytes?: number;
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

export function buildDiagnosticsSnapshot<D>(sources: Iterable<DiagnosticsSource<D>>, opts: SnapshotOptions<D>): DiagnosticsFields {
  const maxBytes = opts.maxBytes ?? DIAGNOSTICS_BUDGET_BYTES;
  const recency = new Map<string, number>();
  opts.recent.forEach((p, i) => {
    if (!recency.has(p)) recency.set(p, i + 1);
  });
  if (opts.active !== null) recency.set(opts.active, 0);

  interface Ranked {
    source: DiagnosticsSource<D>;
    errors: number;
    warnings: number;
    rank: number;
  }
  const ranked: Ranked[] = [];
  let totalDiagnostics = 0;
  for (const source of sources) {
    let errors = 0;
    let warnings = 0;
    for (const d of source.diagnostics) {
      const s = opts.severity(d);
      if (s === 'error') errors++;
      else if (s === 'warning') warnings++;
    }
    if (errors + warnings === 0) continue;
    totalDiagnostics += errors + warnings;
    ranked.push({ source, errors, warnings, rank: recency.get(source.path) ?? Infinity });
  }
  // Stable order (the coalescer sends nothing when nothing changed).
  ranked.sort(
    (a, b) => a.rank - b.rank || b.errors - a.errors || b.warnings - a.warnings || (a.source.path < b.source.path ? -1 : a.source.path > b.source.path ? 1 : 0),
  );

  // Room for the truncation object, the field names and brackets.
  const reserve = 256;
  // Room kept for counts: what all files' counts would take (an estimate), at most a share.
  let allCounts = 2;
  for (const r of ranked) allCounts += r.source.path.length + 40;
  const detailBudget = Math.floor(maxBytes - reserve - Math.min(allCounts, (maxBytes - reserve) * COUNTS_SHARE));
  const diagnostics: FileDiagnostics[] = [];
  let used = 2;
  let next = 0;
  for (; next < ranked.length && diagnostics.length < LIMITS.files; next++) {
    const { source } = ranked[next]!;
    const raw = source.diagnostics.filter((d) => {
      const s = opts.severity(d);
      return s === 'error' || s === 'warning';
    });
    let file = buildFileDiagnostics({ path: source.path, language: source.language, text: source.text(), diagnostics: raw.map(opts.toRaw) });
    if (!file) continue;
    let size = jsonBytes(file) + (diagnostics.length > 0 ? 1 : 0);
    if (used + size > detailBudget) {
      // The most relevant file always gets in, cut down to the budget; the next ones that do not fit are counted instead.
      if (diagnostics.length > 0) break;
      file = shrinkFile(file, detailBudget - used);
      if (!file) break;
      size = jsonBytes(file);
    }
    diagnostics.push(file);
    used += size;
  }

  const diagnosticCounts: DiagnosticCount[] = [];
  let countBytes = 2;
  const countBudget = maxBytes - reserve - used;
  for (let i = next; i < ranked.length && diagnosticCounts.length < LIMITS.countedFiles; i++) {
    const r = ranked[i]!;
    const entry: DiagnosticCount = { path: capHead(r.source.path, LIMITS.path), errors: r.errors, warnings: r.warnings };
    const size = jsonBytes(entry) + 1;
    if (countBytes + size > countBudget) break;
    diagnosticCounts.push(entry);
    countBytes += size;
  }
  return { diagnostics, diagnosticCounts, diagnosticsTruncated: truncation(diagnostics, ranked.length, totalDiagnostics) };
}

function truncation(diagnostics: readonly FileDiagnostics[], totalFiles: number, totalDiagnostics: number): DiagnosticsTruncation | null {
  const shown = diagnostics.reduce((n, f) => n + f.diagnostics.length, 0);
  const files = totalFiles - diagnostics.length;
  const left = totalDiagnostics - shown;
  return files > 0 || left > 0 ? { files, diagnostics: left, totalFiles, totalDiagnostics } : null;
}

/**
 * One file cut down to `maxBytes`: without excerpts, then without related locations, then with
 * shorter messages, then with fewer diagnostics (errors come first, so they stay). Null if not even
 * one diagnostic fits.
 */
function shrinkFile(file: FileDiagnostics, maxBytes: number): FileDiagnostics | null {
  const fits = (f: FileDiagnostics) => jsonBytes(f) <= maxBytes;
  if (fits(file)) return file;
  let f: FileDiagnostics = { path: file.path, language: file.language, diagnostics: file.diagnostics };
  if (fits(f)) return f;
  f = { ...f, diagnostics: f.diagnostics.map((d) => ({ ...d, related: [] })) };
  if (fits(f)) return f;
  f = { ...f, diagnostics: f.diagnostics.map((d) => ({ ...d, message: capHead(d.message, 300) })) };
  let n = f.diagnostics.length;
  while (n > 0 && !fits({ ...f, diagnostics: f.diagnostics.slice(0, n) })) n = n > 8 ? Math.floor(n * 0.75) : n - 1;
  return n > 0 ? { ...f, diagnostics: f.diagnostics.slice(0, n) } : null;
}

/** The largest k in 0..n with ok(k) (ok is monotone: true up to some k, false after); 0 if none. */
function largest(n: number, ok: (k: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The bytes of the frame that carries `update` (the envelope estimated). */
export function frameBytes(update: ContextUpdate): number {
  return jsonBytes(update) + ENVELOPE_BYTES;
}

/**
 * `update` as it may be sent within `maxBytes` (a whole frame), degraded as little as needed:
 * 1. fewer per-file counts (from the least relevant);
 * 2. no excerpts but the most relevant file's, then fewer detailed files (that file stays);
 * 3. that file cut down; then no diagnostics at all (only the truncation says how many there are);
 * 4. long texts (editor, terminal output, exception) cut.
 * Null if even that does not fit. `degraded` says whether anything was left out.
 */
export function fitUpdate(update: ContextUpdate, maxBytes: number = MAX_UPDATE_BYTES): { update: ContextUpdate; degraded: boolean } | null {
  if (frameBytes(update) <= maxBytes) return { update, degraded: false };
  const u: ContextUpdate = { ...update };
  const fits = () => frameBytes(u) <= maxBytes;
  const done = () => ({ update: u, degraded: true });

  if (u.diagnostics !== undefined || u.diagnosticCounts !== undefined) {
    // What the snapshot covered, whatever is cut below.
    const files = u.diagnostics ?? [];
    const counts = u.diagnosticCounts ?? [];
    const before = u.diagnosticsTruncated ?? null;
    const shown = files.reduce((n, f) => n + f.diagnostics.length, 0);
    const totalFiles = before?.totalFiles ?? files.length + counts.length;
    const totalDiagnostics = before?.totalDiagnostics ?? shown + counts.reduce((n, c) => n + c.errors + c.warnings, 0);
    const set = (d: FileDiagnostics[], c: DiagnosticCount[]) => {
      u.diagnostics = d;
      u.diagnosticCounts = c;
      u.diagnosticsTruncated = truncation(d, totalFiles, totalDiagnostics);
    };
    set(files, counts);
    if (fits()) return done();
    // 1. counts, from the least relevant
    const c = largest(counts.length, (k) => (set(files, counts.slice(0, k)), fits()));
    set(files, counts.slice(0, c));
    if (fits()) return done();
    // 2. excerpts of the less relevant files, then those files
    let d: FileDiagnostics[] = files.map((f, i) => (i === 0 || !f.excerpts ? f : { path: f.path, language: f.language, diagnostics: f.diagnostics }));
    set(d, []);
    if (fits()) return done();
    const n = largest(d.length, (k) => (set(d.slice(0, k), []), fits()));
    if (n > 0) {
      set(d.slice(0, n), []);
      return done();
    }
    d = d.slice(0, 1);
    // 3. the most relevant file, cut to what is left
    if (d.length === 1) {
      set([], []);
      const room = maxBytes - frameBytes(u) - 64;
      const first = room > 0 ? shrinkFile(d[0]!, room) : null;
      set(first ? [first] : [], []);
      if (fits()) return done();
      set([], []);
      if (fits()) return done();
    }
  }
  // 4. long texts
  for (let cap = 2000; cap >= 0 && !fits(); cap = cap > 250 ? Math.floor(cap / 2) : cap - 250) {
    if (u.editor) u.editor = { ...u.editor, text: capHead(u.editor.text, cap) };
    if (u.terminalFailure?.output) u.terminalFailure = { ...u.terminalFailure, output: capTail(u.terminalFailure.output, cap) };
    if (u.debugStop) u.debugStop = { ...u.debugStop, exceptionMessage: capHead(u.debugStop.exceptionMessage, Math.max(cap, 200)) };
    if (u.terminalFailure) u.terminalFailure = { ...u.terminalFailure, commandLine: capHead(u.terminalFailure.commandLine, Math.max(cap, 200)) };
  }
  return fits() ? done() : null;
}
