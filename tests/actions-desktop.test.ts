// Desktop actions for real (issue 16): a private X display (Xvfb) with a real window manager
// (openbox, for focus, minimise and maximise) and real windows (xterm, xev); the real companion
// runs each action through its policy, a test client plays the VS Code window that says yes, and
// the effect is read back from X itself: the text typed lands in a file, the active window
// changes, the window's state says hidden or maximised, xev prints the clicks, scrolls and keys.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionOutcome, CompanionMessage } from '../protocol';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { startXvfb, type XDisplay } from './helpers/xvfb';

const NEEDED: Array<[string, string]> = [
  ['Xvfb', 'xvfb'],
  ['xterm', 'xterm'],
  ['xdotool', 'xdotool'],
  ['wmctrl', 'wmctrl'],
  ['openbox', 'openbox'],
  ['xev', 'x11-utils'],
  ['xprop', 'x11-utils'],
];
const missing = NEEDED.filter(([cmd]) => spawnSync('which', [cmd]).status !== 0).map(([, pkg]) => pkg);
const SKIP = missing.length ? `missing ${[...new Set(missing)].join(', ')} (apt-get install ${[...new Set(missing)].join(' ')})` : null;
if (SKIP) console.log(`desktop action tests skipped: ${SKIP}`);
const NO_XDG_OPEN = spawnSync('which', ['xdg-open']).status !== 0;
if (NO_XDG_OPEN) console.log('the browser_go_to test is skipped: xdg-open is missing (apt-get install xdg-utils)');

let x: XDisplay;
let c: RunningCompanion;
let win: TestClient;
const dir = tempDir('alisa-desktop-');
/** What the stand-in browser was asked to open. */
const opened = path.join(dir, 'opened.txt');
const browser = path.join(dir, 'browser.sh');

/** Runs an action as the user would ask for it, answering its question with yes. */
async function act(action: string, args: Record<string, unknown> = {}): Promise<ActionOutcome> {
  const from = win.events.length;
  const run = win.request('action.run', { action, args });
  const ask = (await win.waitFor((m) => m.type === 'action.ask' && win.events.indexOf(m) >= from)) as Extract<CompanionMessage, { type: 'action.ask' }>;
  expect(ask.action).toBe(action);
  expect(ask.risk).toMatch(/desktop|program|online/);
  await win.request('action.decide', { id: ask.id, decision: 'allow' });
  return run;
}

