// Several windows, one memory (issue 12): the first VS Code window starts the companion; every
// later window on the same data folder attaches to it (DATA/companion.attach, 0600) instead of
// starting a second one; all windows see each other's messages live; a closing window leaves the
// companion to the windows still using it; the last one gone, it ends. Real supervisors (as in
// two extension hosts), the real companion and the real tiny model, real processes.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../protocol/messages';
import { ATTACH_FILE, findRunningCompanion } from '../extension/companion-attach';
import { companionArgs, type CompanionSettings } from '../extension/companion-args';
import type { LaunchSpec } from '../extension/companion-process';
import { CompanionSupervisor, type SupervisorState } from '../extension/companion-supervisor';
import { COMPANION_BUNDLE, tempDir } from './helpers/companion';
import { alive } from './helpers/ext-process';
import { companionSettings, QUICK_SETTINGS } from './helpers/ext-settings';
import { MODEL_PATH } from './helpers/model';

const settings = (dataFolder: string, over: Partial<CompanionSettings> = {}): CompanionSettings =>
  companionSettings({ modelPath: MODEL_PATH, dataFolder, ...QUICK_SETTINGS, contextSize: 512, maxReplyTokens: 12, ...over });

/** What a window's extension host launches; the grace is short so the last window's leaving is seen quickly. */
const spec = (dataFolder: string, parentPid = process.pid): LaunchSpec => ({
  nodePath: process.execPath,
  script: COMPANION_BUNDLE,
  args: companionArgs(settings(dataFolder), parentPid),
  env: { ALISA_ORPHAN_GRACE_MS: '300' },
});

const supervisors: CompanionSupervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

/** One VS Code window: a supervisor named like the extension's, with its log and events kept. */
function window(name = 'w') {
  const logs: string[] = [];
  const events: CompanionEvent[] = [];
  const states: SupervisorState[] = [];
  const sup = new CompanionSupervisor({
    clientName: `alisa-vscode/test-${name}`,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m), companion: (l) => logs.push(`[companion] ${l}`) },
  });
  sup.onEvent((e) => events.push(e));
  sup.onState((s) => states.push(s));
  supervisors.push(sup);
  const waitEvent = <T extends CompanionEvent>(pred: (e: CompanionEvent) => e is T, timeoutMs = 60_000): Promise<T> => {
    const found = events.find(pred);
    if (found) return Promise.resolve(found as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`window ${name}: no such event within ${timeoutMs} ms`)), timeoutMs);
      const off = sup.onEvent((e) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        off();
        resolve(e as T);
      });
    });
  };
  return { sup, logs, events, states, waitEvent };
}

/** Windows a and b on a new data folder: a starts the companion (its pid kept), then b attaches. */
async function twoWindows() {
  const dataDir = tempDir('alisa-windows-');
  const a = window('a');
  const b = window('b');
  await a.sup.start(spec(dataDir));
  const pid = a.sup.pid!;
  await b.sup.start(spec(dataDir));
  return { dataDir, a, b, pid };
}

