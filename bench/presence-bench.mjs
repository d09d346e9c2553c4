// Webcam presence: CPU of the presence loop at the default rate (one analysed frame every 1.5 s),
// over ~30 s, as % of one core: this process (face model) + its ffmpeg child, read from /proc.
// The camera is stood in for by a 640x480 JPEG of a face decoded 5 times a second (like an MJPEG
// webcam at `-framerate 5`), so ffmpeg's share includes decoding every camera frame.
// `node bench/presence-bench.mjs [seconds]`; prints `name: value` lines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const seconds = Number(process.argv[2] ?? process.env.PRESENCE_BENCH_SECONDS ?? 30);

// Bundled inside the repository, so the bare imports (human, tfjs) resolve from node_modules.
const out = path.join(root, 'dist-bench', 'presence.mjs');
mkdirSync(path.dirname(out), { recursive: true });
await build({
  entryPoints: [path.join(root, 'companion', 'presence', 'index.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const { PresenceService } = await import(pathToFileURL(out).href);

const tmp = path.join(tmpdir(), `alisa-presence-bench-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const camera = path.join(tmp, 'camera.jpg');
execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', path.join(root, 'tests', 'fixtures', 'presence', 'face.jpg'), '-vf', 'scale=640:480', '-q:v', '3', camera]);

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
/** CPU seconds (user + system) of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

const states = [];
const svc = new PresenceService({
  context: { setPresence: (s) => states.push(s) },
  emit: () => {},
  options: { sequenceFps: 5 }, // default analysis rate (2/3 fps); the "camera" runs at 5 fps
});
const t0 = performance.now();
const st = await svc.configure({ enabled: true, input: camera });
if (st.error) {
  console.error(`presence could not start: ${st.error.message}`);
  process.exit(1);
}
const startMs = Math.round(performance.now() - t0);
// Let the first frames (and the model's first-run compilation) pass before measuring.
await new Promise((r) => setTimeout(r, 3000));
const pid = svc.ffmpegPid;
const analysed0 = svc.stats.analysed;
const ms0 = svc.stats.totalMs;
const self0 = cpuSeconds(process.pid);
const ff0 = cpuSeconds(pid);
const w0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const self1 = cpuSeconds(process.pid);
const ff1 = cpuSeconds(pid);
const wall = (performance.now() - w0) / 1000;
const analysed = svc.stats.analysed - analysed0;
const frameMs = analysed ? (svc.stats.totalMs - ms0) / analysed : NaN;
await svc.stop();
rmSync(tmp, { recursive: true, force: true });

const pct = (s) => ((100 * s) / wall).toFixed(1);
console.log(`presence_model_load_ms: ${svc.stats.loadMs}`);
console.log(`presence_start_ms: ${startMs}`);
console.log(`presence_frame_ms_320x240: ${frameMs.toFixed(1)}`);
console.log(`presence_frames_analysed: ${analysed}`);
console.log(`presence_frames_per_s: ${(analysed / wall).toFixed(2)}`);
console.log(`presence_cpu_node_pct: ${pct(self1 - self0)}`);
console.log(`presence_cpu_ffmpeg_pct: ${pct(ff1 - ff0)}`);
console.log(`presence_cpu_total_pct: ${pct(self1 - self0 + ff1 - ff0)}`);
console.log(`presence_states: ${states.join(',') || 'none'}`);
