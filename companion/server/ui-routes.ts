// The standalone UI: the same webview bundle VS Code shows in its sidebar, served to a browser.
// The page and its two assets are public (they hold no secret); the browser host inside the page
// takes the token from the URL fragment (never sent to the server) and offers it as a WebSocket
// subprotocol. Host and Origin checks still apply to these routes. The page loads its
// syntax-highlighting languages on demand from /ui/hljs/<name>.js (dist/hljs/, public too).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderWebviewHtml } from '../../common/webview-html';

/** dist/ when running from the bundle (dist/companion.mjs); media/ beside it. */
const DIST = path.dirname(fileURLToPath(import.meta.url));
const MEDIA = path.join(DIST, '..', 'media');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/ui/webview.js': { file: path.join(DIST, 'webview.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/webview-style.css': { file: path.join(DIST, 'webview-style.css'), type: 'text/css; charset=utf-8' },
  // The 3D avatar's renderer (three.js), loaded by the page only when a model is chosen.
  '/ui/avatar-vrm.js': { file: path.join(DIST, 'avatar-vrm.js'), type: 'text/javascript; charset=utf-8' },
  '/favicon.ico': { file: path.join(MEDIA, 'alisa-icon.svg'), type: 'image/svg+xml' },
};

/** A language script of the code highlighter: a plain name (no dots or slashes) under dist/hljs/. */
const LANGUAGE_SCRIPT = /^\/ui\/hljs\/([a-z0-9-]{1,40})\.js$/;

let avatarSvg: string | null = null;

export function isUiRoute(method: string | undefined, pathname: string): boolean {
  return method === 'GET' && (pathname === '/' || pathname in ASSETS || LANGUAGE_SCRIPT.test(pathname));
}

export function serveUi(pathname: string, port: number, res: ServerResponse): void {
  try {
    if (pathname === '/') {
      avatarSvg ??= readFileSync(path.join(MEDIA, 'avatar.svg'), 'utf8');
      const html = renderWebviewHtml({
        scriptUri: '/ui/webview.js',
        styleUri: '/ui/webview-style.css',
        cspSource: "'self'",
        nonce: randomBytes(16).toString('base64url'),
        avatarSvg,
        // The socket, and /health: when the socket fails, the page asks it why (token or gone).
        connectSrc: `ws://127.0.0.1:${port} ws://localhost:${port} http://127.0.0.1:${port} http://localhost:${port}`,
        // A chosen 3D avatar's model comes from this server; its embedded textures as blob: URLs.
        avatarSrc: "'self'",
        title: 'Alisa',
      });
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(html);
      return;
    }
    const language = LANGUAGE_SCRIPT.exec(pathname)?.[1];
    if (language) {
      const file = path.join(DIST, 'hljs', `${language}.js`);
      if (!existsSync(file)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('No such language.');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      res.end(readFileSync(file));
      return;
    }
    const asset = ASSETS[pathname]!;
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(readFileSync(asset.file));
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`The Alisa UI is not built (${(err as Error).message}). Run: npm run build`);
  }
}