/** Waits until `cond` holds (checked every 50 ms), or fails after `timeoutMs`. */
async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('several windows, one companion', () => {
  it('a second window attaches to the running companion instead of starting another, through a private attach file', async () => {
    const dataDir = tempDir('alisa-windows-');
    const a = window('a');
    await a.sup.start(spec(dataDir));
    expect(a.sup.state.state).toBe('ready');
    expect(a.sup.attached).toBe(false);
    const file = path.join(dataDir, ATTACH_FILE);
    // Only this user may read it: it holds the per-launch token.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ type: 'ready', pid: a.sup.pid, port: a.sup.ready!.port });

    const b = window('b');
    await b.sup.start(spec(dataDir));
    expect(b.sup.state.state).toBe('ready');
    expect(b.sup.attached).toBe(true);
    expect(b.sup.pid).toBe(a.sup.pid);
    expect(b.logs.some((l) => l.startsWith('attached to the companion of another window'))).toBe(true);
    expect(b.logs.some((l) => l.startsWith('starting the companion'))).toBe(false);
  });

  it('every window sees a message sent in another window live, in the same session', async () => {
    const { a, b } = await twoWindows();
    const sent = await b.sup.client!.request('chat.send', { text: 'Once upon a time' });
    expect(sent.replyId).not.toBeNull();
    const endA = await a.waitEvent((e): e is Extract<CompanionEvent, { type: 'reply.end' }> => e.type === 'reply.end' && e.replyId === sent.replyId);
    const endB = await b.waitEvent((e): e is Extract<CompanionEvent, { type: 'reply.end' }> => e.type === 'reply.end' && e.replyId === sent.replyId);
    expect(endA.sessionId).toBe(sent.sessionId);
    expect(endA.text).toBe(endB.text);
    expect(endA.text.length).toBeGreaterThan(0);
    // Window a reads the same memory: the user's message and her reply, stored once.
    const { messages } = await a.sup.client!.request('session.messages', { sessionId: sent.sessionId });
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'Once upon a time'],
      ['assistant', endA.text],
    ]);
  });

  it('the window that started it closes: the companion stays for the other window, and ends once no window is left', async () => {
    const { dataDir, a, b, pid } = await twoWindows();
    await a.sup.stop();
    expect(a.logs.some((l) => l.includes('other windows use the companion'))).toBe(true);
    expect(alive(pid)).toBe(true);
    // Window b goes on with the same companion, without a restart.
    expect(b.sup.state.state).toBe('ready');
    const status = await b.sup.client!.request('status.get', {});
    expect(status.database.state).toBe('ready');
    expect(b.states.some((s) => s.state === 'restarting')).toBe(false);
    // The last window leaves: after the grace (300 ms here) the companion ends, lock and attach file gone.
    await b.sup.stop();
    await until(() => !alive(pid), 'the companion to end');
    expect(existsSync(path.join(dataDir, ATTACH_FILE))).toBe(false);
    expect(existsSync(path.join(dataDir, 'companion.lock'))).toBe(false);
  });

  it('a lone window closing still stops its companion at once (no orphans)', async () => {
    const dataDir = tempDir('alisa-windows-');
    const a = window('a');
    await a.sup.start(spec(dataDir));
    const pid = a.sup.pid!;
    await a.sup.stop();
    expect(alive(pid)).toBe(false);
  });

  it("the starting window's extension host dies (SIGKILL): the attached window keeps the companion; its log goes on in a file", async () => {
    const dataDir = tempDir('alisa-windows-');
    // A stand-in extension host that started the companion (its parent), killed below.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ${JSON.stringify([COMPANION_BUNDLE, ...spec(dataDir).args.filter((x, i, all) => x !== '--parent-pid' && all[i - 1] !== '--parent-pid')])}, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ALISA_ORPHAN_GRACE_MS: '300' } });
      child.stdout.once('data', (d) => console.log(String(d).split('\\n')[0]));
      child.stderr.resume();
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const readyLine = await new Promise<string>((resolve) => parent.stdout!.once('data', (d) => resolve(String(d).trim())));
    const pid = (JSON.parse(readyLine) as { pid: number }).pid;
    const b = window('b');
    await b.sup.start(spec(dataDir));
    expect(b.sup.attached).toBe(true);
    expect(b.sup.pid).toBe(pid);
    parent.kill('SIGKILL');
    const logFile = path.join(dataDir, 'companion.log');
    await until(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('keeps running for them'), 'the companion to say it stays');
    expect(alive(pid)).toBe(true);
    const status = await b.sup.client!.request('status.get', {});
    expect(status.database.state).toBe('ready');
    await b.sup.stop();
    await until(() => !alive(pid), 'the orphaned companion to end after its last window');
    expect(readFileSync(logFile, 'utf8')).toContain('no VS Code window uses the companion any more');
  });

  it('a restart with new settings in an attached window restarts the shared companion; the other window follows it', async () => {
    const { a, b, pid: first } = await twoWindows();
    await b.sup.restart();
    expect(b.sup.state.state).toBe('ready');
    expect(alive(first)).toBe(false);
    const second = b.sup.pid!;
    expect(second).not.toBe(first);
    // Window a notices and attaches to the new one (no second companion on the folder).
    await until(() => a.sup.state.state === 'ready' && a.sup.pid === second, 'window a to follow');
    expect(a.sup.attached).toBe(true);
    expect(a.states.some((s) => s.state === 'failed')).toBe(false);
  });

  it('an attach file that is not private, or names a dead process, is never used', async () => {
    const dataDir = tempDir('alisa-windows-');
    const file = path.join(dataDir, ATTACH_FILE);
    const ready = { type: 'ready', port: 1, token: 'x'.repeat(43), pid: process.ppid, version: '0.1.0', protocolVersion: 1, legacyPort: null };
    writeFileSync(file, JSON.stringify(ready), { mode: 0o600 });
    expect(findRunningCompanion(dataDir)).toMatchObject({ kind: 'found' });
    chmodSync(file, 0o644);
    expect(findRunningCompanion(dataDir)).toEqual({ kind: 'none' });
    chmodSync(file, 0o600);
    writeFileSync(file, JSON.stringify({ ...ready, pid: 2 ** 22 + 12345 }), { mode: 0o600 });
    expect(findRunningCompanion(dataDir)).toEqual({ kind: 'none' });
    writeFileSync(file, '{"type":"ready", broken', { mode: 0o600 });
    expect(findRunningCompanion(dataDir)).toEqual({ kind: 'none' });
    writeFileSync(file, JSON.stringify({ ...ready, protocolVersion: 99, version: '9.0.0' }), { mode: 0o600 });
    const other = findRunningCompanion(dataDir);
    expect(other.kind).toBe('unusable');
    expect(other.kind === 'unusable' && other.reason).toContain('Reload the other windows');
    unlinkSync(file);
    expect(findRunningCompanion(dataDir)).toEqual({ kind: 'none' });
  });
});
