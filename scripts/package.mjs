// `npm run package`: builds for production (and better-sqlite3 per Node ABI) and packages the extension as a .vsix for this
// platform (the companion's native parts, better-sqlite3 and llama.cpp, are per platform).
// Prints the .vsix path as the last stdout line. It rebuilds dist/ for production: do not run it
// while tests use dist/ (npm test runs the e2e files, which package, one at a time after the rest).
//
// node-llama-cpp ships a prebuilt binary package per platform and GPU flavour (~700 MB in all);
// the package keeps only this platform's CPU build. GPU users can install the GPU flavours next
// to the extension later; the CPU build always works.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNativeAddons } from './native-addons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// node-llama-cpp names its binary packages linux-x64, mac-arm64-metal, win-x64, ...; VS Code's
// Marketplace targets are linux-x64, linux-arm64, linux-armhf, darwin-x64, darwin-arm64, win32-x64, win32-arm64.
const llamaPlatform = `${process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : 'linux'}-${process.arch === 'arm' ? 'armv7l' : process.arch}`;
const keepLlama = process.platform === 'darwin' && process.arch === 'arm64' ? 'mac-arm64-metal' : llamaPlatform;
const target = `${process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production']);

// better-sqlite3 once per supported Node ABI (20, 22, 24) into dist/native/: the companion runs
// on the user's own node and loads the addon for its ABI (scripts/native-addons.mjs; cached).
const native = buildNativeAddons();
console.error(`the package carries better-sqlite3 for Node.js ${native.abis.map((a) => `${a.node} (ABI ${a.abi})`).join(', ')} on ${native.platform}-${native.arch}`);

// The committed .vscodeignore, plus every node-llama-cpp binary package but this platform's.
const ignore = [readFileSync(path.join(root, '.vscodeignore'), 'utf8')];
const llamaDir = path.join(root, 'node_modules', '@node-llama-cpp');
if (existsSync(llamaDir)) {
  for (const name of readdirSync(llamaDir)) if (name !== keepLlama) ignore.push(`node_modules/@node-llama-cpp/${name}/**`);
}
if (!existsSync(path.join(llamaDir, keepLlama))) {
  console.error(`warning: @node-llama-cpp/${keepLlama} is not installed; the packaged companion will not find a llama.cpp binary for ${target}.`);
}
// ALISA_PACKAGE_OUT: another folder (the e2e suites package this Node's addon only, into
// dist-package/e2e/, so a release package in dist-package/ is never mistaken for theirs).
const outDir = process.env.ALISA_PACKAGE_OUT ? path.resolve(process.env.ALISA_PACKAGE_OUT) : path.join(root, 'dist-package');
mkdirSync(outDir, { recursive: true });
const ignoreFile = path.join(os.tmpdir(), `alisa-vscodeignore-${process.pid}`);
writeFileSync(ignoreFile, ignore.join('\n'));
const vsix = path.join(outDir, `${pkg.name}-${pkg.version}-${target}.vsix`);
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
run(process.execPath, [vsce, 'package', '--no-update-package-json', '--allow-missing-repository', '--skip-license', '--target', target, '--ignoreFile', ignoreFile, '--out', vsix]);
console.log(vsix);
