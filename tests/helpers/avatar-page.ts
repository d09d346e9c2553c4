// The product's page with the avatar, in real Chromium, for the 3D avatar's tests and bench: the
// HTML the browser UI serves (common/webview-html.ts with its CSP and the real avatar art), the
// built dist/webview.js, dist/avatar-vrm.js and stylesheet, and the generated VRM fixtures, from a
// fake origin through page.route (nothing listens on a port). The page records every frame the 3D
// renderer draws (`avatarframe` events) and can wait for frames that match, without polling.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { renderWebviewHtml } from '../../common/webview-html';
import type { AvatarSource } from '../../protocol';
import { CHROMIUM, ROOT } from './webview-chromium';

export const DIST = path.join(ROOT, 'dist');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'avatar');
const NEEDED = [path.join(DIST, 'webview.js'), path.join(DIST, 'avatar-vrm.js'), path.join(DIST, 'webview-style.css')];
/** Why the avatar page cannot run here, or null. */
export const AVATAR_PAGE_MISSING: string | null = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : NEEDED.every(existsSync)
    ? null
    : 'dist/ has no webview.js / avatar-vrm.js (run `npm run build`)';

const ORIGIN = 'http://alisa.test';
const NONCE = 'YXZhdGFyM2R0ZXN0';
export const VRM1: AvatarSource = { id: 'test:vrm1', kind: 'vrm', name: 'Test figure', url: '/models/alisa-test.vrm', thumbnailUrl: null };
export const VRM0: AvatarSource = { ...VRM1, id: 'test:vrm0', url: '/models/alisa-test-vrm0.vrm' };

const PAGE = renderWebviewHtml({
  scriptUri: '/webview.js',
  styleUri: '/webview-style.css',
  cspSource: "'self'",
  avatarSrc: "'self'",
  nonce: NONCE,
  avatarSvg: readFileSync(path.join(ROOT, 'media', 'avatar.svg'), 'utf8'),
});

/** What one drawn frame showed (webview/avatar/vrm/vrm-renderer.ts FrameInfo). */
export interface Frame {
  emotion: string;
  blink: number;
  mouth: number;
  viseme: string | null;
  reaction: string | null;
  lookingAtCursor?: boolean;
  ms?: number;
}

export interface Opened {
  page: Page;
  violations: string[];
  served: string[];
}

export const FILES: Record<string, { file: string; type: string }> = {
  '/webview.js': { file: path.join(DIST, 'webview.js'), type: 'text/javascript' },
  '/avatar-vrm.js': { file: path.join(DIST, 'avatar-vrm.js'), type: 'text/javascript' },
  '/webview-style.css': { file: path.join(DIST, 'webview-style.css'), type: 'text/css' },
  '/models/alisa-test.vrm': { file: path.join(FIXTURES, 'alisa-test.vrm'), type: 'model/gltf-binary' },
  '/models/alisa-test-vrm0.vrm': { file: path.join(FIXTURES, 'alisa-test-vrm0.vrm'), type: 'model/gltf-binary' },
};

