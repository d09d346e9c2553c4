// @vitest-environment happy-dom
// Syntax highlighting of code blocks (webview/chat/highlight.ts through markdown.ts), with the
// language definitions loaded from node_modules by a test loader instead of <script> tags (the
// script loader runs in tests/webview-code-layout.test.ts, in Chromium under the real CSP).
//
// Asserted: fence names map to the shipped languages as highlight.js names them; code is
// highlighted into escaped spans (a `<script>` or `<img onerror>` in the code stays text, and
// output that is not plain spans is refused); a streaming reply highlights each code block once,
// when it is complete, never the growing block, keeps the highlighted nodes to the end, and ends
// as a full render does; a language that arrives late highlights its block if it is still shown;
// Copy and Insert hand over the plain code of a highlighted block.
import { createRequire } from 'node:module';
import type { LanguageFn } from 'highlight.js';
import hljs from 'highlight.js/lib/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import LANGUAGES from '../webview/chat/code-languages.json';
import { codeHighlightCount, ensureLanguage, languageModule, setLanguageLoader } from '../webview/chat/highlight';
import { codeOfButton, MarkdownStream, renderMarkdown } from '../webview/chat/markdown';
import { framedMessageList, streamingReply, tokens } from './helpers/webview-message-list';

const require = createRequire(import.meta.url);
const definition = (name: string): LanguageFn => require(`highlight.js/lib/languages/${name}`) as LanguageFn;

/** Loads from node_modules, recording what was asked for. */
let asked: string[] = [];
const nodeLoader = async (name: string): Promise<LanguageFn> => {
  asked.push(name);
  return definition(name);
};

