// The 3D avatar in real Chromium (playwright-core, /usr/bin/chromium; WebGL through SwiftShader,
// which headless Chromium here gives even with --disable-gpu): the product's page as the browser UI
// serves it (common/webview-html.ts with its CSP, the real avatar art, dist/webview.js and
// dist/avatar-vrm.js as built by scripts/build.mjs), from a fake origin through page.route. The
// model is the generated fixture (scripts/make-vrm-fixture.mjs). The page's `window.alisaAvatar`
// hook (main.ts) chooses the model and sets emotions, speech and levels, as the panel does.
//
// Pixels, with reduced motion so that a frame is drawn only when something changes (nothing
// drifts between two screenshots): the canvas is not blank; happy differs from neutral while
// neutral twice is the same picture; the mouth open (speaking) differs from closed. Over time,
// with full motion: a blink (the lids closing then opening) and lip sync (the mouth opening and
// closing with the audio levels, through more than one viseme) are seen in the frames drawn (the
// renderer's `avatarframe` events). Falls back to the SVG with a notice for a damaged file and
// without WebGL; three.js stays out of the page bundle until a model is chosen; no CSP violation.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVATAR_PAGE_MISSING, afterFrame, choose, FILES, frameCount, type Hook, openAvatarPage, untilFrames, VRM0, VRM1 } from './helpers/avatar-page';
import { CHROMIUM, launchChromium } from './helpers/webview-chromium';

if (AVATAR_PAGE_MISSING) console.log(`SKIPPED avatar-3d: ${AVATAR_PAGE_MISSING}`);
const MISSING = AVATAR_PAGE_MISSING;
const open = openAvatarPage;

async function shot(page: Page): Promise<PNG> {
  // Two animation frames: what was drawn is on screen (reduced motion: nothing else will be).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return PNG.sync.read(await page.locator('#avatar').screenshot());
}

/** Pixels whose colour differs by more than a little between two same-sized pictures. */
function differing(a: PNG, b: PNG): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.max(Math.abs(a.data[i]! - b.data[i]!), Math.abs(a.data[i + 1]! - b.data[i + 1]!), Math.abs(a.data[i + 2]! - b.data[i + 2]!));
    if (d > 24) n++;
  }
  return n;
}

/** Distinct colours (coarsely quantised) and how many pixels are not the background (the top-left pixel). */
function content(p: PNG): { colours: number; figure: number } {
  const colours = new Set<number>();
  const bg = [p.data[0]!, p.data[1]!, p.data[2]!];
  let figure = 0;
  for (let i = 0; i < p.data.length; i += 4) {
    colours.add(((p.data[i]! >> 4) << 8) | ((p.data[i + 1]! >> 4) << 4) | (p.data[i + 2]! >> 4));
    if (Math.abs(p.data[i]! - bg[0]!) + Math.abs(p.data[i + 1]! - bg[1]!) + Math.abs(p.data[i + 2]! - bg[2]!) > 30) figure++;
  }
  return { colours: colours.size, figure };
}

