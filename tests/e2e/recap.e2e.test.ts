// Returning after a break (issue 17), in real VS Code with the real tiny model: the user types in
// a file, stops for longer than alisa.memory.breakMinutes (1, the least: this suite waits it out),
// and comes back; with alisa.memory.recapAfterBreak at its default ("ask"), the panel asks once
// whether she should recap; Yes is saved as the user's setting, and her greeting in the chat
// (in the workspace's chat the panel shows) names the file they edited, and not the one matching
// the privacy globs.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openWithTinyModel, type VsCodeSession } from './harness/session';
import { editorText, until, type Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the recap end-to-end suite: ${missing}. .ci/run installs it.`);

const BREAK_MS = 60_000;

describe.skipIf(missing !== null)('the recap after a break, in real VS Code', { timeout: 300_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let frame: Frame;

  beforeAll(async () => {
    requireModel();
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-recap-'));
    mkdirSync(path.join(workspace, 'src'));
    mkdirSync(path.join(workspace, 'private'));
    writeFileSync(path.join(workspace, 'src', 'billing.ts'), 'export const rate = 1;\n');
    writeFileSync(path.join(workspace, 'private', 'plans.ts'), 'export const plan = 1;\n');
    const opened = await openWithTinyModel('recap', workspace, { 'alisa.memory.breakMinutes': 1, 'alisa.privacy.excludeGlobs': ['**/private/**'] });
    vscode = opened;
    wb = opened.wb;
    frame = opened.frame;
  }, 600_000);

  afterAll(() => vscode?.close());

  async function typeIn(file: string, text: string): Promise<void> {
    await wb.quickOpen(file);
    const lines = wb.page.locator('.monaco-editor .view-lines').first();
    await lines.click();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.type(text);
    await until('the typing to land', async () => (await editorText(lines)).includes(text), 30_000);
  }

  it('asks once after the break; Yes is saved, and her greeting recaps what was edited', async () => {
    // A chat in this workspace, shown in the panel: her greeting goes to the workspace's latest chat.
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    await box.fill('hello');
    await box.press('Enter');
    const first = frame.locator('[data-role="assistant"]').first();
    await until('her answer', async () => (await first.getAttribute('data-status')) === 'complete', 60_000);
    await typeIn('plans.ts', '// secret plan');
    await typeIn('billing.ts', '// new rate');
    expect(await frame.locator('.recap-consent').count()).toBe(0);
    // The break: nothing at all happens in the editor for longer than a minute.
    await new Promise((r) => setTimeout(r, BREAK_MS + 5000));
    await typeIn('billing.ts', '// back');
    const card = frame.locator('.recap-consent');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.innerText()).toContain('Recap what you were doing when you come back?');
    await wb.screenshot('recap-ask');
    await card.locator('button', { hasText: 'Yes' }).click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    const recap = frame.locator('[data-role="assistant"]', { hasText: 'Before your break:' }).first();
    await recap.waitFor({ timeout: 120_000 });
    const text = await recap.innerText();
    expect(text).toContain('you edited billing.ts');
    expect(text).not.toContain('plans.ts');
    await wb.screenshot('recap-said');
    // The answer is the user's setting now: not asked again.
    const settings = path.join(vscode!.server.userDataDir, 'User', 'settings.json');
    await until('the answer to be saved', async () => readFileSync(settings, 'utf8').includes('"alisa.memory.recapAfterBreak": "on"'), 30_000);
  });
});
