// Diagnostics in a big workspace (issue 13, "Big workspaces must not silence her"): the
// extension-side CPU time to build one `context.update` from the workspace's problems, and the
// bytes it sends, for 50,000 diagnostics across 2,000 files (and 1,000 across 50), against a
// workspace with no diagnostics, and against the snapshot as it was before (unbounded, v1:
// bench/baselines/diagnostics-snapshot-v1.ts). All variants run side by side in the same run,
// interleaved round by round. One update = what the diagnostics watcher does on a change (the
// privacy filter on every file's path, ranking, detail for the files that fit, counts) plus
// what the coalescer does before sending (fit to the frame limit, serialization).
// The empty workspace's update is tiny, so the ratios against it are large by nature: the
// absolute figures (ms per update, bytes) are the ones to read against the frame limit and the
// 1 s update interval. Prints `name: value` lines, ratios included, and the machine load.
import os from 'node:os';
import { snapshotDiagnosticsV1 } from './baselines/diagnostics-snapshot-v1';
import { buildDiagnosticsSnapshot, fitUpdate } from '../extension/awareness/diagnostics-budget';
import type { RawDiagnostic } from '../extension/awareness/excerpt';
import { DEFAULT_EXCLUDE_GLOBS, isExcludedPath, relativeToRoots } from '../extension/awareness/privacy';
import type { ContextUpdate } from '../protocol/context';
import { MAX_FRAME_BYTES } from '../protocol/limits';
import { diagnosticsWorkspace, type WorkspaceFile } from '../tests/helpers/diagnostics-workspace';

const ROOT = '/home/user/project';
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`diagnostics_load_avg_start: ${load()}`);

/** VS Code's shape: absolute URIs' paths, diagnostics objects converted per file by the watcher. */
interface HostFile {
  fsPath: string;
  language: string;
  text: string | null;
  diagnostics: RawDiagnostic[];
}

function hostWorkspace(files: WorkspaceFile[]): HostFile[] {
  return files.map((f) => ({ fsPath: `${ROOT}/${f.path}`, language: f.language, text: f.text, diagnostics: f.diagnostics }));
}

/** As vscode-diagnostics.ts's toRawDiagnostic: a fresh plain object per diagnostic. */
const toRaw = (d: RawDiagnostic): RawDiagnostic => ({
  severity: d.severity,
  message: d.message,
  code: d.code,
  source: d.source,
  range: { start: { ...d.range.start }, end: { ...d.range.end } },
  related: d.related.map((r) => ({ path: r.path, range: { start: { ...r.range.start }, end: { ...r.range.end } }, message: r.message })),
});

function pathOf(fsPath: string): string | null {
  const rel = relativeToRoots(fsPath, [ROOT]);
  return rel === null || isExcludedPath(rel, DEFAULT_EXCLUDE_GLOBS) ? null : rel;
}

/**
 * One update now: diagnostics-watcher.ts's snapshot (with its memory of sendable paths: `known`,
 * empty for the watcher's first snapshot), then the coalescer's fit and the frame's serialization.
 */
function updateNow(ws: HostFile[], active: string | null, known: Map<string, string | null>): string {
  const sources = [];
  for (const f of ws) {
    if (f.diagnostics.length === 0) continue;
    let path = known.get(f.fsPath);
    if (path === undefined) {
      path = pathOf(f.fsPath);
      known.set(f.fsPath, path);
    }
    if (path === null) continue;
    sources.push({ path, language: f.language, text: () => f.text, diagnostics: f.diagnostics });
  }
  const fields = buildDiagnosticsSnapshot(sources, { active, recent: [], severity: (d) => d.severity, toRaw });
  const fitted = fitUpdate(fields);
  if (!fitted) throw new Error('the update could not be fitted');
  return JSON.stringify({ type: 'request', id: 'c1', method: 'context.update', params: fitted.update });
}

/** One update before: every file built in full, sorted, cut at 50 files, sent as is. */
function updateV1(ws: HostFile[]): string {
  const files = [];
  for (const f of ws) {
    if (f.diagnostics.length === 0) continue;
    const path = pathOf(f.fsPath);
    if (path === null) continue;
    files.push({ path, language: f.language, text: f.text, diagnostics: f.diagnostics.map(toRaw) });
  }
  const update: ContextUpdate = { diagnostics: snapshotDiagnosticsV1(files) };
  return JSON.stringify({ type: 'request', id: 'c1', method: 'context.update', params: update });
}

interface Variant {
  name: string;
  run: () => string;
  cpuUs: number;
  runs: number;
  bytes: number;
}

