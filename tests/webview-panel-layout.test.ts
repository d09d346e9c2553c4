// The whole panel in real Chromium (playwright-core, /usr/bin/chromium) with the real stylesheet
// (dist/webview-style.css, built by `node scripts/build.mjs`) and the real App, driven by the
// shared fake host (tests/helpers/fake-host.ts) bundled into the page with esbuild. The page is
// the product's own (common/webview-html.ts, its CSP and the inlined avatar), served from a fake
// origin through page.route: nothing listens on a port.
//
// Asserted at the default sidebar width (300 px), in VS Code's layout (no page heading, no page
// "New chat": the view's title bar has both):
// - 300x400: the avatar folds into a small face in the header row by itself, and the message
//   list keeps at least 55 % of the height; hidden by the toggle, even more.
// - 300x800: the avatar has a row of its own at full size and the list still has most of it.
// - Nothing scrolls sideways, with the persona menu or the character form open either, and the
//   message list spans the panel (VS Code's default webview styles, with their 20 px body
//   padding, are put in the page as VS Code does).
// Screenshots go to $ALISA_LAYOUT_SHOTS (default /tmp/alisa-layout) for a reviewer to look at.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderWebviewHtml } from '../common/webview-html';
import { bundlePageScript, CHROMIUM, launchChromium, ROOT } from './helpers/webview-chromium';

