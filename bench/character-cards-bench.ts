// What a character card costs (issue 18). A SillyTavern-sized PNG card (a 2 MB image, incompressible,
// and a 60 kB card with a lorebook) read with every check (each chunk's CRC, strict base64, JSON
// depth and field checks) against the baseline of reading it with no check at all (find the
// `chara` chunk, decode, JSON.parse), side by side in the same run; the CRC of this file's own
// table against node's zlib.crc32 (where the runtime has it); and a whole import into a real SQLite
// file (the portrait written to the data folder) against creating the same character directly.
// Prints `name: value` lines.
//   node dist-bench/character-cards-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { MemoryStore } from '../companion/memory';
import { mapCard, parseCard, tableCrc32 } from '../companion/persona/character-cards';
import { CharacterCardService } from '../companion/persona/character-card-service';
import { cardPng, makePng, pngChunk } from '../tests/helpers/png';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_CARD_ROUNDS ?? 15);
const PER_ROUND = 5;

function bigCard(): Buffer {
  const entries = Array.from({ length: 120 }, (_, i) => ({
    keys: [`key${i}`],
    content: `Lore entry ${i}. `.repeat(25),
    extensions: {},
    enabled: true,
    insertion_order: i,
  }));
  const data = {
    name: 'Bench',
    description: 'A long description. '.repeat(200),
    personality: 'steady',
    scenario: 'benchmarks',
    first_mes: 'Hello {{user}}.',
    mes_example: '<START>\n{{user}}: hi\n{{char}}: hello',
    extensions: { talkativeness: '0.5' },
    character_book: { entries },
  };
  const v2 = { spec: 'chara_card_v2', spec_version: '2.0', data };
  // A 2 MB image: random bytes in an IDAT (stored as they are: the CRC walks every byte).
  const plain = makePng(8, 8);
  const image = Buffer.concat([plain.subarray(0, 33), pngChunk('IDAT', randomBytes(2 * 1024 * 1024)), plain.subarray(33)]);
  return cardPng(v2, { ...v2, spec: 'chara_card_v3', spec_version: '3.0' }, image);
}

/** The no-check baseline: the first `ccv3`/`chara` text, decoded and parsed. */
function naiveRead(png: Buffer): unknown {
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'tEXt') {
      const data = png.subarray(at + 8, at + 8 + len);
      const nul = data.indexOf(0);
      if (data.toString('latin1', 0, nul) === 'chara') return JSON.parse(Buffer.from(data.toString('latin1', nul + 1), 'base64').toString('utf8'));
    }
    at += 12 + len;
  }
  return null;
}

const time = (fn: () => unknown) => {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / PER_ROUND;
};

async function main(): Promise<void> {
  const png = bigCard();
  console.log(`character_cards_png_bytes: ${png.length}`);
  const [checked, naive] = await alternate(
    ROUNDS,
    async () => time(() => mapCard(parseCard(png).card)),
    async () => time(() => naiveRead(png)),
  );
  console.log(`character_cards_parse_checked_ms: ${median(checked).toFixed(3)}`);
  console.log(`character_cards_parse_unchecked_baseline_ms: ${median(naive).toFixed(3)}`);
  console.log(`character_cards_checked_vs_unchecked_ratio: ${(median(checked) / median(naive)).toFixed(2)}`);

  const native = (zlib as { crc32?: (b: Buffer) => number }).crc32;
  if (native) {
    const [own, theirs] = await alternate(
      ROUNDS,
      async () => time(() => tableCrc32(png)),
      async () => time(() => native(png)),
    );
    console.log(`character_cards_crc_table_ms: ${median(own).toFixed(3)}`);
    console.log(`character_cards_crc_zlib_ms: ${median(theirs).toFixed(3)}`);
    console.log(`character_cards_crc_table_vs_zlib_ratio: ${(median(own) / median(theirs)).toFixed(2)}`);
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-card-bench-'));
  const store = MemoryStore.open(path.join(dir, 'alisa.db'));
  const cards = new CharacterCardService({ memory: () => store, dataDir: dir });
  const file = path.join(dir, 'bench.png');
  writeFileSync(file, png);
  const mapped = mapCard(parseCard(png).card);
  const [imports, creates] = await alternate(
    ROUNDS,
    async () => time(() => cards.import({ path: file, onConflict: 'keepBoth' })),
    async () => time(() => store.createCharacter({ name: 'Direct', systemPrompt: mapped.systemPrompt, greeting: mapped.greeting })),
  );
  console.log(`character_cards_import_png_ms: ${median(imports).toFixed(3)}`);
  console.log(`character_cards_create_direct_baseline_ms: ${median(creates).toFixed(3)}`);
  console.log(`character_cards_import_vs_create_ratio: ${(median(imports) / median(creates)).toFixed(2)}`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

runMain(main);
