// Help when errors appear, in real VS Code: a workspace file with a type error (reported by VS
// Code's own TypeScript service) makes Alisa offer help in the panel; the lightbulb has "Ask Alisa
// to fix"; the proposed edit opens as a diff and is applied only on the user's click; a failing
// command in the integrated terminal is caught.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, requireModel } from '../helpers/model';
import { ensureCodeServer, missingPrerequisites, packageVsix, startCodeServer, type CodeServer } from './harness/code-server';
import { launchBrowser, until, Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the help end-to-end suite: ${missing}. .ci/run installs it.`);

const BROKEN = 'export function total(prices: number[]): number {\n  const label: number = "sum";\n  return prices.reduce((a, b) => a + b, 0) + label;\n}\n';

describe.skipIf(missing !== null)('help when errors appear, in real VS Code', { timeout: 180_000 }, () => {
  let server: CodeServer;
  let browser: Browser;
  let wb: Workbench;
  let frame: Frame;
  let workspace: string;

  beforeAll(async () => {
    requireModel();
    await ensureCodeServer();
    workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-help-'));
    mkdirSync(path.join(workspace, 'src'));
    writeFileSync(path.join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' } }));
    writeFileSync(path.join(workspace, 'src', 'total.ts'), BROKEN);
    writeFileSync(path.join(workspace, '.env'), 'API_KEY=sk-test-very-secret\n');
    server = await startCodeServer({
      vsix: await packageVsix(),
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
      },
    });
    browser = await launchBrowser();
    wb = await Workbench.open(browser, server.url, 'help');
    await wb.openAlisa();
    frame = await wb.alisaFrame();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a persisting type error in a workspace file brings an offer of help to the panel', async () => {
    await wb.page.keyboard.press('Control+P');
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('total.ts');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'total.ts' }).first().waitFor();
    await input.press('Enter');
    // VS Code's TypeScript service reports the error (the squiggle), then Alisa offers help.
    await wb.page.locator('.squiggly-error').first().waitFor({ timeout: 90_000 });
    const offer = frame.locator('.help-offer').first();
    await offer.waitFor({ timeout: 90_000 });
    expect(await offer.innerText()).toMatch(/total\.ts|line|error|look/i);
    for (const label of ['Explain', 'Fix', 'Not now']) expect(await offer.locator('button', { hasText: label }).count()).toBeGreaterThan(0);
    await until('the avatar to look serious or sad', async () => ['serious', 'sad'].includes((await frame.locator('#avatar').getAttribute('data-emotion')) ?? ''), 10_000);
    await wb.screenshot('offer');
  });

  it('the lightbulb offers "Ask Alisa to fix"; the fix is previewed as a diff and applied only on Apply', async () => {
    // Cursor onto the error (Go to Next Problem), then the quick-fix menu.
    await wb.page.locator('.monaco-editor .view-lines').first().click();
    await wb.page.keyboard.press('F8');
    // The problem's peek widget opens at the error (the cursor is on it); Escape closes it.
    const peek = wb.page.locator('.monaco-editor .marker-widget').first();
    await peek.waitFor({ state: 'visible', timeout: 30_000 });
    await wb.page.keyboard.press('Escape');
    await peek.waitFor({ state: 'hidden', timeout: 30_000 });
    await wb.page.keyboard.press('Control+.');
    const item = wb.page.locator('.action-widget .monaco-list-row, .context-view .action-item', { hasText: 'Ask Alisa to fix' }).first();
    await item.waitFor({ timeout: 30_000 });
    await wb.screenshot('lightbulb');
    // The first entry is focused; Enter takes it (the menu animates, which defeats a click).
    expect(await wb.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Ask Alisa to fix' }).count()).toBe(1);
    // Once per diagnostic, not once per registered scheme.
    expect(await wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Ask Alisa to fix' }).count()).toBe(1);
    await wb.page.keyboard.press('Enter');
    // The reply streams in the panel; then the diff opens with the proposal.
    await wb.page.locator('.tab', { hasText: /Alisa.s fix/ }).first().waitFor({ timeout: 90_000 });
    await wb.screenshot('diff');
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /Apply Alisa.s fix/ }).first();
    await toast.waitFor({ timeout: 30_000 });
    // Not applied before the click: the file still has the error line.
    const editorText = async () => (await wb.page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    expect(await editorText()).toContain('const label: number = "sum";');
    await toast.locator('a.monaco-button, .monaco-button', { hasText: /^Apply$/ }).first().click();
    // Applied: the error line is gone from the editor (the tiny model's "fix" replaced the lines).
    await until('the edit to land', async () => !(await editorText()).includes('const label: number = "sum";'), 30_000);
    // The reply that carried the fix streamed in the panel, in the chat the panel shows.
    expect(await frame.locator('[data-role="user"]', { hasText: /^Fix:|Fix: / }).count()).toBeGreaterThan(0);
    await wb.screenshot('applied');
  });

  it('a failing command in the integrated terminal is caught', async () => {
    await wb.runCommand('Terminal: Create New Terminal');
    await wb.page.locator('.terminal-wrapper, .xterm').first().waitFor({ timeout: 60_000 });
    // The shell starts and shell integration reports in: its prompt gets a command decoration.
    await wb.page.locator('.xterm .terminal-command-decoration').first().waitFor({ state: 'visible', timeout: 60_000 });
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
