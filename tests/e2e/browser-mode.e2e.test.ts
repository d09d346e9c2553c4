// Standalone mode: the companion serves the same webview bundle to a browser. Debian's Chromium,
// driven by playwright-core, opens the address the companion prints and chats with the real model.
// What the page says when it cannot talk to her (issue 15): a link whose token is not valid any
// more, and a companion that dies while the page is open (said at once: nothing in a browser
// restarts her, so no restart attempts are counted).
import { spawnSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModel } from '../helpers/model';
import { startCompanion, type RunningCompanion } from '../helpers/companion';
import { launchBrowser, until } from './harness/workbench';

const noChromium = spawnSync('sh', ['-c', 'command -v chromium']).status !== 0;
if (noChromium) console.log('SKIPPED the browser-mode suite: Debian chromium is not installed (apt-get install chromium). .ci/run installs it.');

describe.skipIf(noChromium)('the chat UI served to a browser', () => {
  let c: RunningCompanion;
  let browser: Browser;

  beforeAll(async () => {
    requireModel();
    c = await startCompanion({ args: ['--emotion-grammar'] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('prints the address with the token, and the page chats with the real model', async () => {
    await until('the browser address on stdout', async () => c.stdout().includes(`open Alisa in a browser: http://127.0.0.1:${c.port}/#token=${c.token}`));
    expect(c.stderr()).not.toContain(c.token); // the log never holds the token
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${c.url}/#token=${c.token}`);
    // The token leaves the address bar once read.
    await page.waitForFunction(() => !location.hash.includes('token='));
    const box = page.locator('textarea[aria-label="Message Alisa"]');
    await box.fill('Tell me a story about a dragon');
    await box.press('Enter');
    const reply = page.locator('[data-role="assistant"]').first();
    await page.waitForFunction(() => document.querySelector('[data-role="assistant"]')?.getAttribute('data-status') === 'complete', null, { timeout: 30_000 });
    expect((await reply.innerText()).trim().length).toBeGreaterThan(0);
    expect(await page.locator('#avatar').getAttribute('data-emotion')).toBe(await reply.getAttribute('data-emotion'));
    // The page's CSP allows nothing but our own files and our own socket.
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toContain("script-src 'nonce-");
    expect(csp).not.toContain('unsafe-inline');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a link whose token is not valid any more says so plainly and disables the message box', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${c.url}/#token=${'0'.repeat(c.token.length)}`);
    const alert = page.locator('.banner[data-kind="error"]', { hasText: 'token is not valid any more' });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toMatch(/Open the link the companion printed/);
    const box = page.locator('textarea[aria-label="Message Alisa"]');
    await page.waitForFunction(() => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')?.disabled === true);
    expect(await box.getAttribute('placeholder')).toMatch(/link/i);
    expect(await page.locator('body').innerText()).not.toMatch(/attempt|reconnecting/i);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('when the companion dies, the page says at once that it is not running', async () => {
    const own = await startCompanion();
    const page = await browser.newPage();
    try {
      await page.goto(`${own.url}/#token=${own.token}`);
      // Connected: the connection banner is gone and the box takes messages.
      await page.waitForFunction(
        () =>
          !document.querySelector('.banner[data-banner-id="connection"]') &&
          document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')?.disabled === false,
        null,
        { timeout: 30_000 },
      );
      const t0 = performance.now();
      await own.stop('SIGKILL');
      const alert = page.locator('.banner[data-kind="error"]', { hasText: "Alisa's companion is not running" });
      // At once: the first failure is diagnosed (no attempts counted first).
      await alert.waitFor({ timeout: 5_000 });
      console.log(`companion gone: said after ${(performance.now() - t0).toFixed(0)} ms`);
      expect(await alert.innerText()).toContain('npm start');
      expect(await page.locator('body').innerText()).not.toMatch(/attempt|reconnecting|restarting/i);
      await page.waitForFunction(() => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')?.disabled === true);
    } finally {
      await page.close();
      await own.stop();
    }
  });

  it('without the token the page says how to get in', async () => {
    const page = await browser.newPage();
    await page.goto(`${c.url}/`);
    const alert = page.locator('.banner[data-kind="error"]').first();
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toMatch(/#token=/);
    await page.close();
  });
});
