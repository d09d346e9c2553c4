// The idle policy as tables: silence bands, the multipliers, cooldowns and the vetoes, with a
// fake clock and a seeded random source.
import { describe, expect, it } from 'vitest';
import { IdlePolicy, type IdleInputs, type PresenceState } from '../companion/idle/idle-policy';
import { seededRandom } from './helpers/seeded-random';
import { fallbackUtterance, shapeUtterance } from '../companion/idle/utterance';
import type { Mode } from '../protocol';

const S = 1000;
const HOUR = 3600 * S;
const NOON = 100 * 24 * HOUR + 12 * HOUR;
const hourOf = (at: number) => Math.floor(at / HOUR) % 24;

const base: IdleInputs = { presence: null, mode: 'serious', streaming: false, quietHour: false, doNotDisturb: false, chattiness: 1 };

/** A policy whose clock is `clock.t`; `chats` user chats at the start (silence counts from the last). */
function make(chats = 3, opts: { random?: () => number; start?: number } = {}) {
  const clock = { t: opts.start ?? NOON };
  const policy = new IdlePolicy({ now: () => clock.t, hourOf, random: opts.random ?? seededRandom(1) });
  for (let i = 0; i < chats; i++) policy.chat(true, clock.t);
  return { policy, clock };
}

describe('idle policy: silence bands', () => {
  // mode serious (x0.6), no presence, noon: chance = base x 0.6
  it.each([
    ['60 s: never', 60, 3, 0],
    ['119 s: never', 119, 3, 0],
    ['120 s, 3 chats: 8 %', 120, 3, 0.08],
    ['299 s, 3 chats: 8 %', 299, 3, 0.08],
    ['300 s, 3 chats: 15 %', 300, 3, 0.15],
    ['600 s: 25 %', 600, 3, 0.25],
    ['1799 s: 25 %', 1799, 3, 0.25],
    ['1800 s: 40 %', 1800, 3, 0.4],
    ['5 h: 40 %', 5 * 3600, 3, 0.4],
    ['200 s, 2 chats: short band needs 3', 200, 2, 0],
    ['400 s, 0 chats: medium band needs 3', 400, 0, 0],
    ['700 s, 0 chats: long bands always', 700, 0, 0.25],
  ])('%s', (_name, silenceS, chats, expected) => {
    const { policy, clock } = make(chats);
    clock.t += silenceS * S;
    expect(policy.chance(base)).toBeCloseTo(expected * 0.6, 10);
  });

  it('counts silence from her own last utterance too, and before any chat from the start', () => {
    const { policy, clock } = make(0);
    clock.t += 700 * S;
    expect(policy.silenceMs()).toBe(700 * S);
    policy.spoke('idle');
    expect(policy.silenceMs()).toBe(0);
    expect(policy.chance(base)).toBe(0);
  });
});

