// Markdown for Alisa's replies: `marked` turns it into HTML, DOMPurify keeps only the tags and
// URLs a chat message needs, then code blocks get Copy / Insert buttons and links open outside
// the view. Raw HTML in a reply is shown as text (a reply about HTML stays readable and inert);
// images become links (the view loads nothing from the network).
import createDOMPurify, { type DOMPurify } from 'dompurify';
import { Marked } from 'marked';
import { escapeHtml } from '../util/escape-html';

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
  },
});

// `body` is the parse root DOMPurify walks from; without it some DOM implementations drop the
// first element along with the root. Nothing can produce a body tag: raw HTML is escaped above.
const ALLOWED_TAGS = [
  'body', 'p', 'br', 'hr', 'strong', 'em', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input', 'span',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start', 'align', 'type', 'checked', 'disabled'];
/** Only web and mail links; no javascript:, data:, file: or relative URLs. */
const SAFE_URL = /^(?:https?:|mailto:)/i;

let purifier: DOMPurify | null = null;
function purify(): DOMPurify {
  purifier ??= createDOMPurify(window);
  return purifier;
}

/** Sanitized HTML for a markdown text (no code-block buttons). */
export function markdownToSafeHtml(text: string): string {
  const html = marked.parse(text) as string;
  return purify().sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOWED_URI_REGEXP: SAFE_URL });
}

export interface CodeActionLabels {
  /** Show the Insert button (an editor is there to insert into). */
  insert: boolean;
}

/** Replaces the target's content with the rendered markdown. */
export function renderMarkdown(target: HTMLElement, text: string, opts: CodeActionLabels = { insert: true }): void {
  const html = marked.parse(text) as string;
  const fragment = purify().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URL,
    RETURN_DOM_FRAGMENT: true,
  });
  decorate(fragment, target.ownerDocument, opts);
  target.replaceChildren(fragment);
}

function decorate(root: DocumentFragment, doc: Document, opts: CodeActionLabels): void {
  for (const a of root.querySelectorAll('a')) {
    const href = a.getAttribute('href');
    if (href === null || !SAFE_URL.test(href)) {
      a.removeAttribute('href');
      continue;
    }
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
    if (!a.hasAttribute('title')) a.setAttribute('title', href);
  }
  for (const input of root.querySelectorAll('input')) {
    if (input.getAttribute('type') !== 'checkbox') input.remove();
    else input.setAttribute('disabled', '');
  }
  for (const pre of root.querySelectorAll('pre')) {
    const code = pre.querySelector('code');
    if (!code) continue;
    const language = /(?:^|\s)language-([\w+#.-]+)/.exec(code.getAttribute('class') ?? '')?.[1] ?? '';
    const block = doc.createElement('div');
    block.className = 'code-block';
    if (language) block.dataset.language = language;
    const bar = doc.createElement('div');
    bar.className = 'code-toolbar';
    const lang = doc.createElement('span');
    lang.className = 'code-lang';
    lang.textContent = language || 'code';
    bar.append(lang, button(doc, 'copy', 'Copy', 'Copy code'));
    if (opts.insert) bar.append(button(doc, 'insert', 'Insert', 'Insert code at cursor'));
    pre.setAttribute('tabindex', '0');
    pre.replaceWith(block);
    block.append(bar, pre);
  }
}

function button(doc: Document, action: 'copy' | 'insert', text: string, label: string): HTMLButtonElement {
  const b = doc.createElement('button');
  b.type = 'button';
  b.className = 'code-btn';
  b.dataset.codeAction = action;
  b.setAttribute('aria-label', label);
  b.textContent = text;
  return b;
}

/** The code and language of the block a Copy / Insert button belongs to. */
export function codeOfButton(buttonEl: Element): { action: 'copy' | 'insert'; code: string; language?: string } | null {
  const action = buttonEl.getAttribute('data-code-action');
  const block = buttonEl.closest('.code-block');
  const code = block?.querySelector('pre code');
  if ((action !== 'copy' && action !== 'insert') || !block || !code) return null;
  const language = block.getAttribute('data-language') ?? undefined;
  // marked ends a code block with a newline; the code itself does not.
  return { action, code: (code.textContent ?? '').replace(/\n$/, ''), ...(language ? { language } : {}) };
}
