// Code in her replies, in real Chromium (playwright-core, /usr/bin/chromium) with the real
// stylesheet (dist/webview-style.css) and the real message list, markdown and highlighter: a
// small page script built here with esbuild runs under the webview's own Content-Security-Policy
// (common/webview-html.ts: scripts only by nonce) and loads the language scripts of dist/hljs/
// as the product does. Served from a fake origin through page.route, nothing listens on a port.
//
// Asserted, at the default sidebar width (300 px): a 400-character code line scrolls inside its
// block and a 200-character inline code wraps, so neither the page nor the message list scrolls
// sideways; the Python block is highlighted after its language script loads, with no CSP
// violation; token colours come from VS Code's variables when they are there and from the light
// or dark fallbacks in a plain browser.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderWebviewHtml } from '../common/webview-html';
import { bundlePageScript, CHROMIUM, launchChromium, ROOT } from './helpers/webview-chromium';

const MISSING = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium); the code layout test renders in it`;
if (MISSING) console.log(`SKIPPED webview-code-layout: ${MISSING}`);

const ORIGIN = 'http://alisa.test';
const NONCE = 'Y29kZWxheW91dHRlc3Q';

const LONG_LINE = `x = "${'a'.repeat(400)}"`;
const LONG_INLINE = 'b'.repeat(200);
const REPLY = [
  'Here you go:',
  '',
  '```python',
  'def greet(name):',
  '    return f"hi {name}"  # a comment',
  LONG_LINE,
  '```',
  '',
  `And a long name inline: \`${LONG_INLINE}\` in a sentence.`,
].join('\n');

/** The page script: the real message list showing one finished reply, languages loaded as in main.ts. */
const ENTRY = `
import { scriptLanguageLoader, setLanguageLoader } from './webview/chat/highlight';
import { MessageListView } from './webview/ui/message-list-view';
const s = document.currentScript;
setLanguageLoader(scriptLanguageLoader(window, s.src, s.nonce));
window.showReply = (text) => {
  const list = new MessageListView(document.getElementById('messages'), { canInsert: true, onCodeAction: () => {}, onLoadEarlier: () => {}, onScroll: () => {} });
  list.sync([{ key: 'r1', id: 1, sessionId: 1, role: 'assistant', text, emotion: 'neutral', status: 'complete', pending: false, spontaneous: false, error: null, replyId: '1', createdAt: 1700000000000 }]);
};
`;

/** The policy the product's page carries, for a page served from its own origin (as the companion does). */
const CSP = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(
  renderWebviewHtml({ scriptUri: '/page.js', styleUri: '/webview-style.css', cspSource: "'self'", nonce: NONCE, avatarSvg: '' }),
)![1]!;

const PAGE = `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="/webview-style.css">
</head><body>
<div id="app" class="app"><div id="messages" class="messages" role="log"></div></div>
<script nonce="${NONCE}" src="/page.js"></script>
</body></html>`;

