#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron spawns, on machines that cannot
// download VS Code: it takes the same command-line arguments, starts code-server (VS Code 1.100
// from the npm registry, installed into .e2e-tools/ by the e2e harness) and runs the extension
// tests in its real extension host, the way VS Code's own browser integration tests do: the
// workbench URL carries the test payload, and the workbench reports the result through
// `codeAutomationLog` / `codeAutomationExit`. Exits with the tests' exit code.
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { codeServerArgs, codeServerEnv } from '../e2e/harness/code-server-cli.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const codeServer = path.join(root, '.e2e-tools', 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
if (!existsSync(codeServer)) {
  console.error(`code-server is not installed at ${codeServer}: run the e2e suite once (npm test) to install it.`);
  process.exit(2);
}

const opt = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const devPath = opt('extensionDevelopmentPath');
const testsPath = opt('extensionTestsPath');
const folder = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? mkdtempSync(path.join(os.tmpdir(), 'alisa-host-ws-'));
if (!devPath || !testsPath) {
  console.error('usage: code-server-launcher --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [folder]');
  process.exit(2);
}

const home = mkdtempSync(path.join(os.tmpdir(), 'alisa-host-'));
mkdirSync(path.join(home, 'user-data', 'User'), { recursive: true });
const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const server = spawn(codeServer, codeServerArgs({ port, userDataDir: path.join(home, 'user-data'), extensionsDir: path.join(home, 'extensions'), folder }), {
  env: codeServerEnv(home),
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = (code) => {
  server.kill('SIGTERM');
  process.exit(code);
};
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {}
  if (i > 150) {
    console.error('code-server did not start');
    stop(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}

const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
const payload = JSON.stringify([
  ['extensionDevelopmentPath', remote(devPath)],
  ['extensionTestsPath', remote(testsPath)],
]);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
});
const page = await browser.newPage();
const timeout = setTimeout(() => {
  console.error('the extension tests did not finish within 8 minutes');
  void browser.close().then(() => stop(1));
}, 8 * 60_000);
await page.exposeFunction('codeAutomationLog', (type, args) => console.log(`[${type}]`, ...(Array.isArray(args) ? args : [args])));
await page.exposeFunction('codeAutomationExit', async (code) => {
  clearTimeout(timeout);
  await browser.close();
  stop(code);
});
await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(path.resolve(folder))}&payload=${encodeURIComponent(payload)}`);
