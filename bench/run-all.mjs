// `npm run bench`: every benchmark, one `name: value` line per figure. TypeScript benches
// (which reuse the e2e harness) are bundled with esbuild first.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode } from './lib/bundle.mjs';
import { machineLoad as load } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// Inside the repository, so the bundles' bare imports (playwright-core, pngjs) resolve.
const tmp = path.join(here, '..', 'dist-bench');
mkdirSync(tmp, { recursive: true });
let failed = false;
for (const script of [
  'startup-bench.mjs',
  'stream-bench.mjs',
  'long-chat-bench.mjs',
  'memory-bench.mjs',
  'ui-bench.mjs',
  'vscode-bench.ts',
  'typing-bench.ts',
  'ocr-accuracy.mjs',
  'screen-bench.ts',
  'screen-text-bench.ts',
  'voice-bench.mjs',
  'presence-bench.mjs',
  'redaction-bench.ts',
  'diagnostics-bench.ts',
  'campaign-small-bench.mjs',
  'campaign-bench.ts',
  'soak-bench.mjs',
  'lock-bench.mjs',
  'crash-bench.ts',
  'v1-stall-bench.mjs',
  'parallel-bench.mjs',
  'actions-bench.ts',
  'memory-recall-bench.ts',
  'fix-memory-bench.ts',
  'code-index-bench.ts',
  'attachments-bench.ts',
  'character-cards-bench.ts',
  'avatar-bench.ts',
  'avatar-store-bench.ts',
  'waifu-api-bench.ts',
]) {
  let file = path.join(here, script);
  if (script.endsWith('.ts')) {
    const out = path.join(tmp, script.replace(/\.ts$/, '.cjs'));
    await bundleForNode({
      entryPoints: [file],
      outfile: out,
      format: 'cjs',
      packages: 'external',
      logOverride: { 'empty-import-meta': 'silent' },
      define: { __dirname: JSON.stringify(path.join(here, '..', 'tests', 'helpers')) },
    });
    file = out;
  }
  // Every figure is read against the load the machine was under while it was measured.
  console.log(`${script.replace(/\.(mjs|ts)$/, '')}_load_before: ${load()}`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  console.log(`${script.replace(/\.(mjs|ts)$/, '')}_load_after: ${load()}`);
  if (r.status !== 0) {
    console.error(`${script} failed with exit code ${r.status}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