describe.skipIf(MISSING !== null)(MISSING ? `code layout (skipped: ${MISSING})` : 'code blocks in Chromium at 300 px', () => {
  let browser: Browser;
  let pageScript: string;
  const served: string[] = [];

  beforeAll(async () => {
    pageScript = await bundlePageScript(ENTRY, 'ts');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(colorScheme: 'light' | 'dark', vscodeVars?: Record<string, string>): Promise<{ page: Page; violations: string[] }> {
    const context = await browser.newContext({ viewport: { width: 300, height: 600 }, colorScheme });
    const page = await context.newPage();
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    await page.route(`${ORIGIN}/**`, async (route) => {
      const { pathname } = new URL(route.request().url());
      served.push(pathname);
      const lang = /^\/hljs\/([a-z0-9-]+)\.js$/.exec(pathname)?.[1];
      if (pathname === '/') return route.fulfill({ contentType: 'text/html', body: PAGE });
      if (pathname === '/page.js') return route.fulfill({ contentType: 'text/javascript', body: pageScript });
      if (pathname === '/webview-style.css')
        return route.fulfill({ contentType: 'text/css', body: readFileSync(path.join(ROOT, 'dist', 'webview-style.css')) });
      if (lang && existsSync(path.join(ROOT, 'dist', 'hljs', `${lang}.js`))) {
        return route.fulfill({ contentType: 'text/javascript', body: readFileSync(path.join(ROOT, 'dist', 'hljs', `${lang}.js`)) });
      }
      return route.fulfill({ status: 404, body: 'not found' });
    });
    await page.goto(`${ORIGIN}/`);
    if (vscodeVars) {
      await page.evaluate((vars) => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      }, vscodeVars);
    }
    await page.evaluate((text) => (window as unknown as { showReply(t: string): void }).showReply(text), REPLY);
    await page.waitForSelector('code[data-highlighted="python"]', { timeout: 10_000 });
    return { page, violations };
  }

  it('scrolls long code inside its block and wraps long inline code: nothing scrolls sideways', async () => {
    const { page, violations } = await open('dark');
    const m = await page.evaluate(() => {
      const list = document.getElementById('messages')!;
      const pre = document.querySelector('.code-block pre')!;
      const inline = [...document.querySelectorAll('.msg-body p code')].find((c) => (c.textContent ?? '').length >= 200)!;
      return {
        docScroll: document.documentElement.scrollWidth,
        docClient: document.documentElement.clientWidth,
        listScroll: list.scrollWidth,
        listClient: list.clientWidth,
        preScroll: pre.scrollWidth,
        preClient: pre.clientWidth,
        preOverflowX: getComputedStyle(pre).overflowX,
        inlineRight: inline.getBoundingClientRect().right,
        inlineLines: inline.getClientRects().length,
        listRight: list.getBoundingClientRect().right,
      };
    });
    expect(m.docScroll).toBeLessThanOrEqual(m.docClient);
    expect(m.listScroll).toBeLessThanOrEqual(m.listClient);
    // The 400-character line is in the block, which scrolls by itself.
    expect(m.preOverflowX).toBe('auto');
    expect(m.preScroll).toBeGreaterThan(m.preClient * 2);
    // The inline code wraps onto several lines inside the list.
    expect(m.inlineLines).toBeGreaterThan(1);
    expect(m.inlineRight).toBeLessThanOrEqual(m.listRight);
    expect(violations).toEqual([]);
    expect(served).toContain('/hljs/python.js');
    await page.context().close();
  });

  it('colours tokens from VS Code variables, or from light and dark fallbacks in a browser', async () => {
    const colours = async (page: Page) =>
      page.evaluate(() => {
        const code = document.querySelector('code[data-highlighted]')!;
        const of = (sel: string) => getComputedStyle(code.querySelector(sel)!).color;
        return {
          base: getComputedStyle(code).color,
          keyword: of('.hljs-keyword'),
          string: of('.hljs-string'),
          comment: of('.hljs-comment'),
          title: of('.hljs-title'),
        };
      });
    const dark = await open('dark');
    const d = await colours(dark.page);
    const light = await open('light');
    const l = await colours(light.page);
    for (const c of [d, l]) {
      expect(new Set([c.base, c.keyword, c.string, c.comment]).size, JSON.stringify(c)).toBe(4);
    }
    expect(d.keyword).not.toBe(l.keyword);
    expect(d.string).not.toBe(l.string);
    const vs = await open('light', {
      '--vscode-editor-foreground': 'rgb(10, 10, 10)',
      '--vscode-debugTokenExpression-boolean': 'rgb(1, 2, 3)',
      '--vscode-debugTokenExpression-string': 'rgb(4, 5, 6)',
      '--vscode-symbolIcon-functionForeground': 'rgb(7, 8, 9)',
    });
    const v = await colours(vs.page);
    expect(v.keyword).toBe('rgb(1, 2, 3)');
    expect(v.string).toBe('rgb(4, 5, 6)');
    expect(v.title).toBe('rgb(7, 8, 9)');
    for (const o of [dark, light, vs]) {
      expect(o.violations).toEqual([]);
      await o.page.context().close();
    }
  });
});
