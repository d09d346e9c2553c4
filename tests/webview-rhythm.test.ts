// @vitest-environment happy-dom
// Issue 7 in the panel, driven the way the hosts drive the page: the "Camera" pill and the "Do not
// disturb" toggle in the header (from `presence.state` / `idle.state` events and the answers to
// `presence.status` / `idle.status`; a click asks the companion directly, in VS Code and in the
// browser alike), and replies she starts on her own marked as such.
import { beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { IdleConfigure, IdleStatus, PresenceConfigure, PresenceStatus } from '../protocol';
import { FakeHost as SharedFakeHost, type Answers } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, restartCompanion, settle } from './helpers/panel';
import { ALL_ACTIONS, firstRunAnswers } from './helpers/webview-fixtures';
import { clickPill, expectPillGone, expectPillNotYet, expectPillShown, pillShown } from './helpers/webview-pill';

const presenceOff: PresenceStatus = { enabled: false, active: false, paused: false, state: null, input: 'default', error: null };
const presenceOn: PresenceStatus = { ...presenceOff, enabled: true, active: true, state: 'focused' };
const presencePaused: PresenceStatus = { ...presenceOff, enabled: true, paused: true };
const presenceReleased: PresenceStatus = { ...presenceOff, enabled: true };
const presenceFailing: PresenceStatus = {
  ...presenceOff,
  enabled: true,
  error: { code: 'camera_unavailable', message: 'No camera was found.', action: 'Plug one in.' },
};
const idleOn: IdleStatus = { doNotDisturb: false, chattiness: 1, quietReason: null, lastSpokeAt: null };

/** The host as the extension (or the browser adapter) plays it, with a companion that keeps a presence and an idle status. */
class FakeHost extends SharedFakeHost {
  override kind: 'vscode' | 'browser' = 'vscode';
  override actions: SharedFakeHost['actions'] = [...ALL_ACTIONS];
  failIdle = false;
  presence: PresenceStatus = presenceOff;
  idle: IdleStatus = idleOn;
  override answers: Answers = {
    ...firstRunAnswers(),
    'presence.status': () => this.presence,
    'idle.status': () => this.idle,
    'presence.configure': (p: PresenceConfigure) => {
      const s = { ...this.presence };
      if (p.enabled !== undefined) s.enabled = p.enabled;
      if (p.enabled) s.error = null;
      if (p.paused !== undefined) s.paused = p.paused;
      s.active = s.enabled && !s.paused && !s.error;
      this.presence = s;
      queueMicrotask(() => this.emit({ type: 'presence.state', status: s }));
      return s;
    },
    'idle.configure': (p: IdleConfigure) => {
      if (this.failIdle) throw { code: 'internal', message: 'Idle talk is broken.' };
      this.idle = { ...this.idle, ...p };
      const s = this.idle;
      queueMicrotask(() => this.emit({ type: 'idle.state', status: s }));
      return s;
    },
  };
}

let host: FakeHost;

async function start(opts: { presence?: PresenceStatus; kind?: 'vscode' | 'browser' } = {}): Promise<void> {
  host = new FakeHost();
  host.kind = opts.kind ?? 'vscode';
  host.presence = opts.presence ?? presenceOff;
  await openPanel(host);
}

clearBodyAfterEach();

const pill = () => document.querySelector<HTMLButtonElement>('.app-header .camera-indicator')!;
const pillVisible = () => pillShown(pill());
const dnd = () => document.querySelector<HTMLButtonElement>('.app-header .dnd-toggle')!;
/** The companion says how the camera is (a presence.state event). */
const showPresence = (status: PresenceStatus) => host.emit({ type: 'presence.state', status });

describe('webview camera pill', () => {
  beforeEach(async () => start());

  it('is absent while presence is off', () => {
    expectPillNotYet(host, 'presence.status', pill());
  });

  it('appears while the camera is open, with what she makes of it', () => {
    showPresence(presenceOn);
    expectPillShown(pill(), { state: 'active', text: 'Camera', title: /focused.*never stored.*Click to pause/ });
  });

  it('shows a pause and an error; hides while the camera is released and when turned off', () => {
    showPresence(presencePaused);
    expect(pill().dataset.state).toBe('paused');
    expect(pill().textContent).toBe('Camera paused');
    showPresence(presenceFailing);
    expect(pill().dataset.state).toBe('error');
    expect(pill().title).toContain('No camera was found. Plug one in.');
    showPresence(presenceReleased);
    expect(pillVisible()).toBe(false);
    showPresence(presenceOn);
    expect(pillVisible()).toBe(true);
    showPresence(presenceOff);
    expectPillGone(pill());
  });

  it('pauses and resumes on click through presence.configure; retries after an error', async () => {
    host.presence = presenceOn;
    showPresence(presenceOn);
    await clickPill(host, pill, { method: 'presence.configure', state: 'paused' });
    await clickPill(host, pill, { method: 'presence.configure', state: 'active' });
    host.presence = presenceFailing;
    showPresence(presenceFailing);
    await clickPill(host, pill, { method: 'presence.configure', asked: [{ paused: true }, { paused: false }, { enabled: true }], state: 'active' });
  });

  it('hides while the companion is gone, and shows its state again on reconnect', async () => {
    showPresence(presenceOn);
    host.connection('restarting');
    await settle();
    expect(pillVisible()).toBe(false);
    expect(dnd().hidden).toBe(true);
    host.presence = presencePaused;
    host.connection('ready');
    await settle();
    expect(pill().dataset.state).toBe('paused');
    expect(dnd().hidden).toBe(false);
  });
});

