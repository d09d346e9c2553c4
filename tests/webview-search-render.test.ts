// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { parseSnippet, renderSnippetHtml } from '../webview/chat/search-render';

describe('search snippets', () => {
  it('wraps matched terms in <mark>', () => {
    expect(renderSnippetHtml('…the [[regex]] does not match [[newlines]]…')).toBe('…the <mark>regex</mark> does not match <mark>newlines</mark>…');
  });

  it('escapes everything that is not a marker', () => {
    const html = renderSnippetHtml('see <script>alert(1)</script> and [[<img src=x onerror=alert(1)>]] & "quotes" \'too\'');
    expect(html).toBe('see &lt;script&gt;alert(1)&lt;/script&gt; and <mark>&lt;img src=x onerror=alert(1)&gt;</mark> &amp; &quot;quotes&quot; &#39;too&#39;');
    expect(html).not.toMatch(/<(?!\/?mark>)/);
  });

  it('cannot be tricked into producing markup by markers', () => {
    for (const snippet of ['[[<b]]>x', '<[[script]]>', '[[a]]<]]/mark>', '[[[[x]]]]', ']]<svg onload=1>[[', '[[unclosed <img']) {
      const html = renderSnippetHtml(snippet);
      // Only our own tags survive: every "<" starts <mark> or </mark>.
      expect(html.replace(/<\/?mark>/g, '')).not.toContain('<');
    }
  });

  it('tolerates unbalanced markers', () => {
    expect(parseSnippet('a [[b')).toEqual([
      { text: 'a ', match: false },
      { text: 'b', match: true },
    ]);
    expect(parseSnippet('a ]] b')).toEqual([{ text: 'a ]] b', match: false }]);
    expect(parseSnippet('')).toEqual([]);
  });

  it('is inert in a document: text and <mark> only', () => {
    const div = document.createElement('div');
    div.innerHTML = renderSnippetHtml('[[x]] <img src=x onerror="globalThis.pwned=1"> <script>globalThis.pwned=2</script>');
    expect([...div.querySelectorAll('*')].map((e) => e.tagName.toLowerCase())).toEqual(['mark']);
    expect(div.textContent).toBe('x <img src=x onerror="globalThis.pwned=1"> <script>globalThis.pwned=2</script>');
  });
});
