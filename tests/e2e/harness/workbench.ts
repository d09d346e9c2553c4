// Drives the VS Code workbench in Debian's Chromium with playwright-core, the way a user would:
// clicks, the command palette, typing. Screenshots go to test-results/e2e/ (not committed).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../helpers/model';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-results', 'e2e');
export const EXTENSION_ID = 'alisa-dev.alisa';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage', '--disable-quic'],
  });
}

export class Workbench {
  private shot = 0;

  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.activitybar', { timeout: 60_000 });
    return new Workbench(page);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command from the palette by its title, e.g. "Alisa: New Chat Session". */
  async runCommand(title: string): Promise<void> {
    const { page } = this;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
  }

  /** Clicks Alisa's icon in the activity bar. */
  async openAlisa(): Promise<void> {
    await this.page.locator('.activitybar [aria-label^="Alisa"]').first().click();
  }

  /** The frame holding Alisa's webview content (VS Code nests it in two iframes). */
  async alisaFrame(timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame.name() === 'active-frame' || frame.url().includes('fake.html')) {
          const parentUrl = frame.parentFrame()?.url() ?? '';
          if (parentUrl.includes(`extensionId=${EXTENSION_ID}`)) {
            const ready = await frame.locator('textarea[aria-label="Message Alisa"]').count().catch(() => 0);
            if (ready > 0) return frame;
          }
        }
      }
      if (Date.now() > deadline) throw new Error('Alisa\'s webview did not appear');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
