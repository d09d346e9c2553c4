// Markdown for Alisa's replies: `marked` turns it into HTML, DOMPurify keeps only the tags and
// URLs a chat message needs, then code blocks get Copy / Insert / Apply… buttons and links open outside
// the view. Raw HTML in a reply is shown as text (a reply about HTML stays readable and inert);
// images become links (the view loads nothing from the network). Complete code blocks are
// syntax-highlighted (highlight.ts) after sanitizing, once each: never the block still growing.
import createDOMPurify, { type DOMPurify } from 'dompurify';
import { Marked, type Token } from 'marked';
import { escapeHtml } from '../../common/escape-html';
import { highlightCode, preloadLanguage, unhighlight } from './highlight';

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
  'body',
  'p',
  'br',
  'hr',
  'strong',
  'em',
  'del',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'input',
  'span',
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

interface CodeActionLabels {
  /** Show the Insert and Apply… buttons (an editor is there to insert into, files to apply to). */
  insert: boolean;
}

/**
 * What happens to code blocks: highlighted (complete), only their language fetched (a block
 * still growing: it is there once the block is complete), or left alone (highlighted later).
 */
type CodeMode = 'highlight' | 'preload' | 'none';

/** Replaces the target's content with the rendered markdown. */
export function renderMarkdown(target: HTMLElement, text: string, opts: CodeActionLabels = { insert: true }): void {
  target.replaceChildren(fragmentOf(marked.lexer(normalize(text)), target.ownerDocument, opts, 'highlight'));
}

/** Line endings as marked sees them (it does this itself; done first, token offsets match the text). */
function normalize(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n|\r/g, '\n') : text;
}

/** Sanitized, decorated DOM for block tokens. */
function fragmentOf(tokens: Token[], doc: Document, opts: CodeActionLabels, code: CodeMode): DocumentFragment {
  const html = marked.parser(tokens);
  const fragment = purify().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URL,
    RETURN_DOM_FRAGMENT: true,
  });
  decorate(fragment, doc, opts, code);
  return fragment;
}

/**
 * Markdown rendered into an element as a reply streams. Blocks that are complete (another block
 * has started after them: nothing appended later can change them) are rendered once and kept; on
 * each update only the text from the last block on is lexed and rendered again, so a reply costs
 * time linear in its length. `render(text, true)` at the end renders the whole text once and
 * keeps every node that came out the same (a link definition at the end, say, can still change
 * an earlier block), so the result is exactly `renderMarkdown` of the whole text.
 */
export class MarkdownStream {
  /** The text shown. */
  private text = '';
  /** `text` up to here is shown as complete blocks, in the target's first `stableNodes` nodes. */
  private stableEnd = 0;
  private stableNodes = 0;
  /** The nodes of the growing last block (after the complete ones). */
  private live: Node[] = [];
  private complete = false;

  constructor(
    private readonly target: HTMLElement,
    private readonly opts: CodeActionLabels = { insert: true },
  ) {}

  /** Shows `text`; `final` once it will not grow any more (the reply ended). */
  render(input: string, final: boolean): void {
    const text = normalize(input);
    if (text === this.text && final === this.complete && this.target.childNodes.length === this.stableNodes + this.live.length) return;
    if (final) return this.finish(text);
    if (this.complete || !text.startsWith(this.text.slice(0, this.stableEnd)) || this.target.childNodes.length !== this.stableNodes + this.live.length)
      this.reset();
    this.text = text;
    const doc = this.target.ownerDocument;
    const tail = text.slice(this.stableEnd);
    const tokens = marked.lexer(tail);
    let last = tokens.length - 1;
    while (last > 0 && tokens[last]!.type === 'space') last--;
    // Token offsets are trusted only when the tokens cover the text exactly.
    const covered = tokens.reduce((n, t) => n + t.raw.length, 0) === tail.length;
    const done = covered && last > 0 ? tokens.slice(0, last) : [];
    for (const node of this.live) node.parentNode?.removeChild(node);
    this.live = [];
    if (done.length > 0) {
      const fragment = fragmentOf(done, doc, this.opts, 'highlight');
      this.stableNodes += fragment.childNodes.length;
      this.stableEnd += done.reduce((n, t) => n + t.raw.length, 0);
      this.target.append(fragment);
    }
    const rest = done.length > 0 ? tokens.slice(last) : tokens;
    const fragment = fragmentOf(rest, doc, this.opts, 'preload');
    this.live = [...fragment.childNodes];
    this.target.append(fragment);
  }

