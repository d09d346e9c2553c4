// Vitest's global setup: the tests run the built bundles (dist/companion.mjs, dist/extension.js,
// dist/webview.js), so a bare `npx vitest` must never test a stale build. When any source file is
// newer than the oldest bundle (or one is missing), `node scripts/build.mjs` runs first (~1-2 s);
// otherwise nothing happens (`npm test` has just built).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLES = ['dist/extension.js', 'dist/companion.mjs', 'dist/screen.mjs', 'dist/voice.mjs', 'dist/webview.js', 'dist/avatar-vrm.js'];
const SOURCES = ['companion', 'extension', 'protocol', 'webview'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.(ts|css|json|svg)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = BUNDLES.map((b) => statSync(path.join(ROOT, b), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  const oldestBundle = Math.min(...built);
  const newest = Math.max(...SOURCES.map((d) => newestSource(path.join(ROOT, d))), statSync(path.join(ROOT, 'package.json')).mtimeMs);
  if (oldestBundle > 0 && oldestBundle >= newest) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs failed (exit ${r.status}): the tests would run a stale or missing build`);
}
