// The extension's companion supervision (extension/companion-supervisor.ts and the vscode-free
// parts under it) against the REAL built companion (dist/companion.mjs) and real processes:
// start, connect and welcome; restart after kill -9; a missing Node runtime; giving up after
// repeated crashes; settings the companion refuses; stopping.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../protocol';
import { companionArgs, type CompanionSettings } from '../extension/companion-args';
import type { LaunchSpec } from '../extension/companion-process';
import { CompanionSupervisor, type SupervisorState } from '../extension/companion-supervisor';
import { COMPANION_BUNDLE, tempDir } from './helpers/companion';
import { alive } from './helpers/ext-process';
import { companionSettings, QUICK_SETTINGS } from './helpers/ext-settings';

const settings = (over: Partial<CompanionSettings> = {}): CompanionSettings =>
  companionSettings({ dataFolder: tempDir('alisa-ext-'), ...QUICK_SETTINGS, ...over });

const spec = (over: Partial<LaunchSpec> = {}, s: Partial<CompanionSettings> = {}): LaunchSpec => ({
  nodePath: process.execPath,
  script: COMPANION_BUNDLE,
  args: companionArgs(settings(s), process.pid),
  env: {},
  ...over,
});

/** A supervisor whose log and state changes are recorded. */
function supervisor(opts: Partial<ConstructorParameters<typeof CompanionSupervisor>[0]> = {}) {
  const logs: string[] = [];
  const states: SupervisorState[] = [];
  const sup = new CompanionSupervisor({
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m), companion: (l) => logs.push(`[companion] ${l}`) },
    ...opts,
  });
  sup.onState((s) => states.push(s));
  running.push(sup);
  return { sup, logs, states };
}

