// What a message drew on (issue 17), under it: a user message's chips ("Attached: src/app.ts,
// @problems") and a reply's sources ("Sources: src/app.ts:12-40"). In VS Code a source with a
// path is a link that opens the file at its line (`ui.openSource`, the host refuses anything
// outside the workspace); in a browser, with no editor to open it in, it is plain text.
import type { SourceRef } from '../../protocol';
import { el } from './dom';

/** Fills `node` with the message's sources (hidden when it has none). `open` absent: plain text. */
export function renderSources(node: HTMLElement, role: string, sources: readonly SourceRef[] | undefined, open?: (ref: SourceRef) => void): void {
  if (!sources?.length) {
    node.hidden = true;
    node.replaceChildren();
    return;
  }
  const user = role === 'user';
  const items = sources.map((ref) => {
    if (!user && open && ref.path !== undefined) {
      const line = ref.startLine;
      const link = el('a', {
        class: 'msg-source-link',
        href: '#',
        'data-kind': ref.kind,
        title: `Open ${ref.path}${line ? ` at line ${line}` : ''}`,
        text: ref.label,
      });
      link.addEventListener('click', (ev) => {
        ev.preventDefault();
        open(ref);
      });
      return el('li', { class: 'msg-source' }, link);
    }
    return el('li', { class: user ? 'msg-source msg-source-chip' : 'msg-source', 'data-kind': ref.kind, text: ref.label });
  });
  const heading = user ? 'Attached' : 'Sources';
  node.hidden = false;
  node.replaceChildren(
    el('span', { class: 'msg-sources-heading', text: `${heading}:` }),
    el('ul', { class: 'msg-sources-list', 'aria-label': heading }, ...items),
  );
}
