// The host in a plain browser tab, when the companion serves this UI itself. There is no
// extension in between, so this adapter does its work in the page: it opens the companion's
// WebSocket (the token travels as a subprotocol, since browsers cannot set headers), drives the
// protocol client, reconnects with backoff, and tells the webview about the connection with
// the same `host.state` messages the extension sends.
//
// When the socket closes (or never opens), the page asks /health with its token why: a refused
// WebSocket upgrade hides its status from scripts. 401/403: this link's token is not valid (the
// companion was restarted and printed a new link): said plainly, and no more attempts. No answer
// at all: the companion is not running: said at once (nothing here restarts it; the page keeps
// listening quietly for it). Anything else is a passing failure: it reconnects.
import {
  ALISA_SUBPROTOCOL,
  AVATAR_ROUTE,
  RpcClient,
  TOKEN_SUBPROTOCOL_PREFIX,
  type ErrorInfo,
  type HostState,
  type HostToWebview,
  type Status,
  type UiAction,
  type WebviewToHost,
} from '../../protocol';
import type { Host } from './host';
import { toErrorInfo } from './host';

const STATE_KEY = 'alisa.webview.state';
const TOKEN_KEY = 'alisa.token';
/** What a browser can do without an editor: load or download the configured model, or stop it. */
const BROWSER_ACTIONS: UiAction[] = ['downloadModel', 'cancelDownload'];
const MAX_BACKOFF_MS = 10_000;
/** Failed attempts in a row (the companion answers, the socket does not stay) before the UI says "failed" (it keeps trying). */
const ATTEMPTS_BEFORE_FAILED = 5;
/** How long the /health probe may take before the companion counts as unreachable. */
const PROBE_TIMEOUT_MS = 5_000;

export const BAD_TOKEN_ERROR: ErrorInfo = {
  code: 'forbidden',
  message: "This link's token is not valid any more.",
  action: 'Open the link the companion printed when it started (each start prints a new one), or run `npm start` and open the link it prints.',
};

export const NOT_RUNNING_ERROR: ErrorInfo = {
  code: 'internal',
  message: "Alisa's companion is not running.",
  action: 'Start it with `npm start`, then open the link it prints.',
};

/** Why the connection failed, as the companion's /health answers this page's token. */
type Reachability = 'up' | 'bad-token' | 'down';

