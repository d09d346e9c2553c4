// The proposal in Alisa's reply (pure): the last fenced code block, and the document it makes
// when it replaces the excerpt she was shown, if that excerpt is still what the file holds.

interface CodeBlock {
  code: string;
  language: string | null;
}

/**
 * The last fenced code block (``` or ~~~, three or more) of `text`; an unclosed final fence runs
 * to the end of the text (a reply cut off right at the closing fence still counts). Null when
 * there is none.
 */
export function extractLastCodeBlock(text: string): CodeBlock | null {
  const lines = text.split(/\r?\n/);
  let last: CodeBlock | null = null;
  let open: { fence: string; language: string | null; body: string[] } | null = null;
  for (const line of lines) {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/.exec(line);
      if (m) open = { fence: m[1]!, language: m[2] ? m[2] : null, body: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      last = { code: open.body.join('\n'), language: open.language };
      open = null;
    } else open.body.push(line);
  }
  if (open && open.body.length > 0) last = { code: open.body.join('\n'), language: open.language };
  return last;
}

type ApplyResult =
  | {
      ok: true;
      /** The whole proposed document. */
      text: string;
      changed: boolean;
      /** The same change as an edit: lines startLine..startLine + lineCount - 1 become newText. */
      edit: { startLine: number; lineCount: number; newText: string };
    }
  | { ok: false; reason: 'stale' | 'out-of-range' };

/**
 * Replaces lines `startLine`..`startLine + excerpt lines - 1` of `documentText` with `code`.
 * Fails with 'stale' when those lines are no longer the excerpt (the file changed since), and
 * with 'out-of-range' when the file is now shorter. Line endings follow the document's.
 */
export function applyProposal(documentText: string, excerpt: string, startLine: number, code: string): ApplyResult {
  const eol = documentText.includes('\r\n') ? '\r\n' : '\n';
  const docLines = documentText.split(/\r?\n/);
  const exLines = excerpt.split(/\r?\n/);
  if (startLine < 0 || startLine + exLines.length > docLines.length) return { ok: false, reason: 'out-of-range' };
  const current = docLines.slice(startLine, startLine + exLines.length);
  const same = current.every((l, i) => l.trimEnd() === exLines[i]!.trimEnd());
  if (!same) return { ok: false, reason: 'stale' };
  let replacement = code.split(/\r?\n/);
  // A block ending in a newline would add an empty line the excerpt did not have.
  if (replacement.length > 1 && replacement[replacement.length - 1] === '' && exLines[exLines.length - 1] !== '') replacement = replacement.slice(0, -1);
  const next = [...docLines.slice(0, startLine), ...replacement, ...docLines.slice(startLine + exLines.length)];
  const text = next.join(eol);
  return { ok: true, text, changed: text !== documentText, edit: { startLine, lineCount: exLines.length, newText: replacement.join(eol) } };
}

/** The message when the proposal cannot be applied, in plain words. */
export function notCleanMessage(fileName: string, reason: 'stale' | 'out-of-range'): string {
  return reason === 'stale'
    ? `The proposal does not apply cleanly: ${fileName} changed since Alisa looked at it.`
    : `The proposal does not apply cleanly: ${fileName} is shorter than when Alisa looked at it.`;
}
