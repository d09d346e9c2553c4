// @vitest-environment happy-dom
// The 2D avatars (issue 18): the SVG's idle motion measured against what a person can see at
// 180 px, its talking mouths per emotion, the error / fix reactions (and the panel triggering
// them from help offers and fixes), the sprite-set renderer's frame choice and its manifest's
// validation. Rendering in real Chromium (pixels, the stylesheet) is in avatar-2d-chromium.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import { readSpriteFolder } from '../companion/avatars/sprites';
import { EMOTIONS, type HelpOffer, type MemoryFact, SpriteManifest } from '../protocol';
import { AvatarView } from '../webview/avatar/avatar-view';
import { IDLE_FPS, MOTION, motionRangePx, REST_AFTER_MS } from '../webview/avatar/idle-motion';
import { REACTION_MS } from '../webview/avatar/reaction';
import { mouthFrameFor, parseSpriteManifest, SpriteAvatar, SpriteManifestError, spriteFrame } from '../webview/avatar/sprite-avatar';
import { FakeHost, READY_STATUS } from './helpers/fake-host';
import { mountAvatar, setReducedMotion } from './helpers/avatar-dom';
import { FakeTimers } from './helpers/fake-timers';
import { openPanel, settle } from './helpers/panel';

afterEach(() => {
  document.body.innerHTML = '';
  setReducedMotion(false);
});

/** The numbers in a CSS transform, by function: `rotate(2deg) translateY(-1%)` -> { rotate: 2, translateY: -1 }. */
function transformNumbers(css: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of css.matchAll(/(\w+)\(([^)]*)\)/g)) out[m[1]!] = m[2]!.split(',').map((v) => Number.parseFloat(v));
  return out;
}

const RAD = Math.PI / 180;
/** What a person sees at 180 px: a part whose end travels a few pixels over a cycle. The "static" SVG: 0.9 degrees, 0.8 % scale. */
const SIZE = 180;

