// Syntax highlighting of the code blocks in her replies, with highlight.js. Only its core is in the
// page bundle; each language is a small script of its own (dist/hljs/<name>.js, built by
// scripts/build.mjs for every language in code-languages.json), loaded the first time a block in
// that language shows up. The loader (scriptLanguageLoader) adds a <script> with the page's own
// nonce, so the Content-Security-Policy stays `script-src 'nonce-…'` with nothing else allowed; the
// script hands its language to `window.__alisaCodeLanguage`. Without a loader (tests, or a page
// that did not set one up) code stays plain text.
//
// A block is highlighted once, when it is complete (MarkdownStream calls this only for blocks that
// nothing appended later can change), never on every token: highlighting the growing block on each
// frame would make a long code block cost quadratic time. When its language is still loading, the
// block is highlighted when it arrives, if it is still on the page.
//
// The model's text never reaches the page as HTML: highlight.js escapes the code it wraps in spans,
// and its output is parsed into an inert <template> and checked before it replaces the plain text
// (only <span class> elements, the same text as the code); anything else keeps the plain text.
import type { LanguageFn } from 'highlight.js';
import hljs from 'highlight.js/lib/core';
import LANGUAGES from './code-languages.json';

/** Loads a language definition by its module name (a key of code-languages.json). */
export type LanguageLoader = (name: string) => Promise<LanguageFn>;

/** Fence names (module names and their aliases, lower case) to module names. */
const MODULES = new Map<string, string>();
for (const [name, aliases] of Object.entries(LANGUAGES as Record<string, string[]>)) {
  MODULES.set(name, name);
  for (const alias of aliases) if (!MODULES.has(alias)) MODULES.set(alias, name);
}

let loader: LanguageLoader | null = null;
const loading = new Map<string, Promise<boolean>>();
let highlightCount = 0;
/** Longer blocks stay plain: highlighting runs on the page's thread, in one go. */
const MAX_HIGHLIGHT_CHARS = 100_000;

/** The language module for a fence's info string (`ts`, `Python`, `c++`), or null when none is shipped. */
export function languageModule(fence: string): string | null {
  return MODULES.get(fence.trim().toLowerCase()) ?? null;
}

/** Sets how languages are loaded (null: no highlighting). */
export function setLanguageLoader(next: LanguageLoader | null): void {
  loader = next;
  loading.clear();
}

/** How many times a block was highlighted since the page started (tests count re-highlights). */
export function codeHighlightCount(): number {
  return highlightCount;
}

/** Starts loading a language (a block in it is growing), so that it is there when the block is complete. */
export function preloadLanguage(fence: string): void {
  const name = languageModule(fence);
  if (name && loader && !hljs.getLanguage(name)) void ensureLanguage(name);
}

/**
 * Highlights a complete code block's `<code>` element: at once when its language is loaded, else
 * once it is (if the element is still on the page then). Unknown languages stay plain text.
 */
export function highlightCode(code: HTMLElement, fence: string): void {
  const name = languageModule(fence);
  if (!name || !loader || code.hasAttribute('data-highlighted')) return;
  if (hljs.getLanguage(name)) {
    apply(code, name);
    return;
  }
  void ensureLanguage(name).then((ok) => {
    if (ok && code.isConnected && !code.hasAttribute('data-highlighted')) apply(code, name);
  });
}

/** Resolves when the language is registered (false if it could not be loaded). */
export function ensureLanguage(name: string): Promise<boolean> {
  if (hljs.getLanguage(name)) return Promise.resolve(true);
  const current = loader;
  if (!current || !MODULES.has(name)) return Promise.resolve(false);
  let pending = loading.get(name);
  if (!pending) {
    pending = current(name).then(
      (language) => {
        hljs.registerLanguage(name, language);
        return true;
      },
      (err: unknown) => {
        console.warn(`Alisa: could not load syntax highlighting for ${name}: ${(err as Error)?.message ?? err}`);
        return false;
      },
    );
    loading.set(name, pending);
  }
  return pending;
}

function apply(code: HTMLElement, name: string): void {
  const source = code.textContent ?? '';
  if (source.length > MAX_HIGHLIGHT_CHARS) return;
  let html: string;
  try {
    html = hljs.highlight(source, { language: name, ignoreIllegals: true }).value;
  } catch {
    return;
  }
  highlightCount++;
  const template = code.ownerDocument.createElement('template');
  template.innerHTML = html;
  const content = template.content;
  if (!onlySpans(content) || content.textContent !== source) return;
  code.replaceChildren(content);
  code.classList.add('hljs');
  code.setAttribute('data-highlighted', name);
}

/** Whether the parsed output holds nothing but text and `<span class="…">` elements. */
function onlySpans(root: DocumentFragment): boolean {
  for (const el of root.querySelectorAll('*')) {
    if (el.tagName !== 'SPAN') return false;
    for (const attr of el.attributes) if (attr.name !== 'class') return false;
  }
  return true;
}

/** The plain-text form of a highlighted `<code>` (as it was before highlighting), in place. */
export function unhighlight(code: Element): void {
  if (!code.hasAttribute('data-highlighted')) return;
  const text = code.textContent;
  code.textContent = text;
  code.classList.remove('hljs');
  if (code.getAttribute('class') === '') code.removeAttribute('class');
  code.removeAttribute('data-highlighted');
}

declare global {
  interface Window {
    /** Called by each dist/hljs/<name>.js with its language. */
    __alisaCodeLanguage?: (name: string, language: LanguageFn) => void;
  }
}

/**
 * Loads `hljs/<name>.js` next to the page script as a <script> carrying the page's nonce (the
 * CSP allows nothing else). `scriptUrl` is the page script's own URL (document.currentScript).
 */
export function scriptLanguageLoader(win: Window, scriptUrl: string, nonce: string): LanguageLoader {
  const waiting = new Map<string, (language: LanguageFn) => void>();
  win.__alisaCodeLanguage = (name, language) => waiting.get(name)?.(language);
  return (name) =>
    new Promise<LanguageFn>((resolve, reject) => {
      if (!MODULES.has(name) || !/^[a-z0-9-]+$/.test(name)) {
        reject(new Error(`unknown language ${name}`));
        return;
      }
      const doc = win.document;
      const script = doc.createElement('script');
      script.nonce = nonce;
      script.async = true;
      script.src = new URL(`hljs/${name}.js`, scriptUrl).href;
      waiting.set(name, (language) => {
        waiting.delete(name);
        resolve(language);
      });
      const fail = (why: string) => {
        script.remove();
        if (!waiting.delete(name)) return;
        reject(new Error(why));
      };
      script.addEventListener('error', () => fail(`${script.src} did not load`));
      script.addEventListener('load', () => fail(`${script.src} registered no language`));
      (doc.head ?? doc.documentElement).append(script);
    });
}
