// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import { codeOfButton, markdownToSafeHtml, renderMarkdown } from '../webview/chat/markdown';

function render(text: string, insert = true): HTMLElement {
  const el = document.createElement('div');
  renderMarkdown(el, text, { insert });
  return el;
}

describe('markdown', () => {
  it('renders the usual markdown', () => {
    const el = render('# Title\n\nSome **bold** and `code`.\n\n- one\n- two');
    expect(el.querySelector('h1')?.textContent).toBe('Title');
    expect(el.querySelector('strong')?.textContent).toBe('bold');
    expect(el.querySelectorAll('li')).toHaveLength(2);
  });

  it('removes scripts and event handlers; raw HTML shows as text', () => {
    const el = render(
      'Hi <script>globalThis.pwned = 1</script> <img src=x onerror="globalThis.pwned = 2"> <b onclick="x()">b</b>\n\n<iframe src="https://evil.example"></iframe>',
    );
    expect(el.querySelector('script, img, iframe, [onerror], [onclick]')).toBeNull();
    expect(el.textContent).toContain('<script>globalThis.pwned = 1</script>');
    const html = markdownToSafeHtml('<script>alert(1)</script><svg onload=alert(1)>\n\n<a href="javascript:alert(1)">x</a>');
    expect(html).not.toMatch(/<(script|svg)/i);
    const div = document.createElement('div');
    div.innerHTML = html;
    expect(div.querySelector('script, svg, [onload], [href^="javascript"]')).toBeNull();
  });

  it('sanitizes what marked lets through (links are not checked by marked)', () => {
    // No decoration here: only DOMPurify stands between these URLs and the page.
    const html = markdownToSafeHtml('# Head\n\n[a](javascript:alert(1)) [b](data:text/html;base64,PHNjcmlwdD4=) [c](https://ok.example/)');
    const div = document.createElement('div');
    div.innerHTML = html;
    expect(div.querySelector('h1')?.textContent).toBe('Head');
    expect([...div.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([null, null, 'https://ok.example/']);
  });

  it('drops javascript:, data: and other unsafe links, and opens web links outside', () => {
    const el = render(
      '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,<script>alert(1)</script>) [d](https://example.com/x) [e](vbscript:x) ![img](javascript:alert(1))',
    );
    const links = [...el.querySelectorAll('a')];
    const hrefs = links.map((a) => a.getAttribute('href')).filter((h) => h !== null);
    expect(hrefs).toEqual(['https://example.com/x']);
    const web = links.find((a) => a.getAttribute('href') === 'https://example.com/x')!;
    expect(web.getAttribute('target')).toBe('_blank');
    expect(web.getAttribute('rel')).toContain('noopener');
    expect(el.innerHTML).not.toMatch(/javascript:|data:text|vbscript:/i);
  });

  it('gives code blocks Copy, Insert and Apply… buttons that hand over the code', () => {
    const el = render('Look:\n\n```ts\nconst a = 1 < 2;\n```\n');
    const block = el.querySelector('.code-block')!;
    expect(block.getAttribute('data-language')).toBe('ts');
    const buttons = [...block.querySelectorAll('button')];
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual(['Copy code', 'Insert code at cursor', 'Apply to a file (shows a diff first)']);
    expect(buttons.map((b) => b.getAttribute('data-code-action'))).toEqual(['copy', 'insert', 'apply']);
    expect(codeOfButton(buttons[0]!)).toEqual({ action: 'copy', code: 'const a = 1 < 2;', language: 'ts' });
    expect(codeOfButton(buttons[1]!)).toMatchObject({ action: 'insert', code: 'const a = 1 < 2;' });
    expect(codeOfButton(buttons[2]!)).toMatchObject({ action: 'apply', code: 'const a = 1 < 2;' });
  });

  it('leaves out Insert where there is no editor, and handles an unclosed fence while streaming', () => {
    const el = render('```\nlet x', false);
    const block = el.querySelector('.code-block')!;
    expect(block.querySelectorAll('button')).toHaveLength(1);
    expect(block.querySelector('code')?.textContent).toContain('let x');
  });

  it('escapes HTML inside code', () => {
    const el = render('```html\n<script>alert(1)</script>\n```');
    expect(el.querySelector('script')).toBeNull();
    expect(el.querySelector('code')?.textContent).toContain('<script>alert(1)</script>');
  });
});