describe('idle motion a person can see at 180 px', () => {
  it('reproduces the issue: the old amplitudes move the head top under 5 px and the breath under 2 px at 180 px', () => {
    // The transforms before issue 18 (git history of idle-motion.ts): rotate(+-0.9deg) on the
    // head about 3/4 of the box below its top; breath translateY(-0.45 %) scale(1.004, 1.008).
    const oldHeadTravel = 2 * 0.9 * RAD * 0.75 * SIZE;
    const oldBreathLift = (0.0045 + 0.008) * SIZE;
    expect(oldHeadTravel).toBeLessThan(5);
    expect(oldBreathLift).toBeLessThan(2.5);
    // The new ranges (the same geometry): several times that.
    const range = motionRangePx(SIZE);
    expect(range.head).toBeGreaterThan(3 * oldHeadTravel);
  });

  it('over a cycle the transforms it draws tilt the head 2-4 degrees, breathe the chest a few %, bob and lean by visible pixels', () => {
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers, random: () => 0.5, restAfterMs: 120_000 });
    const layer = (cls: string) => root.querySelector<HTMLElement>(`.${cls}`)!;
    const seen = { tilt: [] as number[], lift: [] as number[], chestX: [] as number[], chestY: [] as number[], lean: [] as number[], tail: [] as number[] };
    // 26 s: every cycle (breath 4.6 s, head 8 and 13 s, lean 11 s) has passed its extremes.
    for (let i = 0; i < IDLE_FPS * 26; i++) {
      timers.advance(1000 / IDLE_FPS);
      const head = transformNumbers(layer('av-l-head').style.transform);
      const body = transformNumbers(layer('av-l-body').style.transform);
      const lean = transformNumbers(layer('av-l-breath').style.transform);
      seen.tilt.push(head.rotate![0]!);
      seen.lift.push(head.translateY![0]!);
      seen.chestX.push(body.scale![0]!);
      seen.chestY.push(body.scale![1]!);
      seen.lean.push(lean.skewX![0]!);
      seen.tail.push(transformNumbers(layer('av-l-tail-l').style.transform).rotate![0]!);
      // The back hair moves with the face (a mismatch would show a seam at the top of the head).
      expect(layer('av-l-back').style.transform).toBe(layer('av-l-head').style.transform);
    }
    const span = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    // Head tilt: 2-4 degrees either side, calm (never beyond 4).
    expect(Math.max(...seen.tilt)).toBeGreaterThanOrEqual(2);
    expect(Math.min(...seen.tilt)).toBeLessThanOrEqual(-2);
    expect(Math.max(...seen.tilt.map(Math.abs))).toBeLessThanOrEqual(4);
    // On screen at 180 px: the head's top (3/4 of the box from its pivot) travels > 8 px.
    const headTravel = span(seen.tilt) * RAD * 0.75 * SIZE;
    expect(headTravel).toBeGreaterThan(8);
    // The breath: the chest widens 1.5-5 % and stretches up 2-5 %; the head bobs > 1.5 px.
    expect(span(seen.chestX)).toBeGreaterThanOrEqual(0.015);
    expect(span(seen.chestY)).toBeGreaterThanOrEqual(0.02);
    expect(Math.max(...seen.chestX, ...seen.chestY)).toBeLessThanOrEqual(1.05);
    const bobPx = (span(seen.lift) / 100) * SIZE;
    expect(bobPx).toBeGreaterThan(1.5);
    expect(bobPx).toBeLessThan(5);
    // The weight shift: the top of the figure moves > 4 px from side to side.
    const leanPx = (Math.tan(Math.max(...seen.lean) * RAD) - Math.tan(Math.min(...seen.lean) * RAD)) * SIZE;
    expect(leanPx).toBeGreaterThan(4);
    expect(span(seen.tail)).toBeGreaterThan(3);
    // The measured ranges match what the module states (motionRangePx: both head cycles at their
    // extremes at once, which 26 s need not reach).
    const stated = motionRangePx(SIZE);
    expect(headTravel).toBeGreaterThan(0.85 * stated.head);
    expect(headTravel).toBeLessThanOrEqual(stated.head + 1e-9);
    expect(bobPx).toBeCloseTo(stated.lift, 1);
    expect(MOTION.tilt + MOTION.tilt2).toBeLessThanOrEqual(4);
    view.dispose();
  });

  it('stays calm: no drawn step jumps more than 2 px at 180 px, speaking or not; frames stay under the cap', () => {
    for (const speaking of [false, true]) {
      const timers = new FakeTimers();
      const root = mountAvatar();
      const view = new AvatarView(root, { timers, random: () => 0.5, restAfterMs: 120_000 });
      view.setSpeaking(speaking);
      const layers = ['av-l-breath', 'av-l-body', 'av-l-head', 'av-l-tail-l'].map((c) => root.querySelector<HTMLElement>(`.${c}`)!);
      let last = layers.map((l) => transformNumbers(l.style.transform));
      let drawn = 0;
      let maxStep = 0;
      const ticks = IDLE_FPS * 60;
      for (let i = 0; i < ticks; i++) {
        timers.advance(1000 / IDLE_FPS);
        const now = layers.map((l) => transformNumbers(l.style.transform));
        if (JSON.stringify(now) === JSON.stringify(last)) continue;
        drawn++;
        // The head's top: its tilt (3/4 of the box from the pivot) plus its lift; the lean at the top of the box.
        const [lean0, , head0] = last;
        const [lean1, , head1] = now;
        const headPx =
          Math.abs(head1!.rotate![0]! - head0!.rotate![0]!) * RAD * 0.75 * SIZE + (Math.abs(head1!.translateY![0]! - head0!.translateY![0]!) / 100) * SIZE;
        const leanPx = Math.abs(Math.tan(lean1!.skewX![0]! * RAD) - Math.tan(lean0!.skewX![0]! * RAD)) * SIZE;
        maxStep = Math.max(maxStep, headPx + leanPx);
        last = now;
      }
      console.log(
        `avatar_idle_frames${speaking ? '_speaking' : ''}: ${(drawn / 60).toFixed(1)} drawn/s of ${IDLE_FPS} ticks/s, largest step ${maxStep.toFixed(2)} px at ${SIZE} px`,
      );
      expect(maxStep).toBeLessThan(2);
      expect(drawn).toBeLessThanOrEqual(ticks);
      view.dispose();
      document.body.innerHTML = '';
    }
  });

  it('still stops under reduced motion and rests after the quiet time', () => {
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers });
    timers.advance(REST_AFTER_MS + 1000);
    expect(root.dataset.resting).toBe('true');
    const still = root.querySelector<HTMLElement>('.av-l-head')!.style.transform;
    timers.advance(10_000);
    expect(root.querySelector<HTMLElement>('.av-l-head')!.style.transform).toBe(still);
    view.dispose();
    document.body.innerHTML = '';

    setReducedMotion(true);
    const reduced = mountAvatar();
    const view2 = new AvatarView(reduced, { timers });
    timers.advance(5000);
    for (const l of reduced.querySelectorAll<HTMLElement>('.av-l-breath, .av-l-body, .av-l-head, .av-l-back')) expect(l.style.transform).toBe('');
    view2.dispose();
  });
});

