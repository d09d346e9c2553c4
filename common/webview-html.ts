// The webview's HTML page. Pure (no DOM, no Node APIs): the extension renders it for the VS Code
// sidebar and the companion for the standalone browser UI, each passing its own URIs, CSP source
// and a fresh nonce per load. The avatar's SVG markup is inlined so the page script can animate
// its layers; the rest of the UI is built by `main.ts`.
import { escapeHtml } from './escape-html';

interface WebviewHtmlOptions {
  /** URI of dist/webview.js as the page may load it. */
  scriptUri: string;
  /** URI of dist/webview-style.css. */
  styleUri: string;
  /** Source expression for the host's resources (VS Code: `webview.cspSource`; browser: `'self'`). */
  cspSource: string;
  /** Fresh random value per page load (base64 or hex). */
  nonce: string;
  /** The markup of media/avatar.svg. Trusted: it is our own file. */
  avatarSvg: string;
  /** Where the page may open connections (browser: `ws://127.0.0.1:PORT`); none by default. */
  connectSrc?: string;
  /**
   * Where the page may fetch a 3D avatar's model (VS Code: `webview.cspSource`; browser: the
   * companion's http origin). Also allows fetching `blob:` and `data:` and showing `blob:` images:
   * three.js's loader unpacks a GLB/VRM's textures into blob URLs and fetches a .gltf's embedded
   * buffers and images from their data: URIs. None by default.
   */
  avatarSrc?: string;
  title?: string;
}

// Values that go into the policy must not be able to add directives of their own.
const CSP_SOURCE = /^(?:'self'|'none'|[^;,\s"'<>]+)$/;
const NONCE = /^[A-Za-z0-9+/_=-]{8,200}$/;

function cspSources(value: string, name: string): string {
  const v = value.trim();
  const ok = v.split(/\s+/).every((part) => CSP_SOURCE.test(part));
  if (!v || !ok) throw new Error(`renderWebviewHtml: ${name} is not a valid CSP source list: ${JSON.stringify(value)}`);
  return v;
}

function contentSecurityPolicy(o: Pick<WebviewHtmlOptions, 'cspSource' | 'nonce' | 'connectSrc' | 'avatarSrc'>): string {
  if (!NONCE.test(o.nonce)) throw new Error('renderWebviewHtml: the nonce must be 8-200 base64 or hex characters.');
  const src = cspSources(o.cspSource, 'cspSource');
  const avatar = o.avatarSrc === undefined ? null : cspSources(o.avatarSrc, 'avatarSrc');
  const connectList = [...(o.connectSrc === undefined ? [] : [cspSources(o.connectSrc, 'connectSrc')]), ...(avatar ? [avatar, 'blob:', 'data:'] : [])];
  const connect = connectList.length ? connectList.join(' ') : "'none'";
  return [
    "default-src 'none'",
    `img-src ${src} data:${avatar ? ' blob:' : ''}`,
    `style-src ${src} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${src}`,
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The SVG file without an XML declaration or doctype, which may not appear inside HTML. */
function inlineSvg(svg: string): string {
  return svg
    .replace(/<\?xml[\s\S]*?\?>/g, '')
    .replace(/<!DOCTYPE[\s\S]*?>/gi, '')
    .trim();
}

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  // Safe inside a double-quoted attribute as is: the sources were checked for quotes and `<>`.
  const csp = contentSecurityPolicy(o);
  const title = escapeHtml(o.title ?? 'Alisa');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
</head>
<body>
<div id="app" class="app">
<div class="avatar" id="avatar" role="img" aria-label="Alisa looks neutral" data-emotion="neutral" data-speaking="false" data-blinking="false" data-mouth="closed" data-motion="full">
${inlineSvg(o.avatarSvg)}
</div>
<p class="app-loading" id="app-loading">Starting Alisa…</p>
<noscript><p class="app-loading">Alisa needs JavaScript to run in this view.</p></noscript>
</div>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
