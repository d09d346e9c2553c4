// Builds llama.cpp's `llama-server` from the llama.cpp source node-llama-cpp ships
// (node_modules/node-llama-cpp/llama/gitRelease.bundle, the same release our addon is built from),
// for bench/parallel-bench.mjs. CPU only, Release, no CURL; nothing is downloaded.
//
//   node scripts/build-llama-server.mjs   # prints the binary path; a no-op when it already exists
//
// Source: node_modules/.cache/llama-server/src, build: node_modules/.cache/llama-server/build.
// Env BUILD_JOBS (default 2). The compiler runs under `nice -n 10` (the machine is shared).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shipped = path.join(root, 'node_modules', 'node-llama-cpp', 'llama');
const bundle = path.join(shipped, 'gitRelease.bundle');
const cache = path.join(root, 'node_modules', '.cache', 'llama-server');
const src = path.join(cache, 'src');
const build = path.join(cache, 'build');
const JOBS = String(Number(process.env.BUILD_JOBS ?? 2));

/** Where the llama-server binary is (or will be) once built. */
export function llamaServerPath() {
  return path.join(build, 'bin', process.platform === 'win32' ? 'llama-server.exe' : 'llama-server');
}

function run(cmd, args, opts = {}) {
  console.error(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

async function main() {
  const binary = llamaServerPath();
  if (existsSync(binary)) {
    console.log(binary);
    return;
  }
  if (!existsSync(bundle)) throw new Error(`no llama.cpp source bundle at ${bundle} (is node-llama-cpp installed?)`);
  for (const tool of ['git', 'cmake', 'c++']) {
    if (!has(tool)) throw new Error(`${tool} not found: install it (Debian: apt-get install git cmake build-essential)`);
  }
  let tag = '?';
  try {
    tag = JSON.parse(readFileSync(path.join(shipped, 'llama.cpp.info.json'), 'utf8')).tag;
  } catch {}
  console.error(`building llama-server from node-llama-cpp's llama.cpp ${tag} (${bundle})`);

  mkdirSync(cache, { recursive: true });
  if (!existsSync(path.join(src, 'CMakeLists.txt'))) {
    rmSync(src, { recursive: true, force: true });
    run('git', ['clone', '--quiet', bundle, src]);
    // node-llama-cpp applies these patches to the same source before building its addon.
    const patches = path.join(shipped, 'patches');
    for (const name of existsSync(patches)
      ? readdirSync(patches)
          .filter((f) => f.endsWith('.diff'))
          .sort()
      : []) {
      const patch = path.join(patches, name);
      const applied = spawnSync('git', ['apply', '--reverse', '--check', '--ignore-whitespace', patch], { cwd: src, stdio: 'ignore' }).status === 0;
      if (applied) continue;
      const r = spawnSync('git', ['apply', '--ignore-whitespace', patch], { cwd: src, stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status !== 0) console.error(`warning: patch ${name} did not apply; building without it`);
    }
  }

  const nice = process.platform !== 'win32' && spawnSync('nice', ['-n', '10', 'true']).status === 0;
  const niced = (cmd, args) => (nice ? run('nice', ['-n', '10', cmd, ...args]) : run(cmd, args));
  niced('cmake', [
    '-S',
    src,
    '-B',
    build,
    '-DCMAKE_BUILD_TYPE=Release',
    '-DLLAMA_CURL=OFF',
    '-DGGML_NATIVE=ON',
    '-DGGML_CUDA=OFF',
    '-DGGML_VULKAN=OFF',
    '-DGGML_METAL=OFF',
    '-DBUILD_SHARED_LIBS=OFF',
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_BUILD_SERVER=ON',
  ]);
  niced('cmake', ['--build', build, '--config', 'Release', '--target', 'llama-server', '-j', JOBS]);
  if (!existsSync(binary)) throw new Error(`build finished but ${binary} is missing`);
  console.log(binary);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`build-llama-server: ${err.message}`);
    process.exit(1);
  });
}
