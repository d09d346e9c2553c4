// Task memory: a recorded week of synthetic events teaches the expected busy and quiet hours
// (never the same hour both), habits and session length; the tables stay bounded; clearing
// forgets; declined offers keep later offers (and idle talk) away in that hour.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatService } from '../companion/chat/chat-service';
import { ContextStore } from '../companion/context/context-store';
import { HelpService } from '../companion/help/help-service';
import { IdleService } from '../companion/idle/idle-service';
import { MemoryStore, RHYTHM_MAX_COUNT, RHYTHM_MAX_SEQUENCES, RHYTHM_MAX_SESSIONS } from '../companion/memory';
import { buildPrompt } from '../companion/persona';
import { AwareContextStore, busyHoursOf, derivePatterns, quietHoursOf, RhythmService } from '../companion/rhythm';
import { NOTHING_LEARNED } from './helpers/ext-rhythm';
import { seededRandom } from './helpers/seeded-random';
import { CompanionState } from '../companion/state';
import type { CompanionEvent, ContextUpdate } from '../protocol';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const hourOf = (at: number) => Math.floor(at / HOUR) % 24;

let dir: string;
let store: MemoryStore;
let t: number;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-rhythm-'));
  store = MemoryStore.open(path.join(dir, 'm.db'));
  t = 100 * DAY;
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rhythmService(onTaskSwitch?: (from: string, to: string, at: number) => void) {
  return new RhythmService({ memory: () => store, now: () => t, hourOf, ...(onTaskSwitch ? { onTaskSwitch } : {}) });
}

/** `task` every 20 s from `from` for `minutes` (three reports a minute, as an editor sends). */
function work(r: RhythmService, day: number, from: number, minutes: number, task: string): void {
  for (let s = 0; s < minutes * 3; s++) {
    t = 100 * DAY + day * DAY + from + s * 20_000;
    r.observe(task, t);
  }
}

/** One synthetic working day: three ~50-minute sessions at 10, 13 and 15. */
function recordDay(r: RhythmService, day: number): void {
  work(r, day, 10 * HOUR, 45, 'coding');
  work(r, day, 10 * HOUR + 45 * MIN, 5, 'running_tests');
  work(r, day, 13 * HOUR + 5 * MIN, 50, 'coding');
  work(r, day, 15 * HOUR, 40, 'coding');
  work(r, day, 15 * HOUR + 40 * MIN, 10, 'running_tests');
  // She offers help at 10:20 (taken up) and 13:20 (declined), every day.
  r.recordInterruption('help_offer', 'engaged', 100 * DAY + day * DAY + 10 * HOUR + 20 * MIN, 10, 'coding');
  r.recordInterruption('help_offer', 'declined', 100 * DAY + day * DAY + 13 * HOUR + 20 * MIN, 13, 'coding');
}

