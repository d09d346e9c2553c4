// What the 3D avatar costs against the SVG, in headless Chromium (software WebGL: SwiftShader, the
// worst case; a GPU does the drawing far cheaper). The product's page (the built dist/webview.js,
// dist/avatar-vrm.js, the generated VRM fixture; tests/helpers/avatar-page.ts) is opened once
// per side and round, the SVG and the VRM alternating so each pair runs under the same load:
//   idle     nothing happens (the SVG's idle motion; the VRM breathing, blinking at maxFps 30)
//   talking  her voice: audio levels every 20 ms in syllables, as the speech player sends them
// then, once: the VRM resting (20 s without activity: 8 frames a second) and with reduced motion
// (no loop at all), against the SVG with reduced motion. Per figure: Chromium's CPU (all its
// processes, from /proc: ms per second, / 10 = % of one core), the page's main thread (ms/s), and
// for the VRM the frames drawn per second and main-thread ms per frame. Prints `name: value` lines.
//   node dist-bench/avatar-bench.cjs   (bundled by bench/run-all.mjs, or esbuild by hand)
import type { Browser, CDPSession, Page } from 'playwright-core';
import { AVATAR_PAGE_MISSING, choose, type Frame, frameCount, type Hook, openAvatarPage, VRM1 } from '../tests/helpers/avatar-page';
import { launchChromium } from '../tests/helpers/webview-chromium';
import { chromiumCpuMs } from './lib/chromium-cpu.mjs';
import { runMain } from './lib/main';
import { alternate, machineLoad, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_AVATAR_ROUNDS ?? 3);
const SAMPLE_S = Number(process.env.BENCH_AVATAR_SECONDS ?? 4);
/** REST_AFTER_MS in webview/avatar/vrm/vrm-renderer.ts, and a little more. */
const REST_WAIT_S = 21;
const f = (x: number) => x.toFixed(2);
/** How the 3D side drew: 'software' WebGL (SwiftShader here, capped at 15 frames/s) or 'gpu'. */
let gl = 'unknown';

interface Sample {
  cpu: number;
  main: number;
  fps: number;
  /** Median time of the renderer's own work per frame on the page's thread (FrameInfo.ms). */
  frameMs: number;
}

interface Side {
  page: Page;
  cdp: CDPSession;
}

async function open(browser: Browser, kind: 'svg' | 'vrm', reducedMotion: 'reduce' | 'no-preference' = 'no-preference'): Promise<Side> {
  const { page } = await openAvatarPage(browser, reducedMotion);
  if (kind === 'vrm') {
    await choose(page, VRM1);
    if ((await page.locator('#avatar').getAttribute('data-renderer')) !== 'vrm')
      throw new Error(`the VRM did not load: ${await page.locator('.avatar-notice').innerText()}`);
    gl = `${(await page.locator('#avatar .avatar-renderer').getAttribute('data-gl')) ?? 'unknown'} WebGL`;
  }
  await page.bringToFront();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // Settle after loading (compiling shaders, the first frames).
  await page.waitForTimeout(1000);
  return { page, cdp };
}

async function mainThreadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

async function sample(side: Side): Promise<Sample> {
  const a = await mainThreadMs(side.cdp);
  const c = chromiumCpuMs();
  const n = await frameCount(side.page);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
  const s = (performance.now() - t) / 1000;
  const frames = await side.page.evaluate((from) => (window as unknown as { avatarFrames: Frame[] }).avatarFrames.slice(from).map((x) => x.ms ?? 0), n);
  return {
    main: ((await mainThreadMs(side.cdp)) - a) / s,
    cpu: (chromiumCpuMs() - c) / s,
    fps: frames.length / s,
    frameMs: frames.length ? median(frames) : 0,
  };
}

