// The host inside VS Code: messages go through the webview API's postMessage (the extension
// forwards requests to the companion and companion messages back), and view state lives in
// VS Code's per-view storage, which survives the view being hidden or reloaded.
import type { HostToWebview, WebviewToHost } from '../../protocol';
import type { Host } from './host';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

type AcquireVsCodeApi = () => VsCodeApi;

export function vscodeApiAvailable(): boolean {
  return typeof (globalThis as { acquireVsCodeApi?: unknown }).acquireVsCodeApi === 'function';
}

export function createVscodeHost(win: Window = window): Host {
  // acquireVsCodeApi may be called only once per page load.
  const api = (globalThis as unknown as { acquireVsCodeApi: AcquireVsCodeApi }).acquireVsCodeApi();
  const listeners: Array<(m: HostToWebview) => void> = [];
  win.addEventListener('message', (ev: MessageEvent) => {
    const data: unknown = ev.data;
    // Only the extension posts to this window; anything without a type is not ours.
    if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
    for (const l of listeners) l(data as HostToWebview);
  });
  return {
    kind: 'vscode',
    send: (msg: WebviewToHost) => api.postMessage(msg),
    onMessage: (cb) => void listeners.push(cb),
    getState: <T>() => (api.getState() ?? undefined) as T | undefined,
    setState: <T>(s: T) => api.setState(s),
  };
}
