import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { MODEL, ROOT as root, startBenchCompanion } from './lib/companion.mjs';
import { armFirstPaint } from './lib/first-paint.mjs';
import { chromiumCpuMs as chromiumCpuOf } from './lib/chromium-cpu.mjs';
import { machineLoad as load, median } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const SAMPLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_IDLE_ROUNDS ?? 3);
/** The avatar settles after 30 s without activity (REST_AFTER_MS in webview/avatar/idle-motion.ts). */
const REST_WAIT_S = Number(process.env.BENCH_REST_WAIT_S ?? 32);
const SIZES_KB = (process.env.BENCH_REPLY_KB ?? '1,4,16').split(',').map(Number);
/** `BENCH_UI_PARTS=avatar` (or first-token, render; comma-separated) runs only those parts. */
const want = (part) => !process.env.BENCH_UI_PARTS || process.env.BENCH_UI_PARTS.split(',').includes(part);
const f = (x) => x.toFixed(2);

console.log(`ui_machine_load_before: ${load()} (${os.cpus().length} cores)`);

const { proc: companion, ready } = await startBenchCompanion({
  model: MODEL,
  // BENCH_COMPANION: another build (say, of an older webview) to compare with.
  bundle: process.env.BENCH_COMPANION,
  prefix: 'alisa-ui-bench-',
  args: ['--prompt-style', 'compact', '--history-tokens', '0', '--max-reply-tokens', '60', '--no-idle'],
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
});

/** CPU time (ms) of this process's Chromium processes, from /proc (the companion's left out). */
const chromiumCpuMs = () => chromiumCpuOf([companion.pid]);

