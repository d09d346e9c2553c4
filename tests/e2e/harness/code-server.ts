// Real VS Code for the end-to-end tests: code-server 4.100.3 (VS Code 1.100), installed from the
// npm registry into .e2e-tools/ on first use (its VS Code builds cannot be downloaded here), with
// the packaged .vsix installed through its own --install-extension.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/model';
import { codeServerArgs, codeServerEnv } from './code-server-cli.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
const TOOLS = path.join(REPO_ROOT, '.e2e-tools', `code-server-${CODE_SERVER_VERSION}`);
const BIN = path.join(TOOLS, 'node_modules', '.bin', 'code-server');
/** Written after a complete install (the binary appears long before the postinstall ends). */
const INSTALLED = path.join(TOOLS, '.installed');
const LOCK = `${TOOLS}.lock`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command without blocking the event loop (vitest's worker must keep answering). */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; inherit?: boolean } = {},
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', opts.inherit ? 'inherit' : 'pipe', opts.inherit ? 'inherit' : 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** Why the e2e suite cannot run on this machine, or null when it can. */
export function missingPrerequisites(): string | null {
  const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (!which('chromium')) return 'Debian chromium is not installed (apt-get install chromium)';
  if (existsSync(INSTALLED)) return null;
  if (!which('rg')) return 'ripgrep is not installed (apt-get install ripgrep), code-server needs it';
  if (!which('g++') || !which('make')) return 'a C++ toolchain is missing (apt-get install build-essential), code-server builds its terminal';
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) {
    return 'Kerberos headers are missing (apt-get install libkrb5-dev), code-server builds against them';
  }
  return null;
}

/**
 * Installs code-server with its postinstall (which builds the integrated terminal's node-pty).
 * The postinstall would download ripgrep from GitHub: its cache is seeded with Debian's `rg`.
 * Test files run in parallel workers: a lock folder makes one of them install while the others wait.
 */
export async function ensureCodeServer(log: (line: string) => void = console.log): Promise<string> {
  if (existsSync(INSTALLED)) return BIN;
  mkdirSync(path.dirname(TOOLS), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(INSTALLED)) return BIN;
      // A lock older than 15 minutes belongs to an install that died.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 15 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      await sleep(1000);
    }
  }
  try {
    if (existsSync(INSTALLED)) return BIN;
    mkdirSync(TOOLS, { recursive: true });
    const rgCache = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
    const rgTarball = path.join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
    if (!existsSync(rgTarball)) {
      mkdirSync(rgCache, { recursive: true });
      const staging = mkdtempSync(path.join(os.tmpdir(), 'rg-'));
      const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
      copyFileSync(rg, path.join(staging, 'rg'));
      await run('tar', ['czf', rgTarball, '-C', staging, 'rg']);
    }
    writeFileSync(
      path.join(TOOLS, 'package.json'),
      JSON.stringify({
        name: 'alisa-e2e-tools',
        version: '1.0.0',
        private: true,
        allowScripts: { argon2: true, 'code-server': true, '@vscode/ripgrep': true },
      }),
    );
    log(`installing code-server ${CODE_SERVER_VERSION} into ${TOOLS} (about a minute, once)`);
    const r = await run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts', '--loglevel=warn', '--no-audit', '--no-fund'], {
      cwd: TOOLS,
      env: { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' },
    });
    if (r.status !== 0 || !existsSync(BIN)) throw new Error(`installing code-server failed (exit ${r.status}):\n${r.out.slice(-4000)}`);
    writeFileSync(INSTALLED, new Date().toISOString());
    return BIN;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  userDataDir: string;
  workspace: string;
  proc: ChildProcess;
  logs: () => string;
  stop: () => Promise<void>;
}

export interface CodeServerOptions {
  vsix: string;
  workspace: string;
  settings: Record<string, unknown>;
  /** Workspace trust on: the folder is not trusted, so it opens in Restricted Mode. */
  restricted?: boolean;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = await ensureCodeServer();
  const home = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-vscode-'));
  const userDataDir = path.join(home, 'user-data');
  const extensionsDir = path.join(home, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
  // code-server's window is a remote one: VS Code reads `"scope": "machine"` settings (model path,
  // data folder…) from the remote's Machine settings and, once it knows an extension's schema,
  // ignores them in the User settings (a reload raced there: the companion came back without its
  // model or its data folder). Each file gets them all and keeps what its scope allows.
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': opts.restricted === true,
    ...(opts.restricted ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {}),
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'update.mode': 'none',
    // The tiny test model writes no memories of its own in the background (nonsense, and load).
    'alisa.memory.extract': 'off',
    ...opts.settings,
  };
  for (const dir of ['User', 'Machine']) writeFileSync(path.join(userDataDir, dir, 'settings.json'), JSON.stringify(settings, null, 2));
  const env = codeServerEnv(home);
  const install = await run(bin, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', opts.vsix], { env });
  if (install.status !== 0 || !/successfully installed/.test(install.out)) {
    throw new Error(`code-server could not install ${opts.vsix}:\n${install.out}`);
  }
  const port = await freePort();
  const proc = spawn(bin, codeServerArgs({ port, userDataDir, extensionsDir, folder: opts.workspace, trust: opts.restricted === true }), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  proc.stdout!.on('data', (d) => (logs += d));
  proc.stderr!.on('data', (d) => (logs += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}:\n${logs}`);
    if (Date.now() > deadline) throw new Error(`code-server did not start in 30 s:\n${logs}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(opts.workspace)}`,
    port,
    userDataDir,
    workspace: opts.workspace,
    proc,
    logs: () => logs,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

/**
 * Builds the production .vsix with `npm run package`'s script and returns its path. Test files
 * run in parallel workers of one vitest process: the first packages, the others reuse its .vsix.
 */
export async function packageVsix(): Promise<string> {
  const outDir = path.join(REPO_ROOT, 'dist-package');
  const marker = path.join(outDir, `.packaged-for-${process.ppid}`);
  const lock = path.join(REPO_ROOT, '.dist-package.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    if (existsSync(marker)) return readFileSync(marker, 'utf8');
    // The suites run the package on this Node: its own SQLite addon is enough (a release package
    // carries one per Node ABI; tests/companion-native-abi.test.ts checks those).
    const projectFiles = ['package.json', 'README.md', '.vscodeignore'].map((f) => [f, readFileSync(path.join(REPO_ROOT, f), 'utf8')] as const);
    // Into dist-package/e2e/: the release package (every ABI) in dist-package/ stays what tests/companion-native-abi.test.ts checks.
    const r = await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ALISA_NATIVE_MAJORS: process.env.ALISA_NATIVE_MAJORS ?? 'current', ALISA_PACKAGE_OUT: path.join(outDir, 'e2e') },
    });
    const vsix = r.out.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0 || !vsix.endsWith('.vsix')) throw new Error(`packaging failed (exit ${r.status}):\n${r.out.slice(-4000)}`);
    // Packaging must leave the project as it was (its staged manifest once overwrote package.json through a hard link).
    for (const [file, before] of projectFiles) {
      if (readFileSync(path.join(REPO_ROOT, file), 'utf8') !== before) throw new Error(`npm run package changed ${file}`);
    }
    writeFileSync(marker, vsix);
    return vsix;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
