// @vitest-environment happy-dom
// Idle motion on the real art: split into stacked layers that keep every part of the drawing in
// order, moved by transforms a few times a second along eased keyframe swings, settling
// after a quiet while and resuming where it stopped on any activity.
import { afterEach, describe, expect, it } from 'vitest';
import { AvatarView } from '../webview/avatar/avatar-view';
import { easeInOut, IDLE_FPS, idlePose, idleValues, MIN_STEP_PX, REST_AFTER_MS, splitAvatarLayers, stepPx, swing } from '../webview/avatar/idle-motion';
import { AVATAR_ART as ART, mountAvatar, setReducedMotion } from './helpers/avatar-dom';
import { FakeTimers } from './helpers/fake-timers';

/** Every drawn shape of the art, in document order, as markup. */
function shapes(root: Element): string[] {
  return [...root.querySelectorAll('path, ellipse, circle')].map((e) => e.outerHTML);
}

afterEach(() => {
  document.body.innerHTML = '';
  setReducedMotion(false);
});

describe('idle motion', () => {
  it('follows the keyframes: rest at 0 % and 100 %, the far point at 50 %, ease-in-out between', () => {
    expect(easeInOut(0)).toBe(0);
    expect(easeInOut(1)).toBe(1);
    expect(easeInOut(0.5)).toBeCloseTo(0.5, 5);
    // cubic-bezier(0.42, 0, 0.58, 1) is slow at both ends.
    expect(easeInOut(0.1)).toBeLessThan(0.05);
    expect(easeInOut(0.9)).toBeGreaterThan(0.95);
    expect(swing(0)).toBe(0);
    expect(swing(0.5)).toBe(1);
    expect(swing(0.25)).toBeCloseTo(0.5, 5);
    // At rest: no lean, no breath, the head at the far end of its main tilt (the slow second cycle at its other end).
    const rest = idlePose(0, 0);
    expect(rest.breath).toBe('skewX(0.0000deg)');
    expect(rest.body).toBe('scale(1.0000, 1.0000)');
    expect(rest.head).toBe('translateY(0.0000%) rotate(-1.4000deg)');
    expect(rest.back).toBe(rest.head);
    expect(rest.tailL).toBe('rotate(-2.0000deg)');
    // Half-way through the breath (2.3 s): the chest 2 % wider and 3.5 % taller, the head lifted 3.5 % of the 66-unit neck.
    expect(idlePose(2.3, 0).body).toBe('scale(1.0200, 1.0350)');
    expect(idlePose(2.3, 0).head).toMatch(/^translateY\(-1\.1550%\) /);
    // The lean's far point (a quarter in at 0 s, half-way at 2.75 s): 1 degree.
    expect(idlePose(2.75, 0).breath).toBe('skewX(1.0000deg)');
    // Both head cycles at their far point: 2.2 + 0.8 = 3 degrees.
    expect(idlePose(0, 0.5).head).toBe('translateY(0.0000%) rotate(3.0000deg)');
    expect(idlePose(2.7, 0).tailL).toBe('rotate(2.4000deg)');
    // The right tail: the same swing reversed, 2.1 s ahead (at 0.6 s it is at its far point).
    expect(idlePose(0.6, 0).tailR).toBe('rotate(2.4000deg)');
  });

  it('splits the art into stacked layers without losing or reordering a shape', () => {
    const root = mountAvatar();
    const before = shapes(root);
    const layers = splitAvatarLayers(root)!;
    expect(layers).not.toBeNull();
    expect(shapes(root)).toEqual(before);
    // Back to front: tails, back hair, body, head; the shared gradients stay in the first svg.
    expect(layers.back.contains(layers.tailL) && layers.back.contains(layers.tailR)).toBe(true);
    expect(layers.breath.contains(layers.back) && layers.breath.contains(layers.head)).toBe(true);
    expect(root.querySelector('svg.av-defs defs linearGradient#al-hair')).not.toBeNull();
    expect(layers.head.querySelector('.av-eyes-open')).not.toBeNull();
    expect(layers.tailL.querySelector('path')?.getAttribute('fill')).toBe('url(#al-tail)');
    for (const svg of root.querySelectorAll('svg')) expect(svg.getAttribute('viewBox')).toBe('0 0 200 200');
    expect(root.querySelectorAll('[id]')).toHaveLength(new DOMParser().parseFromString(ART, 'image/svg+xml').querySelectorAll('[id]').length);
  });

  it(`moves ${IDLE_FPS} times a second, settles after a quiet while and goes on from there on activity`, () => {
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers, random: () => 0.5 });
    const head = root.querySelector<HTMLElement>('.av-l-head')!;
    const layers = [...root.querySelectorAll<HTMLElement>('.av-l-breath, .av-l-body, .av-l-back, .av-l-head, .av-l-tail-l, .av-l-tail-r')];
    const frames: string[] = [];
    for (let i = 0; i < IDLE_FPS * 3; i++) {
      timers.advance(1000 / IDLE_FPS);
      const pose = layers.map((l) => l.style.transform).join(' | ');
      if (pose !== frames.at(-1)) frames.push(pose);
    }
    // It ticks every frame and moves: most ticks draw a new pose (only the slow turns of the
    // swings are skipped, until a part has moved far enough to see).
    const frameDelays = timers.delays.filter((d) => d === 1000 / IDLE_FPS).length;
    expect(frameDelays).toBeGreaterThanOrEqual(IDLE_FPS * 3);
    expect(frames.length).toBeGreaterThan(IDLE_FPS * 3 * 0.5);
    expect(frames.length).toBeLessThanOrEqual(IDLE_FPS * 3);
    expect(root.dataset.resting).toBe('false');

    timers.advance(REST_AFTER_MS);
    expect(root.dataset.resting).toBe('true');
    const still = head.style.transform;
    const delays = timers.delays.length;
    timers.advance(60_000);
    expect(head.style.transform).toBe(still);
    // While she rests only blinks are scheduled, far apart.
    expect(timers.delays.slice(delays).filter((d) => d === 1000 / IDLE_FPS)).toHaveLength(0);

    window.dispatchEvent(new Event('pointermove'));
    expect(root.dataset.resting).toBe('false');
    expect(head.style.transform).toBe(still);
    timers.advance(1000 / IDLE_FPS);
    expect(head.style.transform).not.toBe(still);

    // A change of mood wakes her too.
    timers.advance(REST_AFTER_MS + 1000);
    expect(root.dataset.resting).toBe('true');
    view.setEmotion('happy');
    expect(root.dataset.resting).toBe('false');
    view.dispose();
  });

  it(`draws a tick only when some part has moved at least ${MIN_STEP_PX} px since the last frame`, () => {
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers, random: () => 0.5 });
    const layers = [...root.querySelectorAll<HTMLElement>('.av-l-breath, .av-l-body, .av-l-back, .av-l-head, .av-l-tail-l, .av-l-tail-r')];
    let drawn = 0;
    let skipped = 0;
    let last = layers.map((l) => l.style.transform).join('|');
    let lastPose = idleValues(0, 0);
    for (let i = 1; i <= IDLE_FPS * 20; i++) {
      timers.advance(1000 / IDLE_FPS);
      const now = layers.map((l) => l.style.transform).join('|');
      if (now === last) {
        skipped++;
        continue;
      }
      drawn++;
      // Each drawn step is one that can be seen (the art is 180 px here, the default size).
      const pose = idleValues(i / IDLE_FPS, i / IDLE_FPS / 8);
      expect(stepPx(lastPose, pose, 180)).toBeGreaterThanOrEqual(MIN_STEP_PX);
      lastPose = pose;
      last = now;
    }
    // Over 20 s both happen: the turns of the swings are skipped, the rest is drawn.
    expect(skipped).toBeGreaterThan(0);
    expect(drawn).toBeGreaterThan(skipped);
    // A step measures the part that moved most: a head tilt of 1 degree moves its top 0.75 x 180 x pi/180 px.
    const still = idleValues(0, 0);
    expect(stepPx(still, { ...still, head: still.head + 1 }, 180)).toBeCloseTo(0.75 * 180 * (Math.PI / 180), 6);
    expect(stepPx(still, still, 180)).toBe(0);
    view.dispose();
  });

  it('stands still with reduced motion', () => {
    setReducedMotion(true);
    const timers = new FakeTimers();
    const root = mountAvatar();
    const view = new AvatarView(root, { timers });
    timers.advance(5000);
    expect(root.dataset.motion).toBe('reduced');
    for (const layer of root.querySelectorAll<HTMLElement>('.av-l-breath, .av-l-body, .av-l-back, .av-l-head, .av-l-tail-l, .av-l-tail-r'))
      expect(layer.style.transform).toBe('');
    expect(timers.delays.filter((d) => d === 1000 / IDLE_FPS)).toHaveLength(0);
    view.dispose();
  });
});