describe('talking mouths keep the emotion', () => {
  /** The talking mouth group an emotion shows (the stylesheet shows `[data-e~=emotion]` and, in it, `[data-mouth-shape=shape]`). */
  const talkGroup = (root: Element, emotion: string) =>
    [...root.querySelectorAll('.av-mouth-open > [data-e]')].filter((g) => g.getAttribute('data-e')!.split(' ').includes(emotion));

  it('every emotion has exactly one set of small, open and wide mouths', () => {
    const root = mountAvatar();
    for (const e of EMOTIONS) {
      const groups = talkGroup(root, e);
      expect(groups, e).toHaveLength(1);
      for (const shape of ['small', 'open', 'wide']) expect(groups[0]!.querySelectorAll(`[data-mouth-shape="${shape}"]`), `${e} ${shape}`).toHaveLength(1);
    }
    // No talking mouth outside a set: a shape without an emotion would show for every emotion.
    for (const shape of root.querySelectorAll('[data-mouth-shape]')) expect(shape.closest('.av-mouth-open > [data-e]')).not.toBeNull();
  });

  it('sad talking is a downturned mouth, not the round "o" that reads as surprise; happy talking smiles', () => {
    const root = mountAvatar();
    const shapeOf = (e: string, s: string) => talkGroup(root, e)[0]!.querySelector(`[data-mouth-shape="${s}"]`)!;
    const markup = (e: string, s: string) => shapeOf(e, s).outerHTML.replace(/data-\w+(-\w+)?="[^"]*"/g, '');
    for (const s of ['small', 'open', 'wide']) {
      expect(markup('sad', s), s).not.toBe(markup('neutral', s));
      expect(markup('happy', s), s).not.toBe(markup('neutral', s));
      // No ellipse (the round "o") in the sad mouths.
      expect(shapeOf('sad', s).localName === 'ellipse' || shapeOf('sad', s).querySelector('ellipse') !== null, s).toBe(false);
    }
    // Downturned: the sad open mouth's upper lip arches up (its control point above both corners).
    const d = (shapeOf('sad', 'open').querySelector('path') ?? shapeOf('sad', 'open')).getAttribute('d')!;
    const [, x0, y0, , cy, x1, y1] = /^M([\d.]+) ([\d.]+)Q([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(d)!.map(Number);
    expect(cy).toBeLessThan(Math.min(y0!, y1!) - 3);
    expect(x1! - x0!).toBeGreaterThan(8);
    // Smiling: the happy open mouth's lower edge dips far below its corners, its top is almost flat.
    const h = (shapeOf('happy', 'open').querySelector('path') ?? shapeOf('happy', 'open')).getAttribute('d')!;
    const [, , hy0, , hcy] = /^M([\d.]+) ([\d.]+)Q([\d.]+) ([\d.]+)/.exec(h)!.map(Number);
    expect(Math.abs(hcy! - hy0!)).toBeLessThan(3);
  });
});

describe('reactions', () => {
  it('react() shows the reaction for a moment, a newer one replaces it, and it wakes a resting avatar', () => {
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers });
    expect(root.dataset.react).toBe('none');
    // The art has an overlay for each reaction, hidden unless the root names it.
    expect(root.querySelector('.av-react[data-react="error"] path')).not.toBeNull();
    expect(root.querySelector('.av-react[data-react="fixed"] path')).not.toBeNull();
    timers.advance(REST_AFTER_MS + 1000);
    expect(root.dataset.resting).toBe('true');
    view.react('error');
    expect(root.dataset.react).toBe('error');
    expect(view.currentReaction).toBe('error');
    expect(root.dataset.resting).toBe('false');
    timers.advance(REACTION_MS.error - 100);
    view.react('fixed');
    expect(root.dataset.react).toBe('fixed');
    timers.advance(REACTION_MS.fixed - 1);
    expect(root.dataset.react).toBe('fixed');
    timers.advance(1);
    expect(root.dataset.react).toBe('none');
    expect(view.currentReaction).toBeNull();
    view.dispose();
  });

  it('under reduced motion the reaction is the expression alone (the same overlay, no motion)', () => {
    setReducedMotion(true);
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers });
    view.react('error');
    expect(root.dataset.motion).toBe('reduced');
    expect(root.dataset.react).toBe('error');
    // The stylesheet animates only [data-motion='full'] (checked in pixels in avatar-2d-chromium.test.ts).
    const css = readFileSync(path.join(__dirname, '..', 'webview', 'styles', 'avatar.css'), 'utf8');
    for (const rule of css.matchAll(/([^{}]+)\{[^}]*animation:\s*av-(flinch|bounce)/g)) expect(rule[1]).toContain("[data-motion='full']");
    timers.advance(REACTION_MS.error);
    expect(root.dataset.react).toBe('none');
    view.dispose();
  });
});

