// One companion per data folder (issue 12, "Several windows, one memory", first step): a second
// companion started on a folder in use exits with a clear message naming the running one (pid,
// port) and EXIT_ALREADY_RUNNING, prints no ready line and touches nothing; once the first one
// has stopped (cleanly, or killed with SIGKILL: a stale lock), the second starts fine. (A VS Code
// window attaches to the running companion instead: tests/extension-windows.test.ts.)
// The real companion, the real tiny model, real SQLite.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { ATTACH_FILE, EXIT_ALREADY_RUNNING, LOCK_FILE } from '../companion/instance-lock';
import { companionArgs, type CompanionSettings } from '../extension/companion-args';
import { CompanionSupervisor, type SupervisorState } from '../extension/companion-supervisor';
import { COMPANION_BUNDLE, startCompanion, tempDir, TestClient, TINY_MODEL_ARGS, type RunningCompanion } from './helpers/companion';
import { companionSettings, QUICK_SETTINGS } from './helpers/ext-settings';
import { MODEL_PATH } from './helpers/model';
import { closedAfterEach } from './helpers/comp-live';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

const supervisors: CompanionSupervisor[] = [];
const { running, clients } = closedAfterEach(() => Promise.all(supervisors.splice(0).map((s) => s.stop())), 'SIGKILL');

async function start(dataDir: string): Promise<RunningCompanion> {
  const c = await startCompanion({ dataDir });
  running.push(c);
  return c;
}

/** Starts a companion expected to refuse: resolves with its exit code, stdout and stderr. */
function startRefused(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [COMPANION_BUNDLE, '--model', MODEL_PATH, '--data', dataDir, ...TINY_MODEL_ARGS], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => {
    stdout += d.toString();
    // A companion that started after all (a ready line): end it, the assertions below fail.
    if (stdout.includes('\n')) proc.kill('SIGKILL');
  });
  proc.stderr!.on('data', (d) => (stderr += d.toString()));
  return new Promise((resolve) => {
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function readLock(dataDir: string): { pid: number; port: number | null; startedAt: string } {
  return JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'));
}

function rows(dataDir: string): Array<{ id: number; role: string; text: string; status: string }> {
  const db = new Database(path.join(dataDir, 'alisa.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, role, text, status FROM messages ORDER BY id').all() as Array<{ id: number; role: string; text: string; status: string }>;
  } finally {
    db.close();
  }
}

describe('one companion per data folder', () => {
  it('a second companion on a folder in use refuses with the running one named, and touches nothing', async () => {
    const dataDir = tempDir();
    const a = await start(dataDir);
    const lock = readLock(dataDir);
    expect(lock.pid).toBe(a.ready.pid);
    expect(lock.port).toBe(a.port);
    // Private, and never the token.
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dataDir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')).not.toContain(a.token);

    const client = await TestClient.connect(a);
    clients.push(client);
    // A reply of A is live while B starts.
    const sent = await client.request('chat.send', { text: 'hello there, tell me something' });
    await client.waitFor((m) => m.type === 'reply.start' && m.replyId === sent.replyId);
    const apiKeyBefore = fs.readFileSync(a.ready.apiKeyFile!, 'utf8');

    const b = await startRefused(dataDir);
    expect(b.code).toBe(EXIT_ALREADY_RUNNING);
    expect(b.stdout).toBe(''); // no ready line
    expect(b.stderr).toContain('already running');
    expect(b.stderr).toContain(`pid ${a.ready.pid}`);
    expect(b.stderr).toContain(`port ${a.port}`);
    expect(b.stderr).not.toContain(a.token);
    expect(b.stderr).not.toMatch(/marked \d+ reply/);

    // A's reply ends normally, and A's data is untouched: its lock and API key as they were,
    // every message complete (none marked interrupted by B).
    const events = await client.reply(sent.replyId!);
    const end = events.find((m): m is Ev<'reply.end'> => m.type === 'reply.end');
    expect(end?.interrupted).toBe(false);
    expect(readLock(dataDir)).toEqual(lock);
    expect(fs.readFileSync(a.ready.apiKeyFile!, 'utf8')).toBe(apiKeyBefore);
    const stored = rows(dataDir);
    expect(stored.find((r) => r.id === sent.userMessageId)?.text).toBe('hello there, tell me something');
    expect(stored.filter((r) => r.status !== 'complete')).toEqual([]);
    // A still answers.
    const again = await client.request('chat.send', { text: 'still there?' });
    await client.reply(again.replyId!);
  });

  it('after a clean stop the lock is gone and a new companion starts on the folder', async () => {
    const dataDir = tempDir();
    const a = await start(dataDir);
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(true);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    const b = await start(dataDir);
    expect(readLock(dataDir)).toMatchObject({ pid: b.ready.pid, port: b.port });
  });

  it('a lock left by a companion killed with SIGKILL is stale: the next one replaces it and starts', async () => {
    const dataDir = tempDir();
    const a = await start(dataDir);
    await a.stop('SIGKILL');
    // The lock outlived its companion ...
    expect(readLock(dataDir).pid).toBe(a.ready.pid);
    // ... and does not stop the next one.
    const b = await start(dataDir);
    expect(readLock(dataDir)).toMatchObject({ pid: b.ready.pid, port: b.port });
    const client = await TestClient.connect(b);
    clients.push(client);
    const sent = await client.request('chat.send', { text: 'after the crash' });
    await client.reply(sent.replyId!);
  });

  it('a damaged lock file (not JSON) is treated as stale', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, LOCK_FILE), '{"pid":');
    const b = await start(dataDir);
    expect(readLock(dataDir).pid).toBe(b.ready.pid);
  });
});

