// The sidebar and browser UI. Picks its host (VS Code's webview API when present, otherwise the
// companion's WebSocket from a browser tab), builds the UI into the page, and says it is ready.
import { scriptLanguageLoader, setLanguageLoader } from './chat/highlight';
import { createBrowserHost } from './host/browser-host';
import type { Host } from './host/host';
import { createVscodeHost, vscodeApiAvailable } from './host/vscode-host';
import { App } from './ui/app';

// Read while this script runs (currentScript is null afterwards): the syntax-highlighting
// languages are scripts beside it (dist/hljs/), allowed by the same nonce.
const pageScript = document.currentScript as HTMLScriptElement | null;
if (pageScript?.src && pageScript.nonce) setLanguageLoader(scriptLanguageLoader(window, pageScript.src, pageScript.nonce));

function start(): void {
  const host: Host = vscodeApiAvailable() ? createVscodeHost(window) : createBrowserHost(window);
  const root = document.getElementById('app') ?? document.body;
  const app = new App(host, root);
  // The voice drives the mouth itself (SpeechPlayer); this hook stays for trying levels by hand.
  (window as unknown as { alisaAvatar?: { setAudioLevel(level: number): void } }).alisaAvatar = {
    setAudioLevel: (level) => app.avatar.setAudioLevel(level),
  };
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
