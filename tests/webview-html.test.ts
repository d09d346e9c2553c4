import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderWebviewHtml } from '../common/webview-html';

const avatarSvg = readFileSync(path.join(__dirname, '..', 'media', 'avatar.svg'), 'utf8');
const base = {
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview-style.css',
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'bm9uY2Vub25jZTEyMw==',
  avatarSvg,
};

function csp(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  expect(m).not.toBeNull();
  return m![1]!;
}

describe('renderWebviewHtml', () => {
  it('sets a strict policy with the nonce, and nothing unsafe', () => {
    const html = renderWebviewHtml(base);
    const policy = csp(html);
    const directives = Object.fromEntries(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v.join(' ')]),
    );
    expect(directives['default-src']).toBe("'none'");
    expect(directives['script-src']).toBe(`'nonce-${base.nonce}'`);
    expect(directives['style-src']).toBe(`${base.cspSource} 'nonce-${base.nonce}'`);
    expect(directives['img-src']).toBe(`${base.cspSource} data:`);
    expect(directives['connect-src']).toBe("'none'");
    expect(html).not.toContain('unsafe-inline');
    expect(html).not.toContain('unsafe-eval');
  });

  it('loads the script with the nonce and the stylesheet, and nothing runs inline', () => {
    const html = renderWebviewHtml(base);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain(`nonce="${base.nonce}"`);
    expect(scripts[0]![1]).toContain(`src="${base.scriptUri}"`);
    expect(scripts[0]![2]).toBe('');
    expect(html).toContain(`<link rel="stylesheet" href="${base.styleUri}">`);
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
    expect(html).not.toMatch(/\sstyle="/); // style attributes would be blocked
  });

  it('sets connect-src when asked (the browser UI connects to the companion)', () => {
    const html = renderWebviewHtml({ ...base, cspSource: "'self'", connectSrc: 'ws://127.0.0.1:41234' });
    expect(csp(html)).toContain('connect-src ws://127.0.0.1:41234');
    expect(csp(html)).toContain("style-src 'self' 'nonce-");
  });

  it('inlines the avatar inside the labelled avatar root, and is titled Alisa', () => {
    const html = renderWebviewHtml(base);
    expect(html).toMatch(
      /<div class="avatar" id="avatar" role="img" aria-label="Alisa looks neutral" data-emotion="neutral" data-speaking="false" data-blinking="false"/,
    );
    expect(html).toContain('class="avatar-art"');
    expect(html).toContain('<title>Alisa</title>');
    expect(html).not.toContain('<?xml');
  });

  it('escapes what it inserts, and refuses values that could change the policy', () => {
    const html = renderWebviewHtml({ ...base, title: '<Alisa & "co">', scriptUri: 'x.js"><script>alert(1)</script>' });
    expect(html).toContain('<title>&lt;Alisa &amp; &quot;co&quot;&gt;</title>');
    expect(html).not.toContain('<script>alert(1)');
    expect(() => renderWebviewHtml({ ...base, nonce: "abc' 'unsafe-inline" })).toThrow();
    expect(() => renderWebviewHtml({ ...base, cspSource: "x; script-src 'unsafe-inline'" })).toThrow();
    expect(() => renderWebviewHtml({ ...base, connectSrc: 'ws://a "' })).toThrow();
  });
});
