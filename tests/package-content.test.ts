// What the .vsix carries (issue 13: 75 MB, ~28 MB of it never loaded): the newest package of
// `npm run package` in dist-package/ (or ALISA_TEST_VSIX) holds no bench bundles, no TypeScript
// (an optional peer of node-llama-cpp), no local tools, no tesseract core but the LSTM-only ones
// as .js + .wasm, one English data set, and stays under 45 MB. Without a package the test is
// skipped and says so. The allowlist itself (scripts/package.mjs --list) is checked without one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(__dirname, '..');
const MAX_BYTES = 45 * 1024 * 1024;

/** The newest .vsix in dist-package/ (not dist-package/e2e/), or why there is none. */
function newestVsix(): { file: string } | { reason: string } {
  if (process.env.ALISA_TEST_VSIX) return { file: process.env.ALISA_TEST_VSIX };
  const out = path.join(REPO_ROOT, 'dist-package');
  const vsixes = existsSync(out)
    ? readdirSync(out)
        .filter((f) => f.endsWith('.vsix'))
        .map((f) => path.join(out, f))
    : [];
  const file = vsixes.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return file ? { file } : { reason: 'no .vsix in dist-package/ (run `npm run package`)' };
}

/** The entries of a zip, from `unzip -Z1`, or why they cannot be listed. */
function entries(file: string): { names: string[] } | { reason: string } {
  const r = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { reason: `unzip is not available: ${r.error.message}` };
  if (r.status !== 0) return { reason: `unzip could not list ${file}: ${r.stderr}` };
  return { names: r.stdout.split('\n').filter(Boolean) };
}

/** What must never be in the package, as paths relative to the extension folder. */
function strays(files: readonly string[]): string[] {
  return files.filter(
    (f) =>
      f.startsWith('dist-bench/') ||
      f.startsWith('dist-test/') ||
      f.startsWith('dist-package/') ||
      f.startsWith('.e2e-tools/') ||
      f.startsWith('bench/') ||
      f.startsWith('tests/') ||
      /(^|\/)node_modules\/typescript\//.test(f) ||
      /\.d\.ts$/.test(f) ||
      /\.map$/.test(f) ||
      // Tesseract: only tesseract-core[-simd|-relaxedsimd]-lstm.{js,wasm} load (companion/screen/ocr.ts).
      /tesseract\.js-core\/tesseract-core(?:-simd|-relaxedsimd)?\.(?:js|wasm)$/.test(f) ||
      /tesseract\.js-core\/.*\.wasm\.js$/.test(f) ||
      /@tesseract\.js-data\/eng\/4\.0\.0\//.test(f),
  );
}

describe('the packaged .vsix', () => {
  it('holds no bench bundles, TypeScript, local tools, maps or non-LSTM tesseract cores, and is under 45 MB', (ctx) => {
    const vsix = newestVsix();
    if ('reason' in vsix) return ctx.skip(vsix.reason);
    const list = entries(vsix.file);
    if ('reason' in list) return ctx.skip(list.reason);
    const files = list.names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
    expect(strays(files)).toEqual([]);
    // What the package needs is there: the bundles, the LSTM cores, the language data, the face models.
    for (const needed of [
      'dist/companion.mjs',
      'dist/extension.js',
      'dist/webview.js',
      'node_modules/tesseract.js-core/tesseract-core-simd-lstm.wasm',
      'node_modules/tesseract.js-core/tesseract-core-lstm.js',
      'node_modules/@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz',
      'node_modules/@vladmandic/human/models/facemesh.bin',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(statSync(vsix.file).size).toBeLessThan(MAX_BYTES);
  });
});

describe('the package allowlist (scripts/package.mjs --list)', () => {
  it('lists only what the package needs, whatever lies around locally', (ctx) => {
    if (!existsSync(path.join(REPO_ROOT, 'dist', 'companion.mjs'))) return ctx.skip('no dist/ (run `npm run build`)');
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--list'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.status, r.stderr).toBe(0);
    const files = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[1]!);
    expect(strays(files)).toEqual([]);
    expect(files.filter((f) => !/^(?:dist|media|node_modules)\/|^package\.json$|^README\.md$/.test(f))).toEqual([]);
    expect(files.filter((f) => /^node_modules\/@node-llama-cpp\/[^/]+-(?:cuda|vulkan)/.test(f))).toEqual([]);
  });
});
