// Builds better-sqlite3's addon once per supported Node.js ABI into dist/native/, so that the
// packaged companion runs on whichever Node major the user has (it picks the file for its own
// process.versions.modules; see companion/memory/native-addon.ts).
//
// `node scripts/native-addons.mjs [major...]` (default: 20 22 24). For each major it installs
// the `node@<major>` npm package (the Node binary and, in its node-<platform>-<arch> package, the
// C headers) into a cache folder, compiles better-sqlite3's sources (from node_modules) with
// node-gyp against those headers (~1-2 min per ABI on 2 cores; needs g++, make, python3, or
// Visual Studio Build Tools), loads the result under that Node to prove it works, and caches it
// in node_modules/.cache/alisa-native/ (keyed by better-sqlite3 version, ABI, platform, arch).
// The addon of the Node running this script is copied from node_modules without a rebuild.
// A major that cannot be built (no registry, no toolchain) is a warning; dist/native/manifest.json
// lists the ABIs the package carries, and the extension checks the user's Node against it.
// `ALISA_NATIVE_MAJORS=current` (or a list, "20,22") limits the set.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bs3 = path.join(root, 'node_modules', 'better-sqlite3');
const bs3Version = JSON.parse(readFileSync(path.join(bs3, 'package.json'), 'utf8')).version;
const cache = path.join(root, 'node_modules', '.cache', 'alisa-native');
const outDir = path.join(root, 'dist', 'native');
const plat = process.platform === 'win32' ? 'win' : process.platform;
const addonName = (abi) => `better_sqlite3-node-v${abi}-${process.platform}-${process.arch}.node`;

export const SUPPORTED_NODE_MAJORS = [20, 22, 24];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', windowsHide: true, ...opts });
  if (r.error || r.status !== 0)
    throw new Error(
      `${path.basename(cmd)} ${args.slice(0, 3).join(' ')} failed: ${r.error?.message ?? (r.stderr || r.stdout || '').trim().split('\n').slice(-5).join(' | ')}`,
    );
  return r.stdout;
}

function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/** Installs node@<major> into the cache; returns { node, headers, abi }. */
function nodeRuntime(major) {
  const dir = path.join(cache, `node-${major}`);
  const nodeBin = path.join(
    dir,
    'node_modules',
    'node',
    'node_modules',
    `node-${plat}-${process.arch}`,
    'bin',
    process.platform === 'win32' ? 'node.exe' : 'node',
  );
  if (!existsSync(nodeBin)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"private":true}');
    run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', `node@${major}`, '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      shell: process.platform === 'win32',
    });
  }
  const headers = path.resolve(path.dirname(nodeBin), '..');
  if (!existsSync(path.join(headers, 'include', 'node', 'node.h'))) throw new Error(`node@${major} from npm has no C headers in ${headers}`);
  const abi = run(nodeBin, ['-p', 'process.versions.modules']).trim();
  return { node: nodeBin, headers, abi };
}

/** Compiles better-sqlite3 for one Node runtime; returns the cached addon path. */
function buildFor(major) {
  const rt = nodeRuntime(major);
  const cached = path.join(cache, `better-sqlite3-${bs3Version}`, addonName(rt.abi));
  if (existsSync(cached)) return { abi: rt.abi, file: cached, node: rt.node };
  const gyp = nodeGypScript();
  if (!gyp) throw new Error('node-gyp was not found (it comes with npm)');
  const work = path.join(os.tmpdir(), `alisa-bs3-${rt.abi}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const item of ['binding.gyp', 'package.json', 'deps', 'src']) cpSync(path.join(bs3, item), path.join(work, item), { recursive: true });
  try {
    // Without npm's own settings: under `npm run`/`npm test`, npm_config_* variables (e.g. the
    // running npm's node headers) would override --nodedir and build for the wrong ABI.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config|package)_/i.test(k)));
    run(rt.node, [gyp, 'rebuild', '--release', `--nodedir=${rt.headers}`, `--jobs=${Math.max(1, os.availableParallelism?.() ?? 1)}`], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
      env,
    });
    mkdirSync(path.dirname(cached), { recursive: true });
    copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), cached);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { abi: rt.abi, file: cached, node: rt.node };
}

/** Opens an in-memory database with `addon` under `node`: the addon really loads there. */
function prove(node, addon) {
  const check = `const D=require(${JSON.stringify(path.join(bs3, 'lib', 'index.js'))});const d=new D(':memory:',{nativeBinding:${JSON.stringify(addon)}});d.exec('create virtual table t using fts5(x)');console.log(d.prepare('select sqlite_version() v').get().v)`;
  return run(node, ['-e', check]).trim();
}

/** ALISA_NATIVE_MAJORS: "current" (only the packaging Node's addon), "20,22", or unset (all supported). */
export function majorsFromEnv(env = process.env.ALISA_NATIVE_MAJORS) {
  return env === 'current' ? [] : env ? env.split(',').map(Number).filter(Boolean) : SUPPORTED_NODE_MAJORS;
}

export function buildNativeAddons(majors = majorsFromEnv()) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const carried = [];
  const missing = [];
  // The packaging Node's own addon: the one `npm ci` built.
  const own = path.join(bs3, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(own)) {
    copyFileSync(own, path.join(outDir, addonName(process.versions.modules)));
    carried.push({ abi: Number(process.versions.modules), node: Number(process.versions.node.split('.')[0]) });
  }
  for (const major of majors) {
    if (carried.some((c) => c.node === major)) continue;
    try {
      const built = buildFor(major);
      const sqlite = prove(built.node, built.file);
      copyFileSync(built.file, path.join(outDir, addonName(built.abi)));
      carried.push({ abi: Number(built.abi), node: major });
      console.error(`better-sqlite3 for Node.js ${major} (ABI ${built.abi}, SQLite ${sqlite}) is in the package`);
    } catch (err) {
      missing.push(major);
      console.error(`warning: no better-sqlite3 addon for Node.js ${major} in this package: ${err.message}`);
    }
  }
  const manifest = {
    betterSqlite3: bs3Version,
    platform: process.platform,
    arch: process.arch,
    abis: carried.sort((a, b) => a.abi - b.abi),
    missingNodeMajors: missing,
  };
  writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fromArgs = process.argv.slice(2).map(Number).filter(Boolean);
  const manifest = buildNativeAddons(fromArgs.length ? fromArgs : majorsFromEnv());
  console.log(JSON.stringify(manifest));
}
