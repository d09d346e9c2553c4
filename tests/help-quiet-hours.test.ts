// Learned quiet hours: offer outcomes go to SQLite, hours where she is rarely welcome become
// quiet, and the help service stops offering in them. Real SQLite, controllable clock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContextUpdate, CompanionEvent } from '../protocol';
import type { ChatService } from '../companion/chat/chat-service';
import { ContextStore } from '../companion/context/context-store';
import { HelpService, OFFER_IGNORED_AFTER_MS } from '../companion/help/help-service';
import { learnQuietHours } from '../companion/help/quiet-hours';
import { INTERRUPTION_MAX_AGE_MS, INTERRUPTION_MAX_ROWS, MemoryStore } from '../companion/memory';
import { CompanionState } from '../companion/state';

const HOUR = 3600_000;
const hourOf = (at: number) => Math.floor(at / HOUR) % 24;

describe('learnQuietHours', () => {
  const row = (hour: number, engaged: number, declined: number, ignored: number) => ({ hour, engaged, declined, ignored });
  it.each([
    ['three declines', [row(14, 0, 3, 0)], [14]],
    ['two declines are not enough evidence', [row(14, 0, 2, 0)], []],
    ['ignored offers count against the hour', [row(9, 0, 1, 2)], [9]],
    ['one engagement in four still quiet (25 %)', [row(22, 1, 3, 0)], [22]],
    ['two engagements in five is welcome', [row(22, 2, 3, 0)], []],
    ['only the hours that qualify', [row(1, 0, 5, 0), row(10, 4, 1, 0), row(23, 0, 0, 3)], [1, 23]],
  ])('%s', (_name, stats, quiet) => {
    expect([...learnQuietHours(stats)].sort((a, b) => a - b)).toEqual(quiet);
  });

  it('takes its thresholds from options', () => {
    expect([...learnQuietHours([row(5, 1, 1, 0)], { minSamples: 2, maxAcceptance: 0.5 })]).toEqual([5]);
  });
});

describe('interruption history in SQLite', () => {
  let dir: string;
  let store: MemoryStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-quiet-'));
    store = MemoryStore.open(path.join(dir, 'm.db'));
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts outcomes per hour within the window', () => {
    const t = 100 * 24 * HOUR;
    store.recordInterruption('help_offer', 'declined', t, 14);
    store.recordInterruption('help_offer', 'ignored', t + 1, 14);
    store.recordInterruption('help_offer', 'engaged', t + 2, 9);
    store.recordInterruption('help_offer', 'declined', t - 40 * 24 * HOUR, 9);
    expect(store.interruptionStats(t - 30 * 24 * HOUR)).toEqual([
      { hour: 9, engaged: 1, declined: 0, ignored: 0 },
      { hour: 14, engaged: 0, declined: 1, ignored: 1 },
    ]);
  });

  it('ages samples out and keeps at most the newest rows', () => {
    const t = 200 * 24 * HOUR;
    store.recordInterruption('help_offer', 'declined', t - INTERRUPTION_MAX_AGE_MS - 1, 3);
    store.recordInterruption('help_offer', 'declined', t, 4);
    expect(store.interruptionStats(0).map((r) => r.hour)).toEqual([4]);
    store.transaction(() => {
      for (let i = 0; i < INTERRUPTION_MAX_ROWS + 50; i++) store.recordInterruption('help_offer', 'engaged', t + i, 5);
    });
    const total = store.interruptionStats(0).reduce((n, r) => n + r.engaged + r.declined + r.ignored, 0);
    expect(total).toBe(INTERRUPTION_MAX_ROWS);
  });

  it('refuses what it cannot store', () => {
    expect(() => store.recordInterruption('help_offer', 'maybe' as never, 0, 1)).toThrow(/outcome/);
    expect(() => store.recordInterruption('help_offer', 'engaged', 0, 24)).toThrow(/0-23/);
  });
});

