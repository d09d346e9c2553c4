// Issue 12, "installs anywhere, runs on the user's Node": the built companion under Node 20 and
// Node 22. A better-sqlite3 addon built for another Node ABI must not crash it or look ready:
// it starts, prints its ready line, and /health (and the log) say which Node it runs on, which
// ABI the addon was built for, and the fix. With the addon for its own ABI (what the package
// carries per ABI, scripts/native-addons.mjs) the database is ready under Node 22 too.
// Node 22 comes from the npm registry (`node@22`), cached in node_modules/.cache/alisa-native.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeNativeLoadError, packagedAddonName } from '../companion/memory/native-addon';
import { checkNativeAddons, judgeNativeAddons } from '../extension/node-runtime';
import { COMPANION_BUNDLE, TestClient, tempDir } from './helpers/companion';
import { REPO_ROOT } from './helpers/model';

const CACHE = path.join(REPO_ROOT, 'node_modules', '.cache', 'alisa-native');
const OWN_ADDON = path.join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const OWN_MAJOR = Number(process.versions.node.split('.')[0]);

/** A Node 22 binary from the npm registry (cached); the reason when there is none. */
async function node22(): Promise<{ node: string } | { reason: string }> {
  const dir = path.join(CACHE, 'node-22');
  const plat = process.platform === 'win32' ? 'win' : process.platform;
  const bin = path.join(dir, 'node_modules', 'node', 'node_modules', `node-${plat}-${process.arch}`, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"private":true}');
    // Asynchronously: a long spawnSync would starve the test worker's own messages.
    const r = await new Promise<{ status: number | null; stderr: string; error?: Error }>((resolve) => {
      const child = spawn('npm', ['install', 'node@22', '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: dir,
        shell: process.platform === 'win32',
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill(), 180_000);
      child.once('error', (error) => (clearTimeout(timer), resolve({ status: null, stderr, error })));
      child.once('close', (status) => (clearTimeout(timer), resolve({ status, stderr })));
    });
    if (r.status !== 0 || !existsSync(bin))
      return {
        reason: `Node 22 could not be installed from the npm registry (npm install node@22: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-2).join(' ')})`,
      };
  }
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (!/^v22\./.test(v.stdout)) return { reason: `the cached Node 22 at ${bin} does not run (${v.stderr || v.error?.message})` };
  return { node: bin };
}

interface Run {
  proc: ChildProcess;
  port: number;
  token: string;
  stderr: () => string;
}
const running: ChildProcess[] = [];

async function start(node: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const proc = spawn(node, [COMPANION_BUNDLE, '--no-model', '--data', tempDir('alisa-abi-')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  running.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (code, signal) => reject(new Error(`the companion exited (${code ?? signal}) before its ready line. stderr:\n${stderr}`)));
  });
  const ready = JSON.parse(line) as { type: string; port: number; token: string };
  expect(ready.type).toBe('ready');
  return { proc, port: ready.port, token: ready.token, stderr: () => stderr };
}