describe('task memory learns a week', () => {
  it('gives busy hours 10 and 15, quiet hour 13, coding -> tests, 50-minute sessions', () => {
    const r = rhythmService();
    store.transaction(() => {
      for (let day = 0; day < 7; day++) recordDay(r, day);
    });
    r.stop();
    t += HOUR;
    r.refresh();
    const s = r.summary();
    expect(s.busyHours).toEqual([10, 15]);
    expect(s.quietHours).toEqual([13]);
    expect(s.busyHours.filter((h) => s.quietHours.includes(h))).toEqual([]);
    expect(s.sequences[0]).toEqual({ from: 'coding', to: 'running_tests', count: 14 });
    expect(s.typicalSessionMinutes).toBe(50);
    expect(s.acceptance).toEqual([
      { hour: 10, engaged: 7, total: 7 },
      { hour: 13, engaged: 0, total: 7 },
    ]);
    expect(s.text).toBe(
      "You're usually busiest around 10:00 and 15:00. You rarely take me up on things around 13:00. After coding you often run tests. Your sessions last about 50 minutes.",
    );
    expect(s.samples).toBeGreaterThan(7 * 150);
    // Activity per hour is in active minutes: at most 60 per hour and day however often reported.
    const byHour = store.activityByHour(0);
    expect(byHour.find((h) => h.hour === 13)).toEqual({ hour: 13, minutes: 7 * 50, days: 7 });
    // The prompt gets it as background, in the third person.
    expect(r.promptLines()[0]).toMatch(
      /^From earlier days .*the user is usually busiest around 10:00 and 15:00; they rarely welcome being interrupted around 13:00/,
    );
  });

  it('without the declines, 13:00 would be busy: quiet is decided first and busy hours are picked among the rest', () => {
    const activity = [
      { hour: 10, minutes: 350, days: 7 },
      { hour: 13, minutes: 350, days: 7 },
      { hour: 15, minutes: 350, days: 7 },
    ];
    expect(busyHoursOf(activity, new Set())).toEqual([10, 13, 15]);
    expect(busyHoursOf(activity, new Set([13]))).toEqual([10, 15]);
  });

  it('one session never makes an hour busy (and so never busy and quiet: the seed defect)', () => {
    const r = rhythmService();
    store.transaction(() => {
      work(r, 0, 13 * HOUR, 60, 'coding');
      for (let i = 0; i < 4; i++) r.recordInterruption('help_offer', 'ignored', 100 * DAY + 13 * HOUR + i * MIN, 13, 'coding');
    });
    r.refresh();
    expect(r.summary()).toMatchObject({ busyHours: [], quietHours: [13] });
  });

  it('never calls an hour both busy and quiet, whatever the data (random weeks)', () => {
    const random = seededRandom(3);
    for (let run = 0; run < 200; run++) {
      const activity = Array.from({ length: 24 }, (_, hour) => ({ hour, minutes: Math.floor(random() * 400), days: 1 + Math.floor(random() * 7) }));
      const outcomes = Array.from({ length: 24 }, (_, hour) => ({
        hour,
        engaged: Math.floor(random() * 4),
        declined: Math.floor(random() * 6),
        ignored: Math.floor(random() * 3),
      }));
      const p = derivePatterns({ activity, outcomes, byTask: [], sequences: [], sessionLengthsMs: [] });
      expect(p.busyHours.filter((h) => p.quietHours.includes(h))).toEqual([]);
      expect(p.busyHours.length).toBeLessThanOrEqual(3);
      expect(new Set(p.quietHours)).toEqual(quietHoursOf(outcomes));
    }
  });

  it('says so when it knows nothing yet', () => {
    expect(rhythmService().summary()).toMatchObject({ text: "I haven't learned much about your rhythm yet.", busyHours: [], quietHours: [], samples: 0 });
    expect(rhythmService().promptLines()).toEqual([]);
  });

  it('needs a pair twice to call it a habit, and only real changes of task count (the veto fix)', () => {
    const switches: string[] = [];
    const r = rhythmService((from, to) => switches.push(`${from}->${to}`));
    work(r, 0, 9 * HOUR, 10, 'coding'); // 30 observations of the same task
    expect(switches).toEqual([]);
    work(r, 0, 9 * HOUR + 10 * MIN, 2, 'debugging');
    work(r, 0, 9 * HOUR + 12 * MIN, 2, 'coding');
    expect(switches).toEqual(['coding->debugging', 'debugging->coding']);
    r.observe('idle', t + MIN); // idle is no task
    work(r, 0, 11 * HOUR, 1, 'reading'); // long after: a switch, but no sequence
    r.refresh();
    expect(r.summary().sequences).toEqual([]);
    expect(store.taskSequences(0)).toHaveLength(2);
    work(r, 0, 11 * HOUR + 2 * MIN, 1, 'coding');
    work(r, 0, 11 * HOUR + 4 * MIN, 1, 'debugging');
    r.refresh();
    expect(r.summary().sequences).toEqual([{ from: 'coding', to: 'debugging', count: 2 }]);
  });
});

describe('task memory stays bounded', () => {
  it('ages buckets out after 60 days, caps minutes at 60 per bucket, pairs and sessions by count', () => {
    store.transaction(() => {
      for (let i = 0; i < 100; i++) store.recordActivityMinute('coding', t, 9);
      for (let d = 0; d < 90; d++) for (let h = 0; h < 24; h++) store.recordActivityMinute('coding', t + d * DAY + h * HOUR, h);
    });
    const sizes = store.rhythmSizes();
    expect(sizes.activityRows).toBeLessThanOrEqual(61 * 24);
    expect(Math.max(...store.activityByHour(0).map((a) => a.minutes / a.days))).toBeLessThanOrEqual(60);
    store.transaction(() => {
      for (let i = 0; i < RHYTHM_MAX_SEQUENCES + 100; i++) store.recordTaskSequence(`task${i}`, 'coding', t + i);
      for (let i = 0; i < RHYTHM_MAX_COUNT + 5; i++) store.recordTaskSequence('coding', 'running_tests', t + 1000 + i);
      for (let i = 0; i < RHYTHM_MAX_SESSIONS + 50; i++) store.startRhythmSession(t + i);
    });
    const after = store.rhythmSizes();
    expect(after.sequenceRows).toBeLessThanOrEqual(RHYTHM_MAX_SEQUENCES);
    expect(store.taskSequences(0).find((s) => s.from === 'coding')?.count).toBe(RHYTHM_MAX_COUNT);
    expect(after.sessionRows).toBe(RHYTHM_MAX_SESSIONS);
  });

  it('a flood of reports at one minute is one sample', () => {
    const r = rhythmService();
    for (let i = 0; i < 500; i++) r.observe('coding', t + i);
    expect(store.rhythmSizes().activityMinutes).toBe(1);
  });
});

