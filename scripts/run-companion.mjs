// `npm run companion -- [options]`: builds the companion bundle when it is missing or older
// than its sources, then runs it in this process (so the ready line is this process's first
// stdout line and signals reach it directly). `--target=screen` first runs the screen CLI
// (`npm run screen`) the same way.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let target = 'companion';
if (process.argv[2]?.startsWith('--target=')) {
  target = process.argv[2].slice('--target='.length);
  process.argv.splice(2, 1);
}
const bundle = path.join(root, 'dist', `${target}.mjs`);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(bundle) || Math.max(newestSource(path.join(root, 'companion')), newestSource(path.join(root, 'protocol'))) > statSync(bundle).mtimeMs;
if (stale) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), target], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(pathToFileURL(bundle).href);