/** Her voice: levels every 20 ms, 200 ms syllables and 160 ms pauses, while the text "streams". */
async function talk(page: Page, on: boolean): Promise<void> {
  await page.evaluate((start) => {
    const w = window as unknown as { alisaAvatar: Hook; benchTalk?: number };
    if (w.benchTalk) window.clearInterval(w.benchTalk);
    w.alisaAvatar.setSpeaking(start);
    if (!start) return;
    let i = 0;
    w.benchTalk = window.setInterval(() => {
      const phase = i++ % 18;
      w.alisaAvatar.setAudioLevel(phase < 10 ? 0.5 + 0.5 * Math.sin((phase / 10) * Math.PI) : 0);
    }, 20);
  }, on);
}

async function measure(browser: Browser, kind: 'svg' | 'vrm'): Promise<{ idle: Sample; talking: Sample }> {
  const side = await open(browser, kind);
  try {
    const idle = await sample(side);
    await talk(side.page, true);
    const talking = await sample(side);
    await talk(side.page, false);
    return { idle, talking };
  } finally {
    await side.page.context().close();
  }
}

async function main(): Promise<void> {
  if (AVATAR_PAGE_MISSING) {
    console.log(`avatar_skipped: ${AVATAR_PAGE_MISSING}`);
    return;
  }
  console.log(`avatar_machine_load_before: ${machineLoad()}`);
  const browser = await launchChromium();
  try {
    const [svg, vrm] = await alternate(
      ROUNDS,
      () => measure(browser, 'svg'),
      () => measure(browser, 'vrm'),
    );
    const m = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
    const line = (name: string, xs: Sample[], frames: boolean) =>
      console.log(
        `${name}: chromium ${f(m(xs, 'cpu'))} ms/s (${f(m(xs, 'cpu') / 10)} % of a core), main thread ${f(m(xs, 'main'))} ms/s` +
          (frames
            ? m(xs, 'fps') < 0.5
              ? ', no frames drawn'
              : `, ${f(m(xs, 'fps'))} frames/s, renderer ${f(m(xs, 'frameMs'))} ms per frame, ${f(m(xs, 'main') / m(xs, 'fps'))} ms main thread per frame (${gl})`
            : ''),
      );
    for (const state of ['idle', 'talking'] as const) {
      const s = svg.map((x) => x[state]);
      const v = vrm.map((x) => x[state]);
      line(`avatar_svg_${state}`, s, false);
      line(`avatar_vrm_${state}`, v, true);
      console.log(
        `avatar_vrm_vs_svg_${state}_ratio: chromium CPU ${f(m(v, 'cpu') / Math.max(m(s, 'cpu'), 1))}x, main thread ${f(m(v, 'main') / Math.max(m(s, 'main'), 0.1))}x (SVG floors clamped to 1 and 0.1 ms/s)`,
      );
    }
    // Resting: no activity for REST_WAIT_S, the low frame rate.
    const rest = await open(browser, 'vrm');
    await rest.page.waitForTimeout(REST_WAIT_S * 1000);
    const resting = [await sample(rest), await sample(rest)];
    await rest.page.context().close();
    line('avatar_vrm_resting', resting, true);
    // Reduced motion: nothing moves, nothing is drawn; the SVG alike, as the floor.
    const reducedVrm = await open(browser, 'vrm', 'reduce');
    const rv = [await sample(reducedVrm)];
    await reducedVrm.page.context().close();
    const reducedSvg = await open(browser, 'svg', 'reduce');
    const rs = [await sample(reducedSvg)];
    await reducedSvg.page.context().close();
    line('avatar_vrm_reduced_motion', rv, true);
    line('avatar_svg_reduced_motion', rs, false);
    const idleV = vrm.map((x) => x.idle);
    console.log(`avatar_vrm_resting_vs_moving_ratio: chromium CPU ${f(m(resting, 'cpu') / Math.max(m(idleV, 'cpu'), 1))}x`);
    console.log(`avatar_vrm_reduced_vs_svg_reduced_ratio: chromium CPU ${f(m(rv, 'cpu') / Math.max(m(rs, 'cpu'), 1))}x (floor clamped to 1 ms/s)`);
  } finally {
    await browser.close();
    console.log(`avatar_machine_load_after: ${machineLoad()}`);
  }
}

runMain(main);