describe('webview Do-not-disturb toggle', () => {
  beforeEach(async () => start());

  it('is in the header once the companion reports idle talk, not pressed', () => {
    expect(host.requests('idle.status')).toHaveLength(1);
    expect(dnd().hidden).toBe(false);
    expect(dnd().getAttribute('aria-pressed')).toBe('false');
    expect(dnd().getAttribute('aria-label')).toMatch(/Do not disturb/);
  });

  it('a click asks the companion; pressed while on, and again to turn it off', async () => {
    dnd().click();
    expect(dnd().getAttribute('aria-pressed')).toBe('true'); // at once
    await settle();
    expect(host.requests('idle.configure').map((r) => r.params)).toEqual([{ doNotDisturb: true }]);
    expect(dnd().getAttribute('aria-pressed')).toBe('true');
    expect(dnd().title).toMatch(/is on/);
    dnd().click();
    await settle();
    expect(host.requests('idle.configure').map((r) => r.params)).toEqual([{ doNotDisturb: true }, { doNotDisturb: false }]);
    expect(dnd().getAttribute('aria-pressed')).toBe('false');
  });

  it('follows idle.state (the command or the setting changed it)', () => {
    host.emit({ type: 'idle.state', status: { ...idleOn, doNotDisturb: true } });
    expect(dnd().getAttribute('aria-pressed')).toBe('true');
    host.emit({ type: 'idle.state', status: idleOn });
    expect(dnd().getAttribute('aria-pressed')).toBe('false');
  });

  it('shows the real state again when the companion refuses', async () => {
    host.failIdle = true;
    dnd().click();
    await settle();
    expect(dnd().getAttribute('aria-pressed')).toBe('false');
    expect(document.querySelector('#alerts')!.textContent).toContain('Idle talk is broken.');
  });

  it('stays hidden for a companion without idle talk or presence', async () => {
    host.answers['idle.status'] = () => {
      throw { code: 'unknown_method', message: 'No idle.status here.' };
    };
    host.presence = presenceOn;
    host.answers['presence.status'] = () => {
      throw { code: 'unknown_method', message: 'No presence.status here.' };
    };
    await restartCompanion(host);
    expect(dnd().hidden).toBe(true);
    expect(pillVisible()).toBe(false);
    expect(document.querySelector('#alerts')!.textContent).not.toContain('idle.status');
  });
});

describe('in the browser host', () => {
  it('the pill and the toggle work the same, asking the companion directly', async () => {
    await start({ kind: 'browser', presence: presenceOn });
    expect(pill().dataset.state).toBe('active');
    pill().click();
    dnd().click();
    await settle();
    expect(host.requests('presence.configure').map((r) => r.params)).toEqual([{ paused: true }]);
    expect(host.requests('idle.configure').map((r) => r.params)).toEqual([{ doNotDisturb: true }]);
    expect(pill().dataset.state).toBe('paused');
    expect(dnd().getAttribute('aria-pressed')).toBe('true');
  });
});

describe('replies she starts on her own', () => {
  beforeEach(async () => {
    await start();
    host.answers['session.list'] = () => ({ sessions: [{ id: 9, title: 'Chat', characterId: 1, createdAt: 1, updatedAt: 1, messageCount: 0 }] });
    await restartCompanion(host);
  });

  it('are marked subtly; answers are not', async () => {
    host.emit({ type: 'reply.start', replyId: 's1', sessionId: 9, userMessageId: null, spontaneous: true });
    host.emit({ type: 'reply.token', replyId: 's1', text: 'Still stuck on that test?' });
    await settle();
    const msg = document.querySelector<HTMLElement>('.msg[data-key="rs1"]')!;
    expect(msg).not.toBeNull();
    expect(msg.getAttribute('data-spontaneous')).toBe('true');
    expect(msg.querySelector('.msg-spontaneous')!.textContent).toBe('on her own');
    host.emit({ type: 'reply.start', replyId: 'a1', sessionId: 9, userMessageId: null, spontaneous: false });
    await settle();
    const answer = document.querySelector<HTMLElement>('.msg[data-key="ra1"]')!;
    expect(answer.hasAttribute('data-spontaneous')).toBe(false);
    expect(answer.querySelector('.msg-spontaneous')).toBeNull();
  });

  it('stay marked when loaded from history', async () => {
    host.answers['session.messages'] = () => ({
      messages: [
        {
          id: 1,
          sessionId: 9,
          role: 'assistant',
          text: 'Time for a break?',
          emotion: 'happy',
          status: 'complete',
          spontaneous: true,
          promptTokens: null,
          completionTokens: null,
          createdAt: 1,
        },
      ],
    });
    await restartCompanion(host);
    expect(document.querySelector('.msg[data-message-id="1"]')!.getAttribute('data-spontaneous')).toBe('true');
  });
});