describe('HelpService with learned quiet hours', () => {
  let dir: string;
  let store: MemoryStore;
  let t: number;
  let events: CompanionEvent[];

  function makeService(memory: () => MemoryStore = () => store) {
    events = [];
    // The chat pipeline itself is tested elsewhere; here it only records what reaches the panel.
    const chat = { emit: (e: CompanionEvent) => events.push(e), startReply: () => ({ replyId: 'r', sessionId: 1 }) } as unknown as ChatService;
    return new HelpService({
      chat,
      context: new ContextStore(() => t),
      state: CompanionState.load(store, { characterId: 1 }),
      now: () => t,
      memory,
      policy: { hourOf, debounceMs: 1000, cooldownMs: 1000, typingQuietMs: 0 },
    });
  }

  /** Diagnostics with error `n` (and the errors before it too with `keepEarlier`: none was fixed). */
  function error(n: number, keepEarlier = false): ContextUpdate {
    const file = (i: number) => {
      const range = { start: { line: i, character: 0 }, end: { line: i, character: 3 } };
      return {
        path: `src/f${i}.ts`,
        language: 'typescript',
        diagnostics: [{ severity: 'error' as const, message: `Cannot find name 'x${i}'.`, code: '2304', source: 'ts', range, related: [] }],
        excerpts: {},
      };
    };
    return { diagnostics: (keepEarlier ? Array.from({ length: n + 1 }, (_, i) => i) : [n]).map(file) };
  }

  /** Raises a fresh error and lets it persist until she offers; returns the offer id or null. */
  function offerFor(help: HelpService, n: number, keepEarlier = false): string | null {
    help.onContextUpdate(error(n, keepEarlier));
    t += 1500;
    const before = events.length;
    help.tick();
    const offer = events.slice(before).find((e) => e.type === 'help.offer');
    t += 20_000; // past the cooldown, even doubled by three declines

    return offer && offer.type === 'help.offer' ? offer.offerId : null;
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-quiet-'));
    store = MemoryStore.open(path.join(dir, 'm.db'));
    t = 10 * 24 * HOUR + 14 * HOUR; // 14:00
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps quiet at an hour whose offers the user declined, and still offers at other hours', () => {
    const help = makeService();
    for (let n = 0; n < 3; n++) {
      const id = offerFor(help, n);
      expect(id, `offer ${n} at 14:00`).not.toBeNull();
      help.respond({ offerId: id!, response: 'dismiss' });
    }
    expect(help.quietHours()).toEqual([14]);
    t += 24 * HOUR; // the next day, same hour (the 30-minute decline backoff has long passed)
    expect(offerFor(help, 10)).toBeNull();
    t += HOUR; // 15:00
    help.onContextUpdate({ diagnostics: [] });
    expect(offerFor(help, 11)).not.toBeNull();
  });

  it('remembers across restarts; an hour whose offers are taken up is not quiet', () => {
    const first = makeService();
    for (let n = 0; n < 3; n++) first.respond({ offerId: offerFor(first, n)!, response: 'dismiss' });
    t += HOUR; // 15:00: the user takes her up on it
    for (let n = 3; n < 6; n++) first.respond({ offerId: offerFor(first, n)!, response: n === 3 ? 'dismiss' : 'explain' });
    expect(first.quietHours()).toEqual([14]);
    const second = makeService();
    expect(second.quietHours()).toEqual([14]);
    expect(store.interruptionStats(0)).toEqual([
      { hour: 14, engaged: 0, declined: 3, ignored: 0 },
      { hour: 15, engaged: 2, declined: 1, ignored: 0 },
    ]);
  });

  it('counts an offer left unanswered as ignored (also one a newer offer replaced)', () => {
    const help = makeService();
    // The errors stay: each new offer replaces the one before, unanswered.
    const ids = [offerFor(help, 0, true), offerFor(help, 1, true), offerFor(help, 2, true)];
    expect(ids.every((id) => id !== null)).toBe(true);
    t += OFFER_IGNORED_AFTER_MS;
    help.tick();
    expect(store.interruptionStats(0)).toEqual([{ hour: 14, engaged: 0, declined: 0, ignored: 3 }]);
    expect(help.quietHours()).toEqual([14]);
    expect(() => help.respond({ offerId: ids[0]!, response: 'dismiss' })).toThrow(/no longer open/);
  });

  it('does not count an offer whose error the user fixed', () => {
    const help = makeService();
    // Each report has only the newest error: the one offered before was fixed, its offer withdrawn.
    const ids = [offerFor(help, 0), offerFor(help, 1), offerFor(help, 2)];
    expect(ids.every((id) => id !== null)).toBe(true);
    expect(events.filter((e) => e.type === 'help.retract').map((e) => [e.type === 'help.retract' && e.offerId, e.type === 'help.retract' && e.reason])).toEqual(
      [
        [ids[0], 'resolved'],
        [ids[1], 'resolved'],
      ],
    );
    t += OFFER_IGNORED_AFTER_MS;
    help.tick();
    expect(store.interruptionStats(0)).toEqual([{ hour: 14, engaged: 0, declined: 0, ignored: 1 }]);
  });

  it('offers as before when the database cannot be used', () => {
    const help = makeService(() => {
      throw new Error('database is locked');
    });
    const id = offerFor(help, 0);
    expect(id).not.toBeNull();
    expect(() => help.respond({ offerId: id!, response: 'dismiss' })).not.toThrow();
    expect(help.quietHours()).toEqual([]);
  });
});