/** Polls X until `check` holds (the effect of an action lands asynchronously in the X server). */
async function until<T>(what: string, check: () => T | null | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const xdo = (...args: string[]) => spawnSync('xdotool', args, { env: x.env, encoding: 'utf8' }).stdout.trim();
const windowsNamed = (name: string) => xdo('search', '--onlyvisible', '--name', name).split('\n').filter(Boolean);
const wmState = (id: string) => execFileSync('xprop', ['-id', id, '_NET_WM_STATE'], { env: x.env, encoding: 'utf8' });

/** xev on its own window: every event it prints, as text. */
function startXev(title: string): { proc: ChildProcess; out: () => string } {
  const proc = spawn('xev', ['-name', title, '-geometry', '400x300+900+500'], { env: x.env, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  return { proc, out: () => out };
}

describe.skipIf(SKIP !== null)('desktop actions under a real X server', () => {
  let xev: ReturnType<typeof startXev>;
  beforeAll(async () => {
    x = await startXvfb();
    x.spawn('openbox', []);
    await until('openbox to manage the display', () => spawnSync('wmctrl', ['-m'], { env: x.env }).status === 0);
    // The user's default browser, set the freedesktop way (mimeapps.list and a .desktop file), is
    // a script that writes down what it was asked to open.
    writeFileSync(browser, `#!/bin/sh\necho "$1" >> '${opened}'\n`, { mode: 0o755 });
    mkdirSync(path.join(dir, 'xdg-config'), { recursive: true });
    mkdirSync(path.join(dir, 'xdg-data', 'applications'), { recursive: true });
    writeFileSync(path.join(dir, 'xdg-config', 'mimeapps.list'), '[Default Applications]\nx-scheme-handler/https=alisa-test-browser.desktop\n');
    writeFileSync(
      path.join(dir, 'xdg-data', 'applications', 'alisa-test-browser.desktop'),
      `[Desktop Entry]\nType=Application\nName=Test browser\nExec=${browser} %u\nMimeType=x-scheme-handler/https;\n`,
    );
    const xdg = { XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data') };
    c = await startCompanion({
      model: null,
      env: { ...x.env, ...xdg },
      args: ['--no-idle', '--mute', '--actions-per-minute', '600', '--notes-dir', path.join(dir, 'notes')],
    });
    win = await TestClient.connect(c);
    await win.request('action.register', { actions: [], roots: [dir], trusted: true });
    const status = await win.request('action.status', {});
    expect(status.desktop).toEqual({ available: true, reason: null });
  }, 60_000);
  afterAll(async () => {
    win?.close();
    await c?.stop();
    xev?.proc.kill();
    await x?.stop();
  });

  it('types text into the window in front and presses Return: the text lands in the file the window writes', async () => {
    const out = path.join(dir, 'typed.txt');
    x.spawn('xterm', ['-T', 'alisa-typing', '-e', 'sh', '-c', `cat > '${out}'`]);
    await until('the typing window', () => windowsNamed('alisa-typing')[0]);
    expect((await act('window', { op: 'focus', title: 'alisa-typing' })).status).toBe('done');
    await until('the typing window to be active', () => xdo('getactivewindow') === windowsNamed('alisa-typing')[0]);
    expect((await act('type_text', { text: 'hello from alisa' })).status).toBe('done');
    expect((await act('press_keys', { keys: 'Return' })).status).toBe('done');
    expect(await until('the typed line in the file', () => existsSync(out) && readFileSync(out, 'utf8'))).toBe('hello from alisa\n');
  });

  it('focuses, minimises and maximises windows by title', async () => {
    x.spawn('xterm', ['-T', 'alisa-one', '-geometry', '40x10+10+10']);
    x.spawn('xterm', ['-T', 'alisa-two', '-geometry', '40x10+400+10']);
    const one = await until('window one', () => windowsNamed('alisa-one')[0]);
    const two = await until('window two', () => windowsNamed('alisa-two')[0]);
    await act('window', { op: 'focus', title: 'alisa-one' });
    await until('one to be active', () => xdo('getactivewindow') === one);
    await act('window', { op: 'focus', title: 'alisa-two' });
    await until('two to be active', () => xdo('getactivewindow') === two);
    await act('window', { op: 'maximise', title: 'alisa-one' });
    await until('one maximised', () => /MAXIMIZED_VERT/.test(wmState(one)) && /MAXIMIZED_HORZ/.test(wmState(one)));
    await act('window', { op: 'minimise', title: 'alisa-two' });
    await until('two hidden', () => /_NET_WM_STATE_HIDDEN/.test(wmState(two)));
    const missingWindow = await act('window', { op: 'focus', title: 'no-such-window-anywhere' }).catch((e) => e);
    expect(missingWindow).toMatchObject({ status: 'failed', reason: expect.stringMatching(/No window whose title contains/) });
  });

  it('clicks, scrolls and presses keys where xev sees them', async () => {
    xev = startXev('alisa-xev');
    const id = await until('the xev window', () => windowsNamed('alisa-xev')[0]);
    await act('window', { op: 'focus', title: 'alisa-xev' });
    await until('xev to be active', () => xdo('getactivewindow') === id);
    const geo = Object.fromEntries(
      xdo('getwindowgeometry', '--shell', id)
        .split('\n')
        .map((l) => l.split('=')),
    ) as Record<string, string>;
    const cx = Number(geo.X) + 100;
    const cy = Number(geo.Y) + 100;
    expect((await act('click', { x: cx, y: cy, button: 'right' })).status).toBe('done');
    await until('a right click in xev', () => /ButtonPress event[\s\S]*?button 3,/.test(xev.out()));
    expect((await act('scroll', { direction: 'down', amount: 2 })).status).toBe('done');
    await until('a scroll down in xev', () => /ButtonPress event[\s\S]*?button 5,/.test(xev.out()));
    expect((await act('browser_new_tab')).status).toBe('done');
    await until('ctrl+t in xev', () => /KeyPress event[\s\S]*?state 0x4,[\s\S]*?\(keysym 0x74, t\)/.test(xev.out()));
    expect((await act('browser_close_tab')).status).toBe('done');
    await until('ctrl+w in xev', () => /KeyPress event[\s\S]*?state 0x4,[\s\S]*?\(keysym 0x77, w\)/.test(xev.out()));
  });

  it.skipIf(NO_XDG_OPEN)('opens an address with xdg-open, which hands it to the default browser', async () => {
    const outcome = await act('browser_go_to', { url: 'https://example.org/alisa?x=1' });
    expect(outcome.status).toBe('done');
    expect(await until('the browser to get the address', () => existsSync(opened) && readFileSync(opened, 'utf8'))).toBe('https://example.org/alisa?x=1\n');
  });

  it('starts an application and closes its windows politely', async () => {
    const outcome = await act('open_app', { name: 'xterm' });
    expect(outcome).toMatchObject({ status: 'done', result: { text: 'Started xterm.' } });
    await until('a new xterm window', () => windowsNamed('^xterm$')[0] ?? windowsNamed('xterm').length > 0);
    const closed = await act('close_app', { name: 'xterm' });
    expect(closed.status).toBe('done');
    await until('every xterm gone', () => xdo('search', '--onlyvisible', '--class', 'xterm') === '');
    const none = await act('open_app', { name: 'no-such-program-alisa' });
    expect(none).toMatchObject({ status: 'failed', reason: expect.stringMatching(/no program called "no-such-program-alisa"/) });
  });

  it('refuses desktop actions when the user denies, and records every one in the audit log', async () => {
    const from = win.events.length;
    const run = win.request('action.run', { action: 'type_text', args: { text: 'rm -rf ~' } });
    const ask = (await win.waitFor((m) => m.type === 'action.ask' && win.events.indexOf(m) >= from)) as Extract<CompanionMessage, { type: 'action.ask' }>;
    expect(ask.detail).toBe('rm -rf ~');
    await win.request('action.decide', { id: ask.id, decision: 'deny' });
    expect((await run).status).toBe('denied');
    const { entries } = await win.request('action.audit', {});
    expect(entries[0]).toMatchObject({ action: 'type_text', status: 'denied' });
    expect(entries.filter((e) => e.status === 'done').length).toBeGreaterThanOrEqual(10);
  });
});

describe('desktop actions without a display', () => {
  it('are refused with the reason, before any question', async () => {
    const plain = await startCompanion({ model: null, env: { DISPLAY: '', WAYLAND_DISPLAY: '' }, args: ['--no-idle', '--mute'] });
    const client = await TestClient.connect(plain);
    try {
      await client.request('action.register', { actions: [], roots: [dir], trusted: true });
      const outcome = await client.request('action.run', { action: 'press_keys', args: { keys: 'ctrl+s' } });
      expect(outcome).toMatchObject({ status: 'refused', reason: expect.stringMatching(/no X display/) });
      expect(client.events.some((m) => m.type === 'action.ask')).toBe(false);
      expect((await client.request('action.status', {})).desktop.available).toBe(false);
    } finally {
      client.close();
      await plain.stop();
    }
  });
});
