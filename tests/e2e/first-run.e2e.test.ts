// A new user's first run in real VS Code: no model configured. Alisa says so in the panel and
// offers Choose file / Download; the download fails offline (this machine is offline) with a
// plain message; choosing the GGUF file through VS Code's file dialog makes her answer. The only
// setting given is the data folder (so the test does not touch the real one).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_PATH, requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openVsCode, type VsCodeSession } from './harness/session';
import { until, type Workbench } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the first-run end-to-end suite: ${missing}. .ci/run installs it.`);

describe.skipIf(missing !== null)('first run without a model, in real VS Code', { timeout: 180_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let wb: Workbench;
  let frame: Frame;

  beforeAll(async () => {
    requireModel();
    vscode = await openVsCode('first-run', {
      workspace: mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-ws-')),
      settings: { 'alisa.dataFolder': mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-data-')) },
    });
    wb = vscode.wb;
  }, 600_000);

  afterAll(() => vscode?.close());

  it('says there is no model yet and offers Choose file / Download, in the panel and as a notification', async () => {
    frame = await wb.openAlisaFrame();
    const banner = frame.locator('.banner', { hasText: /model/i }).first();
    await banner.waitFor({ timeout: 60_000 });
    await until(
      'the two actions',
      async () =>
        (await banner.locator('[data-action="chooseModelFile"]').count()) === 1 && (await banner.locator('[data-action="downloadModel"]').count()) === 1,
    );
    await wb.page.locator('.notifications-toasts', { hasText: 'Alisa needs a language model' }).waitFor({ timeout: 30_000 });
    await wb.screenshot('first-run-no-model');
  });

  it('a download asks first (size, free disk, RAM); offline it fails with a plain message and offers the file picker', async () => {
    await frame.locator('.banner [data-action="downloadModel"]').first().click();
    // Nothing starts before the user's yes: a modal with every figure needed to decide.
    const dialog = wb.page.locator('.monaco-dialog-box', { hasText: /Download Llama 3\.2 3B Instruct/ }).first();
    await dialog.waitFor({ timeout: 30_000 });
    const said = await dialog.innerText();
    expect(said).toMatch(/1\.9 GB/);
    expect(said).toMatch(/free on that disk/);
    expect(said).toMatch(/RAM/);
    await wb.screenshot('first-run-ask-download');
    await dialog
      .locator('.monaco-button', { hasText: /^Download$/ })
      .first()
      .click();
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: /offline/i }).first();
    await toast.waitFor({ timeout: 60_000 });
    expect(await toast.innerText()).toMatch(/Choose File/);
    await wb.screenshot('first-run-offline');
  });

  it('choosing the GGUF file makes Alisa answer', async () => {
    await wb.runCommand('Alisa: Choose Model File');
    // code-server's file dialog is VS Code's simple dialog: a quick input that takes a path.
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    // The dialog fills in its starting folder a moment after it opens, over anything typed
    // earlier: type the path until it sticks, then accept it.
    const fileRow = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: path.basename(MODEL_PATH) }).first();
    for (let attempt = 1; ; attempt++) {
      // The starting folder has been filled in (it would overwrite what is typed before).
      await until('the file dialog to fill in its folder', async () => (await input.inputValue()) !== '', 10_000).catch(() => {});
      await input.fill(MODEL_PATH);
      // The dialog has taken the typed path: it lists that folder, with the model file in it.
      await fileRow.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {});
      if ((await input.inputValue()) !== MODEL_PATH) {
        if (attempt === 4) throw new Error('the file dialog did not keep the typed path');
        continue;
      }
      await input.press('Enter');
      const closed = await input.waitFor({ state: 'hidden', timeout: 5000 }).then(
        () => true,
        () => false,
      );
      if (closed || attempt === 4) break;
    }
    await wb.screenshot('first-run-chosen');
    await until('the model banner to go', async () => (await frame.locator('.banner[data-kind="error"], .banner[data-kind="progress"]').count()) === 0, 60_000);
    const box = frame.locator('textarea[aria-label="Message Alisa"]');
    await box.fill('Hello Alisa');
    await box.press('Enter');
    const reply = frame.locator('[data-role="assistant"]').first();
    await until('a reply', async () => (await reply.getAttribute('data-status')) === 'complete');
    expect((await reply.innerText()).trim().length).toBeGreaterThan(0);
    await wb.screenshot('first-run-answer');
  });
});
