// What the memory of fixes (issue 17) costs a help offer: "what fixed it last time" is the
// error's signature (common/fix-signature.ts) and one indexed lookup (lastFixFor), on a real SQLite
// file holding 100 memories against one holding 100,000 (a tenth of them fixes, over 10
// workspaces; filled directly so the store's bound does not prune them). The baseline, measured in
// the same run on the same files: finding it by words instead (the FTS5 bm25 search recall uses,
// factCandidates with the error's words), which is what a signature saves. Then the recap's cost
// per editor report (RecapTracker.observe) against the activity fuser's (ActivityFuser.apply), on
// the same stream of reports. Sides alternate so they share the machine's load. Prints
// `name: value` lines.
//   node dist-bench/fix-memory-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { diagnosticSignature } from '../common/fix-signature';
import { ActivityFuser } from '../companion/context/activity-fuser';
import { MemoryStore } from '../companion/memory';
import { lastFixFor } from '../companion/memory/fix-memory';
import { toFtsQuery } from '../companion/memory/fts-query';
import { RecapTracker } from '../companion/recap/recap-tracker';
import type { ContextUpdate } from '../protocol/context';
import { seedMemories } from '../tests/helpers/seed-memories';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_FIX_ROUNDS ?? 15);
const PER_ROUND = 200;
const WORKSPACES = 10;
const NAMES = ['db', 'user', 'pool', 'cache', 'rows', 'config', 'logger', 'router', 'session', 'queue'];
const ERRORS = [
  (n: string) => `Cannot find name '${n}'.`,
  (n: string) => `Property '${n}' does not exist on type 'Service'.`,
  (n: string) => `'${n}' is possibly 'undefined'.`,
  (n: string) => `Type 'Promise<${n}>' is not assignable to type '${n}'.`,
];
const CODES = ['2304', '2339', '18048', '2322'];

/** A distinct error per index: its message, code and signature. */
function errorAt(i: number) {
  const kind = i % ERRORS.length;
  const message = ERRORS[kind]!(`${NAMES[i % NAMES.length]}${Math.floor(i / 40)}x`);
  // Messages differing only in a number share a signature; the letter after it keeps them apart.
  const unique = message.replace(/(\d+)x/, (_m, d: string) => String.fromCharCode(97 + (Number(d) % 26)).repeat(1 + Math.floor(Number(d) / 26)));
  return { message: unique, code: CODES[kind]!, source: 'ts', signature: diagnosticSignature({ source: 'ts', code: CODES[kind]!, message: unique }) };
}

function side(memories: number): { store: MemoryStore; fixes: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-fix-bench-'));
  const file = path.join(dir, 'alisa.db');
  const store = MemoryStore.open(file);
  const fixes = Math.max(10, Math.floor(memories / 10));
  seedMemories(file, memories - fixes, Date.now());
  const raw = new Database(file);
  const insert = raw.prepare(
    `INSERT INTO memories (text, norm, scope, workspace, workspace_name, source, confidence, pinned, created_ts, updated_ts, signature)
     VALUES (?, ?, 'workspace', ?, ?, 'fix', 1, 0, ?, ?, ?)`,
  );
  raw.transaction(() => {
    for (let i = 0; i < fixes; i++) {
      const e = errorAt(i);
      const text = `Adding \`await\` in src/f${i}.ts fixed "${e.message}". Change: + await x${i}`;
      insert.run(text, text.toLowerCase(), `file:///ws${i % WORKSPACES}`, `ws${i % WORKSPACES}`, Date.now() - i, Date.now() - i, e.signature);
    }
  })();
  raw.close();
  return { store, fixes };
}

