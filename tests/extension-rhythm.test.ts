// Issue 7 in the extension: webcam presence, idle talk (Do not disturb) and what Alisa learns about
// the user. The settings and commands as contributed, settings -> `presence.configure` /
// `idle.configure` (on connect, on change, the editor's focus), the status bar items, the panel's
// Do-not-disturb kept in the setting, and the two rhythm commands. `vscode` is the shared fake
// (tests/helpers/fake-vscode.ts: this runs outside VS Code); the companion is a recording fake manager.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeManager, flush, pkg, useController } from './helpers/ext-manager';
import { NOTHING_LEARNED } from './helpers/ext-rhythm';
import { fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { IdleConfigure, PresenceConfigure, type IdleStatus, type PresenceStatus, type RhythmSummary } from '../protocol/rhythm';
import { IdleController } from '../extension/rhythm/idle-controller';
import { PresenceController } from '../extension/rhythm/presence-controller';
import { CONFIRM_BUTTON, FORGET_BUTTON, KEEP_BUTTON, RhythmCommands, SUMMARY_TITLE } from '../extension/rhythm/rhythm-commands';
import {
  doNotDisturbToPersist,
  IDLE_SETTINGS,
  idleConfigureParams,
  idleStatusLook,
  normalizeIdleSettings,
  normalizePresenceSettings,
  PRESENCE_SETTINGS,
  presenceConfigureParams,
  PresenceErrorNotifier,
  presenceIndicatorState,
  presenceStatusLook,
  RHYTHM_COMMANDS,
  rhythmSummaryDetail,
} from '../extension/rhythm/rhythm-logic';
import { StatusBar, type StatusSources } from '../extension/status-bar';

const presenceOff: PresenceStatus = { enabled: false, active: false, paused: false, state: null, input: 'default', error: null };
const presenceOn: PresenceStatus = { ...presenceOff, enabled: true, active: true, state: 'focused' };
const presencePaused: PresenceStatus = { ...presenceOff, enabled: true, paused: true };
const presenceReleased: PresenceStatus = { ...presenceOff, enabled: true };
const noCamera = { code: 'camera_unavailable' as const, message: 'No camera was found.', action: 'Plug one in, or set alisa.presence.input.' };
const presenceFailing: PresenceStatus = { ...presenceOff, enabled: true, error: noCamera };
const idle: IdleStatus = { doNotDisturb: false, chattiness: 1, quietReason: null, lastSpokeAt: null };
const summary: RhythmSummary = {
  text: 'You are busiest 9-11 and 14-16. After a failing test you usually open the terminal.',
  busyHours: [9, 10, 14, 15],
  quietHours: [12],
  sequences: [{ from: 'test', to: 'terminal', count: 7 }],
  acceptance: [{ hour: 10, engaged: 2, total: 5 }],
  typicalSessionMinutes: 50,
  samples: 42,
};

describe('settings and commands as contributed', () => {
  const props = pkg.contributes.configuration.properties;

  it('presence: off by default, user scope only, says frames are never stored and when the camera is released', () => {
    const enabled = props[PRESENCE_SETTINGS.enabled];
    expect(enabled).toMatchObject({ type: 'boolean', default: false, scope: 'application' });
    expect(enabled.markdownDescription).toMatch(/off by default/i);
    expect(enabled.markdownDescription).toMatch(/never stored/);
    expect(enabled.markdownDescription).toMatch(/released while paused/);
    expect(enabled.markdownDescription).toMatch(/background/);
    expect(props[PRESENCE_SETTINGS.input]).toMatchObject({ type: 'string', default: 'default', scope: 'application' });
  });

  it('idle talk: Do not disturb off, chattiness 1 in 0..2', () => {
    expect(props[IDLE_SETTINGS.doNotDisturb]).toMatchObject({ type: 'boolean', default: false });
    expect(props[IDLE_SETTINGS.chattiness]).toMatchObject({ type: 'number', default: 1, minimum: 0, maximum: 2 });
  });

  it('has the five commands under "Alisa"', () => {
    const commands = pkg.contributes.commands as Array<{ command: string; title: string; category: string }>;
    const title = (id: string) => commands.find((c) => c.command === id);
    expect(title(RHYTHM_COMMANDS.presenceToggle)).toMatchObject({ title: 'Turn Webcam Presence On/Off', category: 'Alisa' });
    expect(title(RHYTHM_COMMANDS.presencePause)).toMatchObject({ title: 'Pause/Resume Webcam Presence', category: 'Alisa' });
    expect(title(RHYTHM_COMMANDS.toggleDoNotDisturb)).toMatchObject({ title: 'Do Not Disturb On/Off', category: 'Alisa' });
    expect(title(RHYTHM_COMMANDS.show)).toMatchObject({ title: 'What Have You Learned About Me?', category: 'Alisa' });
    expect(title(RHYTHM_COMMANDS.clear)).toMatchObject({ title: 'Forget What You Learned About Me', category: 'Alisa' });
  });
});

describe('settings -> configure params', () => {
  it('presence: the settings, the pause only when this window set it, the focus only while on', () => {
    const on = normalizePresenceSettings(true, 'default');
    expect(presenceConfigureParams(on, null, true)).toEqual({ enabled: true, input: 'default', editorFocused: true });
    expect(presenceConfigureParams(on, true, false)).toEqual({ enabled: true, input: 'default', paused: true, editorFocused: false });
    expect(presenceConfigureParams(normalizePresenceSettings(false, undefined), null, false)).toEqual({ enabled: false, input: 'default' });
    expect(PresenceConfigure.safeParse(presenceConfigureParams(on, false, true)).success).toBe(true);
  });

  it('presence: only a real true turns the camera on; the input is cleaned', () => {
    expect(normalizePresenceSettings('true', 'x').enabled).toBe(false);
    expect(normalizePresenceSettings(true, '  ').input).toBe('default');
    expect(normalizePresenceSettings(true, 'x'.repeat(1001)).input).toBe('default');
    expect(normalizePresenceSettings(true, ' ~/clip.mp4 ', (p) => p.replace('~', '/home/u')).input).toBe('/home/u/clip.mp4');
  });

  it('idle: the settings, chattiness kept within 0..2', () => {
    expect(idleConfigureParams(normalizeIdleSettings(undefined, undefined))).toEqual({ doNotDisturb: false, chattiness: 1 });
    expect(idleConfigureParams(normalizeIdleSettings(true, 5))).toEqual({ doNotDisturb: true, chattiness: 2 });
    expect(idleConfigureParams(normalizeIdleSettings('yes', -1))).toEqual({ doNotDisturb: false, chattiness: 0 });
    expect(idleConfigureParams(normalizeIdleSettings(false, 'a lot'))).toEqual({ doNotDisturb: false, chattiness: 1 });
    expect(IdleConfigure.safeParse(idleConfigureParams(normalizeIdleSettings(true, 1.5))).success).toBe(true);
  });
});

describe('status bar looks', () => {
  it('camera: hidden while off, unknown or released; $(device-camera) Camera while open, a click pauses', () => {
    expect(presenceStatusLook(null)).toBeNull();
    expect(presenceStatusLook(presenceOff)).toBeNull();
    expect(presenceStatusLook(presenceReleased)).toBeNull();
    const look = presenceStatusLook(presenceOn)!;
    expect(look).toMatchObject({ text: '$(device-camera) Camera', command: 'alisa.presence.pause' });
    expect(look.tooltip).toMatch(/focused/);
    expect(look.tooltip).toMatch(/never stored/);
    expect(look.tooltip).toMatch(/Click to pause/);
    expect(presenceIndicatorState(presenceOn)).toBe('active');
  });

  it('camera: paused says so (a click resumes); an error says what to do, and a click turns it off', () => {
    expect(presenceStatusLook(presencePaused)).toMatchObject({ text: '$(device-camera) Camera paused', command: 'alisa.presence.pause' });
    expect(presenceStatusLook(presencePaused)!.tooltip).toMatch(/Click to resume/);
    const failing = presenceStatusLook(presenceFailing)!;
    expect(failing.tooltip).toContain('No camera was found. Plug one in, or set alisa.presence.input.');
    expect(failing).toMatchObject({ command: 'alisa.presence.toggle', background: 'warning' });
  });

  it('do not disturb: hidden while unknown, $(bell-slash) Do not disturb when on, $(bell) when off; a click toggles', () => {
    expect(idleStatusLook(null)).toBeNull();
    expect(idleStatusLook({ ...idle, doNotDisturb: true })).toMatchObject({ text: '$(bell-slash) Do not disturb', command: 'alisa.idle.toggleDoNotDisturb' });
    expect(idleStatusLook(idle)).toMatchObject({ text: '$(bell)', command: 'alisa.idle.toggleDoNotDisturb' });
    expect(idleStatusLook({ ...idle, quietReason: 'you are typing' })!.tooltip).toContain('Quiet for now: you are typing.');
    expect(idleStatusLook({ ...idle, chattiness: 0 })!.tooltip).toMatch(/never speaks up/);
  });

  it('a camera error is told once, again after the user turns it on again', () => {
    const n = new PresenceErrorNotifier();
    expect(n.check(presenceFailing)).toEqual(noCamera);
    expect(n.check(presenceFailing)).toBeNull();
    n.arm();
    expect(n.check(presenceFailing)).toEqual(noCamera);
    expect(n.check({ ...presenceOff, error: noCamera })).toBeNull();
  });

  it('a Do-not-disturb from the panel is kept only when the status can be trusted', () => {
    expect(doNotDisturbToPersist(false, { ...idle, doNotDisturb: true }, true, 0)).toBe(true);
    expect(doNotDisturbToPersist(true, idle, true, 0)).toBe(false);
    expect(doNotDisturbToPersist(false, idle, true, 0)).toBeNull();
    expect(doNotDisturbToPersist(false, { ...idle, doNotDisturb: true }, false, 0)).toBeNull();
    expect(doNotDisturbToPersist(false, { ...idle, doNotDisturb: true }, true, 1)).toBeNull();
    expect(doNotDisturbToPersist(false, null, true, 0)).toBeNull();
  });

  it('the summary detail says how much it rests on', () => {
    expect(rhythmSummaryDetail(summary)).toBe(`${summary.text}\n\nThis comes from 42 things I noticed, and it stays on this machine.`);
    // Sentences, not a key: value dump or a parenthesised footnote.
    expect(rhythmSummaryDetail(summary)).not.toMatch(/^\s*\w+:\s|\(From /m);
    expect(rhythmSummaryDetail({ ...summary, text: ' ', samples: 0 })).toBe('Nothing yet.');
  });
});

// ------------------------------------------------------------------ the controllers with a fake companion

/** Alisa's one status item over `sources`, with her state taken from the fake manager's last event. */
function statusItem(m: RhythmManager, sources: StatusSources) {
  let state: { state: string } = { state: 'ready' };
  m.state.event((s) => (state = s as { state: string }));
  const manager = {
    get state() {
      return state;
    },
    status: null,
    modelConfigured: true,
    onDidChangeState: m.state.event,
    onDidReceiveEvent: m.events.event,
  };
  new StatusBar(manager as never, sources);
  return fake.items.filter((i) => i.id === 'alisa.status').at(-1)!;
}

/** The companion's presence, idle and rhythm methods. */
class RhythmManager extends FakeManager {
  presence: PresenceStatus = presenceOff;
  idle: IdleStatus = idle;
  summary: RhythmSummary = summary;
  protected override answer(method: string, params: any): unknown {
    switch (method) {
      case 'presence.configure': {
        const p = { ...this.presence };
        if (params.enabled !== undefined) p.enabled = params.enabled;
        if (params.paused !== undefined) p.paused = params.paused;
        if (params.input !== undefined) p.input = params.input;
        const focused = params.editorFocused ?? true;
        p.active = p.enabled && !p.paused && focused && !p.error;
        this.presence = p;
        return p;
      }
      case 'idle.configure':
        this.idle = { ...this.idle, ...params };
        return this.idle;
      case 'rhythm.summary':
        return this.summary;
      case 'rhythm.clear':
        this.summary = { ...summary, text: 'Nothing yet.', ...NOTHING_LEARNED };
        return { ok: true };
    }
    return super.answer(method, params);
  }
}

/** The window loses the focus for `awayMs`, then has it back for `backMs` (fake timers). */
async function lookAway(awayMs: number, backMs: number) {
  fake.setWindowFocused(false);
  await vi.advanceTimersByTimeAsync(awayMs);
  fake.setWindowFocused(true);
  await vi.advanceTimersByTimeAsync(backMs);
}

describe('PresenceController', () => {
  let m: RhythmManager;
  let c: PresenceController;
  useController(RhythmManager, PresenceController, (started) => ({ m, c } = started), 1000);
  afterEach(() => {
    c.dispose();
    vi.useRealTimers();
  });

  it('configures on start, on every connect and on a settings change', async () => {
    expect(m.sent('presence.configure')).toEqual([{ enabled: false, input: 'default' }]);
    m.state.fire({ state: 'restarting' });
    expect(c.status).toBeNull();
    m.state.fire({ state: 'ready' });
    await flush();
    expect(m.sent('presence.configure')).toHaveLength(2);
    await fake.api.workspace.getConfiguration('alisa').update('presence.input', '/tmp/me.mp4', 1);
    await flush();
    expect(m.sent('presence.configure').at(-1)).toEqual({ enabled: false, input: '/tmp/me.mp4' });
    fake.configChanged.fire({ affectsConfiguration: (s) => s === 'alisa.voice' });
    await flush();
    expect(m.sent('presence.configure')).toHaveLength(3);
  });

  it('the toggle writes the user setting; the status item shows the camera and its menu pauses it', async () => {
    const item = statusItem(m, { presence: c });
    expect(item).toMatchObject({ text: '$(comment-discussion) Alisa', visible: true, command: 'alisa.statusMenu' });
    await fake.commands.get(RHYTHM_COMMANDS.presenceToggle)!();
    await flush();
    expect(fake.updates).toEqual([{ key: 'alisa.presence.enabled', value: true, target: 1 }]);
    expect(m.sent('presence.configure').at(-1)).toEqual({ enabled: true, input: 'default', paused: false, editorFocused: true });
    expect(item).toMatchObject({ text: '$(comment-discussion) Alisa $(device-camera)', visible: true });
    expect(String(item.tooltip)).toMatch(/can see you through the camera/);
    // The menu's camera action is the pause command.
    fake.quickPickIndex = 1;
    await fake.commands.get('alisa.statusMenu')!();
    expect(fake.quickPicks.at(-1)!.items).toEqual([
      '$(comment-discussion) Open the chat',
      '$(debug-pause) Pause the camera',
      '$(output) Show logs',
      '$(gear) Settings',
    ]);
    expect(m.sent('presence.configure').at(-1)).toEqual({ paused: true });
    // An event from the companion (the panel paused it) moves the item too: still there while the camera feature is on.
    m.events.fire({ type: 'presence.state', status: presencePaused });
    expect(item.text).toBe('$(comment-discussion) Alisa $(device-camera)');
    fake.quickPickIndex = undefined;
    await fake.commands.get('alisa.statusMenu')!();
    expect(fake.quickPicks.at(-1)!.items).toContain('$(device-camera) Resume the camera');
    m.events.fire({ type: 'presence.state', status: presenceOff });
    expect(item.text).toBe('$(comment-discussion) Alisa');
  });

  it('pause and resume without touching the setting; the pause survives a restart', async () => {
    fake.config['alisa.presence.enabled'] = true;
    fake.configChanged.fire({ affectsConfiguration: (s) => s === 'alisa.presence' });
    await flush();
    await fake.commands.get(RHYTHM_COMMANDS.presencePause)!();
    expect(m.sent('presence.configure').at(-1)).toEqual({ paused: true });
    expect(c.status).toMatchObject({ paused: true, active: false });
    m.state.fire({ state: 'restarting' });
    m.state.fire({ state: 'ready' });
    await flush();
    expect(m.sent('presence.configure').at(-1)).toMatchObject({ enabled: true, paused: true });
    await fake.commands.get(RHYTHM_COMMANDS.presencePause)!();
    expect(m.sent('presence.configure').at(-1)).toEqual({ paused: false });
    expect(fake.updates).toEqual([]);
  });

  it('pause while off offers to turn it on', async () => {
    fake.answers.push('Turn On');
    await fake.commands.get(RHYTHM_COMMANDS.presencePause)!();
    expect(fake.dialogs[0]!.message).toMatch(/off/);
    expect(fake.config['alisa.presence.enabled']).toBe(true);
  });

  it('tells the companion when VS Code has been in the background a while, and when it is back', async () => {
    vi.useFakeTimers();
    fake.config['alisa.presence.enabled'] = true;
    fake.configChanged.fire({ affectsConfiguration: (s) => s === 'alisa.presence' });
    await vi.advanceTimersByTimeAsync(0);
    const n = m.sent('presence.configure').length;
    // A quick look elsewhere keeps the camera.
    await lookAway(500, 2000);
    expect(m.sent('presence.configure')).toHaveLength(n);
    // A long one releases it.
    fake.setWindowFocused(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(m.sent('presence.configure').at(-1)).toEqual({ editorFocused: false });
    expect(c.status?.active).toBe(false);
    fake.setWindowFocused(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(m.sent('presence.configure').at(-1)).toEqual({ editorFocused: true });
    expect(c.status?.active).toBe(true);
  });

  it('sends nothing about focus while presence is off', async () => {
    vi.useFakeTimers();
    const n = m.sent('presence.configure').length;
    await lookAway(5000, 0);
    expect(m.sent('presence.configure')).toHaveLength(n);
  });

  it('a camera error is told once, with Retry and Turn Off', async () => {
    m.events.fire({ type: 'presence.state', status: presenceFailing }); // off in the settings: not told
    expect(fake.dialogs).toHaveLength(0);
    fake.config['alisa.presence.enabled'] = true;
    fake.configChanged.fire({ affectsConfiguration: (s) => s === 'alisa.presence' });
    await flush();
    fake.answers.push('Turn Off');
    m.events.fire({ type: 'presence.state', status: presenceFailing });
    m.events.fire({ type: 'presence.state', status: presenceFailing });
    await flush();
    expect(fake.dialogs).toHaveLength(1);
    expect(fake.dialogs[0]).toMatchObject({ kind: 'warning', buttons: ['Retry', 'Turn Off'] });
    expect(fake.dialogs[0]!.message).toContain('No camera was found.');
    expect(fake.config['alisa.presence.enabled']).toBe(false);
  });
});

describe('IdleController', () => {
  let m: RhythmManager;
  let c: IdleController;
  useController(RhythmManager, IdleController, (started) => ({ m, c } = started));

  it('configures on start, on every connect and on a settings change', async () => {
    expect(m.sent('idle.configure')).toEqual([{ doNotDisturb: false, chattiness: 1 }]);
    m.state.fire({ state: 'stopped' });
    expect(c.status).toBeNull();
    m.state.fire({ state: 'ready' });
    await flush();
    await fake.api.workspace.getConfiguration('alisa').update('idle.chattiness', 2, 1);
    await flush();
    expect(m.sent('idle.configure')).toEqual([
      { doNotDisturb: false, chattiness: 1 },
      { doNotDisturb: false, chattiness: 1 },
      { doNotDisturb: false, chattiness: 2 },
    ]);
  });

  it('the command flips the setting, which goes to the companion; the status item follows', async () => {
    const item = statusItem(m, { idle: c });
    // Her normal state (she may talk when you seem idle) is not worth an icon; the tooltip says it.
    expect(item).toMatchObject({ text: '$(comment-discussion) Alisa', visible: true });
    expect(String(item.tooltip)).toMatch(/when you seem idle/);
    await fake.commands.get(RHYTHM_COMMANDS.toggleDoNotDisturb)!();
    await flush();
    expect(fake.config['alisa.idle.doNotDisturb']).toBe(true);
    expect(m.sent('idle.configure').at(-1)).toEqual({ doNotDisturb: true, chattiness: 1 });
    expect(item.text).toBe('$(comment-discussion) Alisa $(bell-slash)');
    // The menu turns it off again, through the same command.
    fake.quickPickIndex = 1;
    await fake.commands.get('alisa.statusMenu')!();
    expect(fake.quickPicks.at(-1)!.items[1]).toBe('$(bell) Turn off Do not disturb');
    await flush();
    expect(fake.config['alisa.idle.doNotDisturb']).toBe(false);
    expect(item.text).toBe('$(comment-discussion) Alisa');
    await fake.commands.get(RHYTHM_COMMANDS.toggleDoNotDisturb)!();
    await flush();
    expect(item.text).toBe('$(comment-discussion) Alisa $(bell-slash)');
    // Unknown while she restarts: no icon claims a state nobody knows.
    m.state.fire({ state: 'restarting' });
    expect(item.text).not.toContain('$(bell-slash)');
  });

  it("the panel's toggle (seen in idle.state) is kept in the setting, without a loop", async () => {
    m.idle = { ...idle, doNotDisturb: true };
    m.events.fire({ type: 'idle.state', status: m.idle });
    await flush();
    expect(fake.updates).toEqual([{ key: 'alisa.idle.doNotDisturb', value: true, target: 1 }]);
    expect(m.sent('idle.configure')).toHaveLength(1);
  });
});

describe('what she has learned', () => {
  let m: RhythmManager;

  beforeEach(() => {
    fake.reset();
    m = new RhythmManager();
    new RhythmCommands(m as never);
  });

  it('"What Have You Learned About Me?" shows her summary, with a way to forget it', async () => {
    await fake.commands.get(RHYTHM_COMMANDS.show)!();
    expect(m.sent('rhythm.summary')).toEqual([{}]);
    expect(fake.dialogs).toHaveLength(1);
    const d = fake.dialogs[0]!;
    expect(d.message).toBe(SUMMARY_TITLE);
    expect(d.options).toMatchObject({ modal: true });
    expect(d.options?.detail).toContain(summary.text);
    // The default button (a modal's first) keeps everything: forgetting is never what Enter does.
    expect(d.buttons).toEqual([KEEP_BUTTON, FORGET_BUTTON]);
    expect(m.sent('rhythm.clear')).toEqual([]); // dismissed: nothing forgotten
  });

  it('"Forget It All" in the summary forgets', async () => {
    fake.answers.push(FORGET_BUTTON);
    await fake.commands.get(RHYTHM_COMMANDS.show)!();
    expect(m.sent('rhythm.clear')).toEqual([{}]);
    expect(fake.statusBarMessages.at(-1)).toMatch(/forgotten/);
    // Nothing left: no button to forget.
    await fake.commands.get(RHYTHM_COMMANDS.show)!();
    expect(fake.dialogs.at(-1)!.buttons).toEqual([]);
  });

  it('"Forget What You Learned About Me" asks first; only a yes clears', async () => {
    await fake.commands.get(RHYTHM_COMMANDS.clear)!();
    expect(fake.dialogs[0]).toMatchObject({ kind: 'warning', buttons: [KEEP_BUTTON, CONFIRM_BUTTON], options: { modal: true } });
    expect(fake.dialogs[0]!.message).toMatch(/Forget what Alisa has learned/);
    expect(m.sent('rhythm.clear')).toEqual([]);
    fake.answers.push(KEEP_BUTTON); // the default button: nothing is forgotten
    await fake.commands.get(RHYTHM_COMMANDS.clear)!();
    expect(m.sent('rhythm.clear')).toEqual([]);
    fake.answers.push(CONFIRM_BUTTON);
    await fake.commands.get(RHYTHM_COMMANDS.clear)!();
    expect(m.sent('rhythm.clear')).toEqual([{}]);
  });

  it('says so when she is not running', async () => {
    m.connected = false;
    await fake.commands.get(RHYTHM_COMMANDS.show)!();
    await fake.commands.get(RHYTHM_COMMANDS.clear)!();
    expect(m.requests).toEqual([]);
    expect(fake.dialogs.map((d) => d.message)).toEqual([expect.stringMatching(/not running/), expect.stringMatching(/not running/)]);
  });
});
