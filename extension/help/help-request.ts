// The parameters of `help.explain` and `fix.propose` for a diagnostic or a terminal failure
// (pure, no `vscode`): the target, the lines around it, and related locations, privacy-filtered
// and bounded like everything else the extension sends.
import { LIMITS } from '../awareness/limits';
import type { Params } from '../../protocol/messages';
import type { HelpTarget, Range, TerminalFailure } from '../../protocol/context';
import { buildExcerpt, splitLines } from '../awareness/excerpt';
import { capHead } from '../awareness/privacy';

/** The protocol's excerpt limit for help requests. */
const HELP_EXCERPT_MAX = 8000;

interface DiagnosticLike {
  message: string;
  code: string | number | null;
  source?: string | null;
  range: Range;
  related: Array<{ path: string | null; range: Range; message: string }>;
}

function diagnosticTarget(path: string, d: DiagnosticLike): HelpTarget {
  return {
    kind: 'diagnostic',
    path,
    range: d.range,
    message: capHead(d.message, LIMITS.message),
    code: d.code === null ? null : capHead(String(d.code), 100),
    ...(d.source ? { source: capHead(d.source, 100) } : {}),
  };
}

/** `help.explain` for a failed terminal command: the command as the target, its output as the excerpt. */
export function buildTerminalExplainParams(f: TerminalFailure): Params<'help.explain'> {
  const target: HelpTarget = {
    kind: 'terminal',
    path: null,
    range: null,
    message: `\`${capHead(f.commandLine, LIMITS.commandLine)}\` failed with exit code ${f.exitCode}${f.cwd ? ` (in ${f.cwd})` : ''}.`,
    code: String(f.exitCode),
  };
  return f.output ? { target, excerpt: capHead(f.output, HELP_EXCERPT_MAX) } : { target };
}

type FixParams = Params<'fix.propose'>;

/** `fix.propose` for diagnostic `d` in the file `path` whose text is `text`. */
export function buildFixParams(p: { path: string; language: string; text: string; diagnostic: DiagnosticLike }): FixParams {
  const ex = buildExcerpt(splitLines(p.text), p.diagnostic.range.start.line, {
    endLine: p.diagnostic.range.end.line,
    maxChars: HELP_EXCERPT_MAX,
  });
  const related = p.diagnostic.related
    .filter((r): r is { path: string; range: Range; message: string } => r.path !== null)
    .slice(0, 10)
    .map((r) => ({ path: capHead(r.path, 500), range: r.range, message: capHead(r.message, 2000) }));
  return {
    target: diagnosticTarget(p.path, p.diagnostic),
    path: capHead(p.path, 500),
    language: capHead(p.language, 50),
    excerpt: ex.text,
    excerptStartLine: ex.startLine,
    ...(related.length > 0 ? { related } : {}),
  };
}

/** `help.explain` for a diagnostic (same excerpt as a fix would use). */
export function buildExplainParams(p: { path: string; language: string; text: string; diagnostic: DiagnosticLike }): Params<'help.explain'> {
  const fix = buildFixParams(p);
  return { target: fix.target, excerpt: fix.excerpt, language: fix.language };
}

/** Finds the diagnostic a target points at: same range start and message first, then same message, then same line. */
export function findDiagnostic<D extends { message: string; range: Range }>(diagnostics: readonly D[], target: HelpTarget): D | null {
  const r = target.range;
  const sameStart = (d: D) => r !== null && d.range.start.line === r.start.line && d.range.start.character === r.start.character;
  return (
    diagnostics.find((d) => sameStart(d) && d.message === target.message) ??
    diagnostics.find((d) => d.message === target.message) ??
    diagnostics.find((d) => r !== null && d.range.start.line === r.start.line) ??
    null
  );
}