describe('the panel reacts to help offers and fixes', () => {
  const offer: HelpOffer = {
    type: 'help.offer',
    offerId: 'o1',
    text: 'That type error again?',
    emotion: 'serious',
    target: { kind: 'diagnostic', path: 'src/a.ts', range: null, message: "Type 'string' is not assignable to type 'number'.", code: '2322' },
  };
  const fixFact: MemoryFact = {
    id: 5,
    text: 'A fix that worked: adding a cast in src/a.ts.',
    scope: 'workspace',
    workspace: 'w1',
    workspaceName: 'w',
    source: 'fix',
    sourceMessageId: null,
    confidence: 1,
    pinned: false,
    createdAt: 1,
    updatedAt: 1,
    lastUsedAt: null,
  };
  const panelHost = () => new FakeHost('vscode', { answers: { 'status.get': () => READY_STATUS } });
  const avatar = () => document.querySelector<HTMLElement>('#avatar [data-react], #avatar[data-react]')!;

  it('an offer startles her; its error going away (retracted as resolved) pleases her; a replaced offer does nothing', async () => {
    const host = panelHost();
    const app = await openPanel(host);
    expect(avatar().dataset.react).toBe('none');
    host.emit(offer);
    expect(avatar().dataset.react).toBe('error');
    host.emit({ type: 'help.retract', offerId: 'o1', reason: 'resolved' });
    expect(avatar().dataset.react).toBe('fixed');
    host.emit({ ...offer, offerId: 'o2' });
    expect(avatar().dataset.react).toBe('error');
    host.emit({ type: 'help.retract', offerId: 'o2', reason: 'replaced' });
    expect(avatar().dataset.react).toBe('error');
    // A retraction of an offer this panel never showed is not her problem.
    host.emit({ type: 'help.retract', offerId: 'elsewhere', reason: 'resolved' });
    expect(avatar().dataset.react).toBe('error');
    app.avatar.dispose();
  });

  it('after "Fix", the fix being recorded (it worked) pleases her; a fix memory edited by hand does not', async () => {
    const host = panelHost();
    const app = await openPanel(host);
    host.emit({ type: 'memory.changed', fact: fixFact });
    expect(avatar().dataset.react).toBe('none');
    host.emit(offer);
    document.querySelector<HTMLButtonElement>('.help-offer [data-choice="fix"]')!.click();
    await settle();
    expect(host.sent.some((m) => m.type === 'ui.fix')).toBe(true);
    host.emit({ type: 'memory.changed', fact: fixFact });
    expect(avatar().dataset.react).toBe('fixed');
    app.avatar.dispose();
  });
});

// ---------------------------------------------------------------- sprite sets