/** Opens the page in a new context (300 x 800: the avatar at its full 180 px). */
export async function openAvatarPage(browser: Browser, reducedMotion: 'reduce' | 'no-preference'): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 300, height: 800 }, reducedMotion });
  const page = await context.newPage();
  const violations: string[] = [];
  const served: string[] = [];
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { reportViolation(v: string): void }).reportViolation(
        `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
      ),
    );
    // Every frame the 3D renderer draws, and a wait for frames that match (run on each new frame,
    // no polling; page.waitForFunction would need eval, which the page's CSP forbids).
    const frames: Frame[] = [];
    const w = window as unknown as { avatarFrames: Frame[]; untilFrames(from: number, spec: FrameSpec): Promise<void> };
    w.avatarFrames = frames;
    document.addEventListener('avatarframe', (e) => frames.push((e as CustomEvent).detail));
    const some = (list: Frame[], s: FrameSpec) =>
      list.some(
        (f) =>
          (s.emotion === undefined || f.emotion === s.emotion) &&
          (s.reaction === undefined || f.reaction === s.reaction) &&
          (s.lookingAtCursor === undefined || f.lookingAtCursor === s.lookingAtCursor) &&
          f.mouth >= (s.minMouth ?? 0) &&
          f.mouth <= (s.maxMouth ?? 1),
      );
    const matches = (list: Frame[], s: FrameSpec): boolean => {
      if (s.blinked) {
        const shut = list.findIndex((f) => f.blink > 0.9);
        return shut >= 0 && list.slice(shut).some((f) => f.blink < 0.1);
      }
      if (s.spoke) {
        const opened = list.findIndex((f) => f.mouth > 0.6);
        return opened >= 0 && list.slice(opened).some((f) => f.mouth < 0.05) && new Set(list.map((f) => f.viseme).filter(Boolean)).size >= 2;
      }
      return some(list, s);
    };
    w.untilFrames = (from, spec) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          document.removeEventListener('avatarframe', check);
          reject(new Error(`no frame matched ${JSON.stringify(spec)} in 20 s; last: ${JSON.stringify(frames.at(-1))}`));
        }, 20_000);
        function check(): void {
          if (!matches(frames.slice(from), spec)) return;
          clearTimeout(timer);
          document.removeEventListener('avatarframe', check);
          resolve();
        }
        document.addEventListener('avatarframe', check);
        check();
      });
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const { pathname } = new URL(route.request().url());
    served.push(pathname);
    if (pathname === '/') return route.fulfill({ contentType: 'text/html', body: PAGE });
    if (pathname === '/models/broken.vrm') {
      // A GLB cut off in the middle of its JSON chunk.
      return route.fulfill({ contentType: 'model/gltf-binary', body: readFileSync(FILES['/models/alisa-test.vrm']!.file).subarray(0, 900) });
    }
    const f = FILES[pathname];
    if (f) return route.fulfill({ contentType: f.type, body: readFileSync(f.file) });
    return route.fulfill({ status: 404, body: 'not found' });
  });
  await page.goto(`${ORIGIN}/`);
  // The page script ran by the load event (it sits at the end of the body).
  if (!(await page.evaluate(() => 'alisaAvatar' in window))) throw new Error('the page script did not start (no window.alisaAvatar)');
  return { page, violations, served };
}

export type Hook = {
  setSource(s: AvatarSource | null): Promise<void>;
  setEmotion(e: string): void;
  setSpeaking(b: boolean): void;
  setAudioLevel(l: number): void;
  react(k: string): void;
};

export async function choose(page: Page, source: AvatarSource): Promise<void> {
  await page.evaluate((s) => (window as unknown as { alisaAvatar: Hook }).alisaAvatar.setSource(s), source);
}

/** What a wait looks for: one frame with these values, a whole blink, or lip sync (open, shut, two visemes). */
export interface FrameSpec {
  lookingAtCursor?: boolean;
  emotion?: string;
  reaction?: string;
  minMouth?: number;
  maxMouth?: number;
  blinked?: boolean;
  spoke?: boolean;
}

/** Frames drawn so far (the index the next wait starts from). */
export async function frameCount(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { avatarFrames: unknown[] }).avatarFrames.length);
}

/** Waits until the frames drawn from index `from` on match `spec`. */
export async function untilFrames(page: Page, from: number, spec: FrameSpec): Promise<void> {
  await page.evaluate(([f, s]) => (window as unknown as { untilFrames(from: number, spec: FrameSpec): Promise<void> }).untilFrames(f, s), [
    from,
    spec,
  ] as const);
}

/** Calls `method` of the page's avatar hook, then waits for a frame drawn after it that matches `spec`. */
export async function afterFrame(page: Page, method: 'setEmotion' | 'setSpeaking' | 'react', arg: string | boolean, spec: FrameSpec): Promise<void> {
  const from = await frameCount(page);
  await page.evaluate(([m, a]) => (window as unknown as { alisaAvatar: Record<string, (x: unknown) => void> }).alisaAvatar[m]!(a), [method, arg] as const);
  await untilFrames(page, from, spec);
}
