// The chat messages that carry code from the editor ("Ask About Selection", "Explain This
// File"): the file's workspace-relative path, its language, and the text in a fenced block, cut
// to a size a local model can take. Secrets in the code are redacted here, at the door (the
// same module as every other door). No `vscode` import: unit-tested in vitest.
import { redactSecrets } from '../common/privacy/redact';

/** Code beyond this many characters is cut (a small model's context holds a few thousand tokens). */
export const MAX_CODE_CHARS = 20_000;

interface CodeSource {
  /** Workspace-relative path (or the file name for files outside the workspace). */
  path: string;
  /** VS Code language id, used as the fence's info string. */
  language: string;
  text: string;
}

/** A fence longer than any backtick run inside the code, so the code cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function cut(text: string, max: number): { text: string; note: string } {
  if (text.length <= max) return { text, note: '' };
  const kb = (n: number) => `${Math.round(n / 1024)} KB`;
  return { text: text.slice(0, max), note: `\n(Only the first ${kb(max)} of ${kb(text.length)} are included.)` };
}

export function selectionMessage(src: CodeSource, max = MAX_CODE_CHARS): string {
  const { text, note } = cut(redactSecrets(src.text).text, max);
  const fence = fenceFor(text);
  return `About this code from \`${src.path}\` (${src.language}):\n${fence}${src.language}\n${text}\n${fence}${note}`;
}

export function explainFileMessage(src: CodeSource, max = MAX_CODE_CHARS): string {
  const { text, note } = cut(redactSecrets(src.text).text, max);
  const fence = fenceFor(text);
  return `Explain this file: \`${src.path}\` (${src.language}).\n${fence}${src.language}\n${text}\n${fence}${note}`;
}
