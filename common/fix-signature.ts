// The signature of an error, for the memory of fixes that worked (issue 17): the same error in
// another place, another file or another run has the same signature, so "what fixed it last time"
// is found again with one indexed lookup and no model. The extension (which sees the fix land) and
// the companion (which makes the offer) compute it with this one module, so they always agree.
// Secrets are redacted first: the companion only ever sees redacted text, and a signature must not
// depend on a value nobody may store.
import { createHash } from 'node:crypto';
import { redactSecrets } from './privacy/redact';

/** What a diagnostic's signature is made of (vscode.Diagnostic and protocol DiagnosticInfo both fit). */
export interface SignedDiagnostic {
  source?: string | null;
  code?: string | number | null;
  message: string;
}

/** What a failed command's signature is made of (protocol TerminalFailure fits). */
export interface SignedFailure {
  commandLine: string;
  exitCode: number;
  output: string | null;
}

/**
 * The message with what changes from place to place replaced by placeholders: quoted names
 * ('foo', "bar", `baz`) by '_', paths by <path>, line/column positions by <pos>, numbers by <n>;
 * lowercased, spaces collapsed. "Cannot find name 'db'." and "Cannot find name 'user'." are one.
 */
export function normalizeErrorText(text: string): string {
  return (
    redactSecrets(text)
      .text.replace(/\[REDACTED:[a-z_]+\]/g, '<secret>')
      // Quoted identifiers and strings, of any common quote style.
      .replace(/'[^'\n]*'|"[^"\n]*"|`[^`\n]*`|‘[^’\n]*’|“[^”\n]*”|«[^»\n]*»/g, "'_'")
      // Paths: anything with a slash or backslash between name characters, or a drive letter.
      .replace(/(?:[A-Za-z]:)?(?:[\w.@~-]*[/\\])+[\w.@-]+/g, '<path>')
      // Bare file names with an extension (foo.ts, test_db.py), not words ending a sentence.
      .replace(/\b[\w-]+\.(?:[cm]?[jt]sx?|py|rs|go|java|kt|cs|cpp|cc|c|h|hpp|rb|php|swift|json|ya?ml|toml|vue|svelte)\b/gi, '<path>')
      // Positions: path:12:5, (12,5), [12:5], "line 12", "column 5".
      .replace(/:\d+(?::\d+)?\b/g, ':<pos>')
      .replace(/\(\d+,\s*\d+\)/g, '(<pos>)')
      .replace(/\b(line|ln|col|column|row)\s*\d+/gi, '$1 <pos>')
      .replace(/\b0x[0-9a-f]+\b/gi, '<n>')
      .replace(/\d+(?:\.\d+)?/g, '<n>')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase()
  );
}

function digest(kind: string, parts: string[]): string {
  return `${kind}:${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
}

/** A diagnostic's signature: its source, its code and its normalised first line. */
export function diagnosticSignature(d: SignedDiagnostic): string {
  const first = d.message.split('\n')[0] ?? '';
  return digest('d1', [(d.source ?? '').toLowerCase(), d.code === null || d.code === undefined ? '' : String(d.code), normalizeErrorText(first)]);
}

/** Lines that name the error itself ("TypeError: …", "error TS2304: …"), best first. */
const ERROR_LINE = [
  /\b(?:[A-Z][A-Za-z]*Error|Exception|error(?:\[[A-Z]?\d+\])?|error TS\d+|fatal|panic)\b\s*:/,
  /\b(?:ERR!|FAIL(?:ED)?|cannot|can't|not found|no such|denied|refused|undefined reference|unresolved|missing)\b/i,
];

/**
 * The line of a failed command's output that says what went wrong: the first that names an
 * error, else the first that sounds like a failure, else the last non-empty line; null when the
 * output is empty (the terminal's API gave none).
 */
export function errorLineOf(output: string | null): string | null {
  if (!output) return null;
  // Without ANSI colours and progress noise.
  const lines = output
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return null;
  for (const pattern of ERROR_LINE) {
    const hit = lines.find((l) => pattern.test(l));
    if (hit) return hit.slice(0, 300);
  }
  return lines.at(-1)!.slice(0, 300);
}

/** The program a command line runs (its first word without a path), for commands that said nothing. */
function programOf(commandLine: string): string {
  const first = commandLine.trim().split(/\s+/)[0] ?? '';
  return first.replace(/^.*[/\\]/, '').toLowerCase();
}

/**
 * A failed command's signature: its normalised error line; a command with no output is known by
 * its program and exit code (`npm test` exiting 1 twice is, as far as anyone can tell, one error).
 */
export function failureSignature(f: SignedFailure): string {
  const line = errorLineOf(f.output);
  if (line !== null) return digest('t1', [normalizeErrorText(line)]);
  return digest('t1', [`${programOf(f.commandLine)} exit ${f.exitCode}`]);
}

/** A short, readable name of the error for a memory's text: the first line, at most `max` characters. */
export function shortErrorText(text: string, max = 120): string {
  const first = (text.split('\n')[0] ?? '').replace(/\s+/g, ' ').trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