const manifest = (over: Partial<SpriteManifest> = {}): SpriteManifest =>
  SpriteManifest.parse({
    format: 'alisa-sprites',
    version: 1,
    width: 256,
    height: 256,
    emotions: {
      neutral: { base: 'neutral.png', blink: 'neutral-blink.png' },
      happy: { base: 'happy.png', mouth: ['happy-mouth-1.png', 'happy-mouth-2.png'] },
      sad: { base: 'sad.png' },
    },
    blink: 'blink.png',
    mouth: ['mouth-1.png', 'mouth-2.png', 'mouth-3.png'],
    ...over,
  });

describe('sprite renderer', () => {
  it('picks the emotion frame, falls back to neutral, and lays its own or the set-wide blink and mouth over it', () => {
    const m = manifest();
    expect(spriteFrame(m, 'happy', false, 'closed')).toEqual({ base: 'happy.png', blink: null, mouth: null });
    // No frame of its own: neutral's picture, and neutral's own blink.
    expect(spriteFrame(m, 'teasing', true, 'closed')).toEqual({ base: 'neutral.png', blink: 'neutral-blink.png', mouth: null });
    // Its own picture but no blink or mouth of its own: the set-wide ones.
    expect(spriteFrame(m, 'sad', true, 'wide')).toEqual({ base: 'sad.png', blink: 'blink.png', mouth: 'mouth-3.png' });
    expect(spriteFrame(m, 'happy', true, 'small')).toEqual({ base: 'happy.png', blink: 'blink.png', mouth: 'happy-mouth-1.png' });
    expect(spriteFrame(m, 'happy', false, 'wide').mouth).toBe('happy-mouth-2.png');
    // Mouth frames from least to most open, spread over small / open / wide.
    expect(['small', 'open', 'wide'].map((s) => mouthFrameFor(['a.png'], s as 'small'))).toEqual(['a.png', 'a.png', 'a.png']);
    expect(['small', 'open', 'wide'].map((s) => mouthFrameFor(['a.png', 'b.png'], s as 'small'))).toEqual(['a.png', 'b.png', 'b.png']);
    expect(['small', 'open', 'wide'].map((s) => mouthFrameFor(['a.png', 'b.png', 'c.png'], s as 'small'))).toEqual(['a.png', 'b.png', 'c.png']);
    expect(mouthFrameFor([], 'wide')).toBeNull();
  });

  it('shows exactly the chosen frames, blinks and talks with the shared schedulers, reacts, and stops under reduced motion', () => {
    const timers = new FakeTimers();
    const root = document.createElement('div');
    document.body.append(root);
    const view = new SpriteAvatar(root, manifest(), 'http://alisa.test/avatars/s1/sprites.json?token=abc', { timers, random: () => 0.5, name: 'Mika' });
    const visible = () =>
      [...root.querySelectorAll<HTMLImageElement>('img.av-sprite')].filter((i) => !i.hidden).map((i) => new URL(i.src).pathname.split('/').pop());
    // Every frame resolves beside the manifest, with its query (the browser's token).
    for (const img of root.querySelectorAll<HTMLImageElement>('img.av-sprite'))
      expect(img.src).toMatch(/^http:\/\/alisa\.test\/avatars\/s1\/[\w-]+\.png\?token=abc$/);
    expect(visible()).toEqual(['neutral.png']);
    expect(root.getAttribute('aria-label')).toBe('Mika looks neutral');
    view.setEmotion('shy'); // no frame: neutral
    expect(visible()).toEqual(['neutral.png']);
    view.setEmotion('sad');
    expect(visible()).toEqual(['sad.png']);
    // A blink comes within the scheduler's 2-6 s and lays the blink frame over the base.
    let blinked = false;
    for (let i = 0; i < 70 && !blinked; i++) {
      timers.advance(100);
      blinked = root.dataset.blinking === 'true';
    }
    expect(blinked).toBe(true);
    expect(visible()).toEqual(['sad.png', 'blink.png']);
    timers.advance(500);
    expect(visible()).toEqual(['sad.png']);
    view.setAudioLevel(0.9);
    expect(visible()).toEqual(['sad.png', 'mouth-3.png']);
    view.setAudioLevel(0.2);
    expect(visible()).toEqual(['sad.png', 'mouth-1.png']);
    timers.advance(1000); // the voice stopped
    expect(visible()).toEqual(['sad.png']);
    view.react('fixed');
    expect(root.dataset.react).toBe('fixed');
    expect(root.querySelector('.av-sprite-fx .av-react[data-react="fixed"] path')).not.toBeNull();
    timers.advance(REACTION_MS.fixed);
    expect(root.dataset.react).toBe('none');
    view.dispose();
    expect(root.querySelector('img')).toBeNull();

    setReducedMotion(true);
    const still = document.createElement('div');
    document.body.append(still);
    const reduced = new SpriteAvatar(still, manifest(), 'http://alisa.test/s/sprites.json', { timers });
    const delays = timers.delays.length;
    timers.advance(20_000);
    expect(still.dataset.motion).toBe('reduced');
    expect(still.dataset.blinking).toBe('false');
    expect(timers.delays.length).toBe(delays); // no blink scheduled at all
    reduced.setSpeaking(true);
    expect(still.dataset.mouth).toBe('small'); // a still, slightly open mouth says "speaking"
    reduced.dispose();
  });

  it('a set without blink frames runs no blink timer', () => {
    const timers = new FakeTimers();
    const root = document.createElement('div');
    const view = new SpriteAvatar(
      root,
      SpriteManifest.parse({ format: 'alisa-sprites', version: 1, width: 8, height: 8, emotions: { neutral: { base: 'n.png' } } }),
      'http://x.test/a/sprites.json',
      {
        timers,
      },
    );
    timers.advance(30_000);
    expect(timers.delays).toEqual([]);
    view.dispose();
  });

  it('reads what the import writes: a folder read by the avatar store gives a manifest that passes the schema', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alisa-sprites-'));
    try {
      const frame = () => {
        const p = new PNG({ width: 16, height: 16 });
        p.data.fill(200);
        return PNG.sync.write(p);
      };
      for (const f of ['neutral.png', 'happy.png', 'blink.png', 'happy-blink.png', 'mouth-1.png', 'mouth-2.png', 'sad-mouth-1.png', 'sad.png'])
        writeFileSync(path.join(dir, f), frame());
      const { set } = readSpriteFolder(dir, 10_000_000);
      const m = parseSpriteManifest(JSON.parse(JSON.stringify(set)));
      expect(spriteFrame(m, 'happy', true, 'wide')).toEqual({ base: 'happy.png', blink: 'happy-blink.png', mouth: 'mouth-2.png' });
      expect(spriteFrame(m, 'sad', true, 'open')).toEqual({ base: 'sad.png', blink: 'blink.png', mouth: 'sad-mouth-1.png' });
      expect(spriteFrame(m, 'calm', false, 'closed')).toEqual({ base: 'neutral.png', blink: null, mouth: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a manifest that is not a sprite set, saying which field is wrong', () => {
    const good = {
      format: 'alisa-sprites',
      version: 1,
      width: 64,
      height: 64,
      emotions: { neutral: { base: 'neutral.png' } },
    };
    expect(parseSpriteManifest(good).emotions.neutral.base).toBe('neutral.png');
    const bad: Array<[unknown, RegExp]> = [
      [{ ...good, emotions: { happy: { base: 'happy.png' } } }, /emotions\.neutral/],
      [{ ...good, emotions: { neutral: { base: '../secret.png' } } }, /emotions\.neutral\.base: a frame must be a PNG file name/],
      [{ ...good, emotions: { neutral: { base: 'http://evil.test/x.png' } } }, /emotions\.neutral\.base/],
      [{ ...good, emotions: { neutral: { base: '/etc/x.png' } } }, /emotions\.neutral\.base/],
      [{ ...good, emotions: { neutral: { base: 'neutral.jpg' } } }, /emotions\.neutral\.base/],
      [{ ...good, emotions: { neutral: { base: 'neutral.png' }, angry: { base: 'a.png' } } }, /emotions.*angry/],
      [{ ...good, width: 10_000 }, /width/],
      [{ ...good, mouth: [] }, /mouth/],
      [{ ...good, format: 'other' }, /format/],
      ['not json object', /the manifest/],
    ];
    for (const [json, message] of bad) {
      expect(() => parseSpriteManifest(json), JSON.stringify(json)).toThrow(SpriteManifestError);
      expect(() => parseSpriteManifest(json), JSON.stringify(json)).toThrow(message);
    }
  });
});