const big = hostWorkspace(diagnosticsWorkspace({ files: 2000, diagnostics: 50_000, openFiles: 10 }));
const mid = hostWorkspace(diagnosticsWorkspace({ files: 50, diagnostics: 1000, openFiles: 10 }));
// No diagnostics: the same 2,000 files, all clean (what onDidChangeDiagnostics leaves behind).
const none = big.map((f) => ({ ...f, diagnostics: [] }));
const activeOf = (ws: HostFile[]) => pathOf(ws[Math.floor(ws.length / 2)]!.fsPath);

const knownBig = new Map<string, string | null>();
const knownMid = new Map<string, string | null>();
const knownNone = new Map<string, string | null>();
const variants: Variant[] = [
  { name: 'empty', run: () => updateNow(none, activeOf(none), knownNone), cpuUs: 0, runs: 0, bytes: 0 },
  // Every later snapshot (the watcher remembers sendable paths), and its first one.
  { name: '50k', run: () => updateNow(big, activeOf(big), knownBig), cpuUs: 0, runs: 0, bytes: 0 },
  { name: '50k_first', run: () => updateNow(big, activeOf(big), new Map()), cpuUs: 0, runs: 0, bytes: 0 },
  { name: '50k_v1', run: () => updateV1(big), cpuUs: 0, runs: 0, bytes: 0 },
  { name: '1k', run: () => updateNow(mid, activeOf(mid), knownMid), cpuUs: 0, runs: 0, bytes: 0 },
  { name: '1k_v1', run: () => updateV1(mid), cpuUs: 0, runs: 0, bytes: 0 },
];

// Warm-up (JIT), then rounds: each round runs every variant for ~the same number of updates.
for (const v of variants) for (let i = 0; i < 3; i++) v.run();
const ROUNDS = 12;
const PER_ROUND: Record<string, number> = { empty: 40, '50k': 8, '50k_first': 4, '50k_v1': 2, '1k': 8, '1k_v1': 8 };
for (let r = 0; r < ROUNDS; r++) {
  for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
    const n = PER_ROUND[v.name]!;
    const before = process.cpuUsage();
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes = Buffer.byteLength(v.run());
    const used = process.cpuUsage(before);
    v.cpuUs += used.user + used.system;
    v.runs += n;
    v.bytes = bytes;
  }
}

const by = Object.fromEntries(variants.map((v) => [v.name, v]));
const ms = (v: Variant) => v.cpuUs / v.runs / 1000;
for (const v of variants) {
  console.log(`diagnostics_update_cpu_ms_${v.name}: ${ms(v).toFixed(3)}`);
  console.log(`diagnostics_update_bytes_${v.name}: ${v.bytes}`);
  console.log(`diagnostics_update_fits_frame_${v.name}: ${v.bytes <= MAX_FRAME_BYTES ? 'yes' : 'no'}`);
}
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
console.log(`diagnostics_frame_limit_bytes: ${MAX_FRAME_BYTES}`);
console.log(`diagnostics_cpu_ratio_50k_vs_empty: ${ratio(ms(by['50k']!), ms(by.empty!))}`);
console.log(`diagnostics_bytes_ratio_50k_vs_empty: ${ratio(by['50k']!.bytes, by.empty!.bytes)}`);
console.log(`diagnostics_cpu_ratio_50k_first_vs_empty: ${ratio(ms(by['50k_first']!), ms(by.empty!))}`);
console.log(`diagnostics_cpu_ratio_50k_vs_v1: ${ratio(ms(by['50k']!), ms(by['50k_v1']!))}`);
console.log(`diagnostics_cpu_ratio_50k_first_vs_v1: ${ratio(ms(by['50k_first']!), ms(by['50k_v1']!))}`);
console.log(`diagnostics_bytes_ratio_50k_vs_v1: ${ratio(by['50k']!.bytes, by['50k_v1']!.bytes)}`);
console.log(`diagnostics_cpu_ratio_1k_vs_empty: ${ratio(ms(by['1k']!), ms(by.empty!))}`);
console.log(`diagnostics_cpu_ratio_1k_vs_v1: ${ratio(ms(by['1k']!), ms(by['1k_v1']!))}`);
console.log(`diagnostics_bytes_ratio_1k_vs_v1: ${ratio(by['1k']!.bytes, by['1k_v1']!.bytes)}`);
console.log(`diagnostics_cpu_count: ${os.cpus().length}`);
console.log(`diagnostics_load_avg_end: ${load()}`);