async function database(run: Run): Promise<{ state: string; error: { code: string; message: string; action?: string } | null }> {
  const res = await fetch(`http://127.0.0.1:${run.port}/health`, { headers: { authorization: `Bearer ${run.token}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { database?: unknown; status?: { database?: unknown } };
  return (body.database ?? body.status?.database) as never;
}

afterEach(() => {
  for (const p of running.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

describe('native addon load errors', () => {
  it('turns an ABI mismatch into the Node it runs on, the ABI the addon wants, and the fix', () => {
    const err = Object.assign(
      new Error(
        `The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION ${process.versions.modules}. Please try re-compiling or re-installing\nthe module (for instance, using \`npm rebuild\` or \`npm install\`).`,
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
    const got = describeNativeLoadError(err);
    expect(got?.message).toContain('built for Node.js 20 (ABI 115)');
    expect(got?.message).toContain(`runs on Node.js ${process.version} (ABI ${process.versions.modules})`);
    expect(got?.action).toContain('alisa.companion.nodePath to a Node.js 20 executable');
    expect(got?.action).toContain('npm rebuild better-sqlite3');
    expect(describeNativeLoadError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBeNull();
  });

  it("the extension warns before spawning when the package has no addon for the user's Node", () => {
    const manifest = {
      platform: 'linux',
      arch: 'x64',
      abis: [
        { abi: 115, node: 20 },
        { abi: 127, node: 22 },
      ],
    };
    expect(judgeNativeAddons('node', 'v22.3.0', 22, manifest, 'linux', 'x64')).toEqual({ ok: true });
    const no = judgeNativeAddons('/opt/node', 'v24.1.0', 24, manifest, 'linux', 'x64');
    expect(no).toMatchObject({ ok: false });
    if (!no.ok) {
      expect(no.message).toContain('Node.js 20, 22 only');
      expect(no.action).toContain('alisa.companion.nodePath to a Node.js 22 executable');
    }
    expect(judgeNativeAddons('node', 'v22.3.0', 22, manifest, 'darwin', 'arm64')).toMatchObject({ ok: false });
    // Read from dist/native/manifest.json next to the companion bundle; none (a development build): no judgement.
    const dist = tempDir('alisa-native-manifest-');
    const script = path.join(dist, 'companion.mjs');
    expect(checkNativeAddons(script, 'node', 'v24.1.0', 24)).toBeNull();
    mkdirSync(path.join(dist, 'native'));
    writeFileSync(path.join(dist, 'native', 'manifest.json'), JSON.stringify({ ...manifest, platform: process.platform, arch: process.arch }));
    expect(checkNativeAddons(script, 'node', 'v24.1.0', 24)).toMatchObject({ ok: false });
    expect(checkNativeAddons(script, 'node', 'v20.1.0', 20)).toEqual({ ok: true });
  });
});

describe.skipIf(!existsSync(COMPANION_BUNDLE))('a database that cannot open is logged once, not every 2 s', () => {
  /** The companion's log lines about the database. */
  const dbLines = (run: Run) =>
    run
      .stderr()
      .split('\n')
      .filter((l) => l.includes('] database: '));
  /** Requests that need the database: each one would retry the open (ALISA_DB_RETRY_MS=0). */
  async function askMemory(run: Run, times: number): Promise<string[]> {
    const client = await TestClient.connect(run);
    const codes: string[] = [];
    try {
      for (let i = 0; i < times; i++) {
        codes.push(
          await client.request('character.list', {}).then(
            () => 'ok',
            (err: { info?: { code: string } }) => err.info?.code ?? 'unknown',
          ),
        );
      }
    } finally {
      client.close();
    }
    return codes;
  }
  const stopped = (run: Run) => {
    const exit = new Promise<void>((resolve) => run.proc.once('exit', () => resolve()));
    run.proc.kill('SIGTERM');
    return exit;
  };

  it('a SQLite addon that does not load: reported once and not retried (fixing the file changes nothing until a restart)', async () => {
    const dir = tempDir('alisa-addon-');
    const addon = path.join(dir, 'better_sqlite3.node');
    writeFileSync(addon, 'not a shared library');
    const run = await start(process.execPath, { ALISA_SQLITE_ADDON: addon, ALISA_DB_RETRY_MS: '0' });
    expect(await askMemory(run, 5)).toEqual(Array(5).fill('database_unavailable'));
    // Were the open retried, it would now succeed: the addon is a real one.
    copyFileSync(OWN_ADDON, addon);
    expect(await askMemory(run, 3)).toEqual(Array(3).fill('database_unavailable'));
    expect((await database(run)).error?.message).toContain('cannot load');
    // After the exit every line the companion wrote has arrived.
    await stopped(run);
    const lines = dbLines(run);
    expect(lines, run.stderr()).toHaveLength(1);
    expect(lines[0]).toContain('cannot load');
    expect(lines[0]).toContain('not retried until Alisa restarts');
  });

  it('a failure that can heal (a folder where the database file goes): retried on every request, logged once, and its end told with the count', async () => {
    const data = tempDir('alisa-dbdir-');
    mkdirSync(path.join(data, 'alisa.db'));
    const proc = spawn(process.execPath, [COMPANION_BUNDLE, '--no-model', '--data', data], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALISA_DB_RETRY_MS: '0' },
    });
    running.push(proc);
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d.toString()));
    const ready = JSON.parse(await new Promise<string>((resolve) => readline.createInterface({ input: proc.stdout! }).once('line', resolve))) as {
      port: number;
      token: string;
    };
    const run: Run = { proc, port: ready.port, token: ready.token, stderr: () => stderr };
    expect(await askMemory(run, 5)).toEqual(Array(5).fill('database_unavailable'));
    rmSync(path.join(data, 'alisa.db'), { recursive: true });
    expect(await askMemory(run, 1)).toEqual(['ok']);
    // Wait for the line that ends the story; the lines before it have arrived too (one pipe).
    await new Promise<void>((resolve) => {
      const check = () => (/database: open now/.test(stderr) ? resolve() : proc.stderr!.once('data', check));
      check();
    });
    const lines = dbLines(run);
    expect(lines, stderr).toHaveLength(2);
    expect(lines[0]).toContain('is a folder, not a database file');
    // At least the start's attempt and the five requests' retries (connecting may ask too): one line.
    const attempts = Number(/open now, after (\d+) failed attempt\(s\)/.exec(lines[1]!)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(6);
    expect((await database(run)).state).toBe('ready');
  });
});

