// @-mentions (issue 17) in real VS Code with the real tiny model: in the panel's message box "@app"
// lists the workspace's src/app.ts, Enter makes it a chip; "@selection" with lines selected in the
// editor makes a chip naming them; the message goes, her reply shows both as source links, and
// clicking the selection's link opens the file at its first line. What the window reads for each
// mention (and what it refuses) is covered in the extension-host suite (tests/vscode-host/mentions.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openWithTinyModel, type VsCodeSession } from './harness/session';
import type { Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the mentions end-to-end suite: ${missing}. .ci/run installs it.`);

const APP = Array.from({ length: 12 }, (_, i) => `export const step${i + 1} = ${i + 1};`).join('\n') + '\n';

describe.skipIf(missing !== null)('@-mentions in real VS Code', { timeout: 240_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let frame: Frame;

  beforeAll(async () => {
    requireModel();
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-mentions-'));
    mkdirSync(path.join(workspace, 'src'));
    writeFileSync(path.join(workspace, 'src', 'app.ts'), APP);
    const opened = await openWithTinyModel('mentions', workspace);
    vscode = opened;
    wb = opened.wb;
    frame = opened.frame;
  }, 600_000);

  afterAll(() => vscode?.close());

  it('type @, pick the file and the selection, send: the reply cites them and a link opens the file at the line', async () => {
    // Lines 5 and 6 selected in the editor.
    await wb.quickOpen('app.ts');
    const quick = wb.page.locator('.quick-input-widget input');
    const lines = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
    await lines.waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Control+G');
    await quick.waitFor({ state: 'visible' });
    await quick.fill(':5');
    await quick.press('Enter');
    await wb.page.keyboard.press('Shift+ArrowDown');
    await wb.page.keyboard.press('Shift+ArrowDown');
    await wb.page
      .locator('.statusbar-item', { hasText: /Ln 7, Col 1 \(\d+ selected\)/ })
      .first()
      .waitFor({ timeout: 30_000 });

    // In the panel: "@app" lists the file; Enter takes it as a chip.
    frame = await wb.alisaFrame();
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    await box.click();
    await box.pressSequentially('@app');
    const option = frame.locator('.mention-hints [role="option"]', { hasText: 'src/app.ts' }).first();
    await option.waitFor({ timeout: 30_000 });
    expect(await frame.locator('.mention-hints [role="option"][aria-selected="true"]').innerText()).toContain('src/app.ts');
    await wb.screenshot('mention-list');
    await box.press('Enter');
    const fileChip = frame.locator('.mention-chip[data-state="ready"]', { hasText: 'src/app.ts' }).first();
    await fileChip.waitFor({ timeout: 30_000 });
    expect(await box.inputValue()).toBe('');
    // "@sel" then Tab: the selection, read with its lines.
    await box.pressSequentially('@sel');
    await frame.locator('.mention-hints [role="option"]', { hasText: '@selection' }).first().waitFor({ timeout: 30_000 });
    await box.press('Tab');
    const selChip = frame.locator('.mention-chip[data-state="ready"]', { hasText: 'src/app.ts:5-6' }).first();
    await selChip.waitFor({ timeout: 30_000 });
    await wb.screenshot('mention-chips');

    await box.pressSequentially('what do these do?');
    await box.press('Enter');
    const mine = frame.locator('.msg[data-role="user"]', { hasText: 'what do these do?' }).last();
    await mine.locator('.msg-sources', { hasText: 'src/app.ts:5-6' }).waitFor({ timeout: 30_000 });
    expect(await frame.locator('.mention-chip').count()).toBe(0);
    const reply = frame.locator('.msg[data-role="assistant"][data-status="complete"]').last();
    const link = reply.locator('a.msg-source-link', { hasText: 'src/app.ts:5-6' });
    await link.waitFor({ timeout: 90_000 });
    expect(await reply.locator('a.msg-source-link').allInnerTexts()).toEqual(['src/app.ts', 'src/app.ts:5-6']);
    await wb.screenshot('reply-sources');

    // Elsewhere in the file first, then the link: the editor goes to line 5.
    await wb.runCommand('View: Close All Editors');
    await link.click();
    await wb.page.locator('.tab.active', { hasText: 'app.ts' }).first().waitFor({ timeout: 30_000 });
    await wb.page
      .locator('.statusbar-item', { hasText: /Ln 5, Col 1/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await wb.screenshot('source-opened');
  });
});
