// A 3D avatar's expressions (issue 18) in real VS Code: a data folder holding the VRM fixture (put
// there by the real AvatarStore, as an import would) chosen as her avatar. "Alisa: Adjust Avatar
// Expressions…" goes straight to the emotions (the only 3D avatar), each with its expression
// ("Default" at first); choosing Happy, then the model's "surprised", stores it at once (the list
// shows it when it comes back), and the panel's picker form adds Calm -> relaxed. Both land in
// the avatar's avatar.json through the companion.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvatarStore } from '../../companion/avatars/avatar-store';
import { REPO_ROOT, requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openWithTinyModel, type VsCodeSession } from './harness/session';
import { until } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the avatar expressions end-to-end suite: ${missing}. .ci/run installs it.`);

/** The quick pick's row whose label is exactly `label`. */
const row = (page: Page, label: string) =>
  page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) })
    .first();

describe.skipIf(missing !== null)('a 3D avatar’s expressions in VS Code', { timeout: 300_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let frame: Frame;
  let manifest: string;

  beforeAll(async () => {
    requireModel();
    const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-expr-data-'));
    const store = new AvatarStore({ dir: path.join(data, 'avatars') });
    const { avatar } = store.import({ path: path.join(REPO_ROOT, 'tests', 'fixtures', 'avatar', 'alisa-test.vrm') });
    store.select(avatar.id);
    manifest = path.join(data, 'avatars', avatar.id, 'avatar.json');
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-expr-ws-'));
    const opened = await openWithTinyModel('avatar-expressions', workspace, { 'alisa.dataFolder': data });
    vscode = opened;
    frame = opened.frame;
  }, 600_000);

  afterAll(() => vscode?.close());

  const storedMap = () => JSON.parse(readFileSync(manifest, 'utf8')).expressionMap as Record<string, string> | undefined;

  it('the command maps Happy to one of the model’s expressions, stored at once', async () => {
    const { page } = vscode!.wb;
    await vscode!.wb.runCommand('Alisa: Adjust Avatar Expressions');
    const happy = row(page, 'Happy');
    await happy.waitFor({ timeout: 30_000 });
    expect(await happy.locator('.label-description').innerText()).toBe('Default');
    await happy.click();
    await row(page, 'surprised').waitFor({ timeout: 30_000 });
    expect(await row(page, 'Default').count()).toBe(1);
    await row(page, 'surprised').click();
    // The emotions again, Happy showing its new expression.
    await until('Happy to show “surprised”', async () => (await row(page, 'Happy').locator('.label-description').innerText()) === 'surprised', 30_000);
    expect(storedMap()).toEqual({ happy: 'surprised' });
    await vscode!.wb.screenshot('expressions-command');
    await page.keyboard.press('Escape');
  });

  it('the panel’s picker form adds Calm -> relaxed and keeps Happy', async () => {
    await frame.locator('.avatar-picker-open').click();
    await frame.locator('.avatar-picker-expressions-open').click();
    const calm = frame.locator('.avatar-picker-expressions select[name="calm"]');
    expect(await frame.locator('.avatar-picker-expressions select[name="happy"]').inputValue()).toBe('surprised');
    await calm.selectOption('relaxed');
    await vscode!.wb.screenshot('expressions-form');
    await frame.locator('.avatar-picker-expressions button[type="submit"]').click();
    await frame.locator('.avatar-picker-expressions').waitFor({ state: 'detached', timeout: 30_000 });
    await until('the mapping to be stored', async () => JSON.stringify(storedMap()) === JSON.stringify({ happy: 'surprised', calm: 'relaxed' }), 30_000);
  });
});
