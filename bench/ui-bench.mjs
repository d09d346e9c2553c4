// The webview bundle in Debian's Chromium (served by the companion in standalone mode, the same
// bundle VS Code shows), measured with the Chrome DevTools Protocol:
// - first token painted: from the Enter key to the first reply text on screen, against the
//   companion's own first-token time for the same reply (reply.end timings.firstTokenMs);
// - avatar animation cost: renderer main-thread time per second while the page is visible and
//   while it is hidden (hidden must be ~0).
// Prints: ui_first_token_painted_ms, companion_first_token_ms, ui_first_token_added_ms (goal <= 10),
// avatar_cpu_visible_ms_per_s, avatar_cpu_hidden_ms_per_s, page_floor_reduced_motion_ms_per_s
// (the page with no avatar animation, what hidden should approach), avatar_hidden_visible_ratio.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = path.resolve(process.env.ALISA_TEST_MODEL ?? path.join(root, '..', 'shared', 'models', 'stories260K.gguf'));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SAMPLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-ui-bench-'));
const companion = spawn(
  process.execPath,
  [path.join(root, 'dist', 'companion.mjs'), '--model', MODEL, '--data', data, '--threads', '1', '--gpu', 'off', '--prompt-style', 'compact', '--history-tokens', '0', '--max-reply-tokens', '60'],
  { stdio: ['ignore', 'pipe', 'ignore'] },
);
const ready = JSON.parse(await new Promise((resolve) => readline.createInterface({ input: companion.stdout }).once('line', resolve)));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${ready.port}/#token=${ready.token}`);
  const box = page.locator('textarea[aria-label="Message Alisa"]');
  await box.waitFor();
  await page.waitForFunction(() => !document.querySelector('.banner[data-kind="error"], .banner[data-kind="progress"]'), null, { timeout: 30_000 });

  // First token painted: timestamps taken inside the page (Enter keydown -> first frame with text).
  const painted = [];
  const companionFirst = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const before = await page.locator('[data-role="assistant"]').count();
    await page.evaluate((n) => {
      const w = window;
      w.__t0 = 0;
      w.__t1 = 0;
      document.addEventListener('keydown', (e) => e.key === 'Enter' && !w.__t0 && (w.__t0 = performance.now()), { capture: true, once: true });
      const obs = new MutationObserver(() => {
        const el = document.querySelectorAll('[data-role="assistant"]')[n];
        if (el && el.textContent && el.textContent.trim().length > 0 && !w.__t1) {
          obs.disconnect();
          requestAnimationFrame(() => (w.__t1 = performance.now()));
        }
      });
      obs.observe(document.body, { subtree: true, childList: true, characterData: true });
    }, before);
    await box.fill(`Tell me a story about a fox (${i})`);
    await box.press('Enter');
    const msg = page.locator('[data-role="assistant"]').nth(before);
    await page.waitForFunction((n) => document.querySelectorAll('[data-role="assistant"]')[n]?.getAttribute('data-status') === 'complete', before, { timeout: 60_000 });
    const t = await page.evaluate(() => window.__t1 - window.__t0);
    const first = Number(await msg.getAttribute('data-first-token-ms'));
    if (i > 0) {
      // The first run warms the model and the page.
      painted.push(t);
      companionFirst.push(first);
    }
  }

  // Avatar cost: renderer main-thread busy time (scripts, style, layout, paint) per second.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return (m.TaskDuration ?? 0) * 1000;
  };
  const sample = async () => {
    const a = await busy();
    await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
    return ((await busy()) - a) / SAMPLE_S;
  };
  const visible = await sample();
  // Hidden as the page sees it when its tab or VS Code view is hidden: visibilityState 'hidden'
  // and a visibilitychange event (headless Chromium keeps background tabs 'visible').
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const state = await page.evaluate(() => document.visibilityState);
  const hidden = await sample();
  // The floor: the same page, visible, with reduced motion (no avatar animation at all).
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const floor = await sample();

  const f = (x) => x.toFixed(2);
  console.log(`ui_first_token_painted_ms: ${f(median(painted))}`);
  console.log(`companion_first_token_ms: ${f(median(companionFirst))}`);
  console.log(`ui_first_token_added_ms: ${f(median(painted) - median(companionFirst))}`);
  console.log(`avatar_cpu_visible_ms_per_s: ${f(visible)}`);
  console.log(`avatar_cpu_hidden_ms_per_s: ${f(hidden)} (page ${state})`);
  console.log(`page_floor_reduced_motion_ms_per_s: ${f(floor)}`);
  console.log(`avatar_hidden_visible_ratio: ${f(hidden / Math.max(visible, 1e-6))}`);
} finally {
  await browser.close();
  companion.kill('SIGTERM');
}
