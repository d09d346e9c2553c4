// Your own avatars in the browser UI, end to end (issue 18): the real companion serves the page,
// real Chromium loads it with its token. The chosen sprite set reaches the stage through the
// page's CSP and the token (data-renderer becomes "sprites"); the picker's thumbnails load; the
// page may fetch a stored model (connect-src); a model uploaded with the picker's own file input is
// stored; and no Content-Security-Policy violation happens on the way.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { png } from './helpers/glb';
import { REPO_ROOT } from './helpers/model';
import { CHROMIUM, launchChromium } from './helpers/webview-chromium';

const FIXTURE_VRM1 = path.join(REPO_ROOT, 'tests', 'fixtures', 'avatar', 'alisa-test.vrm');
const BUILT_UI = path.join(REPO_ROOT, 'dist', 'webview.js');
const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !existsSync(BUILT_UI) ? 'the webview is not built (npm run build)' : null;

describe.skipIf(missing !== null)(`the avatar store in the browser UI${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let c: RunningCompanion;
  let client: TestClient;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    c = await startCompanion({ model: null, args: ['--no-model', '--no-idle', '--mute'] });
    client = await TestClient.connect(c);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (m) => {
      if (m.text().startsWith('CSP violation')) violations.push(m.text());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    client?.close();
    await c?.stop();
  });

  it('shows the chosen sprite set, lists thumbnails, fetches a model, and uploads one; no CSP violation', async () => {
    const dir = path.join(tempDir('alisa-avatar-browser-'), 'Pixel Girl');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'neutral.png'), png(120, 160, [40, 90, 200, 255]));
    writeFileSync(path.join(dir, 'happy.png'), png(120, 160, [240, 190, 40, 255]));
    const sprites = (await client.request('avatar.import', { path: dir })).avatar;
    const vrm = (await client.request('avatar.import', { path: FIXTURE_VRM1 })).avatar;
    await client.request('avatar.select', { id: sprites.id });

    await page.goto(`${c.url}/#token=${encodeURIComponent(c.token)}`);
    await page.waitForSelector('#avatar[data-renderer="sprites"]', { timeout: 30_000 });

    await page.click('.avatar-picker-open');
    await page.waitForSelector('.avatar-picker-item img');
    // Every thumbnail loads (decoded, with a size): through img-src and the token in its URL.
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('.avatar-picker-item img')].every((i) => i.complete && i.naturalWidth > 0),
    );
    const names = await page.$$eval('.avatar-picker-name', (els) => els.map((e) => e.textContent));
    expect(names).toEqual(expect.arrayContaining(['Alisa (built-in)', 'Pixel Girl', vrm.name]));

    // The page may fetch a stored model as the 3D renderer does (connect-src, the token).
    const fetched = await page.evaluate(async (url) => {
      const token = sessionStorage.getItem('alisa.token') ?? '';
      const res = await fetch(`${url}?token=${encodeURIComponent(token)}`);
      return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
    }, vrm.url!);
    expect(fetched).toEqual({ status: 200, bytes: readFileSync(FIXTURE_VRM1).length });

    // Upload with the picker's file input: stored, and listed in the page.
    const uploadCopy = path.join(path.dirname(dir), 'Uploaded One.vrm');
    writeFileSync(uploadCopy, readFileSync(FIXTURE_VRM1));
    await page.setInputFiles('.avatar-picker-file', uploadCopy);
    await page.waitForFunction(() => [...document.querySelectorAll('.avatar-picker-name')].length === 4);
    const listed = await client.request('avatar.list', {});
    const uploaded = listed.avatars.find((a) => ![sprites.id, vrm.id, 'builtin:alisa'].includes(a.id))!;
    expect(uploaded).toMatchObject({ kind: 'vrm' });
    expect(readFileSync(path.join(c.dataDir, 'avatars', uploaded.id, 'model.vrm'))).toEqual(readFileSync(FIXTURE_VRM1));

    // Choosing the built-in SVG in the picker puts her back.
    await page.click('[data-avatar="builtin:alisa"]');
    await page.waitForSelector('#avatar[data-renderer="svg"]');
    expect(violations).toEqual([]);
  }, 90_000);
});
