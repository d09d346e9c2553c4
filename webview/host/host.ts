// What the webview needs from whoever hosts it: VS Code (the extension, through postMessage) or
// a plain browser tab served by the companion (through its WebSocket). Everything else in the
// webview talks to this interface only.
import type { ErrorInfo, HostToWebview, MethodName, Params, Result, WebviewToHost } from '../../protocol';

export interface Host {
  kind: 'vscode' | 'browser';
  send(msg: WebviewToHost): void;
  /** Every message from the host, in order. Several listeners may subscribe. */
  onMessage(cb: (m: HostToWebview) => void): void;
  getState<T>(): T | undefined;
  setState<T>(s: T): void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: ErrorInfo) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

interface Tracker {
  pending: Map<string, Pending>;
}

const trackers = new WeakMap<Host, Tracker>();
let counter = 0;
// Request ids must not collide with those of another webview (or an earlier load of this one)
// that shares the host's connection.
const idPrefix = `w${Math.random().toString(36).slice(2, 8)}${Date.now().toString(36)}-`;

function trackerFor(host: Host): Tracker {
  let t = trackers.get(host);
  if (!t) {
    const tracker: Tracker = { pending: new Map() };
    host.onMessage((m) => {
      if ((m.type !== 'response' && m.type !== 'error') || m.id === null) return;
      const p = tracker.pending.get(String(m.id));
      if (!p) return;
      tracker.pending.delete(String(m.id));
      if (p.timer) clearTimeout(p.timer);
      if (m.type === 'response') p.resolve(m.result);
      else p.reject(m.error);
    });
    trackers.set(host, tracker);
    t = tracker;
  }
  return t;
}

/**
 * Calls a companion method through the host. Resolves with the method's result; rejects with
 * the companion's ErrorInfo (or a timeout error when no answer comes within `timeoutMs`).
 */
export function request<M extends MethodName>(host: Host, method: M, params: Params<M>, opts: { timeoutMs?: number } = {}): Promise<Result<M>> {
  const tracker = trackerFor(host);
  const id = `${idPrefix}${++counter}`;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise<Result<M>>((resolve, reject) => {
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            tracker.pending.delete(id);
            reject({ code: 'internal', message: 'Alisa did not answer in time.', action: 'Try again in a moment.' } satisfies ErrorInfo);
          }, timeoutMs)
        : null;
    tracker.pending.set(id, { resolve: (v) => resolve(v as Result<M>), reject, timer });
    host.send({ type: 'request', id, method, params });
  });
}

/** Normalizes anything thrown or rejected into an ErrorInfo the UI can show. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err && typeof (err as ErrorInfo).message === 'string') {
    return err as ErrorInfo;
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
