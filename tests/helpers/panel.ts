// The panel's page in happy-dom, as the webview shows it: the body of the real HTML the extension
// renders (common/webview-html.ts, with the real avatar art), so a test mounts `App` on the same
// markup VS Code loads. And `settle()`: lets the promises of a few request/answer rounds run;
// `openPanel()`: the markup, the real App on a fake host, the companion ready, settled.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { renderWebviewHtml } from '../../common/webview-html';
import { App } from '../../webview/ui/app';
import type { FakeHost } from './fake-host';

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

/** A few turns of the event loop (5 unless told): enough for a fake host's answers and their follow-ups. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
}

/** Mounts the panel's markup, starts the App on `host`, says the companion is ready and lets it load (`turns` of settle()). */
export async function openPanel(host: FakeHost, options?: ConstructorParameters<typeof App>[2], turns?: number): Promise<App> {
  mountPanelBody();
  const app = new App(host, document.querySelector<HTMLElement>('#app')!, options);
  host.ready();
  await settle(turns);
  return app;
}

/** Empties the page after each test of the file that calls it. */
export function clearBodyAfterEach(): void {
  afterEach(() => {
    document.body.innerHTML = '';
  });
}

/** The companion restarts: the host says so, then that it is ready again, and the panel reloads. */
export async function restartCompanion(host: FakeHost): Promise<void> {
  host.connection('restarting');
  host.connection('ready');
  await settle();
}
