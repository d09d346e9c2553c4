// Search results: the companion marks matched terms in a snippet with `[[` and `]]`. The
// snippet is message text (anything a user or a model wrote), so everything is escaped and the
// only markup produced is our own <mark>. Unbalanced markers are tolerated: an unclosed `[[`
// marks to the end, a stray `]]` stays as text.
import { escapeHtml } from '../../common/escape-html';

interface SnippetPart {
  text: string;
  match: boolean;
}

export function parseSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let rest = snippet;
  while (rest !== '') {
    const open = rest.indexOf('[[');
    if (open < 0) {
      parts.push({ text: rest, match: false });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open), match: false });
    const close = rest.indexOf(']]', open + 2);
    const end = close < 0 ? rest.length : close;
    const matched = rest.slice(open + 2, end);
    if (matched !== '') parts.push({ text: matched, match: true });
    rest = close < 0 ? '' : rest.slice(close + 2);
  }
  // Neighbouring parts of the same kind read better as one.
  return parts.reduce<SnippetPart[]>((acc, p) => {
    const last = acc[acc.length - 1];
    if (last && last.match === p.match) last.text += p.text;
    else acc.push({ ...p });
    return acc;
  }, []);
}

/** Safe HTML for a snippet: escaped text with matches in <mark>. */
export function renderSnippetHtml(snippet: string): string {
  return parseSnippet(snippet)
    .map((p) => (p.match ? `<mark>${escapeHtml(p.text)}</mark>` : escapeHtml(p.text)))
    .join('');
}
