// A fix in a few words, for the memory of fixes that worked (issue 17): "adding `await`",
// "removing `as any`", "changing `==` to `===`", and a small excerpt of the diff. Pure (no
// `vscode`); secrets are redacted in both, so neither carries a value the user would not want kept.
import { redactSecrets } from '../../common/privacy/redact';
import { splitLines } from './line-diff';

const WORDS_MAX = 50;
const DIFF_LINES = 3;
const DIFF_LINE_MAX = 90;
export const DIFF_MAX = 300;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const code = (s: string) => `\`${cut(s.trim().replace(/`/g, "'"), WORDS_MAX)}\``;

/** Lines `old` and `new` differ in, without the lines they share at both ends. */
function changedLines(oldText: string, newText: string): { removed: string[]; added: string[] } {
  const a = splitLines(oldText.replace(/\r\n/g, '\n'));
  const b = splitLines(newText.replace(/\r\n/g, '\n'));
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return { removed: a.slice(start, endA), added: b.slice(start, endB) };
}

/** Within one changed line: what was taken out and what was put in (token-aligned, trimmed). */
function inLine(before: string, after: string): { out: string; in: string } {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  // Back to whole tokens, so "awai|t" does not show as "t", nor "==" to "===" as adding "=": word
  // characters join words, operator characters join operators; other punctuation (quotes, `;`,
  // brackets) stands alone.
  const cls = (c: string | undefined) => (c === undefined ? 'x' : /\w/.test(c) ? 'w' : /[=<>!&|+\-*/%^~?:]/.test(c) ? 'o' : 'x');
  const joins = (c: string | undefined, ...next: Array<string | undefined>) => cls(c) !== 'x' && next.some((n) => cls(n) === cls(c));
  while (p > 0 && joins(before[p - 1], before[p], after[p])) p--;
  while (s > 0 && joins(before[before.length - s], before[before.length - s - 1], after[after.length - s - 1])) s--;
  return { out: before.slice(p, before.length - s).trim(), in: after.slice(p, after.length - s).trim() };
}

/**
 * The change from `oldText` to `newText` in a few words, and a diff excerpt ("- old" / "+ new"
 * lines, a few of each); null when nothing changed.
 */
export function describeChange(oldText: string, newText: string): { summary: string; diff: string } | null {
  const { removed, added } = changedLines(oldText, newText);
  if (removed.length === 0 && added.length === 0) return null;
  let summary: string;
  if (removed.length === 1 && added.length === 1) {
    const d = inLine(removed[0]!, added[0]!);
    summary = d.out === '' ? `adding ${code(d.in)}` : d.in === '' ? `removing ${code(d.out)}` : `changing ${code(d.out)} to ${code(d.in)}`;
  } else if (removed.length === 0) {
    summary = `adding ${code(added.find((l) => l.trim() !== '') ?? '')}${added.length > 1 ? ` (${added.length} lines)` : ''}`;
  } else if (added.length === 0) {
    summary = `removing ${code(removed.find((l) => l.trim() !== '') ?? '')}${removed.length > 1 ? ` (${removed.length} lines)` : ''}`;
  } else {
    summary = `rewriting ${removed.length === 1 ? 'a line' : `${removed.length} lines`} (${code(added.find((l) => l.trim() !== '') ?? '')})`;
  }
  const excerpt = (sign: string, lines: string[]) =>
    lines
      .filter((l) => l.trim() !== '')
      .slice(0, DIFF_LINES)
      .map((l) => `${sign} ${cut(l.trim(), DIFF_LINE_MAX)}`);
  const diff = cut([...excerpt('-', removed), ...excerpt('+', added)].join('\n'), DIFF_MAX);
  return { summary: cut(redactSecrets(summary).text, 120), diff: redactSecrets(diff).text.slice(0, DIFF_MAX) };
}
