// `npm run bench`: every benchmark, one `name: value` line per figure.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let failed = false;
for (const script of ['startup-bench.mjs', 'stream-bench.mjs', 'memory-bench.mjs']) {
  const r = spawnSync(process.execPath, [path.join(here, script)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${script} failed with exit code ${r.status}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
