// What the extension tells the companion about the user's work (issue 4), and the help offers
// that come back. The extension sends bounded, privacy-filtered snapshots; the companion fuses
// them into one current state and decides, with one policy, when to offer help.
import * as z from 'zod';
import { CONTEXT_LIMITS } from './limits';
import { LastFix } from './memory';

// The caps live in limits.ts (no zod), where the extension reads them at activation.
export { CONTEXT_LIMITS };

const Pos = z.object({ line: z.number().int().nonnegative(), character: z.number().int().nonnegative() });
export const Range = z.object({ start: Pos, end: Pos });
export type Range = z.infer<typeof Range>;

export const DiagnosticInfo = z.object({
  severity: z.enum(['error', 'warning']),
  message: z.string().max(CONTEXT_LIMITS.message),
  code: z.string().max(100).nullable(),
  source: z.string().max(100).nullable(),
  range: Range,
  related: z.array(z.object({ path: z.string().max(CONTEXT_LIMITS.path), range: Range, message: z.string().max(CONTEXT_LIMITS.message) })).max(10),
});
export type DiagnosticInfo = z.infer<typeof DiagnosticInfo>;

export const FileDiagnostics = z.object({
  /** Workspace-relative path, with forward slashes. */
  path: z.string().max(CONTEXT_LIMITS.path),
  language: z.string().max(50).nullable(),
  diagnostics: z.array(DiagnosticInfo).max(CONTEXT_LIMITS.diagnosticsPerFile),
  /** Source lines around each error (for the prompt), keyed by 0-based start line. */
  excerpts: z.record(z.string(), z.string().max(CONTEXT_LIMITS.textAroundCursor)).optional(),
});
export type FileDiagnostics = z.infer<typeof FileDiagnostics>;

export const EditorContext = z.object({
  path: z.string().max(CONTEXT_LIMITS.path),
  language: z.string().max(50),
  visibleRange: Range.nullable(),
  selection: Range.nullable(),
  /** Text around the cursor, bounded. */
  text: z.string().max(CONTEXT_LIMITS.textAroundCursor),
  /** 0-based line of `text`'s first line in the file. */
  textStartLine: z.number().int().nonnegative(),
});
export type EditorContext = z.infer<typeof EditorContext>;

export const TerminalFailure = z.object({
  commandLine: z.string().max(CONTEXT_LIMITS.commandLine),
  exitCode: z.number().int(),
  /** The tail of the command's output, where the API gives it. */
  output: z.string().max(CONTEXT_LIMITS.terminalOutput).nullable(),
  cwd: z.string().max(CONTEXT_LIMITS.path).nullable(),
  at: z.number(),
});
export type TerminalFailure = z.infer<typeof TerminalFailure>;

export const DebugStop = z.object({
  exceptionMessage: z.string().max(CONTEXT_LIMITS.message),
  topFrame: z.object({ name: z.string().max(200), path: z.string().max(CONTEXT_LIMITS.path).nullable(), line: z.number().int().nullable() }).nullable(),
  at: z.number(),
});
export type DebugStop = z.infer<typeof DebugStop>;

/** A file with problems sent by its counts only (its diagnostics did not fit the update's budget). */
export const DiagnosticCount = z.object({
  path: z.string().max(CONTEXT_LIMITS.path),
  errors: z.number().int().nonnegative(),
  warnings: z.number().int().nonnegative(),
});
export type DiagnosticCount = z.infer<typeof DiagnosticCount>;

/**
 * What a bounded diagnostics snapshot left out (errors and warnings only; the update must fit
 * the frame limit): `files` with problems not in `diagnostics` (counted in `diagnosticCounts` or
 * not at all), `diagnostics` not sent in full, out of `totalFiles` and `totalDiagnostics`.
 */
export const DiagnosticsTruncation = z.object({
  files: z.number().int().nonnegative(),
  diagnostics: z.number().int().nonnegative(),
  totalFiles: z.number().int().nonnegative(),
  totalDiagnostics: z.number().int().nonnegative(),
});
export type DiagnosticsTruncation = z.infer<typeof DiagnosticsTruncation>;

/** One coalesced snapshot; absent fields mean "unchanged", null means "gone". */
export const ContextUpdate = z.object({
  editor: EditorContext.nullable().optional(),
  /** The full current diagnostics (files with none are omitted). */
  diagnostics: z.array(FileDiagnostics).max(CONTEXT_LIMITS.files).optional(),
  /**
   * Sent with `diagnostics` (older extensions send neither): the files with problems beyond
   * those in `diagnostics`, by their counts, most relevant first; and what was left out (null:
   * nothing). The active file and recently changed files come first, with full detail.
   */
  diagnosticCounts: z.array(DiagnosticCount).max(CONTEXT_LIMITS.countedFiles).optional(),
  diagnosticsTruncated: DiagnosticsTruncation.nullable().optional(),
  terminalFailure: TerminalFailure.optional(),
  /** A command that ended with exit code 0 (a failing one that now succeeds is no longer failing). */
  terminalSuccess: z.object({ commandLine: z.string().max(CONTEXT_LIMITS.commandLine), at: z.number() }).optional(),
  debugStop: DebugStop.optional(),
  /** The user typed in the last few seconds (help waits while they type). */
  typing: z.boolean().optional(),
  focusMode: z.boolean().optional(),
});
export type ContextUpdate = z.infer<typeof ContextUpdate>;

export const ACTIVITIES = ['coding', 'debugging', 'running_tests', 'reading', 'terminal_work', 'idle'] as const;
export const ActivityState = z.object({
  activity: z.enum(ACTIVITIES),
  language: z.string().nullable(),
  file: z.string().nullable(),
  /** Something is broken now (errors that persisted, a failed command, a stopped debugger). */
  broken: z.boolean(),
  summary: z.string(),
  /** The editor's last diagnostics snapshot left something out (the panel says so); absent: nothing. */
  diagnosticsTruncated: DiagnosticsTruncation.optional(),
});
export type ActivityState = z.infer<typeof ActivityState>;

export const HelpTarget = z.object({
  kind: z.enum(['diagnostic', 'terminal', 'debug', 'screen']),
  path: z.string().nullable(),
  range: Range.nullable(),
  message: z.string(),
  code: z.string().nullable(),
  /**
   * The diagnostic's source ("ts", "eslint"), when the client asking knows it: part of the error's
   * signature (common/fix-signature.ts), so a fix request finds what fixed the same error last time
   * even before the companion has heard of this file's diagnostics.
   */
  source: z.string().max(100).nullable().optional(),
});
export type HelpTarget = z.infer<typeof HelpTarget>;

export const HelpOffer = z.object({
  type: z.literal('help.offer'),
  offerId: z.string(),
  /** Her words, in character. */
  text: z.string(),
  emotion: z.enum(['serious', 'sad', 'calm', 'teasing', 'happy', 'shy', 'neutral']),
  target: HelpTarget,
  /** What fixed the same error last time in this workspace (issue 17, memory of fixes); absent: nothing known. */
  lastFix: LastFix.optional(),
});
export type HelpOffer = z.infer<typeof HelpOffer>;

/**
 * An open offer is withdrawn: its error is gone (fixed, the failed command is old news), or a
 * newer offer replaced it (at most one is open at a time). Clients remove its card or badge; an
 * answer to it would get `not_found`.
 */
export const HelpRetract = z.object({
  type: z.literal('help.retract'),
  offerId: z.string(),
  reason: z.enum(['resolved', 'replaced']),
});
export type HelpRetract = z.infer<typeof HelpRetract>;
