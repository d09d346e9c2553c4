// The text of an @-mention as the window sends it (pure, no `vscode`): capped to what one
// attachment may carry, secrets redacted, binary refused, the problems as lines like the
// awareness snapshot's, and a git diff without the sections of private files.
import { redactSecrets } from '../../common/privacy/redact';
import { ATTACHMENT_TEXT_MAX } from '../../protocol/attachments';

/** Marks text the window cut to the wire's limit (the companion's budget may cut further). */
export const WIRE_CUT_MARKER = '[… cut: too long to attach whole]';

/** `text` redacted and within ATTACHMENT_TEXT_MAX, cut at a line with the marker; `lines` is how many lines it shows. */
export function attachmentText(text: string, max: number = ATTACHMENT_TEXT_MAX): { text: string; lines: number; cut: boolean; secrets: number } {
  const redacted = redactSecrets(text.replace(/\r\n/g, '\n'));
  let out = redacted.text;
  let cut = false;
  if (out.length > max) {
    cut = true;
    out = out.slice(0, max - WIRE_CUT_MARKER.length - 1);
    const nl = out.lastIndexOf('\n');
    if (nl > out.length / 2) out = out.slice(0, nl);
    out = `${out}\n${WIRE_CUT_MARKER}`;
  }
  const lines = out === '' ? 0 : out.split('\n').length - (cut ? 1 : 0) - (!cut && out.endsWith('\n') ? 1 : 0);
  return { text: out, lines, cut, secrets: redacted.count };
}

/** Whether file bytes look binary (a NUL in the first 8 KiB, as git decides). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** "src/app.ts:12-40" (one line: "src/app.ts:12"). */
export function rangeLabel(path: string, startLine: number, endLine: number): string {
  return startLine === endLine ? `${path}:${startLine}` : `${path}:${startLine}-${endLine}`;
}

export interface ProblemLine {
  path: string;
  /** 0-based, as VS Code gives them. */
  line: number;
  character: number;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  source: string | null;
  code: string | number | null;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2, hint: 3 } as const;

/** The problems as lines, errors first then by place: "src/a.ts:3:9 error: Type … (ts 2322)". */
export function problemsText(problems: readonly ProblemLine[]): string {
  const sorted = [...problems].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.path.localeCompare(b.path) || a.line - b.line || a.character - b.character,
  );
  return sorted
    .map((p) => {
      const origin = [p.source, p.code].filter((x) => x !== null && x !== '').join(' ');
      return `${p.path}:${p.line + 1}:${p.character + 1} ${p.severity}: ${p.message.replace(/\s+/g, ' ').trim()}${origin ? ` (${origin})` : ''}`;
    })
    .join('\n');
}

/** A `git diff` without the sections of files that `excluded` says are private (their names included). */
export function dropPrivateDiffSections(diff: string, excluded: (path: string) => boolean): { text: string; dropped: number } {
  const sections = diff.split(/^(?=diff --git )/m);
  let dropped = 0;
  const kept = sections.filter((section) => {
    const m = /^diff --git a\/(.+?) b\/(.+)$/m.exec(section);
    if (!m) return true;
    if (excluded(m[1]!) || excluded(m[2]!)) {
      dropped++;
      return false;
    }
    return true;
  });
  return { text: kept.join(''), dropped };
}