  private finish(text: string): void {
    const doc = this.target.ownerDocument;
    const next = [...fragmentOf(marked.lexer(text), doc, this.opts, 'none').childNodes];
    const current = [...this.target.childNodes];
    for (let i = 0; i < Math.max(next.length, current.length); i++) {
      const have = current[i];
      const want = next[i];
      if (!want) have?.parentNode?.removeChild(have);
      else if (!have) this.target.append(want);
      else if (!sameAsRendered(have, want)) this.target.replaceChild(want, have);
    }
    // The last block is complete now, and so is any a late link definition changed: highlighted
    // (blocks highlighted before are skipped).
    for (const node of this.target.childNodes) highlightWithin(node);
    this.text = text;
    this.complete = true;
    this.stableEnd = text.length;
    this.stableNodes = this.target.childNodes.length;
    this.live = [];
  }

  private reset(): void {
    this.target.replaceChildren();
    this.text = '';
    this.stableEnd = 0;
    this.stableNodes = 0;
    this.live = [];
    this.complete = false;
  }
}

/** Whether a shown node is `want` (a fresh, unhighlighted render), its code highlighted or not. */
function sameAsRendered(have: Node, want: Node): boolean {
  if (have.isEqualNode(want)) return true;
  if (!(have instanceof Element) || !have.querySelector('code[data-highlighted]')) return false;
  const plain = have.cloneNode(true) as Element;
  for (const code of plain.querySelectorAll('code[data-highlighted]')) unhighlight(code);
  return plain.isEqualNode(want);
}

/** Highlights the complete code blocks in or at `node`. */
function highlightWithin(node: Node): void {
  if (!(node instanceof Element)) return;
  const blocks = node.matches('.code-block') ? [node] : [...node.querySelectorAll('.code-block')];
  for (const block of blocks) {
    const code = block.querySelector<HTMLElement>('pre code');
    const language = block.getAttribute('data-language');
    if (code && language) highlightCode(code, language);
  }
}

function decorate(root: DocumentFragment, doc: Document, opts: CodeActionLabels, mode: CodeMode): void {
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
    if (opts.insert)
      bar.append(button(doc, 'insert', 'Insert', 'Insert code at cursor'), button(doc, 'apply', 'Apply…', 'Apply to a file (shows a diff first)'));
    pre.setAttribute('tabindex', '0');
    pre.replaceWith(block);
    block.append(bar, pre);
    if (language && mode === 'highlight') highlightCode(code, language);
    else if (language && mode === 'preload') preloadLanguage(language);
  }
}

/** What a code block's buttons do: copy it, insert it at the cursor, apply it to a file through a diff. */
export type CodeAction = 'copy' | 'insert' | 'apply';

function button(doc: Document, action: CodeAction, text: string, label: string): HTMLButtonElement {
  const b = doc.createElement('button');
  b.type = 'button';
  b.className = 'code-btn';
  b.dataset.codeAction = action;
  b.setAttribute('aria-label', label);
  b.textContent = text;
  return b;
}

/** The code and language of the block a Copy / Insert button belongs to. */
export function codeOfButton(buttonEl: Element): { action: CodeAction; code: string; language?: string } | null {
  const action = buttonEl.getAttribute('data-code-action');
  const block = buttonEl.closest('.code-block');
  const code = block?.querySelector('pre code');
  if ((action !== 'copy' && action !== 'insert' && action !== 'apply') || !block || !code) return null;
  const language = block.getAttribute('data-language') ?? undefined;
  // marked ends a code block with a newline; the code itself does not.
  return { action, code: (code.textContent ?? '').replace(/\n$/, ''), ...(language ? { language } : {}) };
}
