// Webcam presence: CPU of the presence loop at the default rate (one frame every 1.5 s), over
// ~30 s per run, as % of one core: this process (face model) + its ffmpeg child, read from /proc.
// The camera is stood in for by 640x480 MJPEG at 5 frames a second, so ffmpeg's share includes
// decoding every camera frame. Three runs, side by side:
//   still: a JPEG of a face, looped (every frame identical);
//   noisy: the same face with a camera's sensor noise (temporal, every frame differs a little);
//   noisy_baseline: the noisy camera with the change gate off (the model looks at every frame
//   it is given, as before the gate), for the ratio.
// `node bench/presence-bench.mjs [seconds]`; prints `name: value` lines and the machine's load.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleForNode } from './lib/bundle.mjs';
import { machineLoad as load } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const seconds = Number(process.argv[2] ?? process.env.PRESENCE_BENCH_SECONDS ?? 30);

// Bundled inside the repository, so the bare imports (human, tfjs) resolve from node_modules.
const out = path.join(root, 'dist-bench', 'presence.mjs');
mkdirSync(path.dirname(out), { recursive: true });
await bundleForNode({ entryPoints: [path.join(root, 'companion', 'presence', 'index.ts')], outfile: out, format: 'esm', packages: 'external' });
const { PresenceService } = await import(pathToFileURL(out).href);

const tmp = path.join(tmpdir(), `alisa-presence-bench-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const still = path.join(tmp, 'camera.jpg');
execFileSync('ffmpeg', [
  '-loglevel',
  'error',
  '-y',
  '-i',
  path.join(root, 'tests', 'fixtures', 'presence', 'face.jpg'),
  '-vf',
  'scale=640:480',
  '-q:v',
  '3',
  still,
]);
// A noisy camera: the face with temporal noise (strength 8 of 255, new every frame), as MJPEG at
// 5 fps, long enough for a run (a video input plays once, in real time).
const noisy = path.join(tmp, 'camera.mkv');
execFileSync('ffmpeg', [
  '-loglevel',
  'error',
  '-y',
  '-loop',
  '1',
  '-framerate',
  '5',
  '-i',
  still,
  '-t',
  String(seconds + 15),
  '-vf',
  'noise=alls=8:allf=t',
  '-c:v',
  'mjpeg',
  '-q:v',
  '3',
  noisy,
]);

const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
/** CPU seconds (user + system) of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

console.log(`presence_load_before: ${load()}`);

async function run(name, input, options) {
  const states = [];
  const svc = new PresenceService({
    context: { setPresence: (s) => states.push(s) },
    emit: () => {},
    options: { sequenceFps: 5, ...options }, // default analysis rate (2/3 fps); the "camera" runs at 5 fps
  });
  const t0 = performance.now();
  const st = await svc.configure({ enabled: true, input });
  if (st.error) {
    console.error(`presence could not start: ${st.error.message}`);
    process.exit(1);
  }
  const startMs = Math.round(performance.now() - t0);
  // Let the first frames (and the model's first-run compilation) pass before measuring.
  await new Promise((r) => setTimeout(r, 3000));
  const pid = svc.ffmpegPid;
  const analysed0 = svc.stats.analysed;
  const unchanged0 = svc.stats.unchanged;
  const ms0 = svc.stats.totalMs;
  const self0 = cpuSeconds(process.pid);
  const ff0 = cpuSeconds(pid);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const self1 = cpuSeconds(process.pid);
  const ff1 = cpuSeconds(pid);
  const wall = (performance.now() - w0) / 1000;
  const analysed = svc.stats.analysed - analysed0;
  const unchanged = svc.stats.unchanged - unchanged0;
  const frameMs = analysed ? (svc.stats.totalMs - ms0) / analysed : NaN;
  await svc.stop();
  const pct = (s) => ((100 * s) / wall).toFixed(1);
  const p = `presence_${name}`;
  if (name === 'still') {
    console.log(`presence_model_load_ms: ${svc.stats.loadMs}`);
    console.log(`presence_start_ms: ${startMs}`);
  }
  console.log(`${p}_frame_ms_320x240: ${frameMs.toFixed(1)}`);
  console.log(`${p}_frames_analysed: ${analysed} (and ${unchanged} unchanged, not analysed)`);
  console.log(`${p}_frames_per_s: ${(analysed / wall).toFixed(2)}`);
  console.log(`${p}_cpu_node_pct: ${pct(self1 - self0)}`);
  console.log(`${p}_cpu_ffmpeg_pct: ${pct(ff1 - ff0)}`);
  console.log(`${p}_cpu_total_pct: ${pct(self1 - self0 + ff1 - ff0)}`);
  console.log(`${p}_states: ${states.join(',') || 'none'}`);
  return (self1 - self0 + ff1 - ff0) / wall;
}

await run('still', still, {});
const ours = await run('noisy', noisy, {});
const base = await run('noisy_baseline', noisy, { changeGate: false });
console.log(`presence_cpu_total_vs_baseline: ${(ours / base).toFixed(2)} (noisy camera, gate on / off; goal: total <= 3 %)`);
console.log(`presence_load_after: ${load()}`);
rmSync(tmp, { recursive: true, force: true });
