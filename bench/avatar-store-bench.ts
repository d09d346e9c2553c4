// What importing an avatar costs (issue 18). A 60 MB VRM (a real GLB: one JSON chunk naming 24
// textures of 2.5 MB each in its BIN chunk, each a real PNG header with incompressible bytes after
// it) imported with every check (GLB structure, buffer views, each texture measured, the VRM meta),
// its thumbnail made and the files written into a temporary folder renamed into place, against the
// baseline of copying the same file into the store folder with no check at all, side by side in the
// same run (alternating, so both share the machine's load). And the thumbnail of a 2048×2048 PNG
// (decode, box filter, encode) on its own. Prints `name: value` lines.
//   node dist-bench/avatar-store-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AvatarStore } from '../companion/avatars/avatar-store';
import { makeThumbnail } from '../companion/avatars/images';
import { glb, png } from '../tests/helpers/glb';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_AVATAR_STORE_ROUNDS ?? 7);

function bigVrm(): Buffer {
  const images = Array.from({ length: 24 }, () => Buffer.concat([png(64, 64), randomBytes(2_500_000)]));
  return glb({ vrm: '1.0', images });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-avatar-bench-'));
  try {
    const file = path.join(dir, 'big.vrm');
    const bytes = bigVrm();
    writeFileSync(file, bytes);
    const store = new AvatarStore({ dir: path.join(dir, 'avatars'), maxImportMB: 200 });
    const copies = path.join(dir, 'copies');
    mkdirSync(copies);
    const [imports, baseline] = await alternate(
      ROUNDS,
      async () => {
        const t = performance.now();
        const { avatar } = store.import({ path: file });
        const ms = performance.now() - t;
        store.delete(avatar.id);
        return ms;
      },
      async (i) => {
        const t = performance.now();
        copyFileSync(file, path.join(copies, `copy-${i}.vrm`));
        const ms = performance.now() - t;
        rmSync(path.join(copies, `copy-${i}.vrm`));
        return ms;
      },
    );
    const big = png(2048, 2048);
    const thumbs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      makeThumbnail(big);
      thumbs.push(performance.now() - t);
    }
    const mb = bytes.length / 1_000_000;
    console.log(`avatar_import_file_mb: ${mb.toFixed(1)}`);
    console.log(`avatar_import_ms_median: ${median(imports).toFixed(1)}`);
    console.log(`avatar_copy_baseline_ms_median: ${median(baseline).toFixed(1)}`);
    console.log(`avatar_import_vs_copy_ratio: ${(median(imports) / median(baseline)).toFixed(2)}`);
    console.log(`avatar_import_mb_per_s: ${(mb / (median(imports) / 1000)).toFixed(0)}`);
    console.log(`avatar_thumbnail_2048_ms_median: ${median(thumbs).toFixed(1)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