const CSS = path.join(ROOT, 'dist', 'webview-style.css');
const MISSING = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium); the panel layout test renders in it`
  : !existsSync(CSS)
    ? `${CSS} is missing: run node scripts/build.mjs first`
    : null;
if (MISSING) console.log(`SKIPPED webview-panel-layout: ${MISSING}`);
const SHOTS = process.env.ALISA_LAYOUT_SHOTS ?? '/tmp/alisa-layout';

const ORIGIN = 'http://alisa.test';
const NONCE = 'cGFuZWxsYXlvdXR0ZXN0';

/** The page script: the real App on the fake host, answering as a ready companion with a chat. */
const ENTRY = `
import { App } from './webview/ui/app';
import { FakeHost, READY_STATUS } from './tests/helpers/fake-host';
const now = 1700000000000;
const msg = (id, role, text) => ({ id, sessionId: 7, role, text, emotion: role === 'assistant' ? 'calm' : null, status: 'complete', spontaneous: false, promptTokens: null, completionTokens: null, createdAt: now + id });
const characters = [{ id: 1, key: 'alisa', name: 'Alisa', systemPrompt: 'x', voice: null, avatar: null, builtin: true }];
window.startPanel = (kind, state) => {
  const host = new FakeHost(kind, {
    state,
    answers: {
      'status.get': () => READY_STATUS,
      'character.list': () => ({ characters, activeId: 1 }),
      'session.list': () => ({ sessions: [{ id: 7, title: 'Regex troubles', characterId: 1, createdAt: now, updatedAt: now, messageCount: 2, workspace: null, workspaceName: null }] }),
      'session.messages': () => ({ messages: [msg(1, 'user', 'Why does my regex not match across lines?'), msg(2, 'assistant', 'Because . stops at a newline: add the s flag.')] }),
    },
  });
  new App(host, document.getElementById('app'));
  host.ready();
};
`;

const PAGE = renderWebviewHtml({
  scriptUri: '/page.js',
  styleUri: '/webview-style.css',
  cspSource: "'self'",
  nonce: NONCE,
  avatarSvg: readFileSync(path.join(ROOT, 'media', 'avatar.svg'), 'utf8'),
});

/** VS Code puts its default webview styles before the page's own (body padding 0 20px among them). */
const IN_VSCODE = PAGE.replace('<head>', '<head>\n<style nonce="' + NONCE + '">body { margin: 0; padding: 0 20px; background-color: transparent; }</style>');

interface Measure {
  viewportH: number;
  docScrollW: number;
  docClientW: number;
  docScrollH: number;
  listH: number;
  listW: number;
  avatarW: number;
  avatarShown: boolean;
  headerH: number;
  headings: number;
  newChatButtons: number;
}

describe.skipIf(MISSING !== null)(MISSING ? `panel layout (skipped: ${MISSING})` : 'the panel in Chromium at 300 px', () => {
  let browser: Browser;
  let pageScript: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    pageScript = await bundlePageScript(ENTRY, 'js');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(height: number, state?: unknown, kind: 'vscode' | 'browser' = 'vscode', colorScheme: 'light' | 'dark' = 'dark'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 300, height }, colorScheme, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.route(`${ORIGIN}/**`, async (route) => {
      const { pathname } = new URL(route.request().url());
      if (pathname === '/') return route.fulfill({ contentType: 'text/html', body: kind === 'vscode' ? IN_VSCODE : PAGE });
      if (pathname === '/page.js') return route.fulfill({ contentType: 'text/javascript', body: pageScript });
      if (pathname === '/webview-style.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(CSS) });
      return route.fulfill({ status: 404, body: 'not found' });
    });
    await page.goto(`${ORIGIN}/`);
    await page.evaluate(([k, s]) => (window as unknown as { startPanel(k: string, s: unknown): void }).startPanel(k as string, s), [kind, state] as const);
    // Loaded: the chat is on screen and the persona button knows the mode.
    await page.waitForSelector('[data-role="assistant"]', { timeout: 10_000 });
    await page.waitForSelector('#persona-button:not([disabled])', { timeout: 10_000 });
    return page;
  }

  const measure = (page: Page): Promise<Measure> =>
    page.evaluate(() => {
      const box = (sel: string) => document.querySelector(sel)?.getBoundingClientRect();
      const avatar = document.getElementById('avatar')!;
      return {
        viewportH: window.innerHeight,
        docScrollW: document.documentElement.scrollWidth,
        docClientW: document.documentElement.clientWidth,
        docScrollH: document.documentElement.scrollHeight,
        listH: box('#messages')!.height,
        listW: box('#messages')!.width,
        avatarW: avatar.getBoundingClientRect().width,
        avatarShown: avatar.checkVisibility(),
        headerH: box('.app-header')!.height,
        headings: document.querySelectorAll('h1').length,
        newChatButtons: document.querySelectorAll('button[aria-label="New chat"]').length,
      };
    });

  function noSideways(m: Measure, list = true): void {
    expect(m.docScrollW, 'the page scrolls sideways').toBeLessThanOrEqual(m.docClientW);
    // The list spans the panel: VS Code's 20 px body padding is not added on either side.
    if (list) expect(m.listW, 'the message list is inset').toBeGreaterThanOrEqual(m.docClientW - 1);
  }

  /** Opens the panel as open() does, measures it, keeps a screenshot (`shot`.png) and checks that nothing scrolls sideways. */
  async function openMeasured(shot: string, ...how: Parameters<typeof open>): Promise<{ page: Page; m: Measure }> {
    const page = await open(...how);
    const m = await measure(page);
    await page.screenshot({ path: path.join(SHOTS, `${shot}.png`) });
    noSideways(m);
    return { page, m };
  }

  /** Escape closes what is open (`open` goes hidden); then `item` is picked in the persona menu and `shown` appears. */
  async function pickFromMenu(page: Page, open: string, item: string, shown: string): Promise<void> {
    await page.keyboard.press('Escape');
    await page.waitForSelector(open, { state: 'hidden' });
    await page.click('#persona-button');
    await page.click(`#persona-menu [data-item="${item}"]`);
    await page.waitForSelector(shown);
  }

  /** The open character form shows its Save button without scrolling, inside the panel. */
  const formFits = (page: Page) =>
    page.evaluate(() => {
      const save = document.querySelector('#character-panel button[type="submit"]')!.getBoundingClientRect();
      const panel = document.getElementById('character-panel')!.getBoundingClientRect();
      // Whatever covers the button's middle (the composer would, if the panel ran under it).
      const top = document.elementFromPoint(save.left + save.width / 2, save.top + save.height / 2);
      return { saveBottom: save.bottom, saveRight: save.right, panelBottom: panel.bottom, onTop: top?.closest('button[type="submit"]') !== null };
    });

  it('300x400: the avatar folds to a small face by itself and the chat keeps most of the height', async () => {
    const { page, m } = await openMeasured('panel-300x400', 400);
    expect(m.avatarShown).toBe(true);
    expect(m.avatarW).toBeLessThanOrEqual(40);
    expect(m.headerH, 'the face sits in the header row').toBeLessThanOrEqual(40);
    expect(m.listH / m.viewportH, JSON.stringify(m)).toBeGreaterThanOrEqual(0.55);
    expect(m.docScrollH, 'the page itself does not scroll').toBeLessThanOrEqual(m.viewportH);
    // VS Code's view title says "Alisa" and has the "+": the page repeats neither.
    expect(m.headings).toBe(0);
    expect(m.newChatButtons).toBe(0);
    await page.context().close();
  });

  it('300x400 with the avatar hidden by the toggle (remembered state): the list gets its room too', async () => {
    const { page, m } = await openMeasured('panel-300x400-avatar-hidden', 400, {
      v: 1,
      sessionId: 7,
      draft: '',
      scrollTop: null,
      avatarHidden: true,
      sessionScope: 'workspace',
    });
    expect(m.avatarShown).toBe(false);
    expect(await page.getAttribute('#avatar-toggle', 'aria-label')).toBe('Show avatar');
    expect(m.listH / m.viewportH, JSON.stringify(m)).toBeGreaterThanOrEqual(0.55);
    await page.context().close();
  });

  it('300x800: the avatar has its own row at full size and the list still has most of the height', async () => {
    const { page, m } = await openMeasured('panel-300x800', 800);
    expect(m.avatarShown).toBe(true);
    expect(m.avatarW).toBeGreaterThanOrEqual(140);
    expect(m.listH / m.viewportH, JSON.stringify(m)).toBeGreaterThanOrEqual(0.55);
    expect(m.docScrollH).toBeLessThanOrEqual(m.viewportH);
    // The menu opens right under its button (over the avatar's row), inside the panel.
    await page.click('#persona-button');
    await page.waitForSelector('#persona-menu:not([hidden])');
    const at = await page.evaluate(() => ({
      button: document.getElementById('persona-button')!.getBoundingClientRect().bottom,
      menu: document.getElementById('persona-menu')!.getBoundingClientRect().toJSON() as DOMRect,
    }));
    await page.screenshot({ path: path.join(SHOTS, 'panel-300x800-menu.png') });
    expect(at.menu.top).toBeGreaterThanOrEqual(at.button - 4);
    expect(at.menu.top).toBeLessThanOrEqual(at.button + 8);
    expect(at.menu.right).toBeLessThanOrEqual(300);
    await page.context().close();
  });

  it('the persona menu and the character form fit the 300 px panel', async () => {
    const page = await open(400);
    await page.click('#persona-button');
    await page.waitForSelector('#persona-menu:not([hidden])');
    const menu = await page.evaluate(() => {
      const r = document.getElementById('persona-menu')!.getBoundingClientRect();
      return { left: r.left, right: r.right, focused: document.activeElement?.getAttribute('role') ?? null };
    });
    await page.screenshot({ path: path.join(SHOTS, 'panel-300x400-menu.png') });
    expect(menu.left).toBeGreaterThanOrEqual(0);
    expect(menu.right).toBeLessThanOrEqual(300);
    expect(menu.focused).toBe('menuitemradio');
    noSideways(await measure(page));
    await pickFromMenu(page, '#persona-menu', 'new', '#character-panel:not([hidden])');
    await page.screenshot({ path: path.join(SHOTS, 'panel-300x400-character-form.png') });
    const form = await page.evaluate(() => document.getElementById('character-panel')!.getBoundingClientRect().right);
    expect(form).toBeLessThanOrEqual(300);
    // In a short panel the form takes the chat's place, so Save is in view without scrolling.
    noSideways(await measure(page), false);
    const fit = await formFits(page);
    expect(fit.saveBottom, JSON.stringify(fit)).toBeLessThanOrEqual(fit.panelBottom);
    expect(fit.onTop, 'Save is covered').toBe(true);
    expect(fit.saveRight).toBeLessThanOrEqual(300);
    // The built-in character's form: no Delete, her persona read-only, a note saying why.
    await pickFromMenu(page, '#character-panel', 'edit', '#character-panel:not([hidden]) .form-note:not([hidden])');
    await page.screenshot({ path: path.join(SHOTS, 'panel-300x400-edit-builtin.png') });
    noSideways(await measure(page), false);
    const builtin = await formFits(page);
    expect(builtin.saveBottom, JSON.stringify(builtin)).toBeLessThanOrEqual(builtin.panelBottom);
    expect(builtin.onTop, 'Save is covered').toBe(true);
    // Closed, the chat is back.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#character-panel', { state: 'hidden' });
    noSideways(await measure(page));
    await page.context().close();
  });

  it('in a browser tab the page keeps its heading and its one "New chat" button', async () => {
    const { page, m } = await openMeasured('panel-browser-300x600', 600, undefined, 'browser', 'light');
    expect(m.headings).toBe(1);
    expect(m.newChatButtons).toBe(1);
    await page.context().close();
  });
});