describe('idle policy: multipliers', () => {
  const at1800 = (inputs: Partial<IdleInputs>, hourShift = 0, extraChats: number[] = []) => {
    const { policy, clock } = make(3, { start: NOON + hourShift * HOUR - 1800 * S });
    clock.t += 1800 * S;
    for (const ago of extraChats) policy.chat(true, clock.t - ago * S);
    return policy.chance({ ...base, mode: 'teasing', ...inputs }, clock.t);
  };
  it.each<[string, PresenceState | null, number]>([
    ['no presence known', null, 1],
    ['present', 'present', 1],
    ['absent x0.3', 'absent', 0.3],
    ['distracted x1.2', 'distracted', 1.2],
    ['present and focused x0.7', 'focused', 0.7],
  ])('presence: %s', (_n, presence, f) => {
    expect(at1800({ presence })).toBeCloseTo(0.4 * 1.2 * f, 10);
  });

  it.each<[Mode, number]>([
    ['serious', 0.6],
    ['teasing', 1.2],
    ['calm', 0.8],
  ])('mode %s x%d', (mode, f) => {
    expect(at1800({ mode })).toBeCloseTo(0.4 * f, 10);
  });

  it('reads the mode live: a changed mode changes the next check', () => {
    const { policy, clock } = make(3);
    clock.t += 1800 * S;
    const state = { mode: 'teasing' as Mode };
    const inputs = () => ({ ...base, mode: state.mode });
    const before = policy.chance(inputs());
    state.mode = 'serious';
    expect(policy.chance(inputs())).toBeCloseTo(before * 0.5, 10);
  });

  it.each([
    ['03:00 x0.2', -9, 0.2],
    ['00:00 x0.2', -12, 0.2],
    ['06:00 x0.7', -6, 0.7],
    ['08:00 x0.7', -4, 0.7],
    ['09:00 x1', -3, 1],
    ['21:00 x1', 9, 1],
    ['22:00 x0.5', 10, 0.5],
    ['23:00 x0.5', 11, 0.5],
  ])('hour %s', (_n, shift, f) => {
    expect(at1800({}, shift)).toBeCloseTo(0.4 * 1.2 * f, 10);
  });

  it.each([
    ['8 chats in the last 10 min (0.8/min) x1', 8, 1],
    ['15 chats (1.5/min) x0.85', 15, 0.85],
    ['25 chats (2.5/min) x0.7', 25, 0.7],
  ])('the conversation rate: %s', (_n, count, f) => {
    const { policy, clock } = make(0);
    for (let i = 0; i < count; i++) policy.chat(true, clock.t - i * 10 * S);
    clock.t += 130 * S;
    expect(policy.chatsPerMinute()).toBeCloseTo(count / 10, 10);
    expect(policy.chance(base)).toBeCloseTo(0.08 * 0.6 * f, 10);
  });

  it.each([
    ['0: never', 0, 0],
    ['0.5: half', 0.5, 0.5],
    ['1: the seed', 1, 1],
    ['2: twice', 2, 2],
  ])('the user setting chattiness %s', (_n, c, f) => {
    expect(at1800({ chattiness: c, mode: 'serious' })).toBeCloseTo(Math.min(1, 0.4 * 0.6 * f), 10);
  });

  it('caps the chance at 1', () => {
    const { policy, clock } = make(3);
    clock.t += 1800 * S;
    const p = new IdlePolicy({ now: () => clock.t, hourOf, chanceOverride: 1 });
    expect(p.chance({ ...base, mode: 'teasing', presence: 'distracted', chattiness: 2 }, clock.t + 1800 * S)).toBe(1);
    expect(policy.chance({ ...base, mode: 'teasing', presence: 'distracted', chattiness: 2 })).toBeCloseTo(Math.min(1, 0.4 * 1.2 * 1.2 * 2), 10);
  });
});

