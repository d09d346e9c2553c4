// Help when errors appear, in real VS Code: a workspace file with a type error (reported by VS
// Code's own TypeScript service) makes Alisa offer help in the panel; the lightbulb has "Ask Alisa
// to fix"; the proposed edit opens as a diff with Apply / Discard in its title bar and a CodeLens
// per change, is not type-checked into Problems, is applied only on the user's click as one undo
// step, closes its diff, and "Revert Alisa's Last Change" undoes it; a failing command in the
// integrated terminal is caught.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openVsCode, type VsCodeSession } from './harness/session';
import { editorText as text, until, type Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the help end-to-end suite: ${missing}. .ci/run installs it.`);

const BROKEN = 'export function total(prices: number[]): number {\n  const label: number = "sum";\n  return prices.reduce((a, b) => a + b, 0) + label;\n}\n';

describe.skipIf(missing !== null)('help when errors appear, in real VS Code', { timeout: 180_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let frame: Frame;
  let workspace: string;

  beforeAll(async () => {
    requireModel();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-help-'));
    mkdirSync(path.join(workspace, 'src'));
    writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' } }));
    writeFileSync(path.join(workspace, 'src', 'total.ts'), BROKEN);
    writeFileSync(path.join(workspace, '.env'), 'API_KEY=sk-test-very-secret\n');
    vscode = await openVsCode('help', {
      workspace,
      settings: {
        'alisa.model.path': MODEL_PATH,
        'alisa.dataFolder': mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-data-')),
        'alisa.llm.threads': 1,
        'alisa.llm.gpu': 'off',
        'alisa.llm.promptStyle': 'compact',
        'alisa.llm.historyTokens': 200,
        'alisa.llm.maxReplyTokens': 60,
        'terminal.integrated.shellIntegration.enabled': true,
        'terminal.integrated.defaultProfile.linux': 'bash',
        // The terminal's shell starts from a clean home: a slow ~/.bashrc on the machine (pyenv,
        // conda, nvm...) would keep its prompt, and so shell integration, from ever appearing.
        'terminal.integrated.env.linux': { HOME: mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-home-')) },
      },
    });
    wb = vscode.wb;
    frame = await wb.openAlisaFrame();
  }, 600_000);

  afterAll(() => vscode?.close());

  /** The status bar's error count, and the file's own (before she proposes anything). */
  const errorCount = async () => Number((await wb.page.locator('[id="status.problems"]').innerText()).match(/\d+/)?.[0]);
  let errorsBefore = 0;

  /** Cursor onto the error (Go to Next Problem), then the lightbulb's "Ask Alisa to fix". */
  async function askForFix(cursor: 'next problem' | 'keys' = 'next problem'): Promise<void> {
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    if (cursor === 'next problem') {
      // Cursor onto the error (Go to Next Problem), then the quick-fix menu.
      await wb.page.keyboard.press('F8');
      // The problem's peek widget opens at the error (the cursor is on it); Escape closes it.
      const peek = wb.page.locator('.monaco-editor .marker-widget').first();
      await peek.waitFor({ state: 'visible', timeout: 30_000 });
      await wb.page.keyboard.press('Escape');
      await peek.waitFor({ state: 'hidden', timeout: 30_000 });
    } else {
      // Onto `label` in line 2 (`  const label: ...`), where the error is.
      for (const key of ['Control+Home', 'ArrowDown', 'Home', ...Array(8).fill('ArrowRight')]) await wb.page.keyboard.press(key);
    }
    await wb.page.keyboard.press('Control+.');
    const item = wb.page.locator('.action-widget .monaco-list-row, .context-view .action-item', { hasText: 'Ask Alisa to fix' }).first();
    await item.waitFor({ timeout: 30_000 });
    await wb.screenshot('lightbulb');
    // The first entry is focused; Enter takes it (the menu animates, which defeats a click).
    expect(await wb.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Ask Alisa to fix' }).count()).toBe(1);
    // Once per diagnostic, not once per registered scheme.
    expect(await wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Ask Alisa to fix' }).count()).toBe(1);
    await wb.page.keyboard.press('Enter');
  }

  it('a persisting type error in a workspace file brings an offer of help to the panel', async () => {
    // The avatar's reactions as they happen (each lasts under 2 s): recorded in the page with whether
    // the reaction's overlay was displayed by the product's stylesheet at that moment.
    await frame.evaluate(() => {
      const avatar = document.getElementById('avatar')!;
      const seen: string[] = [];
      (window as unknown as { alisaReactions: string[] }).alisaReactions = seen;
      new MutationObserver(() => {
        const kind = avatar.dataset.react ?? 'none';
        const overlay = avatar.querySelector(`.av-react[data-react="${kind}"]`);
        if (kind !== 'none') seen.push(`${kind}:${overlay && getComputedStyle(overlay).display !== 'none' ? 'shown' : 'hidden'}`);
      }).observe(avatar, { attributes: true, attributeFilter: ['data-react'] });
    });
    await wb.quickOpen('total.ts');
    // VS Code's TypeScript service reports the error (the squiggle), then Alisa offers help.
    await wb.page.locator('.squiggly-error').first().waitFor({ timeout: 90_000 });
    const offer = frame.locator('.help-offer').first();
    await offer.waitFor({ timeout: 90_000 });
    expect(await offer.innerText()).toMatch(/total\.ts|line|error|look/i);
    for (const label of ['Explain', 'Fix', 'Not now']) expect(await offer.locator('button', { hasText: label }).count()).toBeGreaterThan(0);
    await until(
      'the avatar to look serious or sad',
      async () => ['serious', 'sad'].includes((await frame.locator('#avatar').getAttribute('data-emotion')) ?? ''),
      10_000,
    );
    // She was startled by it (issue 18): the error reaction, its sweat drop shown.
    expect(await frame.evaluate(() => (window as unknown as { alisaReactions: string[] }).alisaReactions)).toContain('error:shown');
    await wb.screenshot('offer');
  });

  it('the lightbulb offers "Ask Alisa to fix"; the diff has Apply in its title bar, one undo step, and a revert', async () => {
    errorsBefore = await until('the error count', errorCount);
    await askForFix();
    // The reply streams in the panel; then the diff opens with the proposal.
    const { tab: diffTab, diff, apply } = await wb.fixDiff(90_000);
    await diff.waitFor();
    // Apply and Discard are in the diff editor's title bar, and stay there (no toast to catch).
    await apply.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await wb.page.locator('.editor-actions .action-label[aria-label^="Discard Alisa\'s Fix"]').count()).toBeGreaterThan(0);
    // Each change has its own CodeLens actions.
    await diff.locator('.codelens-decoration', { hasText: 'Apply this change' }).first().waitFor({ timeout: 30_000 });
    expect(await diff.locator('.codelens-decoration', { hasText: 'Discard' }).count()).toBeGreaterThan(0);
    await wb.screenshot('diff');
    // Both sides as shown (read now: the Problems panel below makes the editor shorter).
    const proposed = await text(diff.locator('.editor.modified .view-lines'));
    const original = await text(diff.locator('.editor.original .view-lines'));
    // Not applied before the click: the file still has the error line.
    expect(original).toContain('const label: number = "sum";');
    // The proposal is in its own language, which the TypeScript service does not claim (it checks
    // every open TypeScript document of any scheme whose tab is open), so its errors never reach
    // Problems: the status bar names that language with the proposal focused, and once the
    // TypeScript service has finished analyzing, the error count is still the file's own (with
    // the proposal shown as `typescript`, it rose from 1 to about 100 here) and the proposal has no squiggle.
    await diff.locator('.editor.modified .view-line').first().click();
    await wb.page.locator('.statusbar-item', { hasText: "TypeScript (Alisa's proposal)" }).first().waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Control+Shift+M');
    const problems = wb.page.locator('.markers-panel');
    await problems.locator('.monaco-list-row', { hasText: 'total.ts' }).first().waitFor({ timeout: 30_000 });
    const analyzing = wb.page.locator('.statusbar-item', { hasText: /Analyzing|Initializing JS\/TS/ });
    await until('the TypeScript service to finish analyzing', async () => (await analyzing.count()) === 0, 60_000);
    expect(await errorCount()).toBe(errorsBefore);
    expect(await diff.locator('.editor.modified .squiggly-error').count()).toBe(0);
    await wb.screenshot('problems');
    // The panel goes away again (Toggle Panel), so the editor has its full height back.
    await wb.page.keyboard.press('Control+J');
    await problems.waitFor({ state: 'hidden', timeout: 30_000 });
    // Applied: the diff tab closes and the file shows exactly her proposal.
    const editorLines = await wb.applyFix(diffTab, apply, proposed);
    expect(proposed).not.toContain('const label: number = "sum";');
    await wb.screenshot('applied');
    // One undo step: a single Ctrl+Z brings the whole file back, Ctrl+Y her fix again.
    await editorLines.click();
    await wb.page.keyboard.press('Control+Z');
    await until('one undo to restore the file', async () => (await text(editorLines)) === original, 30_000);
    await wb.page.keyboard.press('Control+Y');
    await until('redo to bring her fix back', async () => (await text(editorLines)) === proposed, 30_000);
    // "Revert Alisa's Last Change" undoes it after the diff is gone.
    await wb.runCommand("Alisa: Revert Alisa's Last Change");
    await until('the revert to restore the file', async () => (await text(editorLines)) === original, 30_000).catch(async (err: Error) => {
      // Say what was on the screen instead: a warning, or a quick pick that is still open.
      await wb.screenshot('revert-timeout');
      const toasts = await wb.page.locator('.notification-toast').allInnerTexts();
      const picker = await wb.page.locator('.quick-input-widget:visible .monaco-list-row').allInnerTexts();
      throw new Error(`${err.message}; notifications: ${JSON.stringify(toasts)}; quick input: ${JSON.stringify(picker)}`);
    });
    await wb.screenshot('reverted');
    // The reply that carried the fix streamed in the panel, in the chat the panel shows.
    expect(await frame.locator('[data-role="user"]', { hasText: /^Fix:|Fix: / }).count()).toBeGreaterThan(0);
  });

  it('a change applied from its CodeLens; a revert after the user typed is refused, keeping their edit', async () => {
    // The reverted file is checked again: only its own error is left.
    await until('the file to have only its own errors', async () => (await errorCount()) === errorsBefore, 60_000);
    await askForFix('keys');
    const { tab: diffTab, diff } = await wb.fixDiff(90_000);
    const lens = diff.locator('.codelens-decoration a', { hasText: 'Apply this change' });
    await lens.first().waitFor({ timeout: 30_000 });
    // One hunk at a time; with more than one, the diff stays open until the last is applied.
    while ((await diffTab.count()) > 0 && (await lens.count()) > 0) {
      const before = await lens.count();
      await lens.first().click();
      await until('the change to be applied', async () => (await diffTab.count()) === 0 || (await lens.count()) < before, 30_000);
    }
    await until('the diff tab to close', async () => (await diffTab.count()) === 0, 30_000);
    const editorLines = wb.page.locator('.monaco-editor .view-lines').first();
    const text = async () => (await editorLines.innerText()).replace(/\u00a0/g, ' ');
    await until('her change to land', async () => !(await text()).includes('const label: number = "sum";'), 30_000);
    // The user types; her change can no longer be reverted without losing that.
    await editorLines.click();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.type('// mine');
    await until('the typing to land', async () => (await text()).includes('// mine'), 30_000);
    await wb.runCommand("Alisa: Revert Alisa's Last Change");
    const refusal = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'changed after her edit' }).first();
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.innerText()).toMatch(/Undo \(Ctrl\+Z\) or the Timeline/);
    expect(await text()).toContain('// mine');
    await wb.screenshot('revert-refused');
  });

  it('a failing command in the integrated terminal is caught', async () => {
    await wb.runCommand('Terminal: Create New Terminal');
    await wb.page.locator('.terminal-wrapper, .xterm').first().waitFor({ timeout: 60_000 });
    // The shell starts and shell integration reports in: its prompt gets a command decoration.
    await wb.page
      .locator('.xterm .terminal-command-decoration')
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 })
      .catch(async (err: Error) => {
        await wb.screenshot('terminal-no-shell-integration');
        throw err;
      });
    await wb.page.keyboard.type('node -e "process.exit(3)"');
    await wb.page.keyboard.press('Enter');
    // Shell integration reports the command's end with its exit code: the decoration turns to error.
    await wb.page.locator('.xterm .terminal-command-decoration.error').first().waitFor({ state: 'visible', timeout: 60_000 });
    await wb.screenshot('terminal');
    // The palette key goes to the terminal while it has focus: focus the editor first.
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    await wb.runCommand('Alisa: Explain Last Terminal Failure');
    const asked = frame.locator('[data-role="user"]', { hasText: 'process.exit(3)' }).first();
    await asked.waitFor({ timeout: 60_000 });
    await wb.screenshot('terminal-explain');
    await wb.screenshot('terminal-failure');
  });
});
