// Alisa in real VS Code (code-server 4.100.3), measured:
// - bundle sizes of the packaged (production) build;
// - activation time as VS Code itself reports it ("Developer: Show Running Extensions");
// - time from Enter in the webview to the first reply text painted there, against the companion's
//   own first-token time for the same reply (goal: <= 10 ms added).
// Built and run by bench/run-all.mjs (esbuild bundles this file with the e2e harness).
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_PATH, REPO_ROOT } from '../tests/helpers/model';
import { missingPrerequisites, packageVsix } from '../tests/e2e/harness/code-server';
import { openVsCode } from '../tests/e2e/harness/session';
import { armFirstPaint } from './lib/first-paint.mjs';
import { runMain } from './lib/main';
import { median } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const f = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing) {
    console.log(`vscode_bench: skipped (${missing})`);
    return;
  }
  const vsix = await packageVsix();
  for (const [name, file] of [
    ['extension', 'extension.js'],
    ['companion', 'companion.mjs'],
    ['webview', 'webview.js'],
    ['webview_css', 'webview-style.css'],
  ]) {
    console.log(`bundle_${name}_kb: ${f(statSync(path.join(REPO_ROOT, 'dist', file)).size / 1024)}`);
  }
  console.log(`vsix_mb: ${f(statSync(vsix).size / 1024 / 1024)}`);

  const { wb, close } = await openVsCode('bench', {
    vsix,
    workspace: mkdtempSync(path.join(os.tmpdir(), 'alisa-bench-ws-')),
    settings: {
      'alisa.model.path': MODEL_PATH,
      'alisa.dataFolder': mkdtempSync(path.join(os.tmpdir(), 'alisa-bench-data-')),
      'alisa.llm.threads': 1,
      'alisa.llm.gpu': 'off',
      'alisa.llm.promptStyle': 'compact',
      'alisa.llm.historyTokens': 0,
      'alisa.llm.maxReplyTokens': 60,
    },
  });
  try {
    const frame = await wb.openAlisaFrame();
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    await frame.waitForFunction(() => !document.querySelector('.banner[data-kind="error"], .banner[data-kind="progress"]'), null, { timeout: 60_000 });

    const painted: number[] = [];
    const companionFirst: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const before = await frame.locator('[data-role="assistant"]').count();
      await frame.evaluate(armFirstPaint, { n: before, body: false });
      await box.fill(`Tell me a story about an owl (${i})`);
      await box.press('Enter');
      await frame.waitForFunction((n) => document.querySelectorAll('[data-role="assistant"]')[n]?.getAttribute('data-status') === 'complete', before, {
        timeout: 60_000,
      });
      const t = await frame.evaluate(() => (window as unknown as { __t0: number; __t1: number }).__t1 - (window as unknown as { __t0: number }).__t0);
      const first = Number(await frame.locator('[data-role="assistant"]').nth(before).getAttribute('data-first-token-ms'));
      if (i > 0) {
        painted.push(t);
        companionFirst.push(first);
      }
    }
    console.log(`webview_first_token_painted_ms: ${f(median(painted))}`);
    console.log(`webview_companion_first_token_ms: ${f(median(companionFirst))}`);
    console.log(`webview_first_token_added_ms: ${f(median(painted) - median(companionFirst))}`);

    await wb.runCommand('Developer: Show Running Extensions');
    const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Alisa' }).first();
    await row.waitFor({ timeout: 30_000 });
    const text = await row.innerText();
    const ms = /(\d+)\s*ms/.exec(text);
    console.log(`vscode_activation_ms: ${ms ? ms[1] : `unreadable (${text.replace(/\s+/g, ' ').slice(0, 80)})`}`);
  } finally {
    await close();
  }
}

runMain(main);
