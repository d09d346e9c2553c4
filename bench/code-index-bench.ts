// The codebase index (issue 17) on a real tree of at least 5,000 source files: whole packages of
// this repository's node_modules, in sorted order, copied into a temporary folder (outside any
// git repository, with no .gitignore of ours). Each figure against a baseline measured in the
// same run, alternating where it repeats so both sides share the machine's load:
//   full index time            vs `wc -c` reading every file the index reads
//   one changed file's update  vs `wc -c` of that file
//   index size on disk         vs the sources' bytes (`wc -c`)
//   search p50/p95 (50 words)  vs ripgrep (`rg -l -w -F`) over the same tree
// plus the longest event-loop stall while it builds (chat shares that loop). Prints `name: value`.
//   node dist-bench/code-index-bench.cjs   (bundled by bench/run-all.mjs)
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeIndexStatus } from '../protocol';
import { CodeIndexService } from '../companion/code-index/code-index-service';
import { walkFolder } from '../companion/code-index/walker';
import { DEFAULT_EXCLUDE_GLOBS } from '../common/privacy/exclude-globs';
import { runMain } from './lib/main';
import { alternate, machineLoad, median } from './lib/stats.mjs';

const MIN_SOURCE_FILES = Number(process.env.BENCH_CODE_FILES ?? 5000);
const QUERIES = 50;
const UPDATE_ROUNDS = 10;
const RG = process.env.BENCH_RG ?? '/usr/bin/rg';
const SOURCE = /\.(?:[cm]?js|jsx|[cm]?ts|tsx)$/;
const WS = { id: 'file:///bench/code-index', name: 'bench' };
const ROOT = path.resolve(__dirname, '..', '..');

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]!;

function sourceFilesIn(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += sourceFilesIn(path.join(dir, e.name));
    else if (e.isFile() && SOURCE.test(e.name)) n++;
  }
  return n;
}

/** Whole packages of node_modules (scoped ones too), sorted, until the copy holds MIN_SOURCE_FILES source files. */
function copyTree(into: string): { packages: number; sources: number } {
  const nm = path.join(ROOT, 'node_modules');
  const pkgs: string[] = [];
  for (const name of readdirSync(nm).sort()) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) for (const sub of readdirSync(path.join(nm, name)).sort()) pkgs.push(`${name}/${sub}`);
    else pkgs.push(name);
  }
  let sources = 0;
  let packages = 0;
  for (const p of pkgs) {
    if (sources >= MIN_SOURCE_FILES) break;
    const from = path.join(nm, p);
    if (!statSync(from).isDirectory()) continue;
    cpSync(from, path.join(into, p), { recursive: true, dereference: false, verbatimSymlinks: true });
    sources += sourceFilesIn(path.join(into, p));
    packages++;
  }
  return { packages, sources };
}

/** `cat` of every file into /dev/null: reading every byte (GNU `wc -c` may only stat a regular file). */
function catAll(files: string[]): number {
  const t0 = process.hrtime.bigint();
  spawnSync('xargs', ['-0', 'cat'], { input: files.join('\0'), stdio: ['pipe', 'ignore', 'ignore'] });
  return ms(t0);
}

/** `wc -c` over `files` (NUL-separated on stdin): ms, and the total bytes it counted. */
function wc(files: string[]): { ms: number; bytes: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('wc', ['-c', '--files0-from=-'], { input: files.join('\0'), maxBuffer: 64 * 1024 * 1024 });
  const took = ms(t0);
  const lines = r.stdout.toString().trim().split('\n');
  return { ms: took, bytes: Number(lines.at(-1)!.trim().split(/\s+/)[0]) };
}

