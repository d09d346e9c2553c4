import { describe, expect, it } from 'vitest';
import { BlinkScheduler } from '../webview/avatar/blink-scheduler';
import { MouthAnimator, mouthForLevel, type MouthShape } from '../webview/avatar/mouth-animator';
import { animating, motionAttribute } from '../webview/avatar/motion-gate';
import { FakeTimers } from './helpers/fake-timers';

/** A deterministic "random" sequence (a small LCG). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32;
  };
}

const visible = { visible: true, reducedMotion: false };

function blinker(random: () => number, extra: { doubleBlinkChance?: number } = {}) {
  const timers = new FakeTimers();
  const log: Array<{ t: number; closed: boolean }> = [];
  const b = new BlinkScheduler({ timers, random, onBlink: (closed) => log.push({ t: timers.time, closed }), ...extra });
  return { timers, log, b };
}

describe('BlinkScheduler', () => {
  it('blinks at random intervals between 2 and 6 seconds', () => {
    const { timers, log, b } = blinker(seeded(7), { doubleBlinkChance: 0 });
    b.setConditions(visible);
    timers.advance(10 * 60_000);
    const closes = log.filter((e) => e.closed).map((e) => e.t);
    expect(closes.length).toBeGreaterThan(100);
    const gaps = closes.slice(1).map((t, i) => t - closes[i]!);
    for (const gap of gaps) {
      // From one closing to the next: the eyes' closed time plus the random pause.
      expect(gap).toBeGreaterThanOrEqual(2000 + 140);
      expect(gap).toBeLessThanOrEqual(6000 + 140);
    }
    // Irregular: the pauses are spread out, not one fixed value.
    expect(new Set(gaps.map((g) => Math.round(g / 500))).size).toBeGreaterThan(5);
    // Every blink opens the eyes again after a short moment.
    for (let i = 0; i < log.length; i += 2) {
      expect(log[i]!.closed).toBe(true);
      expect(log[i + 1]!.closed).toBe(false);
      expect(log[i + 1]!.t - log[i]!.t).toBe(140);
    }
  });

  it('uses the bounds exactly for the extreme random values', () => {
    expect(blinker(() => 0).b.nextInterval()).toBe(2000);
    expect(blinker(() => 0.999999).b.nextInterval()).toBeCloseTo(6000, 0);
  });

  it('sometimes blinks twice in a row', () => {
    const { timers, log, b } = blinker(seeded(3), { doubleBlinkChance: 0.5 });
    b.setConditions(visible);
    timers.advance(5 * 60_000);
    const closes = log.filter((e) => e.closed).map((e) => e.t);
    const gaps = closes.slice(1).map((t, i) => t - closes[i]!);
    expect(gaps.some((g) => g < 1000)).toBe(true); // a double blink
    expect(gaps.some((g) => g >= 2000)).toBe(true);
  });

  it('stops when the view is hidden and leaves the eyes open', () => {
    const { timers, log, b } = blinker(() => 0.5);
    b.setConditions(visible);
    timers.advance(4000); // 2000 + 0.5 * 4000 = 4000: the eyes just closed
    expect(log.at(-1)).toEqual({ t: 4000, closed: true });
    b.setConditions({ visible: false, reducedMotion: false });
    expect(log.at(-1)!.closed).toBe(false);
    expect(timers.pending).toBe(0);
    const count = log.length;
    timers.advance(60_000);
    expect(log).toHaveLength(count);
    b.setConditions(visible);
    timers.advance(60_000);
    expect(log.length).toBeGreaterThan(count);
  });

  it('never blinks with reduced motion', () => {
    const { timers, log, b } = blinker(Math.random);
    b.setConditions({ visible: true, reducedMotion: true });
    timers.advance(60_000);
    expect(log).toEqual([]);
    expect(timers.pending).toBe(0);
    expect(b.running).toBe(false);
  });
});

describe('MouthAnimator', () => {
  function mouth(random: () => number = seeded(1)) {
    const timers = new FakeTimers();
    const shapes: MouthShape[] = [];
    const m = new MouthAnimator({ timers, random, onShape: (s) => shapes.push(s) });
    return { timers, shapes, m };
  }

  it('maps audio levels to shapes', () => {
    expect([0, 0.05, 0.1, 0.35, 0.7, 1, 5, Number.NaN].map(mouthForLevel)).toEqual(['closed', 'closed', 'small', 'open', 'wide', 'wide', 'wide', 'closed']);
  });

  it('moves while reply text streams and closes when it ends', () => {
    const { timers, shapes, m } = mouth();
    m.setSpeaking(true);
    timers.advance(3000);
    expect(new Set(shapes).size).toBeGreaterThanOrEqual(3);
    m.setSpeaking(false);
    expect(m.current).toBe('closed');
    expect(timers.pending).toBe(0);
  });

  it('follows the audio level while it keeps coming, then falls back', () => {
    const { timers, m } = mouth();
    m.setAudioLevel(0.7);
    expect(m.current).toBe('wide');
    m.setAudioLevel(0.2);
    expect(m.current).toBe('small');
    timers.advance(1000);
    expect(m.current).toBe('closed');
  });

  it('does not flap with reduced motion or while hidden', () => {
    const { timers, shapes, m } = mouth();
    m.setConditions({ visible: true, reducedMotion: true });
    m.setSpeaking(true);
    timers.advance(3000);
    expect(shapes).toEqual(['small']);
    m.setConditions({ visible: false, reducedMotion: false });
    timers.advance(3000);
    expect(m.current).toBe('closed');
    expect(timers.pending).toBe(0);
  });

  it('names the motion state for the stylesheet', () => {
    expect(motionAttribute({ visible: true, reducedMotion: false })).toBe('full');
    expect(motionAttribute({ visible: false, reducedMotion: false })).toBe('paused');
    expect(motionAttribute({ visible: true, reducedMotion: true })).toBe('reduced');
    expect(animating({ visible: true, reducedMotion: true })).toBe(false);
  });
});