describe.skipIf(MISSING !== null)(MISSING ? `3D avatar (skipped: ${MISSING})` : '3D avatar (VRM) in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('keeps three.js out of the page until a model is chosen, then draws the VRM 1.0 figure', async () => {
    const { page, violations, served } = await open(browser, 'reduce');
    expect(readFileSync(FILES['/webview.js']!.file, 'utf8')).not.toContain('WebGLRenderer');
    expect(served).not.toContain('/avatar-vrm.js');
    const svgOnly = await shot(page);
    await choose(page, VRM1);
    expect(served).toContain('/avatar-vrm.js');
    expect(await page.locator('#avatar').getAttribute('data-renderer')).toBe('vrm');
    expect(await page.locator('#avatar canvas').count()).toBe(1);
    expect(await page.locator('.avatar-notice').count()).toBe(0);
    await afterFrame(page, 'setEmotion', 'neutral', { emotion: 'neutral' });
    const figure = await shot(page);
    const c = content(figure);
    // Skin, hair, clothes, eyes, mouth… over the background: a figure, not a blank canvas.
    expect(c.colours).toBeGreaterThan(12);
    expect(c.figure).toBeGreaterThan((figure.width * figure.height) / 5);
    // And not the SVG: the art changed.
    expect(differing(svgOnly, figure)).toBeGreaterThan(1000);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('shows emotions and the open mouth in pixels (reduced motion: still frames)', async () => {
    const { page, violations } = await open(browser, 'reduce');
    await choose(page, VRM1);
    await afterFrame(page, 'setEmotion', 'neutral', { emotion: 'neutral', maxMouth: 0 });
    const neutral = await shot(page);
    await afterFrame(page, 'setEmotion', 'happy', { emotion: 'happy' });
    const happy = await shot(page);
    await afterFrame(page, 'setEmotion', 'sad', { emotion: 'sad' });
    const sad = await shot(page);
    await afterFrame(page, 'setEmotion', 'neutral', { emotion: 'neutral' });
    const neutralAgain = await shot(page);
    // The control: the same state draws the same picture, so the differences below are the face.
    expect(differing(neutral, neutralAgain)).toBeLessThan(20);
    expect(differing(neutral, happy)).toBeGreaterThan(150);
    expect(differing(neutral, sad)).toBeGreaterThan(150);
    expect(differing(happy, sad)).toBeGreaterThan(150);
    // Speaking with reduced motion: the mouth stays a little open (no flapping), closed after.
    await afterFrame(page, 'setSpeaking', true, { minMouth: 0.3 });
    const opened = await shot(page);
    await afterFrame(page, 'setSpeaking', false, { maxMouth: 0 });
    const closed = await shot(page);
    expect(differing(closed, neutral)).toBeLessThan(20);
    expect(differing(opened, closed)).toBeGreaterThan(40);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('reads a VRM 0.x model too: its joy and sorrow presets show for happy and sad', async () => {
    const { page, violations } = await open(browser, 'reduce');
    await choose(page, VRM0);
    expect(await page.locator('#avatar').getAttribute('data-renderer')).toBe('vrm');
    await afterFrame(page, 'setEmotion', 'neutral', { emotion: 'neutral' });
    const neutral = await shot(page);
    expect(content(neutral).colours).toBeGreaterThan(12);
    await afterFrame(page, 'setEmotion', 'happy', { emotion: 'happy' });
    const happy = await shot(page);
    expect(differing(neutral, happy)).toBeGreaterThan(150);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('blinks, moves the mouth with the voice and reacts, over time (full motion)', async () => {
    const { page, violations } = await open(browser, 'no-preference');
    await choose(page, VRM1);
    // A blink: lids fully closed in one frame, open again in a later one (blinks come every 2-6 s).
    await untilFrames(page, 0, { blinked: true });
    // Lip sync: syllables of voice (levels as the speech player sends them, every 20 ms).
    const lipFrom = await frameCount(page);
    await page.evaluate(() => {
      let i = 0;
      const w = window as unknown as { alisaAvatar: Hook; lipTimer: number };
      w.lipTimer = window.setInterval(() => {
        // 200 ms of voice, 160 ms of pause.
        const phase = i++ % 18;
        w.alisaAvatar.setAudioLevel(phase < 10 ? 0.5 + 0.5 * Math.sin((phase / 10) * Math.PI) : 0);
      }, 20);
    });
    await untilFrames(page, lipFrom, { spoke: true });
    await page.evaluate(() => window.clearInterval((window as unknown as { lipTimer: number }).lipTimer));
    // The reactions reach the 3D renderer (react() on the stage, as the panel calls it).
    await afterFrame(page, 'react', 'error', { reaction: 'error' });
    await afterFrame(page, 'react', 'fixed', { reaction: 'fixed' });
    // The cursor over the panel: her eyes (the lookAt target) follow it.
    const box = (await page.locator('#avatar').boundingBox())!;
    const before = await frameCount(page);
    await page.mouse.move(box.x + 5, box.y + 5);
    await page.mouse.move(box.x + box.width - 5, box.y + box.height - 5, { steps: 3 });
    await untilFrames(page, before, { lookingAtCursor: true });
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it('falls back to the SVG with a notice when the model file is damaged', async () => {
    const { page } = await open(browser, 'reduce');
    const svg = await shot(page);
    await choose(page, { ...VRM1, name: 'Broken figure', url: '/models/broken.vrm' });
    expect(await page.locator('#avatar').getAttribute('data-renderer')).toBe('svg');
    expect(await page.locator('#avatar canvas').count()).toBe(0);
    const notice = await page.locator('.avatar-notice').innerText();
    expect(notice).toContain('“Broken figure” could not be shown');
    expect(notice).toContain('could not be read');
    expect(differing(svg, await shot(page))).toBeLessThan(20);
    // A good model afterwards replaces the notice.
    await choose(page, VRM1);
    expect(await page.locator('.avatar-notice').count()).toBe(0);
    expect(await page.locator('#avatar').getAttribute('data-renderer')).toBe('vrm');
    await page.context().close();
  });

  it('falls back to the SVG with a notice when WebGL is off', async () => {
    const { chromium } = await import('playwright-core');
    const noGl = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-3d-apis'],
    });
    try {
      const { page } = await open(noGl, 'reduce');
      await choose(page, VRM1);
      expect(await page.locator('#avatar').getAttribute('data-renderer')).toBe('svg');
      expect(await page.locator('.avatar-notice').innerText()).toContain('WebGL');
    } finally {
      await noGl.close();
    }
  });
});