describe('idle policy: decisions, vetoes and cooldowns', () => {
  const always = () => 0; // every roll succeeds

  it.each<[string, Partial<IdleInputs>, string]>([
    ['Do not disturb', { doNotDisturb: true }, 'do not disturb'],
    ['chattiness 0', { chattiness: 0 }, 'never (chattiness 0)'],
    ['a reply streaming', { streaming: true }, 'streaming'],
    ['a learned quiet hour', { quietHour: true }, 'quiet hour'],
  ])('never with %s', (_n, inputs, reason) => {
    const { policy, clock } = make(3, { random: always });
    clock.t += 3600 * S;
    const d = policy.check({ ...base, ...inputs });
    expect(d).toMatchObject({ speak: null, quietReason: reason });
  });

  it('never while the user types (for 2.5 s after the last keystroke)', () => {
    const { policy, clock } = make(3, { random: always });
    clock.t += 3600 * S;
    policy.typing(clock.t - 1000);
    expect(policy.check(base)).toMatchObject({ speak: null, quietReason: 'typing' });
    clock.t += 2000;
    expect(policy.check(base).speak).toBe('idle');
  });

  it('only right after a real change of task, not on every observation', () => {
    const { policy, clock } = make(3, { random: always });
    clock.t += 3600 * S;
    policy.taskSwitched(clock.t - 30 * S);
    expect(policy.check(base).quietReason).toBe('just switched tasks');
    clock.t += 31 * S;
    expect(policy.check(base).speak).toBe('idle');
  });

  it('keeps 90 s between utterances', () => {
    const { policy, clock } = make(3, { random: always });
    clock.t += 3600 * S;
    expect(policy.check(base).speak).toBe('idle');
    policy.spoke('idle');
    // Her utterance restarts the silence; with 3 chats the short band opens at 120 s (> 90 s).
    clock.t += 89 * S;
    expect(policy.check(base).speak).toBeNull();
    clock.t += 31 * S;
    expect(policy.check(base).speak).toBe('idle');
  });

  it('rolls the dice with the seeded source: about the band chance over many checks', () => {
    const { policy, clock } = make(3, { random: seededRandom(42) });
    clock.t += 1800 * S;
    let spoke = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) if (policy.check(base).speak) spoke++;
    expect(spoke / n).toBeGreaterThan(0.4 * 0.6 - 0.03);
    expect(spoke / n).toBeLessThan(0.4 * 0.6 + 0.03);
  });

  it('the same seed gives the same decisions', () => {
    const run = () => {
      const { policy, clock } = make(3, { random: seededRandom(7) });
      const out: boolean[] = [];
      for (let i = 0; i < 60; i++) {
        clock.t += 30 * S;
        const d = policy.check(base);
        out.push(d.speak !== null);
        if (d.speak) policy.spoke(d.speak);
      }
      return out;
    };
    expect(run()).toEqual(run());
    expect(run().filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe('idle policy: presence reactions', () => {
  const never = () => 0.999; // idle talk never rolls

  it.each<[string, PresenceState, PresenceState, string | null]>([
    ['welcome back: absent -> present', 'absent', 'present', 'welcome_back'],
    ['welcome back: absent -> focused', 'absent', 'focused', 'welcome_back'],
    ['leaving: present -> absent', 'present', 'absent', 'leaving'],
    ['leaving: focused -> absent', 'focused', 'absent', 'leaving'],
    ['drifting: focused -> distracted', 'focused', 'distracted', 'drifting'],
    ['no reaction: present -> focused', 'present', 'focused', null],
    ['no reaction: distracted -> present', 'distracted', 'present', null],
  ])('%s', (_n, from, to, kind) => {
    const { policy, clock } = make(0, { random: never });
    policy.observePresence(from);
    clock.t += 5 * S;
    policy.observePresence(to);
    expect(policy.check({ ...base, presence: to }).speak).toBe(kind);
  });

  it('welcome back at most once per 30 s; leaving once per 60 s; and at most once per transition', () => {
    const { policy, clock } = make(0, { random: never });
    policy.observePresence('absent');
    policy.observePresence('present');
    expect(policy.check(base).speak).toBe('welcome_back');
    policy.spoke('welcome_back');
    expect(policy.check(base).speak).toBeNull(); // answered once
    clock.t += 95 * S; // past the 90 s gap
    policy.observePresence('absent');
    expect(policy.check(base).speak).toBe('leaving');
    policy.spoke('leaving');
    clock.t += 91 * S;
    policy.observePresence('present');
    expect(policy.check(base).speak).toBe('welcome_back');
  });

  it('a reaction waits out a veto within its cooldown, then lapses', () => {
    const { policy, clock } = make(0, { random: never });
    policy.observePresence('absent');
    policy.observePresence('present');
    expect(policy.check({ ...base, streaming: true }).speak).toBeNull();
    clock.t += 10 * S;
    expect(policy.check(base).speak).toBe('welcome_back');
    policy.observePresence('absent');
    expect(policy.check({ ...base, doNotDisturb: true }).speak).toBeNull();
    clock.t += 61 * S;
    expect(policy.check(base).speak).toBeNull();
  });

  it('scales every duration for tests', () => {
    const clock = { t: NOON };
    const policy = new IdlePolicy({ now: () => clock.t, hourOf, timeScale: 0.01, chanceOverride: 1, random: () => 0.5 });
    expect(policy.checkMs).toBe(300);
    clock.t += 5 * S;
    expect(policy.check(base).speak).toBeNull(); // 5 s < 600 s x 0.01
    clock.t += 1.1 * S;
    expect(policy.check(base).speak).toBe('idle');
  });
});

describe('utterance shaping', () => {
  it.each([
    ['<emotion=happy>Hello there. You work hard. I like that. Really.', 'Hello there. You work hard.'],
    ['It is quiet. Do you want tea? I could make some.', 'It is quiet.'],
    ['What are you doing? Nothing.', ''],
    ['  Once upon a time there was a cat', 'Once upon a time there was a cat.'],
    ['...', ''],
  ])('%j -> %j', (raw, shaped) => {
    expect(shapeUtterance(raw)).toBe(shaped);
    expect(shapeUtterance(raw)).not.toContain('?');
  });

  it('falls back to a line of hers without a question', () => {
    for (const kind of ['idle', 'welcome_back', 'leaving', 'drifting'] as const) {
      for (const mode of ['teasing', 'serious', 'calm'] as const) {
        const line = fallbackUtterance(kind, mode);
        expect(line.length).toBeGreaterThan(5);
        expect(line).not.toContain('?');
      }
    }
  });
});
