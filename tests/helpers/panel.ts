// The panel's page in happy-dom, as the webview shows it: the body of the real HTML the extension
// renders (common/webview-html.ts, with the real avatar art), so a test mounts `App` on the same
// markup VS Code loads. And `settle()`: lets the promises of a few request/answer rounds run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderWebviewHtml } from '../../common/webview-html';

/** Puts the panel's markup in `document.body`; returns its `#app` root. */
export function mountPanelBody(): HTMLElement {
  const html = renderWebviewHtml({
    scriptUri: 'webview.js',
    styleUri: 'webview-style.css',
    cspSource: "'self'",
    nonce: 'dGVzdG5vbmNlMTIz',
    avatarSvg: readFileSync(path.join(__dirname, '..', '..', 'media', 'avatar.svg'), 'utf8'),
  });
  document.body.innerHTML = /<body>([\s\S]*)<script/.exec(html)![1]!;
  return document.querySelector<HTMLElement>('#app')!;
}

/** A few turns of the event loop: enough for a fake host's answers and their follow-ups. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