async function probeCompanion(win: Window, token: string): Promise<Reachability> {
  try {
    const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(PROBE_TIMEOUT_MS) : undefined;
    const res = await win.fetch('/health', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store', signal });
    return res.status === 401 || res.status === 403 ? 'bad-token' : 'up';
  } catch {
    return 'down';
  }
}

/**
 * The token comes in the address's fragment (`#token=…`), which the browser never sends to a
 * server. It is moved to sessionStorage and removed from the address bar so that it does not
 * end up in bookmarks or screenshots; a reload of the tab finds it there.
 */
function takeToken(win: Window): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(win.location.hash);
  if (match) {
    const token = decodeURIComponent(match[1]!);
    try {
      win.sessionStorage.setItem(TOKEN_KEY, token);
      win.history.replaceState(null, '', win.location.pathname + win.location.search);
    } catch {
      // Storage may be disabled; the token stays in the address then.
    }
    return token;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function modelConfigured(status: Status): boolean {
  return status.model.state !== 'none' || status.model.error !== null;
}

export function createBrowserHost(win: Window = window): Host {
  const listeners: Array<(m: HostToWebview) => void> = [];
  const deliver = (m: HostToWebview) => queueMicrotask(() => listeners.forEach((l) => l(m)));
  const token = takeToken(win);
  let state: HostState = {
    type: 'host.state',
    host: 'browser',
    connection: 'connecting',
    message: 'Connecting to Alisa…',
    error: null,
    modelConfigured: false,
    actions: BROWSER_ACTIONS,
    // Stored avatars come from the same server, with this page's token (an <img> cannot send a header).
    avatarUrl: token ? { base: AVATAR_ROUTE, query: `?token=${encodeURIComponent(token)}` } : null,
  };
  const setState = (patch: Partial<HostState>) => {
    const next = { ...state, ...patch };
    const same = JSON.stringify(next) === JSON.stringify(state);
    state = next;
    if (!same) deliver(state); // a companion that stays down is not news on every probe
  };

  let socket: WebSocket | null = null;
  let failures = 0;
  const client = new RpcClient(
    { send: (data) => (socket?.readyState === WebSocket.OPEN ? socket.send(data) : undefined) },
    { client: 'alisa-browser', timeoutMs: 60_000 },
  );
  client.onMessage = (m) => {
    if (m.type === 'welcome') {
      failures = 0;
      setState({ connection: 'ready', message: null, error: null, modelConfigured: modelConfigured(m.status) });
    } else if (m.type === 'status' && modelConfigured(m.status) !== state.modelConfigured) {
      setState({ modelConfigured: modelConfigured(m.status) });
    }
    deliver(m);
  };

  const connect = () => {
    if (!token) {
      setState({
        connection: 'failed',
        message: null,
        error: {
          code: 'forbidden',
          message: 'This page was opened without its access key.',
          action: 'Open the full address the companion printed (it ends with #token=…).',
        },
      });
      return;
    }
    const scheme = win.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${win.location.host}/ws`, [ALISA_SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token]);
    socket = ws;
    ws.onopen = () => client.hello();
    ws.onmessage = (ev) => client.receive(typeof ev.data === 'string' ? ev.data : '');
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      client.close('the connection was lost');
      failures++;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
      void probeCompanion(win, token).then((why) => {
        if (socket !== null) return; // a newer attempt is under way
        if (why === 'bad-token') {
          // The token will not become valid: no more attempts, the user needs the new link.
          setState({ connection: 'failed', message: null, error: BAD_TOKEN_ERROR });
          return;
        }
        if (why === 'down') {
          setState({ connection: 'failed', message: null, error: NOT_RUNNING_ERROR });
        } else if (failures <= ATTEMPTS_BEFORE_FAILED) {
          setState({ connection: 'restarting', message: 'Reconnecting to Alisa…', error: null });
        } else {
          setState({
            connection: 'failed',
            message: null,
            error: {
              code: 'internal',
              message: 'Alisa does not keep this page connected.',
              action: "Reload the page; if it goes on, see the companion's log.",
            },
          });
        }
        win.setTimeout(connect, delay);
      });
    };
  };

  const copy = (text: string) => {
    void win.navigator.clipboard?.writeText(text).catch(() => {});
  };

  const runAction = (action: UiAction) => {
    const call = action === 'downloadModel' ? client.request('model.load', {}) : action === 'cancelDownload' ? client.request('model.cancelLoad', {}) : null;
    call?.catch((err) => setState({ error: toErrorInfo((err as { info?: unknown }).info ?? err) }));
  };

  connect();

  return {
    kind: 'browser',
    send(msg: WebviewToHost) {
      switch (msg.type) {
        case 'ui.ready':
          deliver(state);
          return;
        case 'request':
          void client.forward(msg.id, msg.method, msg.params).then(deliver);
          return;
        case 'ui.action':
          if (state.actions.includes(msg.action)) runAction(msg.action);
          return;
        case 'ui.copy':
          copy(msg.text);
          return;
        case 'ui.insertCode':
          // No editor here: the code goes to the clipboard instead.
          copy(msg.code);
          return;
      }
    },
    onMessage: (cb) => void listeners.push(cb),
    getState<T>() {
      try {
        const raw = win.localStorage.getItem(STATE_KEY);
        return raw === null ? undefined : (JSON.parse(raw) as T);
      } catch {
        return undefined;
      }
    },
    setState<T>(s: T) {
      try {
        win.localStorage.setItem(STATE_KEY, JSON.stringify(s));
      } catch {
        // Storage full or disabled: the state is simply not kept.
      }
    },
  };
}