describe.skipIf(!existsSync(COMPANION_BUNDLE))('the built companion on Node 20 and Node 22', () => {
  let n22: { node: string } | { reason: string };
  beforeAll(async () => {
    n22 = await node22();
  }, 200_000);

  it(`is ready under the Node that built its addon (Node ${OWN_MAJOR})`, async () => {
    const run = await start(process.execPath, { ALISA_SQLITE_ADDON: OWN_ADDON });
    expect(await database(run)).toMatchObject({ state: 'ready', error: null });
  });

  it('under Node 22 with an addon built for another ABI: starts, reports the mismatch with the fix, keeps running', async (ctx) => {
    if ('reason' in n22) ctx.skip(n22.reason);
    if (OWN_MAJOR === 22) ctx.skip('the test runner itself is Node 22: its own addon is no mismatch there');
    const run = await start((n22 as { node: string }).node, { ALISA_SQLITE_ADDON: OWN_ADDON });
    const db = await database(run);
    expect(db.state).toBe('error');
    expect(db.error?.code).toBe('database_unavailable');
    expect(db.error?.message).toMatch(/built for Node\.js \d+ \(ABI \d+\), but the companion runs on Node\.js v22\.\d+\.\d+ \(ABI 127\)/);
    expect(db.error?.action).toContain('alisa.companion.nodePath');
    expect(db.error?.action).toContain('npm rebuild better-sqlite3');
    expect(run.stderr()).toContain('ABI 127');
    // Still alive and answering.
    expect(run.proc.exitCode).toBeNull();
    expect((await database(run)).state).toBe('error');
  });

  it('under Node 22 with the packaged addon for its ABI: ready', async (ctx) => {
    if ('reason' in n22) ctx.skip(n22.reason);
    const packaged = path.join(REPO_ROOT, 'dist', 'native', packagedAddonName(127));
    if (!existsSync(packaged)) {
      // Builds (or takes from the cache) the Node 22 addon, as `npm run package` does.
      // Asynchronously: a minute-long spawnSync would starve the test worker's own messages.
      const r = await new Promise<{ stderr: string; error?: Error }>((resolve) =>
        execFile(
          process.execPath,
          [path.join(REPO_ROOT, 'scripts', 'native-addons.mjs'), '22'],
          { encoding: 'utf8', timeout: 400_000, maxBuffer: 64 * 1024 * 1024 },
          (error, _stdout, stderr) => resolve({ stderr, ...(error ? { error } : {}) }),
        ),
      );
      if (!existsSync(packaged))
        ctx.skip(`no better-sqlite3 addon for Node 22 could be built here: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
    }
    // No override: the companion finds dist/native/<its ABI> by itself.
    const run = await start((n22 as { node: string }).node, { ALISA_SQLITE_ADDON: '' });
    expect(await database(run)).toMatchObject({ state: 'ready', error: null });
    expect(run.stderr()).not.toContain('cannot load');
  }, 420_000);
});

const unpacked: string[] = [];
afterAll(() => {
  for (const dir of unpacked.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The newest .vsix of `npm run package` (or ALISA_TEST_VSIX), unpacked (its extension/ folder); or why there is none. */
function unpackedVsix(): { dir: string; manifest: { abis: Array<{ abi: number; node: number }> } } | { reason: string } {
  const out = path.join(REPO_ROOT, 'dist-package');
  const vsixes = existsSync(out)
    ? readdirSync(out)
        .filter((f) => f.endsWith('.vsix'))
        .map((f) => path.join(out, f))
    : [];
  const vsix = process.env.ALISA_TEST_VSIX || vsixes.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!vsix) return { reason: 'no .vsix in dist-package/ (run `npm run package`)' };
  const dir = tempDir('alisa-vsix-');
  unpacked.push(dir);
  const r = spawnSync('unzip', ['-q', vsix, 'extension/*', '-d', dir], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { reason: `unzip could not unpack ${vsix}: ${r.error?.message ?? r.stderr}` };
  const manifestFile = path.join(dir, 'extension', 'dist', 'native', 'manifest.json');
  if (!existsSync(manifestFile))
    return { reason: `${path.basename(vsix)} was packaged before the per-ABI addons (no dist/native/manifest.json): run \`npm run package\`` };
  return { dir: path.join(dir, 'extension'), manifest: JSON.parse(readFileSync(manifestFile, 'utf8')) };
}

describe('the packaged companion (.vsix) on Node 20 and Node 22', () => {
  let pkg: ReturnType<typeof unpackedVsix>;
  let n22: { node: string } | { reason: string };
  beforeAll(async () => {
    pkg = unpackedVsix();
    n22 = await node22();
  }, 200_000);

  async function startPackaged(node: string): Promise<Run> {
    const proc = spawn(node, [path.join((pkg as { dir: string }).dir, 'dist', 'companion.mjs'), '--no-model', '--data', tempDir('alisa-abi-')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALISA_SQLITE_ADDON: '' },
    });
    running.push(proc);
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: proc.stdout! }).once('line', resolve);
      proc.once('exit', (code, signal) => reject(new Error(`the packaged companion exited (${code ?? signal}) before its ready line. stderr:\n${stderr}`)));
    });
    const ready = JSON.parse(line) as { port: number; token: string };
    return { proc, port: ready.port, token: ready.token, stderr: () => stderr };
  }

  it('carries the addon for Node 20, 22 and 24', (ctx) => {
    if ('reason' in pkg) ctx.skip(pkg.reason);
    expect((pkg as { manifest: { abis: Array<{ node: number }> } }).manifest.abis.map((a) => a.node)).toEqual(expect.arrayContaining([20, 22, 24]));
  });

  it(`its database is ready under Node ${OWN_MAJOR} and under Node 22`, async (ctx) => {
    if ('reason' in pkg) ctx.skip(pkg.reason);
    if ('reason' in n22) ctx.skip(n22.reason);
    for (const node of [process.execPath, (n22 as { node: string }).node]) {
      const run = await startPackaged(node);
      expect(await database(run), `${node}: ${run.stderr()}`).toMatchObject({ state: 'ready', error: null });
      run.proc.kill('SIGKILL');
    }
  });
});
