// Drives the VS Code workbench in Debian's Chromium with playwright-core, the way a user would:
// clicks, the command palette, typing. Screenshots go to test-results/e2e/ (not committed).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../helpers/model';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-results', 'e2e');
export const EXTENSION_ID = 'alisa-dev.alisa';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
      '--disable-quic',
    ],
  });
}

/** The text of editor lines as shown, non-breaking spaces made spaces. */
export const editorText = async (lines: Locator) => (await lines.innerText()).replace(/\u00a0/g, ' ');

export class Workbench {
  private shot = 0;

  /** `suite` prefixes screenshot names, so parallel or successive suites do not overwrite each other. */
  constructor(
    readonly page: Page,
    private readonly suite: string,
  ) {}

  static async open(browser: Browser, url: string, suite: string): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.activitybar', { timeout: 60_000 });
    return new Workbench(page, suite);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${this.suite}-${String(++this.shot).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command from the palette by its title, e.g. "Alisa: New Chat Session". */
  async runCommand(title: string): Promise<void> {
    const { page } = this;
    const input = page.locator('.quick-input-widget input');
    const label = new RegExp(`^${escapeRegExp(title)}…?$`);
    // The row whose label is exactly the title: with several close matches (Revert Alisa's Last
    // Change, Revert One of Alisa's Changes…) Enter would take whichever VS Code ranks first.
    const row = page
      .locator('.quick-input-widget .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: label }) })
      .first();
    const focused = page.locator('.quick-input-widget .monaco-list-row.focused .label-name');
    // A busy or still-restoring workbench can swallow the first F1: try again after Escape.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill(`>${title}`);
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        // Chosen with the keyboard, Enter only once the focused row is the one: a click could land
        // on another row when the list re-sorts under the pointer (recently used commands move up).
        let seen = '(none)';
        await until(
          `"${title}" to be the palette's focused row`,
          async () => {
            seen = (await focused.first().innerText({ timeout: 1_000 })).trim();
            if (label.test(seen)) return true;
            await page.keyboard.press('ArrowDown');
            return false;
          },
          10_000,
        ).catch((err: Error) => {
          throw new Error(`${err.message} (the focused row was "${seen}")`);
        });
        await page.keyboard.press('Enter');
        return;
      } catch (err) {
        if (attempt === 3) throw err;
        await page.keyboard.press('Escape');
        // Closed (or never opened): the next F1 starts from a quiet palette.
        await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
      }
    }
  }

  /** Opens `file` through Quick Open (Ctrl+P) and waits for its tab to be the active one. */
  async quickOpen(file: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(file);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: file }).first().waitFor({ timeout: 60_000 });
    await input.press('Enter');
    await this.page.locator('.tab.active', { hasText: file }).waitFor({ timeout: 30_000 });
  }

  /** Waits until the workbench has restored and Alisa's extension has put up its status item. */
  async waitForAlisa(): Promise<void> {
    await this.page.waitForSelector('.monaco-workbench .activitybar [aria-label^="Alisa"]', { timeout: 60_000 });
    await this.page.locator('.statusbar-item', { hasText: 'Alisa' }).first().waitFor({ timeout: 60_000 });
  }

  /** Clicks Alisa's icon in the activity bar. */
  async openAlisa(): Promise<void> {
    await this.page.locator('.activitybar [aria-label^="Alisa"]').first().click();
  }

  /**
   * Alisa's proposed fix, once its diff's tab is open (waited for up to `timeoutMs`): the tab, the
   * diff editor and the Apply action in its title bar (these two not waited for).
   */
  async fixDiff(timeoutMs: number): Promise<{ tab: Locator; diff: Locator; apply: Locator }> {
    const tab = this.page.locator('.tab', { hasText: /Alisa.s fix/ });
    await tab.first().waitFor({ timeout: timeoutMs });
    const diff = this.page.locator('.monaco-diff-editor').first();
    const apply = this.page.locator('.editor-actions .action-label[aria-label^="Apply Alisa\'s Fix"]').first();
    return { tab, diff, apply };
  }

  /** Clicks the fix's `apply`, then waits for its diff `tab` to close and the editor to show exactly `proposed`; returns the editor's lines. */
  async applyFix(tab: Locator, apply: Locator, proposed: string): Promise<Locator> {
    await apply.click();
    await until('the diff tab to close', async () => (await tab.count()) === 0, 30_000);
    const editorLines = this.page.locator('.monaco-editor .view-lines').first();
    await until('the edit to land', async () => (await editorText(editorLines)) === proposed, 30_000);
    return editorLines;
  }

  /** Opens Alisa's view (openAlisa) and returns its frame once the chat is there (alisaFrame). */
  async openAlisaFrame(): Promise<Frame> {
    await this.openAlisa();
    return this.alisaFrame();
  }

  /** The frame holding Alisa's webview content (VS Code nests it in two iframes). */
  async alisaFrame(timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame.name() === 'active-frame' || frame.url().includes('fake.html')) {
          const parentUrl = frame.parentFrame()?.url() ?? '';
          if (parentUrl.includes(`extensionId=${EXTENSION_ID}`)) {
            const ready = await frame
              .locator('textarea[aria-label="Message Alisa"]')
              .count()
              .catch(() => 0);
            if (ready > 0) return frame;
          }
        }
      }
      if (Date.now() > deadline) throw new Error("Alisa's webview did not appear");
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Polls `fn` until it returns something truthy; errors while polling count as "not yet". */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
