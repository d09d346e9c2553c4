// @vitest-environment happy-dom
// What the panel says when something fails (issue 15, "Words the user reads"): an error's message
// and action as joined sentences, its raw output (`details`) folded in a closed "Details"
// disclosure; and in a browser tab, a link whose token is no longer valid or a companion that is
// not running said plainly at once, with the message box disabled (no restart attempts counted:
// nothing in a browser restarts her). The browser host's diagnosis (a /health probe after the
// socket closes) is tested here with a scripted WebSocket and fetch; the e2e suite
// (tests/e2e/browser-mode.e2e.test.ts) runs it against a real companion in Chromium.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import type { ErrorInfo, HostState, HostToWebview } from '../protocol';
import { BAD_TOKEN_ERROR, createBrowserHost, NOT_RUNNING_ERROR } from '../webview/host/browser-host';
import { App } from '../webview/ui/app';
import { BannerView } from '../webview/ui/banner-view';
import { composerBlockedReason } from '../webview/ui/composer-view';
import { computeBanners } from '../webview/status/status-banners';
import { FakeHost, READY_STATUS } from './helpers/fake-host';
import { mountPanelBody, settle } from './helpers/panel';
import { hostState } from './helpers/webview-fixtures';

const RAW =
  'ffmpeg (pulse): ffmpeg exited with 1: default: Connection refused\nffmpeg (alsa): ffmpeg exited with 1: cannot open audio device default\nsox: sox exited with 2: no default audio device configured';
const MIC: ErrorInfo = {
  code: 'microphone_unavailable',
  message: 'Alisa could not open the microphone',
  action: 'Connect a microphone, or set the voice input to a device name',
  details: RAW,
};