/** 50 identifiers that occur in the tree: every k-th distinct function name, in file order. */
function pickQueries(files: string[]): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (!SOURCE.test(f)) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(/function\s+([A-Za-z_]\w{5,30})\s*\(/g)) {
      if (!seen.has(m[1]!)) {
        seen.add(m[1]!);
        names.push(m[1]!);
      }
    }
  }
  const step = Math.max(1, Math.floor(names.length / QUERIES));
  return names.filter((_, i) => i % step === 0).slice(0, QUERIES);
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'alisa-code-bench-'));
  const tree = path.join(tmp, 'tree');
  try {
    console.log(`code_index_load_before: ${machineLoad()}`);
    const copied = copyTree(tree);
    const listed = await walkFolder(tree, { privacyGlobs: DEFAULT_EXCLUDE_GLOBS, maxFileBytes: 512 * 1024 });
    const files = listed.files.map((f) => f.abs);
    console.log(`code_index_packages: ${copied.packages}`);
    console.log(`code_index_source_files: ${copied.sources}`);
    console.log(`code_index_files_listed: ${files.length}`);

    // Baseline: reading every file the index reads (the page cache warm for both, from the copy).
    const wcRuns = [wc(files), wc(files), wc(files)];
    const wcMs = median(wcRuns.map((r) => r.ms));
    const catMs = median([catAll(files), catAll(files), catAll(files)]);
    const sourceBytes = wcRuns[0]!.bytes;

    const events: CodeIndexStatus[] = [];
    const svc = new CodeIndexService({ dir: path.join(tmp, 'data'), emit: (e) => events.push(e), log: () => {} });
    // The longest the event loop waited while the index was built (a 5 ms tick's lateness), and the
    // CPU time this process spent in that longest wait: on a loaded machine a late tick may only mean
    // the process was not scheduled; the CPU time is what the index itself held the loop for.
    let maxLag = 0;
    let maxLagCpu = 0;
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    const tick = setInterval(() => {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const lag = now - last - 5;
      if (lag > maxLag) {
        maxLag = lag;
        maxLagCpu = (cpu.user + cpu.system) / 1000;
      }
      last = now;
      lastCpu = process.cpuUsage();
    }, 5);
    const t0 = process.hrtime.bigint();
    svc.build(WS, { folders: [{ path: tree, name: 'tree' }], privacyGlobs: [...DEFAULT_EXCLUDE_GLOBS] });
    await svc.idle();
    const fullMs = ms(t0);
    clearInterval(tick);
    const built = events.at(-1)!;
    if (built.state !== 'ready') throw new Error(`the build ended ${built.state}: ${JSON.stringify(built.error)}`);
    console.log(`code_index_files_indexed: ${built.files}`);
    console.log(`code_index_chunks: ${built.chunks}`);
    console.log(`code_index_progress_events: ${events.length}`);
    console.log(`code_index_full_ms: ${fullMs.toFixed(0)}`);
    console.log(`code_index_baseline_wc_ms: ${wcMs.toFixed(0)}`);
    console.log(`code_index_full_vs_wc_ratio: ${(fullMs / wcMs).toFixed(1)}`);
    console.log(`code_index_baseline_cat_ms: ${catMs.toFixed(0)}`);
    console.log(`code_index_full_vs_cat_ratio: ${(fullMs / catMs).toFixed(1)}`);
    console.log(`code_index_full_ms_per_file: ${(fullMs / files.length).toFixed(2)}`);
    console.log(`code_index_build_max_event_loop_stall_ms: ${maxLag.toFixed(1)}`);
    console.log(`code_index_build_max_stall_cpu_ms: ${maxLagCpu.toFixed(1)}`);

    // A rescan with nothing changed (what every new connection costs).
    const r0 = process.hrtime.bigint();
    svc.build(WS, { folders: [{ path: tree, name: 'tree' }], privacyGlobs: [...DEFAULT_EXCLUDE_GLOBS] });
    await svc.idle();
    const rescanMs = ms(r0);
    console.log(`code_index_rescan_unchanged_ms: ${rescanMs.toFixed(0)}`);
    console.log(`code_index_rescan_vs_wc_ratio: ${(rescanMs / wcMs).toFixed(2)}`);

    // One changed file: codeIndex.update of its path, against `wc -c` of that file, alternating.
    const target = files.find((f) => f.endsWith('.js') && statSync(f).size > 2000)!;
    let n = 0;
    const [upd, wc1] = await alternate(
      UPDATE_ROUNDS,
      async () => {
        appendFileSync(target, `\nfunction benchMarker${n++}() {}\n`);
        const u0 = process.hrtime.bigint();
        svc.update(WS, { paths: [target] });
        await svc.idle();
        return ms(u0);
      },
      async () => wc([target]).ms,
    );
    const hit = await svc.search(WS, `benchMarker${n - 1}`, 1);
    if (hit[0]?.path !== path.relative(tree, target)) throw new Error(`the updated file was not found by its new word: ${JSON.stringify(hit[0])}`);
    console.log(`code_index_update_one_file_ms: ${median(upd).toFixed(1)}`);
    console.log(`code_index_update_baseline_wc_one_file_ms: ${median(wc1).toFixed(1)}`);
    console.log(`code_index_update_vs_wc_ratio: ${(median(upd) / median(wc1)).toFixed(2)}`);

    // Size on disk against the sources.
    const bytes = svc.status(WS).bytes;
    console.log(`code_index_size_bytes: ${bytes}`);
    console.log(`code_index_source_bytes: ${sourceBytes}`);
    console.log(`code_index_size_vs_sources_ratio: ${(bytes / sourceBytes).toFixed(3)}`);

    // Search: 50 identifiers, the index's top 10 chunks against ripgrep listing the files with the word.
    const queries = pickQueries(files);
    const hasRg = (() => {
      try {
        execFileSync(RG, ['--version']);
        return true;
      } catch {
        return false;
      }
    })();
    const searchMs: number[] = [];
    const rgMs: number[] = [];
    let found = 0;
    for (const q of queries) {
      const s0 = process.hrtime.bigint();
      const hits = await svc.search(WS, q, 10);
      searchMs.push(ms(s0));
      if (hits.some((h) => h.text.includes(q))) found++;
      if (hasRg) {
        const g0 = process.hrtime.bigint();
        spawnSync(RG, ['-l', '-w', '-F', '--no-messages', '--', q, tree], { maxBuffer: 64 * 1024 * 1024 });
        rgMs.push(ms(g0));
      }
    }
    console.log(`code_index_search_queries: ${queries.length}`);
    console.log(`code_index_search_top10_has_word: ${found}`);
    console.log(`code_index_search_p50_ms: ${pct(searchMs, 0.5).toFixed(2)}`);
    console.log(`code_index_search_p95_ms: ${pct(searchMs, 0.95).toFixed(2)}`);
    if (hasRg) {
      console.log(`code_index_rg_p50_ms: ${pct(rgMs, 0.5).toFixed(2)}`);
      console.log(`code_index_rg_p95_ms: ${pct(rgMs, 0.95).toFixed(2)}`);
      console.log(`code_index_search_vs_rg_p95_ratio: ${(pct(searchMs, 0.95) / pct(rgMs, 0.95)).toFixed(3)}`);
    } else {
      console.log(`code_index_rg: not found at ${RG}`);
    }
    await svc.dispose();
    console.log(`code_index_load_after: ${machineLoad()}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