try {
  const context = await browser.newContext();
  // Stamps for the breakdown: when chat.send leaves the page and when the first token arrives.
  await context.addInitScript(() => {
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (d) {
      const w = window;
      if (typeof d === 'string' && d.includes('"chat.send"') && w.__armedSend) (w.__tSend = performance.now()), (w.__armedSend = false);
      if (!this.__benchHooked) {
        this.__benchHooked = true;
        this.addEventListener('message', (ev) => {
          if (w.__tSend && !w.__tTok && typeof ev.data === 'string' && ev.data.includes('"reply.token"')) w.__tTok = performance.now();
        });
      }
      return send.call(this, d);
    };
  });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${ready.port}/#token=${ready.token}`);
  const box = page.locator('textarea[aria-label="Message Alisa"]');
  await box.waitFor();
  await page.waitForFunction(() => !document.querySelector('.banner[data-kind="error"], .banner[data-kind="progress"]'), null, { timeout: 30_000 });

  /** A page's CDP performance metric, in ms (TaskDuration: its main thread's time). */
  const metric = async (cdp, name) => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  };
  const mainThreadMs = (cdp) => metric(cdp, 'TaskDuration');
  if (want('first-token')) {
    // ------------------------------------------------------------------ first token painted
    // The bare client: a page of the companion's origin (a path that is not there) with its own socket.
    const bare = await context.newPage();
    await bare.goto(`http://127.0.0.1:${ready.port}/bench-bare-client`);
    await bare.evaluate(async (token) => {
      const ws = new WebSocket(`ws://${location.host}/ws`, ['alisa.v1', `alisa.token.${token}`]);
      const w = window;
      const out = document.createElement('p');
      document.body.replaceChildren(out);
      let id = 0;
      const waiting = new Map();
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.type === 'welcome') waiting.get('hello')?.(m);
        if ((m.type === 'response' || m.type === 'error') && waiting.has(m.id)) waiting.get(m.id)(m);
        // Ours: the first reply that starts after the send (runs do not overlap).
        if (m.type === 'reply.start' && w.__armed && w.__reply === null) w.__reply = m.replyId;
        if (m.type === 'reply.token' && m.replyId === w.__reply && !w.__painted) {
          w.__text += m.text;
          if (w.__text.trim() && !w.__pending) {
            w.__pending = true;
            requestAnimationFrame(() => {
              out.textContent = w.__text;
              requestAnimationFrame(() => (w.__painted = performance.now()));
            });
          }
        }
        if ((m.type === 'reply.end' || m.type === 'reply.error') && m.replyId === w.__reply) w.__done = true;
      };
      await new Promise((r) => (ws.onopen = r));
      await new Promise((r) => (waiting.set('hello', r), ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, client: 'bench-bare' }))));
      w.__request = (method, params) =>
        new Promise((resolve, reject) => {
          const rid = `b${id++}`;
          waiting.set(rid, (m) => (m.type === 'error' ? reject(new Error(m.error.message)) : resolve(m.result)));
          ws.send(JSON.stringify({ type: 'request', id: rid, method, params }));
        });
      w.__session = (await w.__request('session.create', {})).id;
    }, ready.token);
    const bareRun = async (i) => {
      await bare.evaluate(async (text) => {
        const w = window;
        Object.assign(w, { __text: '', __pending: false, __painted: 0, __done: false, __reply: null, __armed: true, __armedSend: true, __tSend: 0, __tTok: 0 });
        w.__t0 = performance.now();
        const res = await w.__request('chat.send', { text, sessionId: w.__session });
        w.__reply ??= res.replyId;
      }, `Tell me a story about a fox (bare ${i})`);
      await bare.waitForFunction(() => window.__done && window.__painted, null, { timeout: 60_000 });
      return bare.evaluate(() => ({
        total: window.__painted - window.__t0,
        send: window.__tSend - window.__t0,
        token: window.__tTok - window.__tSend,
        paint: window.__painted - window.__tTok,
      }));
    };
    const uiRun = async (i) => {
      const before = await page.locator('[data-role="assistant"]').count();
      // The first real reply text: the message body with text and no typing placeholder.
      await page.evaluate(armFirstPaint, { n: before, body: true, reset: { __armedSend: true, __tSend: 0, __tTok: 0 } });
      await box.fill(`Tell me a story about a fox (${i})`);
      await box.press('Enter');
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-role="assistant"]')[n]?.getAttribute('data-status') === 'complete' && window.__t1 > 0,
        before,
        { timeout: 60_000 },
      );
      return page.evaluate(() => ({
        total: window.__t1 - window.__t0,
        send: window.__tSend - window.__t0,
        token: window.__tTok - window.__tSend,
        paint: window.__t1 - window.__tTok,
      }));
    };
    await page.bringToFront();
    await uiRun(-1); // warms the model, the page and the chat
    await bareRun(-1);
    const ui = [];
    const bareMs = [];
    for (let i = 0; i < RUNS; i++) {
      await page.bringToFront();
      ui.push(await uiRun(i));
      await bare.bringToFront();
      bareMs.push(await bareRun(i));
    }
    await bare.close();
    await page.bringToFront();
    if (ui.some((x) => !(x.total > 0)) || bareMs.some((x) => !(x.total > 0)))
      throw new Error(`a first-token figure is not positive: ui ${JSON.stringify(ui)} bare ${JSON.stringify(bareMs)}`);
    const parts = (xs) => ['send', 'token', 'paint'].map((k) => `${k} ${f(median(xs.map((x) => x[k])))}`).join(', ');
    const uiTotal = median(ui.map((x) => x.total));
    const bareTotal = median(bareMs.map((x) => x.total));
    console.log(`ui_first_token_painted_ms: ${f(uiTotal)} (to chat.send leaving / first token arriving / painted: ${parts(ui)})`);
    console.log(`bare_ws_first_token_painted_ms: ${f(bareTotal)} (${parts(bareMs)})`);
    // The client's own share: before chat.send leaves plus from the first token to paint (the
    // companion's time in between is the same for both and varies more than the difference).
    const own = (xs) => median(xs.map((x) => x.send + x.paint));
    console.log(
      `ui_first_token_added_ms: ${f(own(ui) - own(bareMs))} (goal <= 10; the client's own share, ui ${f(own(ui))} vs bare ${f(own(bareMs))}; totals differ by ${f(uiTotal - bareTotal)}: runs ui ${ui.map((x) => x.total.toFixed(0)).join(' ')} | bare ${bareMs.map((x) => x.total.toFixed(0)).join(' ')})`,
    );
  }
  if (want('render')) {
    // ------------------------------------------------------------------ renderer time per reply size
    const harness = await build({
      stdin: {
        contents: `
          import { MessageListView } from './webview/ui/message-list-view';
          import { renderMarkdown } from './webview/chat/markdown';
          window.__stream = (text, mode, chars, everyMs) => new Promise((done) => {
            const rootEl = document.getElementById('messages');
            rootEl.replaceChildren();
            const reply = (t, status) => ({ key: 'r1', id: null, sessionId: 1, role: 'assistant', text: t, emotion: 'neutral', status, pending: false, spontaneous: false, error: null, replyId: '1', createdAt: Date.now() });
            let update;
            if (mode === 'incremental') {
              const list = new MessageListView(rootEl, { canInsert: true, onCodeAction() {}, onLoadEarlier() {}, onScroll() {} });
              list.sync([reply('', 'streaming')]);
              update = (t, status) => list.update('r1', reply(t, status));
            } else if (mode === 'plain') {
              // The least a page can do: the new characters appended as plain text, once per frame.
              const body = document.createElement('div');
              body.className = 'msg-body';
              body.style.whiteSpace = 'pre-wrap';
              const node = document.createTextNode('');
              body.append(node);
              rootEl.append(body);
              let latest = '', frame = false;
              update = (t) => { latest = t; if (!frame) { frame = true; requestAnimationFrame(() => { frame = false; node.appendData(latest.slice(node.length)); rootEl.scrollTop = rootEl.scrollHeight; }); } };
            } else {
              // Before: the whole reply rendered as markdown on every frame.
              const body = document.createElement('div');
              body.className = 'msg-body';
              rootEl.append(body);
              let latest = '', frame = false;
              update = (t) => { latest = t; if (!frame) { frame = true; requestAnimationFrame(() => { frame = false; renderMarkdown(body, latest, { insert: true }); rootEl.scrollTop = rootEl.scrollHeight; }); } };
            }
            let i = 0;
            const step = () => {
              i = Math.min(text.length, i + chars);
              update(text.slice(0, i), i >= text.length ? 'complete' : 'streaming');
              if (i < text.length) setTimeout(step, everyMs);
              else requestAnimationFrame(() => requestAnimationFrame(() => done(rootEl.textContent.length)));
            };
            step();
          });
        `,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      logLevel: 'warning',
    });
    const renderPage = await context.newPage();
    await renderPage.setContent(
      `<!DOCTYPE html><html><head><style>${readFileSync(path.join(root, 'dist', 'webview-style.css'), 'utf8')}</style></head><body><div class="app"><div class="messages" id="messages" style="height:600px;overflow:auto"></div></div></body></html>`,
    );
    await renderPage.addScriptTag({ content: harness.outputFiles[0].text });
    const renderCdp = await context.newCDPSession(renderPage);
    await renderCdp.send('Performance.enable');
    /** A reply like hers: paragraphs, lists and a code block now and then, `kb` KB long. */
    const replyText = (kb) => {
      const parts = [];
      for (let n = 0; parts.join('\n\n').length < kb * 1024; n++) {
        if (n % 4 === 0)
          parts.push(
            `Here is a thought, number ${n}: the fox **ran** across the field and \`looked\` back at the [river](https://example.com/${n}).\nShe waited until the light was gone.`,
          );
        else if (n % 4 === 1) parts.push(`- first point ${n}\n- second point with *emphasis*\n- third point`);
        else if (n % 4 === 2)
          parts.push('```ts\n' + `const fox${n} = { name: 'fox', steps: ${n} };\nfor (const s of [1, 2, 3]) console.log(s * fox${n}.steps);` + '\n```');
        else parts.push(`> A quote ${n}, and then a plain sentence that carries on for a while to fill the line.`);
      }
      return parts.join('\n\n').slice(0, kb * 1024);
    };
    const renderMs = { incremental: {}, full: {}, plain: {} };
    const scriptMs = { incremental: {}, full: {}, plain: {} };
    await renderPage.bringToFront();
    await renderPage.evaluate(({ text }) => window.__stream(text, 'incremental', 8, 4), { text: replyText(1) }); // warm-up
    for (const kb of SIZES_KB) {
      for (const mode of ['incremental', 'full', 'plain']) {
        const text = replyText(kb);
        const a = await mainThreadMs(renderCdp);
        const sa = await metric(renderCdp, 'ScriptDuration');
        await renderPage.evaluate(({ text, mode }) => window.__stream(text, mode, 8, 4), { text, mode });
        renderMs[mode][kb] = (await mainThreadMs(renderCdp)) - a;
        scriptMs[mode][kb] = (await metric(renderCdp, 'ScriptDuration')) - sa;
      }
    }
    await renderPage.close();
    for (const kb of SIZES_KB) {
      const r = (mode) => `${f(renderMs[mode][kb])} ms, ${f(renderMs[mode][kb] / kb)} per KB, script ${f(scriptMs[mode][kb] / kb)} per KB`;
      console.log(
        `ui_render_${kb}kb_ms: ${f(renderMs.incremental[kb])} (${r('incremental')}; whole reply every frame: ${r('full')}; plain text appended: ${r('plain')})`,
      );
    }
    const [small, big] = [SIZES_KB[0], SIZES_KB[SIZES_KB.length - 1]];
    const ratio = (x, mode) => f(x[mode][big] / big / (x[mode][small] / small));
    console.log(
      `ui_render_per_kb_ratio_${big}kb_vs_${small}kb: ${ratio(renderMs, 'incremental')} (1 = linear; script alone ${ratio(scriptMs, 'incremental')}; whole reply every frame ${ratio(renderMs, 'full')}; plain text appended ${ratio(renderMs, 'plain')})`,
    );
  }
  if (want('avatar')) {
    // ------------------------------------------------------------------ avatar
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const sample = async () => {
      const a = await mainThreadMs(cdp);
      const c = chromiumCpuMs();
      const t = performance.now();
      await new Promise((r) => setTimeout(r, SAMPLE_S * 1000));
      const s = (performance.now() - t) / 1000;
      return { main: ((await mainThreadMs(cdp)) - a) / s, cpu: (chromiumCpuMs() - c) / s };
    };
    const reduced = async (on) => {
      await page.emulateMedia({ reducedMotion: on ? 'reduce' : 'no-preference' });
      await page.waitForTimeout(300);
    };
    // Idle means after her voice too (and idle talk is off: --no-idle): the last reply may still be spoken (and the audio output
    // suspends a few seconds after the last sound).
    await page.waitForFunction(() => document.querySelector('#avatar')?.getAttribute('data-speaking') === 'false', null, { timeout: 180_000 });
    await page.waitForTimeout(5000);
    const moving = [];
    const floor = [];
    for (let i = 0; i < ROUNDS; i++) {
      await reduced(false);
      await page.mouse.move(10 + i, 10); // activity: she moves
      moving.push(await sample());
      await reduced(true);
      floor.push(await sample());
    }
    await reduced(false);
    await page.mouse.move(5, 5);
    await page.waitForTimeout(REST_WAIT_S * 1000);
    const resting = [];
    const restState = await page.getAttribute('#avatar', 'data-resting');
    const messagesBefore = await page.locator('[data-role="assistant"]').count();
    for (let i = 0; i < ROUNDS; i++) resting.push(await sample());
    // Nothing may have happened meanwhile (no message, still resting), or the figure is not idle.
    const restStill = `${await page.getAttribute('#avatar', 'data-resting')}, ${(await page.locator('[data-role="assistant"]').count()) - messagesBefore} new replies`;
    await reduced(true);
    for (let i = 0; i < ROUNDS; i++) floor.push(await sample());
    // Hidden as the page sees it when its tab or VS Code view is hidden.
    await reduced(false);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const hidden = [await sample()];
    const m = (xs, k) => median(xs.map((x) => x[k]));
    const fl = { cpu: m(floor, 'cpu'), main: m(floor, 'main') };
    const line = (name, xs) =>
      console.log(
        `${name}: chromium ${f(m(xs, 'cpu'))} ms/s (${f(m(xs, 'cpu') / Math.max(fl.cpu, 1))}x floor), main thread ${f(m(xs, 'main'))} ms/s (${f(m(xs, 'main') / Math.max(fl.main, 0.1))}x floor)`,
      );
    console.log(`avatar_floor_reduced_motion: chromium ${f(fl.cpu)} ms/s, main thread ${f(fl.main)} ms/s`);
    line('avatar_idle_moving', moving);
    line(`avatar_idle_resting (data-resting=${restState}; after: ${restStill})`, resting);
    line('avatar_hidden', hidden);
    console.log(`avatar_resting_vs_reduced_motion_ratio: ${f(m(resting, 'cpu') / Math.max(fl.cpu, 1))} (goal <= 2; chromium CPU, floor clamped to >= 1 ms/s)`);
  }
} finally {
  await browser.close();
  companion.kill('SIGTERM');
  console.log(`ui_machine_load_after: ${load()}`);
}
