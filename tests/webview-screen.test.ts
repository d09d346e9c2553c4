// @vitest-environment happy-dom
// The "Screen" pill in the panel's header, driven the way the hosts drive the page: host.state,
// `screen.state` events, the answer to `screen.status`, and the user's click (`screen.configure`).
import { beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { ScreenConfigure, ScreenStatus } from '../protocol';
import { FakeHost as SharedFakeHost, type Answers } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, restartCompanion, settle } from './helpers/panel';
import { ALL_ACTIONS, firstRunAnswers } from './helpers/webview-fixtures';
import { clickPill, expectPillGone, expectPillNotYet, expectPillShown, pillShown } from './helpers/webview-pill';

const off: ScreenStatus = {
  enabled: false,
  paused: false,
  pausedReason: null,
  active: false,
  error: null,
  intervalMs: null,
  app: null,
  task: null,
  hasError: false,
  lastCaptureAt: null,
  lastOcrMs: null,
  counts: { captured: 0, unchanged: 0, recognized: 0, excluded: 0, redactions: 0 },
};
const active: ScreenStatus = { ...off, enabled: true, active: true, intervalMs: 8000 };
const paused: ScreenStatus = { ...off, enabled: true, paused: true, pausedReason: 'user' };
const away: ScreenStatus = { ...off, enabled: true, paused: true, pausedReason: 'away' };
const failing: ScreenStatus = {
  ...off,
  enabled: true,
  error: { code: 'screen_unavailable', message: 'There is no display to capture.', action: 'Run Alisa in a desktop session.' },
};

/** The host as the extension (or the browser adapter) plays it, with a companion that keeps a screen status. */
class FakeHost extends SharedFakeHost {
  override kind = 'vscode' as const;
  override actions: SharedFakeHost['actions'] = [...ALL_ACTIONS];
  screen: ScreenStatus = off;
  override answers: Answers = {
    ...firstRunAnswers(),
    'screen.status': () => this.screen,
    'screen.configure': (p: ScreenConfigure) => {
      const s = { ...this.screen };
      if (p.enabled !== undefined) s.enabled = p.enabled;
      if (p.enabled) s.error = null;
      if (p.paused !== undefined) {
        s.paused = p.paused;
        s.pausedReason = p.paused ? 'user' : null;
      }
      s.active = s.enabled && !s.paused && !s.error;
      this.screen = s;
      // The companion also broadcasts the change to every client.
      queueMicrotask(() => this.emit({ type: 'screen.state', status: s }));
      return s;
    },
  };
}

const pill = () => document.querySelector<HTMLButtonElement>('.app-header .screen-indicator')!;
const visible = () => pillShown(pill());

let host: FakeHost;

async function start(screen: ScreenStatus = off): Promise<void> {
  host = new FakeHost();
  host.screen = screen;
  await openPanel(host);
}

clearBodyAfterEach();

describe('webview screen indicator', () => {
  beforeEach(async () => start());

  it('is absent while screen understanding is off', () => {
    expectPillNotYet(host, 'screen.status', pill());
  });

  it('appears while capture is active, with an eye and an explanation', () => {
    host.emit({ type: 'screen.state', status: active });
    expectPillShown(pill(), { state: 'active', text: 'Screen', title: /reads your screen.*Click to pause/ });
  });

  it('shows a pause by the user, and the wait while the user is away', () => {
    host.emit({ type: 'screen.state', status: paused });
    expect(pill().dataset.state).toBe('paused');
    expect(pill().textContent).toBe('Screen paused');
    expect(pill().title).toMatch(/Click to resume/);
    host.emit({ type: 'screen.state', status: away });
    expect(pill().dataset.state).toBe('paused');
    expect(pill().title).toMatch(/away/);
  });

  it('shows an error with what went wrong and what to do', () => {
    host.emit({ type: 'screen.state', status: failing });
    expect(visible()).toBe(true);
    expect(pill().dataset.state).toBe('error');
    expect(pill().title).toContain('There is no display to capture. Run Alisa in a desktop session.');
  });

  it('disappears when it is turned off', () => {
    host.emit({ type: 'screen.state', status: active });
    expect(visible()).toBe(true);
    host.emit({ type: 'screen.state', status: off });
    expectPillGone(pill());
  });

  it('pauses and resumes on click through screen.configure', async () => {
    host.screen = active;
    host.emit({ type: 'screen.state', status: active });
    await clickPill(host, pill, { method: 'screen.configure', asked: [{ paused: true }], state: 'paused' });
    await clickPill(host, pill, { method: 'screen.configure', asked: [{ paused: true }, { paused: false }], state: 'active' });
  });

  it('retries on click after an error', async () => {
    host.screen = failing;
    host.emit({ type: 'screen.state', status: failing });
    await clickPill(host, pill, { method: 'screen.configure', asked: [{ enabled: true }], state: 'active' });
  });

  it('hides while the companion is gone, and shows its state again on reconnect', async () => {
    host.emit({ type: 'screen.state', status: active });
    host.connection('restarting');
    await settle();
    expect(visible()).toBe(false);
    host.screen = paused;
    host.connection('ready');
    await settle();
    expect(host.requests('screen.status')).toHaveLength(2);
    expect(pill().dataset.state).toBe('paused');
  });
});

describe('webview screen indicator after a reload', () => {
  it('asks the companion and shows a capture already running', async () => {
    await start(active);
    expect(visible()).toBe(true);
    expect(pill().dataset.state).toBe('active');
  });

  it('stays hidden for a companion without screen understanding', async () => {
    await start(active);
    host.answers['screen.status'] = () => {
      throw { code: 'unknown_method', message: 'No screen.status here.' };
    };
    await restartCompanion(host);
    expect(visible()).toBe(false);
    expect(document.querySelector('#alerts')!.textContent).not.toContain('screen.status');
  });
});