/** Lets pending promise callbacks run (the loader's, then highlightCode's). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function shown(text: string): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  renderMarkdown(el, text, { insert: true });
  return el;
}

beforeEach(() => {
  asked = [];
  setLanguageLoader(nodeLoader);
});

afterEach(() => {
  setLanguageLoader(null);
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('code languages', () => {
  it('maps fence names to the shipped modules as highlight.js names them', () => {
    expect(languageModule('ts')).toBe('typescript');
    expect(languageModule('TSX')).toBe('typescript');
    expect(languageModule('py')).toBe('python');
    expect(languageModule('c++')).toBe('cpp');
    expect(languageModule('sh')).toBe('bash');
    expect(languageModule('html')).toBe('xml');
    expect(languageModule('yml')).toBe('yaml');
    expect(languageModule('no-such-language')).toBeNull();
    // The common set is shipped.
    for (const l of ['ts', 'js', 'json', 'python', 'bash', 'css', 'html', 'go', 'rust', 'java', 'c', 'cpp', 'csharp', 'diff', 'yaml', 'markdown', 'sql']) {
      expect(languageModule(l), l).not.toBeNull();
    }
    // The list's aliases are highlight.js's own for each module (a new version that renames one fails here).
    for (const [name, aliases] of Object.entries(LANGUAGES as Record<string, string[]>)) {
      const own = (definition(name)(hljs).aliases ?? []).map((a) => a.toLowerCase()).filter((a) => a !== name);
      expect(aliases, name).toEqual(own);
    }
  });
});

describe('highlighting', () => {
  it('highlights a complete block into spans once its language has loaded', async () => {
    const el = shown('Look:\n\n```python\ndef f(x):\n    return "hi"  # done\n```\n');
    const code = el.querySelector<HTMLElement>('.code-block pre code')!;
    expect(asked).toEqual(['python']);
    await settle();
    expect(code.getAttribute('data-highlighted')).toBe('python');
    expect(code.classList.contains('hljs')).toBe(true);
    expect(code.querySelector('.hljs-keyword')?.textContent).toBe('def');
    expect(code.querySelector('.hljs-string')?.textContent).toBe('"hi"');
    expect(code.querySelector('.hljs-comment')?.textContent).toBe('# done');
    expect(code.textContent).toBe('def f(x):\n    return "hi"  # done\n');
    // Loaded: the next block in it is highlighted at once, without asking again.
    const next = shown('```py\nx = 1\n```');
    expect(next.querySelector('code')?.getAttribute('data-highlighted')).toBe('python');
    expect(asked).toEqual(['python']);
  });

  it('leaves unknown languages, blocks without one and a page without a loader as plain text', async () => {
    const el = shown('```klingon\nqapla\n```\n\n```\nplain\n```');
    await settle();
    expect(asked).toEqual([]);
    expect(el.querySelector('[data-highlighted], .hljs, pre span')).toBeNull();
    setLanguageLoader(null);
    const off = shown('```go\nfunc main() {}\n```');
    await settle();
    expect(off.querySelector('[data-highlighted]')).toBeNull();
    expect(asked).toEqual([]);
  });

  it('keeps markup in code as text: no script, no img, no handler reaches the page', async () => {
    await ensureLanguage('xml');
    await ensureLanguage('javascript');
    const evil = [
      '```html',
      '<script>globalThis.pwned = 1</script>',
      '<img src=x onerror="globalThis.pwned = 2">',
      '</code></pre><img src=y onerror=alert(1)>',
      '```',
      '',
      '```js',
      'el.innerHTML = "<img src=x onerror=alert(1)>"; // <script>',
      '```',
    ].join('\n');
    const el = shown(evil);
    const codes = [...el.querySelectorAll<HTMLElement>('pre code')];
    expect(codes.map((c) => c.getAttribute('data-highlighted'))).toEqual(['xml', 'javascript']);
    expect(codes[0]!.querySelectorAll('span').length).toBeGreaterThan(3);
    expect(el.querySelector('script, img, iframe, [onerror], [onload], [onclick]')).toBeNull();
    expect(codes[0]!.textContent).toBe(
      '<script>globalThis.pwned = 1</script>\n<img src=x onerror="globalThis.pwned = 2">\n</code></pre><img src=y onerror=alert(1)>\n',
    );
    expect(codes[1]!.textContent).toContain('"<img src=x onerror=alert(1)>"; // <script>');
    expect(el.innerHTML).toContain('&lt;script&gt;');
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it('refuses highlighter output that is more than spans and text, keeping the plain code', async () => {
    await ensureLanguage('python');
    vi.spyOn(hljs, 'highlight').mockReturnValue({ value: '<img src=x onerror="globalThis.pwned = 3">x = 1\n' } as ReturnType<typeof hljs.highlight>);
    const el = shown('```python\nx = 1\n```');
    const code = el.querySelector('pre code')!;
    expect(hljs.highlight).toHaveBeenCalledTimes(1);
    expect(code.querySelector('img')).toBeNull();
    expect(code.hasAttribute('data-highlighted')).toBe(false);
    expect(code.textContent).toBe('x = 1\n');
    vi.mocked(hljs.highlight).mockReturnValue({ value: '<span class="hljs-keyword">y</span> = 1\n' } as ReturnType<typeof hljs.highlight>);
    // Spans, but not the same text: refused too.
    const other = shown('```python\nx = 1\n```');
    expect(other.querySelector('pre code')!.textContent).toBe('x = 1\n');
  });
});

const REPLY = [
  'First, the function:',
  '',
  '```ts',
  'export function add(a: number, b: number): number {',
  '  return a + b; // sum',
  '}',
  '```',
  '',
  'Then run it:',
  '',
  '```bash',
  'npx tsx add.ts && echo "done"',
  '```',
  '',
  'And the config:',
  '',
  '```json',
  '{ "strict": true, "n": 3 }',
  '```',
].join('\n');

describe('streaming', () => {
  it('highlights each block once, when it is complete, and keeps it to the end', async () => {
    const el = document.createElement('div');
    document.body.append(el);
    const stream = new MarkdownStream(el, { insert: true });
    const before = codeHighlightCount();
    let text = '';
    const firstBlockDone = REPLY.indexOf('\n\nThen run it');
    let firstCode: HTMLElement | null = null;
    for (const t of tokens(REPLY)) {
      text += t;
      stream.render(text, false);
      // A frame later (as the message list renders): loaders and pending highlights have run.
      await settle();
      const codes = [...el.querySelectorAll<HTMLElement>('pre code')];
      // The growing last block is never highlighted while the reply streams.
      const last = el.lastElementChild;
      if (last?.matches('.code-block')) expect(last.querySelector('[data-highlighted]')).toBeNull();
      if (text.length > firstBlockDone + 3 && !firstCode) {
        firstCode = codes[0]!;
        expect(firstCode.getAttribute('data-highlighted')).toBe('typescript');
      }
      if (firstCode) expect(el.querySelector('pre code')).toBe(firstCode);
    }
    // The first two blocks are complete; the json block is still the growing one.
    expect(codeHighlightCount() - before).toBe(2);
    stream.render(text, true);
    await settle();
    // The end: only the last block is highlighted now; the others are the same nodes.
    expect(codeHighlightCount() - before).toBe(3);
    expect(el.querySelector('pre code')).toBe(firstCode);
    expect([...el.querySelectorAll('pre code')].map((c) => c.getAttribute('data-highlighted'))).toEqual(['typescript', 'bash', 'json']);
    expect(asked.sort()).toEqual(['bash', 'json', 'typescript']);
    // What is shown equals a full render of the text.
    expect(el.innerHTML).toBe(shown(REPLY).innerHTML);
  });

  it('highlights a block whose language arrives late, unless it was replaced meanwhile', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    setLanguageLoader(async (name) => {
      await gate;
      return definition(name);
    });
    const el = document.createElement('div');
    document.body.append(el);
    const stream = new MarkdownStream(el, { insert: true });
    stream.render('```go\nfunc main() {}\n```\n\nand more', false);
    const kept = el.querySelector<HTMLElement>('pre code')!;
    const gone = document.createElement('div');
    document.body.append(gone);
    renderMarkdown(gone, '```go\nvar x = 1\n```');
    const goneCode = gone.querySelector('pre code')!;
    gone.remove();
    const before = codeHighlightCount();
    expect(kept.hasAttribute('data-highlighted')).toBe(false);
    release();
    await settle();
    expect(kept.getAttribute('data-highlighted')).toBe('go');
    expect(goneCode.hasAttribute('data-highlighted')).toBe(false);
    expect(codeHighlightCount() - before).toBe(1);
  });

  it('in the message list: one render per frame, each block highlighted once, Copy and Insert give the plain code', async () => {
    const actions: Array<[string, string, string | undefined]> = [];
    const { list, root, frames } = framedMessageList((a, c, l) => actions.push([a, c, l]));
    const reply = streamingReply;
    list.sync([reply('', 'streaming')]);
    const before = codeHighlightCount();
    let text = '';
    for (const t of tokens(REPLY)) {
      text += t;
      list.update('r1', reply(text, 'streaming'));
      if (text.length % 20 === 0) {
        frames.shift()?.();
        await settle();
      }
    }
    frames.shift()?.();
    await settle();
    list.update('r1', reply(text, 'complete'));
    frames.shift()!();
    await settle();
    expect(codeHighlightCount() - before).toBe(3);
    const body = root.querySelector('.msg-body')!;
    expect([...body.querySelectorAll('pre code')].map((c) => c.getAttribute('data-highlighted'))).toEqual(['typescript', 'bash', 'json']);
    const copy = body.querySelector<HTMLButtonElement>('.code-block [data-code-action="copy"]')!;
    const insert = [...body.querySelectorAll<HTMLButtonElement>('.code-block [data-code-action="insert"]')][1]!;
    copy.click();
    insert.click();
    expect(actions).toEqual([
      ['copy', 'export function add(a: number, b: number): number {\n  return a + b; // sum\n}', 'ts'],
      ['insert', 'npx tsx add.ts && echo "done"', 'bash'],
    ]);
    expect(codeOfButton(copy)?.code).toBe(actions[0]![1]);
    root.remove();
  });
});
