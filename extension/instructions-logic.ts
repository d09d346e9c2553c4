// Workspace instructions (issue 17), the pure part (no `vscode`, unit-tested in vitest): which
// files are read, and how their texts become what `workspace.instructions` sends: files matching
// `alisa.privacy.excludeGlobs` skipped, secrets redacted, each file and all of them together cut
// to the caps of protocol/instructions.ts (a cut file ends with "(cut)"). The reading and the
// sending are workspace-instructions.ts's.
import { redactSecrets } from '../common/privacy/redact';
import { INSTRUCTIONS_CUT, INSTRUCTIONS_LIMITS, type InstructionFile } from '../protocol/instructions';
import { isExcludedPath } from './awareness/privacy';

/** The file the user writes for Alisa, relative to a folder's root. */
export const INSTRUCTIONS_FILE = '.alisa/instructions.md';
/** The files read at the root of each folder, in this order. */
export const INSTRUCTION_FILES: readonly string[] = [INSTRUCTIONS_FILE, 'AGENTS.md'];
/** Characters of a file read before redacting (the caps keep far fewer). */
const READ_CHARS = 64_000;

/** One file as read from a folder. */
export interface FoundFile {
  /** Relative to its folder's root (one of INSTRUCTION_FILES). */
  relPath: string;
  /** The folder's name, shown before the path when the workspace has several folders. */
  folderName?: string;
  text: string;
}

/** The relative paths of `INSTRUCTION_FILES` that may be read, given the privacy globs. */
export function readableFiles(globs: readonly string[]): string[] {
  return INSTRUCTION_FILES.filter((rel) => !isExcludedPath(rel, globs));
}

/**
 * What is sent for the files found (first folder first, INSTRUCTION_FILES' order within each):
 * excluded ones skipped, empty ones left out, secrets redacted, each cut to `fileChars` and all
 * together to `totalChars` (a file that would get fewer than `minChars` is left out).
 */
export function prepareInstructions(
  found: readonly FoundFile[],
  opts: { globs: readonly string[]; limits?: { fileChars: number; totalChars: number }; minChars?: number },
): InstructionFile[] {
  const limits = opts.limits ?? INSTRUCTIONS_LIMITS;
  const minChars = opts.minChars ?? 200;
  const out: InstructionFile[] = [];
  let used = 0;
  for (const f of found) {
    if (isExcludedPath(f.relPath, opts.globs)) continue;
    const text = redactSecrets(withoutComments(f.text.replace(/^\uFEFF/, '').slice(0, READ_CHARS))).text.trim();
    if (text === '') continue;
    const room = Math.min(limits.fileChars, limits.totalChars - used);
    if (room < Math.min(minChars, text.length)) break;
    const cut = capWithMarker(text, room);
    const path = (f.folderName ? `${f.folderName}/${f.relPath}` : f.relPath).slice(0, INSTRUCTIONS_LIMITS.path);
    out.push({ path, text: cut });
    used += cut.length;
  }
  return out;
}

/** The text without its HTML comments (`<!-- ... -->`: notes for people, such as the template's). */
export function withoutComments(text: string): string {
  // indexOf, not a lazy pattern: many unclosed `<!--` cost no more than one.
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('<!--', from);
    const close = open < 0 ? -1 : text.indexOf('-->', open + 4);
    if (close < 0) break;
    out += text.slice(from, open);
    from = close + 3;
  }
  return (out + text.slice(from)).replace(/\n{3,}/g, '\n\n');
}

/** `text` as is when it has at most `max` characters, else its start and INSTRUCTIONS_CUT, `max` in all (whole characters). */
export function capWithMarker(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - INSTRUCTIONS_CUT.length);
  // Never half of a surrogate pair.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return text.slice(0, end).trimEnd() + INSTRUCTIONS_CUT;
}

/** What a new `.alisa/instructions.md` holds: only a comment, which Alisa does not read. */
export const INSTRUCTIONS_TEMPLATE = [
  '<!--',
  'Instructions for Alisa in this workspace. She reads this file (up to 8,000 characters) in',
  'every chat of this workspace, and AGENTS.md too when there is one. Comments like this one',
  'are not read. Write what she should know or do here, for example:',
  '',
  '- This project is written in TypeScript; tests run with `npm test`.',
  '- Answer briefly.',
  '-->',
  '',
].join('\n');
