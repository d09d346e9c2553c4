// Your own avatars (issue 18) in real VS Code: a data folder holding a stored sprite set (put there
// by the real AvatarStore, as an import would) chosen as her avatar; the panel shows it through
// webview resources (localResourceRoots, the page's CSP: no port or token in the page), its
// picker lists the thumbnails, and choosing the built-in SVG puts her back.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvatarStore } from '../../companion/avatars/avatar-store';
import { png } from '../helpers/glb';
import { requireModel } from '../helpers/model';
import { missingPrerequisites } from './harness/code-server';
import { openWithTinyModel, type VsCodeSession } from './harness/session';
import { until } from './harness/workbench';

const missing = missingPrerequisites();
if (missing) console.log(`SKIPPED the avatar store end-to-end suite: ${missing}. .ci/run installs it.`);

describe.skipIf(missing !== null)('her own avatar in the VS Code panel', { timeout: 300_000 }, () => {
  let vscode: VsCodeSession | undefined;
  let frame: Frame;

  beforeAll(async () => {
    requireModel();
    const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-avatar-data-'));
    const sprites = path.join(mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-sprites-')), 'Pixel Girl');
    mkdirSync(sprites);
    writeFileSync(path.join(sprites, 'neutral.png'), png(120, 160, [40, 90, 200, 255]));
    writeFileSync(path.join(sprites, 'happy.png'), png(120, 160, [240, 190, 40, 255]));
    const store = new AvatarStore({ dir: path.join(data, 'avatars') });
    store.select(store.import({ path: sprites }).avatar.id);
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'alisa-e2e-avatar-ws-'));
    const opened = await openWithTinyModel('avatar-store', workspace, { 'alisa.dataFolder': data });
    vscode = opened;
    frame = opened.frame;
  }, 600_000);

  afterAll(() => vscode?.close());

  it('shows the chosen sprite set from the data folder; the picker lists thumbnails; the SVG comes back when chosen', async () => {
    await frame.locator('#avatar[data-renderer="sprites"]').waitFor({ timeout: 60_000 });
    await vscode!.wb.screenshot('avatar-sprites');
    await frame.locator('.avatar-picker-open').click();
    await frame.locator('.avatar-picker-item img').first().waitFor();
    await until('the thumbnails to load', async () =>
      frame.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('.avatar-picker-item img')].every((i) => i.complete && i.naturalWidth > 0)),
    );
    expect(await frame.locator('.avatar-picker-name').allInnerTexts()).toEqual(['Alisa (built-in)', 'Pixel Girl']);
    expect(await frame.locator('.avatar-picker-actions .btn', { hasText: 'Import…' }).count()).toBe(1);
    await vscode!.wb.screenshot('avatar-picker');
    await frame.locator('[data-avatar="builtin:alisa"]').click();
    await frame.locator('#avatar[data-renderer="svg"]').waitFor({ timeout: 30_000 });
  });
});