describe('clearing and sharing what was learned', () => {
  let events: CompanionEvent[];
  const fakeChat = () =>
    ({
      emit: (e: CompanionEvent) => events.push(e),
      onEvent: () => () => {},
      activeReplies: () => [],
      startReply: () => ({ replyId: 'r', sessionId: 1 }),
    }) as unknown as ChatService;

  function help(r: RhythmService): HelpService {
    return new HelpService({
      chat: fakeChat(),
      context: new ContextStore(() => t),
      state: CompanionState.load(store, { characterId: 1 }),
      now: () => t,
      memory: () => store,
      rhythm: r,
      policy: { hourOf, debounceMs: 1000, cooldownMs: 1000, typingQuietMs: 0 },
    });
  }

  function error(n: number): ContextUpdate {
    const range = { start: { line: n, character: 0 }, end: { line: n, character: 3 } };
    return {
      diagnostics: [
        {
          path: `src/f${n}.ts`,
          language: 'typescript',
          diagnostics: [{ severity: 'error', message: `Cannot find name 'x${n}'.`, code: '2304', source: 'ts', range, related: [] }],
          excerpts: {},
        },
      ],
    };
  }

  function offerFor(h: HelpService, n: number): string | null {
    h.onContextUpdate(error(n));
    t += 1500;
    const before = events.length;
    h.tick();
    const offer = events.slice(before).find((e) => e.type === 'help.offer');
    t += 20_000;
    return offer && offer.type === 'help.offer' ? offer.offerId : null;
  }

  beforeEach(() => {
    events = [];
    t = 100 * DAY + 14 * HOUR;
  });

  it('declined offers stop later offers in that hour, and idle talk keeps quiet then too', () => {
    const r = rhythmService();
    const h = help(r);
    for (let n = 0; n < 3; n++) {
      const id = offerFor(h, n);
      expect(id, `offer ${n}`).not.toBeNull();
      h.respond({ offerId: id!, response: 'dismiss' });
    }
    expect(h.quietHours()).toEqual([14]);
    expect(r.summary().quietHours).toEqual([14]);
    const idle = new IdleService({
      chat: fakeChat(),
      context: new ContextStore(() => t),
      state: CompanionState.load(store, { characterId: 1 }),
      memory: () => store,
      rhythm: r,
      now: () => t,
      hourOf,
    });
    expect(idle.status().quietReason).toBe('quiet hour');
    t += DAY; // the next day, same hour
    expect(offerFor(h, 10)).toBeNull();
    t += HOUR; // 15:00
    h.onContextUpdate({ diagnostics: [] });
    expect(idle.status().quietReason).toBeNull();
    expect(offerFor(h, 11)).not.toBeNull();
    idle.stop();
  });

  it('ignored idle talk counts toward the same quiet hours help offers respect', () => {
    const r = rhythmService();
    for (let i = 0; i < 3; i++) r.recordInterruption('idle', 'ignored', t + i * MIN, 14, null);
    const h = help(r);
    expect(h.quietHours()).toEqual([14]);
    expect(offerFor(h, 0)).toBeNull();
  });

  it('clear forgets everything, interruption outcomes included', () => {
    const r = rhythmService();
    store.transaction(() => {
      for (let day = 0; day < 7; day++) recordDay(r, day);
    });
    r.refresh();
    expect(r.summary().samples).toBeGreaterThan(0);
    const h = help(r);
    r.clear();
    expect(r.summary()).toEqual({ text: "I haven't learned much about your rhythm yet.", ...NOTHING_LEARNED });
    expect(store.rhythmSizes()).toEqual({ activityRows: 0, activityMinutes: 0, sequenceRows: 0, sessionRows: 0, interruptionRows: 0 });
    expect(h.quietHours()).toEqual([]);
  });

  it('puts what it learned into the prompt as background awareness', () => {
    const r = rhythmService();
    store.transaction(() => {
      for (let day = 0; day < 7; day++) recordDay(r, day);
    });
    r.refresh();
    const context = new AwareContextStore(() => t);
    context.patternLines = () => r.promptLines();
    const built = buildPrompt({
      persona: 'You are Alisa.',
      mode: 'teasing',
      history: [],
      userMessage: 'hi',
      passiveContext: context.passiveContextLines(),
      patterns: context.learnedLines(),
      historyTokenBudget: 100,
      countTokens: (s) => s.length / 4,
    });
    // In the system message (it changes rarely: the model's prompt cache keeps it), not with the message.
    expect(built.messages[0]!.content).toContain('the user is usually busiest around 10:00 and 15:00');
    expect(built.messages.at(-1)!.content).not.toContain('busiest');
  });
});