function waitForState(sup: CompanionSupervisor, pred: (s: SupervisorState) => boolean, timeoutMs = 30_000): Promise<SupervisorState> {
  if (pred(sup.state)) return Promise.resolve(sup.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; state is ${JSON.stringify(sup.state)}`));
    }, timeoutMs);
    const off = sup.onState((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** A fake "node": answers --version like Node 20, then behaves as `body` says (a real process). */
function fakeNode(body: string): string {
  const file = path.join(tempDir('alisa-fake-node-'), 'node');
  writeFileSync(file, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo v20.11.1; exit 0; fi\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const running: CompanionSupervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

describe('companion supervisor with the real companion', () => {
  it('starts the companion with --no-model, connects with the token and gets a welcome', async () => {
    expect(existsSync(COMPANION_BUNDLE), 'run `node scripts/build.mjs` first').toBe(true);
    const { sup, states } = supervisor();
    await sup.start(spec());
    expect(sup.state.state).toBe('ready');
    expect(states.map((s) => s.state)).toEqual(['starting', 'connecting', 'ready']);
    const client = sup.client!;
    expect(client.status?.protocolVersion).toBe(PROTOCOL_VERSION);
    // --no-model with the recommended URI: configured, not loaded, nothing downloading.
    expect(sup.status?.model.state).toBe('none');
    expect(sup.status?.model.model).toContain('Llama-3.2-3B-Instruct');
    const status = await client.request('status.get', {});
    expect(status.database.state).toBe('ready');
    const session = await client.request('session.create', { title: 'from the extension test' });
    expect(session.title).toBe('from the extension test');
  });

  it("relays a request envelope unchanged and gives the reply frame the caller's id", async () => {
    const { sup } = supervisor();
    await sup.start(spec());
    const ok = await sup.client!.forward('webview-7', 'session.list', {});
    expect(ok).toMatchObject({ type: 'response', id: 'webview-7' });
    const bad = await sup.client!.forward(8, 'no.such.method', {});
    expect(bad).toMatchObject({ type: 'error', id: 8, error: { code: 'unknown_method' } });
  });

  it('restarts the companion after kill -9 and reconnects', async () => {
    const { sup, logs } = supervisor();
    const events: string[] = [];
    sup.onEvent((e) => events.push(e.type));
    await sup.start(spec());
    const firstPid = sup.pid!;
    process.kill(firstPid, 'SIGKILL');
    const restarting = await waitForState(sup, (s) => s.state === 'restarting');
    expect(restarting.message).toContain('stopped unexpectedly (killed by SIGKILL)');
    expect(restarting.message).toContain('attempt 1 of 4');
    await waitForState(sup, (s) => s.state === 'ready');
    expect(sup.pid).not.toBe(firstPid);
    expect(alive(firstPid)).toBe(false);
    const status = await sup.client!.request('status.get', {});
    expect(status.protocolVersion).toBe(PROTOCOL_VERSION);
    // Every (re)connection hands the listeners the welcome's status.
    expect(events.filter((t) => t === 'status').length).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => l.startsWith('[companion]'))).toBe(true);
  });

  it('stops the companion with SIGTERM and leaves no process behind', async () => {
    const { sup } = supervisor();
    await sup.start(spec());
    const pid = sup.pid!;
    await sup.stop();
    expect(sup.state.state).toBe('stopped');
    expect(sup.client).toBeNull();
    expect(alive(pid)).toBe(false);
  });

  it('stopping while the companion is still starting leaves no process behind', async () => {
    const dataFolder = tempDir('alisa-ext-stop-');
    const { sup } = supervisor();
    const started = sup.start(spec({}, { dataFolder }));
    await waitForState(sup, (s) => s.state === 'starting');
    // Past the Node check, into the spawn: wait for the companion's process to exist (the
    // event), not for a fixed time.
    const spawned = () => spawnSync('pgrep', ['-f', `companion.mjs --data ${dataFolder}`], { encoding: 'utf8' }).stdout.trim() !== '';
    const until = Date.now() + 20_000;
    while (!spawned() && sup.state.state === 'starting' && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(sup.state.state).toBe('starting');
    await sup.stop();
    await started;
    expect(sup.state.state).toBe('stopped');
    const left = spawnSync('pgrep', ['-f', `companion.mjs --data ${dataFolder}`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  it('a new start replaces the running companion', async () => {
    const { sup } = supervisor();
    await sup.start(spec());
    const first = sup.pid!;
    await sup.start(spec());
    expect(sup.state.state).toBe('ready');
    expect(sup.pid).not.toBe(first);
    expect(alive(first)).toBe(false);
  });

  it('says how to fix a Node path that does not exist, without retrying', async () => {
    const { sup, states } = supervisor();
    await sup.start(spec({ nodePath: '/nonexistent/bin/node' }));
    expect(sup.state.state).toBe('failed');
    expect(sup.state.failure).toBe('runtime');
    expect(sup.state.message).toBe('Alisa needs Node.js 20 or newer to run her companion, but "/nonexistent/bin/node" was not found.');
    expect(sup.state.error?.action).toContain('Install Node.js 20 or newer');
    expect(sup.state.error?.action).toContain('alisa.companion.nodePath');
    expect(states.filter((s) => s.state === 'restarting')).toHaveLength(0);
    await expect(sup.whenReady(1000)).rejects.toThrow('was not found');
  });

  it('refuses a Node runtime that is too old', async () => {
    const old = fakeNode('exit 0').replace(/node$/, 'old-node');
    writeFileSync(old, '#!/bin/sh\necho v18.19.0\n');
    chmodSync(old, 0o755);
    const { sup } = supervisor();
    await sup.start(spec({ nodePath: old }));
    expect(sup.state.failure).toBe('runtime');
    expect(sup.state.message).toContain('is v18.19.0');
  });

  it('gives up after 5 crashes within 2 minutes, with the last output in the message', async () => {
    const counter = path.join(tempDir('alisa-crash-count-'), 'launches');
    const node = fakeNode('echo launch >> "$CRASH_COUNTER"\necho "fake companion: cannot open the thing" >&2\nexit 3');
    const { sup, states } = supervisor();
    const started = Date.now();
    await sup.start(spec({ nodePath: node, env: { CRASH_COUNTER: counter } }));
    const failed = await waitForState(sup, (s) => s.state === 'failed', 40_000);
    const elapsed = Date.now() - started;
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(failed.failure).toBe('crashed');
    expect(failed.message).toContain('stopped 5 times within 2 minutes, so it is not restarted again');
    expect(failed.message).toContain('fake companion: cannot open the thing');
    expect(failed.error?.action).toContain('Alisa: Show Logs');
    // Backoff 0.5 + 1 + 2 + 4 s between the five launches.
    expect(elapsed).toBeGreaterThanOrEqual(7000);
    const waits = states.filter((s) => s.state === 'restarting' && s.message?.includes('Restarting in'));
    expect(
      waits.map((s) =>
        /in ([\d.]+ s) \(attempt (\d) of 4\)/
          .exec(s.message ?? '')
          ?.slice(1)
          .join(' '),
      ),
    ).toEqual(['0.5 s 1', '1 s 2', '2 s 3', '4 s 4']);
    // A restart by the user starts over (and crashes again here).
    const restarted = sup.restart();
    await waitForState(sup, (s) => s.state === 'restarting');
    expect(sup.state.message).toContain('attempt 1 of 4');
    await sup.stop();
    await restarted;
  }, 60_000);

  it('counts a companion that never prints its ready line as a crash', async () => {
    const node = fakeNode('sleep 30');
    const { sup } = supervisor({ readyTimeoutMs: 800, policy: { delaysMs: [50], maxCrashes: 2, windowMs: 60_000 } });
    await sup.start(spec({ nodePath: node }));
    const failed = await waitForState(sup, (s) => s.state === 'failed', 10_000);
    expect(failed.message).toContain('did not report ready within 1 s');
  });

  it('stops at once when the companion refuses its settings (exit code 2)', async () => {
    const { sup, states } = supervisor();
    await sup.start(spec({ args: [...companionArgs(settings(), process.pid), '--mode', 'grumpy'] }));
    expect(sup.state.state).toBe('failed');
    expect(sup.state.failure).toBe('settings');
    expect(sup.state.message).toContain('--mode must be one of teasing, serious, calm');
    expect(states.filter((s) => s.state === 'restarting')).toHaveLength(0);
  });
});