describe('a second VS Code window on the same data folder', () => {
  const settings = (dataFolder: string): CompanionSettings => companionSettings({ dataFolder, ...QUICK_SETTINGS });
  const window = () => {
    const states: SupervisorState[] = [];
    const sup = new CompanionSupervisor({ log: { info: () => {}, warn: () => {}, error: () => {}, companion: () => {} } });
    sup.onState((s) => states.push(s));
    supervisors.push(sup);
    return { sup, states };
  };
  const specFor = (dataDir: string) => ({ nodePath: process.execPath, script: COMPANION_BUNDLE, args: companionArgs(settings(dataDir), process.pid), env: {} });
  /** A window whose companion is ready on a new data folder. */
  const readyWindow = async () => {
    const dataDir = tempDir();
    const spec = specFor(dataDir);
    const w = window();
    await w.sup.start(spec);
    expect(w.sup.state.state).toBe('ready');
    return { dataDir, spec, w };
  };

  it('a companion it cannot attach to (no attach file): told that Alisa already runs for this folder (pid, port), with what to do, and does not restart', async () => {
    const { dataDir, spec, w: first } = await readyWindow();
    const held = readLock(dataDir);
    // As with a companion that could not write it (a full disk) or an older one: nothing to attach with.
    // (With the file, the second window attaches: tests/extension-windows.test.ts.)
    fs.unlinkSync(path.join(dataDir, ATTACH_FILE));

    const second = window();
    await second.sup.start(spec);
    expect(second.sup.state.state).toBe('failed');
    expect(second.sup.state.failure).toBe('in-use');
    expect(second.sup.state.message).toContain('already running');
    expect(second.sup.state.message).toContain(`pid ${held.pid}`);
    expect(second.sup.state.message).toContain(`port ${held.port}`);
    expect(second.sup.state.error?.action).toContain('Restart Companion');
    expect(second.states.filter((s) => s.state === 'restarting')).toHaveLength(0);
    // The first window's companion is untouched.
    expect(first.sup.state.state).toBe('ready');
    expect(readLock(dataDir)).toEqual(held);
  });

  it('a reloading window: the old companion is stopping while the new window starts; the new window ends up ready (no "in use")', async () => {
    const { dataDir, spec, w: old } = await readyWindow();
    const oldPid = readLock(dataDir).pid;
    // The old window's host deactivates (it stops its lone companion) while the new one starts:
    // the new window either waits for the folder or attaches and then follows the restart.
    const stopping = old.sup.stop();
    const next = window();
    await next.sup.start(spec);
    await stopping;
    await new Promise<void>((resolve) => {
      if (next.sup.state.state === 'ready' && next.sup.pid !== oldPid) return resolve();
      const off = next.sup.onState((st) => {
        if (st.state === 'ready' && next.sup.pid !== oldPid) {
          off();
          resolve();
        }
      });
    });
    expect(next.states.some((st) => st.state === 'failed')).toBe(false);
    expect(readLock(dataDir).pid).toBe(next.sup.pid);
  });

  it('a new start while a launch is under way waits for that launch to let go of the folder', async () => {
    const spec = specFor(tempDir());
    // The first launch is superseded once its process is being spawned, before it is ready (a
    // settings change during start-up).
    let spawning: () => void = () => {};
    const spawned = new Promise<void>((resolve) => (spawning = resolve));
    const sup = new CompanionSupervisor({
      log: { info: (m) => m.startsWith('starting the companion') && spawning(), warn: () => {}, error: () => {}, companion: () => {} },
    });
    supervisors.push(sup);
    const firstLaunch = sup.start(spec);
    await spawned;
    await sup.start(spec);
    await firstLaunch;
    expect(sup.state.failure).toBeNull();
    expect(sup.state.state).toBe('ready');
  });
});
