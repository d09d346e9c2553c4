// `npm run package`: builds for production (and better-sqlite3 per Node ABI) and packages the extension as a .vsix for this
// platform (the companion's native parts, better-sqlite3 and llama.cpp, are per platform).
// Prints the .vsix path as the last stdout line. It rebuilds dist/ for production: do not run it
// while tests use dist/ (npm test runs the e2e files, which package, one at a time after the rest).
//
// The package holds an allowlist (runtimeRoots and their dependencies, minus LEAVE_OUT), staged
// in a folder of its own for vsce: its content does not depend on what else lies in the repository
// or node_modules. `node scripts/package.mjs --list` prints it without building.
//
// node-llama-cpp ships a prebuilt binary package per platform and GPU flavour (~700 MB in all);
// the package keeps only this platform's CPU build. GPU users can install the GPU flavours next
// to the extension later; the CPU build always works.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minimatch } from 'minimatch';
import { buildNativeAddons } from './native-addons.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// node-llama-cpp names its binary packages linux-x64, mac-arm64-metal, win-x64, ...; VS Code's
// Marketplace targets are linux-x64, linux-arm64, linux-armhf, darwin-x64, darwin-arm64, win32-x64, win32-arm64.
const llamaPlatform = `${process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : 'linux'}-${process.arch === 'arm' ? 'armv7l' : process.arch}`;
const keepLlama = process.platform === 'darwin' && process.arch === 'arm64' ? 'mac-arm64-metal' : llamaPlatform;
const target = `${process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`;

// ---------------------------------------------------------------------------------------------
// The allowlist

/**
 * The packages the bundles load at run time (esbuild leaves them external, or they are resolved
 * by path: the OCR language data, the bzip2 decoder's worker, the face models). Their
 * dependencies and installed optional dependencies come along; peers (TypeScript, optional for
 * node-llama-cpp) do not. packageFiles() checks that every package the bundles name is here.
 */
const runtimeRoots = [
  'better-sqlite3',
  'node-llama-cpp',
  'tesseract.js',
  '@tesseract.js-data/eng',
  'screenshot-desktop',
  'msedge-tts',
  'sherpa-onnx-node',
  'seek-bzip',
  '@vladmandic/human',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-wasm',
  'bufferutil',
  'utf-8-validate',
  // The MCP client's schema checks: the code ajv generates names its runtime helpers by path
  // (`require("ajv/dist/runtime/...")`), so ajv ships whole rather than only inside the bundle.
  'ajv',
  'ajv-formats',
];
/** Installed versions of the packages found, by name (for the staged manifest). */
const installed = new Map();

/** Files left out of the allowed folders: never loaded at run time (see each line). */
const LEAVE_OUT = [
  '**/*.map',
  '**/*.ts',
  '**/*.d.mts',
  '**/*.d.cts',
  '**/.*',
  '**/.*/**',
  // Build inputs of the native module (the built binary stays).
  'node_modules/better-sqlite3/{deps,src}/**',
  'node_modules/better-sqlite3/build/{deps,Release/obj,Release/.deps,Release/obj.target}/**',
  'node_modules/better-sqlite3/build/Release/*.a',
  'node_modules/better-sqlite3/build/Release/test_extension.node',
  'node_modules/better-sqlite3/binding.gyp',
  // llama.cpp sources and templates for building from source (never done at run time here).
  'node_modules/node-llama-cpp/llama/*/**',
  'node_modules/node-llama-cpp/llama/!(*.json)',
  'node_modules/node-llama-cpp/templates/**',
  // OCR: only the LSTM cores load (companion/screen/ocr.ts makes tesseract.js ask for them), as
  // .js + .wasm (the .wasm.js twins embed the wasm for browsers); one English data set
  // (4.0.0_best_int; 4.0.0 carries the legacy engine's data too).
  'node_modules/tesseract.js-core/*.wasm.js',
  'node_modules/tesseract.js-core/tesseract-core{,-simd,-relaxedsimd}.{js,wasm}',
  'node_modules/@tesseract.js-data/eng/4.0.0/**',
  'node_modules/tesseract.js/{dist,docs,scripts,tests,benchmarks,examples}/**',
  // Presence: human's wasm bundle, its main file (resolving the package needs it) and the two
  // models it is asked to load (face detector and mesh); TensorFlow.js as Node bundles + wasm.
  'node_modules/@vladmandic/human/dist/!(human.node-wasm.js|human.node.js|package.json)',
  'node_modules/@vladmandic/human/models/!(blazeface.*|facemesh.*|models.json)',
  'node_modules/@vladmandic/human/{src,demo,assets,tfjs,tmp,types,wiki}/**',
  'node_modules/@tensorflow/*/dist/!(*.node.js|*.wasm|package.json)',
  'node_modules/@tensorflow/*/dist/*/**',
  'node_modules/@tensorflow/*/{src,scripts}/**',
  'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/**',
  'node_modules/zlibjs/bin/!(node-zlib.js|zlib_and_gzip.min.js|zlib.min.js|gunzip.min.js|inflate.min.js|rawinflate.min.js)',
];

function isBuiltin(name) {
  return builtinModules.includes(name.replace(/^node:/, '')) || name.startsWith('node:');
}

/** The package folder `name` resolves to from `from` (Node's lookup), or null. */
function findPackage(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(p, 'package.json'))) return p;
    if (dir === root || dir === path.dirname(dir)) return null;
  }
}

/** Every file under `dir` (relative to root), without nested node_modules. */
function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') walk(p, out);
    } else if (e.isFile()) {
      out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  }
  return out;
}