/** Mean µs to find what fixed each of PER_ROUND errors: by signature, or by its words (FTS5). */
function lookups(s: { store: MemoryStore; fixes: number }, by: 'signature' | 'words', offset: number): number {
  let found = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < PER_ROUND; k++) {
    const i = (offset * PER_ROUND + k * 7) % s.fixes;
    const e = errorAt(i);
    const ws = `file:///ws${i % WORKSPACES}`;
    if (by === 'signature') {
      if (lastFixFor(s.store, diagnosticSignature(e), ws)) found++;
    } else {
      const match = toFtsQuery(e.message);
      if (match && s.store.factCandidates(match, ws, 5).length) found++;
    }
  }
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / PER_ROUND;
  if (by === 'signature' && found !== PER_ROUND) throw new Error(`signature lookup found ${found} of ${PER_ROUND}`);
  return us;
}

/** A stream of editor reports: switching files, typing, diagnostics coming and going, a failing command. */
function reports(n: number): ContextUpdate[] {
  const out: ContextUpdate[] = [];
  for (let i = 0; i < n; i++) {
    const path = `src/file${i % 12}.ts`;
    if (i % 5 === 0) out.push({ editor: { path, language: 'typescript', visibleRange: null, selection: null, text: `// ${i}`, textStartLine: 0 } });
    else if (i % 5 === 1) out.push({ typing: true });
    else if (i % 5 === 4 && i % 20 === 4) out.push({ terminalFailure: { commandLine: 'npm test', exitCode: 1, output: 'FAIL', cwd: null, at: i } });
    else {
      const e = errorAt(i % 30);
      const d = {
        severity: 'error' as const,
        message: e.message,
        code: e.code,
        source: 'ts',
        related: [],
        range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } },
      };
      out.push({ diagnostics: i % 3 ? [{ path, language: 'typescript', diagnostics: [d] }] : [] });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const small = side(100);
  const large = side(100_000);
  console.log(`fix_memory_fill_s: ${((Date.now() - t0) / 1000).toFixed(1)}`);
  const wordsSmall: number[] = [];
  const wordsLarge: number[] = [];
  const [s, l] = await alternate(
    ROUNDS,
    async (r: number) => {
      wordsSmall.push(lookups(small, 'words', r));
      return lookups(small, 'signature', r);
    },
    async (r: number) => {
      wordsLarge.push(lookups(large, 'words', r));
      return lookups(large, 'signature', r);
    },
  );
  const ms = median(s);
  const ml = median(l);
  console.log(`fix_memory_lookup_100_us: ${ms.toFixed(2)}`);
  console.log(`fix_memory_lookup_100k_us: ${ml.toFixed(2)}`);
  console.log(`fix_memory_lookup_100k_vs_100_ratio: ${(ml / ms).toFixed(2)}`);
  console.log(`fix_memory_fts_baseline_100_us: ${median(wordsSmall).toFixed(2)}`);
  console.log(`fix_memory_fts_baseline_100k_us: ${median(wordsLarge).toFixed(2)}`);
  console.log(`fix_memory_lookup_vs_fts_100k_ratio: ${(ml / median(wordsLarge)).toFixed(3)}`);

  const stream = reports(5000);
  const [recap, fuser] = await alternate(
    ROUNDS,
    async () => {
      const t = new RecapTracker();
      const t1 = process.hrtime.bigint();
      stream.forEach((u, i) => t.observe(u, i * 1000));
      t.recapText(t.facts());
      return Number(process.hrtime.bigint() - t1) / 1e3 / stream.length;
    },
    async () => {
      const f = new ActivityFuser();
      const t1 = process.hrtime.bigint();
      for (const u of stream) f.apply(u);
      return Number(process.hrtime.bigint() - t1) / 1e3 / stream.length;
    },
  );
  console.log(`recap_observe_us: ${median(recap).toFixed(2)}`);
  console.log(`recap_fuser_apply_baseline_us: ${median(fuser).toFixed(2)}`);
  console.log(`recap_vs_fuser_ratio: ${(median(recap) / median(fuser)).toFixed(2)}`);
  small.store.close();
  large.store.close();
}

runMain(main);