describe('errors in the panel', () => {
  let status: HTMLElement;
  let alerts: HTMLElement;
  let view: BannerView;

  beforeEach(() => {
    status = document.createElement('div');
    alerts = document.createElement('div');
    document.body.append(status, alerts);
    view = new BannerView(status, alerts, () => {});
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('a notice: two joined sentences, the raw output folded under a closed "Details"', () => {
    view.notify(MIC, 'Voice');
    const banner = alerts.querySelector<HTMLElement>('.banner')!;
    expect(banner.querySelector('.banner-detail')!.textContent).toBe(
      'Alisa could not open the microphone. Connect a microphone, or set the voice input to a device name.',
    );
    const details = banner.querySelector('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')!.textContent).toBe('Details');
    expect(details.querySelector('pre')!.textContent).toBe(RAW);
    // The raw lines are not in what is read first.
    expect(banner.querySelector('.banner-detail')!.textContent).not.toMatch(/exited/);
  });

  it('a notice without details has no disclosure', () => {
    view.notify({ code: 'internal', message: 'It failed.', action: 'Try again.' });
    expect(alerts.querySelector('.banner-detail')!.textContent).toBe('It failed. Try again.');
    expect(alerts.querySelector('details')).toBeNull();
  });

  it('a status banner carries the error details too (the model failed to load)', () => {
    const host: HostState = hostState({ actions: ['showLogs'] });
    const banners = computeBanners(host, {
      ...READY_STATUS,
      model: {
        ...READY_STATUS.model,
        state: 'error',
        error: { code: 'model_invalid', message: 'That file is not a GGUF model', action: 'Choose another file', details: 'gguf: bad magic 0x00000000' },
      },
    });
    expect(banners[0]).toMatchObject({ detail: 'That file is not a GGUF model. Choose another file.', details: 'gguf: bad magic 0x00000000' });
    view.setBanners(banners);
    expect(alerts.querySelector('details pre')!.textContent).toBe('gguf: bad magic 0x00000000');
  });
});

// ---------------------------------------------------------------------------------------------
// Browser mode

const browserState = (patch: Partial<HostState>): HostState => hostState({ host: 'browser', connection: 'failed', actions: [], ...patch });

/** The panel in a browser tab whose connection failed with `error`; returns its host and the error banner. */
async function failedInBrowser(error: ErrorInfo): Promise<{ host: FakeHost; alert: HTMLElement }> {
  const host = new FakeHost('browser', { answers: { 'status.get': () => READY_STATUS } });
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.connection('failed', null, error);
  await settle();
  return { host, alert: document.querySelector<HTMLElement>('.banner[data-kind="error"]')! };
}

describe('browser mode: the message box and the banner', () => {
  beforeEach(() => {
    mountPanelBody();
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('only a browser tab that cannot reach her blocks the box', () => {
    expect(composerBlockedReason(browserState({ error: BAD_TOKEN_ERROR }))).toMatch(/link/);
    expect(composerBlockedReason(browserState({ error: NOT_RUNNING_ERROR }))).toMatch(/cannot be reached/);
    expect(composerBlockedReason(browserState({ connection: 'ready' }))).toBeNull();
    expect(composerBlockedReason(browserState({ connection: 'restarting' }))).toBeNull();
    // VS Code restarts the companion: the box stays usable (messages wait for her).
    expect(composerBlockedReason({ ...browserState({ error: NOT_RUNNING_ERROR }), host: 'vscode' })).toBeNull();
  });

  it('a wrong token: said plainly, the box disabled; the page with a good link works again', async () => {
    const { host, alert } = await failedInBrowser(BAD_TOKEN_ERROR);
    const box = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')!;
    const send = document.querySelector<HTMLButtonElement>('button[aria-label="Send"]')!;
    expect(box.disabled).toBe(true);
    expect(send.disabled).toBe(true);
    expect(alert.querySelector('.banner-title')!.textContent).toBe("This link's token is not valid any more.");
    expect(alert.textContent).toMatch(/open the link the companion printed/i);
    expect(alert.textContent).not.toMatch(/attempt|restart/i);
    host.ready();
    await settle();
    expect(box.disabled).toBe(false);
    expect(send.disabled).toBe(false);
  });

  it('a companion that is not running: said at once, with how to start it', async () => {
    const { alert } = await failedInBrowser(NOT_RUNNING_ERROR);
    expect(alert.querySelector('.banner-title')!.textContent).toBe("Alisa's companion is not running.");
    expect(alert.textContent).toContain('npm start');
    expect(document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')!.disabled).toBe(true);
  });
});

/** A scripted browser: WebSocket attempts the test opens or closes, and /health answers. */
class FakeSocket {
  static readonly OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  sent: string[] = [];
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
    this.onclose?.();
  }
}

function fakeWindow(hash: string, health: () => Promise<{ status: number }>) {
  const timers: Array<() => void> = [];
  const fetches: Array<{ url: string; init: RequestInit }> = [];
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  const win = {
    location: { hash, protocol: 'http:', host: '127.0.0.1:41234', pathname: '/', search: '' },
    history: { replaceState: () => {} },
    sessionStorage: storage,
    localStorage: storage,
    navigator: {},
    setTimeout: (fn: () => void) => timers.push(fn),
    fetch: (url: string, init: RequestInit) => {
      fetches.push({ url, init });
      return health();
    },
  };
  return { win: win as unknown as Window, timers, fetches };
}

describe('browser host: why the connection failed', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal('WebSocket', FakeSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  async function states(host: ReturnType<typeof createBrowserHost>): Promise<HostState[]> {
    const seen: HostState[] = [];
    host.onMessage((m: HostToWebview) => {
      if (m.type === 'host.state') seen.push(m);
    });
    return seen;
  }

  it('a token the companion refuses (401): failed with the plain words, and no more attempts', async () => {
    const { win, timers, fetches } = fakeWindow('#token=stale', async () => ({ status: 401 }));
    const host = createBrowserHost(win);
    const seen = await states(host);
    FakeSocket.all[0]!.close(); // the upgrade was refused
    await vi.waitFor(() => expect(seen.at(-1)?.connection).toBe('failed'));
    expect(seen.at(-1)!.error).toEqual(BAD_TOKEN_ERROR);
    expect(fetches[0]!.url).toBe('/health');
    expect((fetches[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer stale');
    expect(timers).toHaveLength(0); // the token will not become valid: nothing retries
    expect(seen.some((s) => /attempt/.test(s.message ?? ''))).toBe(false);
  });

  it('a companion that is gone (no answer at all): "not running" on the first failure, no attempt count', async () => {
    const { win, timers } = fakeWindow('#token=good', async () => {
      throw new TypeError('Failed to fetch');
    });
    const host = createBrowserHost(win);
    const seen = await states(host);
    FakeSocket.all[0]!.readyState = 1;
    FakeSocket.all[0]!.close(); // she was there, and died
    await vi.waitFor(() => expect(seen.at(-1)?.connection).toBe('failed'));
    expect(seen.at(-1)!.error).toEqual(NOT_RUNNING_ERROR);
    expect(seen.some((s) => s.connection === 'restarting' || /attempt/.test(s.message ?? ''))).toBe(false);
    // It listens quietly for her: another attempt, and the same words (not re-announced).
    expect(timers).toHaveLength(1);
    timers.shift()!();
    const before = seen.length;
    FakeSocket.all[1]!.close();
    await vi.waitFor(() => expect(timers).toHaveLength(1));
    expect(seen.length).toBe(before);
  });

  it('a companion that answers but drops the socket: reconnecting, without counting attempts', async () => {
    const { win, timers } = fakeWindow('#token=good', async () => ({ status: 200 }));
    const host = createBrowserHost(win);
    const seen = await states(host);
    FakeSocket.all[0]!.close();
    await vi.waitFor(() => expect(seen.at(-1)?.connection).toBe('restarting'));
    expect(seen.at(-1)!.message).toBe('Reconnecting to Alisa…');
    expect(timers).toHaveLength(1);
  });
});