function packageFiles() {
  // The package folders: the run-time roots and their (optional) dependencies.
  const dirs = new Set();
  const visit = (name, from) => {
    const dir = findPackage(name, from);
    if (!dir || dirs.has(dir)) return;
    if (name.startsWith('@node-llama-cpp/') && name !== `@node-llama-cpp/${keepLlama}`) return; // this platform's CPU build only
    dirs.add(dir);
    const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of [...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.optionalDependencies ?? {})]) visit(dep, dir);
  };
  for (const name of runtimeRoots) {
    const dir = findPackage(name, root);
    if (dir) installed.set(name, JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version);
    visit(name, root);
  }

  // Every package the bundles load must be among them.
  const named = new Set();
  for (const f of readdirSync(path.join(root, 'dist'))) {
    if (!/\.(m?js|cjs)$/.test(f)) continue;
    const code = readFileSync(path.join(root, 'dist', f), 'utf8');
    for (const m of code.matchAll(/(?:require|import|resolve)\(\s*"([^".\/][^"]*)"\s*\)|\bfrom\s*"([^".\/][^"]*)"/g)) named.add(m[1] ?? m[2]);
  }
  for (const spec of named) {
    if (isBuiltin(spec) || spec === 'vscode') continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    const dir = findPackage(name, root);
    if (dir && !dirs.has(dir)) throw new Error(`dist/ loads ${spec}, which the package would not carry: add ${name} to runtimeRoots in scripts/package.mjs`);
  }

  const files = ['package.json', 'README.md'].filter((f) => existsSync(path.join(root, f)));
  for (const top of ['dist', 'media']) walk(path.join(root, top), files);
  for (const dir of dirs) walk(dir, files);
  return files.filter((f) => f === 'package.json' || !LEAVE_OUT.some((p) => minimatch(f, p, { dot: true }))).sort();
}

// ---------------------------------------------------------------------------------------------
// The package

function run(cmd, args, cwd = root) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

// `--list`: the files the package would hold (from the dist/ there is now), without building.
if (process.argv.includes('--list')) {
  for (const f of packageFiles()) console.log(`${statSync(path.join(root, f)).size}\t${f}`);
  process.exit(0);
}

run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production']);

// better-sqlite3 once per supported Node ABI (20, 22, 24) into dist/native/: the companion runs
// on the user's own node and loads the addon for its ABI (scripts/native-addons.mjs; cached).
const native = buildNativeAddons();
console.error(
  `the package carries better-sqlite3 for Node.js ${native.abis.map((a) => `${a.node} (ABI ${a.abi})`).join(', ')} on ${native.platform}-${native.arch}`,
);

if (!existsSync(path.join(root, 'node_modules', '@node-llama-cpp', keepLlama))) {
  console.error(`warning: @node-llama-cpp/${keepLlama} is not installed; the packaged companion will not find a llama.cpp binary for ${target}.`);
}
// ALISA_PACKAGE_OUT: another folder (the e2e suites package this Node's addon only, into
// dist-package/e2e/, so a release package in dist-package/ is never mistaken for theirs).
const outDir = process.env.ALISA_PACKAGE_OUT ? path.resolve(process.env.ALISA_PACKAGE_OUT) : path.join(root, 'dist-package');
mkdirSync(outDir, { recursive: true });

// What goes in: an allowlist, so the package holds the same files whatever lies around locally
// (tools, other bundles, optional peers npm happened to install). vsce packages a staging folder
// holding only these files (hard links where it can).
const stage = path.join(outDir, `.stage-${process.pid}`);
rmSync(stage, { recursive: true, force: true });
process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
const files = packageFiles();
let bytes = 0;
for (const rel of files) {
  const from = path.join(root, rel);
  const to = path.join(stage, rel);
  mkdirSync(path.dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
  bytes += statSync(from).size;
}
// The staged manifest lists what the package carries as its dependencies (the bundled ones are
// inside dist/), so vsce's `npm list --production` finds exactly the staged tree; no prepublish
// (the build above is it).
const manifest = {
  ...pkg,
  scripts: {},
  devDependencies: {},
  dependencies: Object.fromEntries(runtimeRoots.filter((n) => installed.has(n)).map((n) => [n, installed.get(n)])),
};
// A new file, never through the hard link to the project's own package.json (writing through it
// once replaced the project's scripts and dependencies with the staged ones).
rmSync(path.join(stage, 'package.json'), { force: true });
writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
// The README's screenshots (docs/screenshots/) are for the repository page; docs/ is not packaged,
// and vsce refuses relative image links without a repository URL: the staged README leaves those
// image lines out (a new file again, never written through the hard link).
const readme = readFileSync(path.join(root, 'README.md'), 'utf8').replace(/^!\[[^\]]*\]\(docs\/[^)]*\)[^\n]*\n/gm, '');
rmSync(path.join(stage, 'README.md'), { force: true });
writeFileSync(path.join(stage, 'README.md'), readme, { flag: 'wx' });
console.error(`packaging ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB before compression`);
const ignoreFile = path.join(stage, '.vscodeignore');
writeFileSync(ignoreFile, '.vscodeignore\n');
const vsix = path.join(outDir, `${pkg.name}-${pkg.version}-${target}.vsix`);
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
run(
  process.execPath,
  [vsce, 'package', '--no-update-package-json', '--allow-missing-repository', '--skip-license', '--target', target, '--ignoreFile', ignoreFile, '--out', vsix],
  stage,
);
rmSync(stage, { recursive: true, force: true });
console.log(vsix);
