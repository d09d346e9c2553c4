// The prompt window (companion/chat/prompt-window.ts): which earlier turns go into the prompt so
// the model's prompt cache keeps matching. Pure logic; the effect on the real model is measured in
// tests/llm-prompt-cache.test.ts and bench/long-chat-bench.mjs.
import { describe, expect, it } from 'vitest';
import { chooseWindow, KEEP_FRACTION, type HistoryTurn } from '../companion/chat/prompt-window';

/** n turns alternating user/assistant, ids 1..n, each costing `each` tokens. */
const turns = (n: number, from = 1): HistoryTurn[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${from + i}` }));
const flat = (each: number) => () => each;

describe('prompt window', () => {
  it('keeps everything while it fits, and the anchor with it', () => {
    const w = chooseWindow(turns(6), { budget: 100, anchorId: null, cost: flat(10) });
    expect(w.turns.map((t) => t.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(w.anchorId).toBe(1);
    expect(w.tokens).toBe(60);
  });

  it('keeps its first turn turn after turn while the history fits, then cuts once to a fraction of the budget', () => {
    let anchor: number | null = null;
    const firsts: number[] = [];
    // A conversation growing by a user turn and a reply each step, 10 tokens a turn, budget 100.
    for (let n = 2; n <= 40; n += 2) {
      const w = chooseWindow(turns(n), { budget: 100, anchorId: anchor, cost: flat(10) });
      expect(w.tokens).toBeLessThanOrEqual(100);
      expect(w.turns.at(-1)!.id).toBe(n); // the newest turn is always there
      expect(w.turns[0]!.role).toBe('user');
      anchor = w.anchorId;
      firsts.push(w.turns[0]!.id);
    }
    // The first turn changes only at cuts: far fewer changes than turns (a sliding window changes every step).
    const changes = firsts.filter((f, i) => i > 0 && f !== firsts[i - 1]).length;
    expect(changes).toBeLessThanOrEqual(5);
    expect(changes).toBeGreaterThanOrEqual(2);
    // After a cut the window holds at most KEEP_FRACTION of the budget.
    const cut = chooseWindow(turns(12), { budget: 100, anchorId: 1, cost: flat(10) });
    expect(cut.tokens).toBeLessThanOrEqual(100 * KEEP_FRACTION);
    expect(cut.turns.map((t) => t.id)).toEqual([9, 10, 11, 12]);
  });

  it('never opens with a reply, and leaves out a turn that cannot fit together with everything older', () => {
    const h = turns(7); // u a u a u a u
    const costs: Record<number, number> = { 1: 10, 2: 10, 3: 10, 4: 1000, 5: 10, 6: 10, 7: 10 };
    const w = chooseWindow(h, { budget: 100, anchorId: null, cost: (t) => costs[t.id]! });
    expect(w.turns.map((t) => t.id)).toEqual([5, 6, 7]);
    const odd = chooseWindow(turns(5, 2), { budget: 35, anchorId: null, cost: flat(10) }); // a u a u a
    expect(odd.turns[0]!.role).toBe('user');
  });

  it('an anchor whose turns were deleted starts over; no history gives no window', () => {
    expect(chooseWindow([], { budget: 100, anchorId: 5, cost: flat(10) }).turns).toEqual([]);
    const w = chooseWindow(turns(4), { budget: 100, anchorId: 50, cost: flat(10) });
    expect(w.turns.length).toBeGreaterThan(0);
    expect(w.turns.at(-1)!.id).toBe(4);
  });
});
