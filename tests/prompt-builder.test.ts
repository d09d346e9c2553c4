import { describe, expect, it } from 'vitest';
import { buildPrompt, trimHistory, MODE_INSTRUCTIONS, EMOTION_INSTRUCTION } from '../companion/persona';
import type { ChatTurn } from '../companion/llm';

const count = (t: string) => t.split(/\s+/).filter(Boolean).length;

describe('prompt builder', () => {
  const history: ChatTurn[] = [
    { role: 'user', content: 'one two three' },
    { role: 'assistant', content: 'four five' },
    { role: 'user', content: 'six seven eight nine' },
    { role: 'assistant', content: 'ten' },
  ];

  it("lays out persona, mode and patterns (stable) first, then history, then this moment's context with the message", () => {
    const p = buildPrompt({
      persona: 'PERSONA',
      mode: 'serious',
      history,
      userMessage: 'hello',
      passiveContext: ['The user seems to be coding.'],
      patterns: ['Busy at 10:00.'],
      historyTokenBudget: 1000,
      countTokens: count,
    });
    const system = p.messages[0]!;
    expect(system.role).toBe('system');
    const order = ['PERSONA', EMOTION_INSTRUCTION, MODE_INSTRUCTIONS.serious, 'Busy at 10:00.'].map((s) => system.content.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // What changes every turn is not in the system message (it would spoil the model's prompt cache)...
    expect(system.content).not.toContain('The user seems to be coding.');
    // ...but with the user's message, before it.
    const last = p.messages.at(-1)!;
    expect(last.role).toBe('user');
    expect(last.content.indexOf('The user seems to be coding.')).toBeGreaterThanOrEqual(0);
    expect(last.content.endsWith('\n\nhello')).toBe(true);
    expect(last.content).not.toMatch(/I am watching|I see on your/i);
    expect(p.messages.slice(1, -1)).toEqual(history);
    expect(p.historyTurns).toBe(4);
    // Nothing sensed: the message alone.
    expect(buildPrompt({ persona: 'P', mode: 'serious', history: [], userMessage: 'hi', historyTokenBudget: 10, countTokens: count }).messages.at(-1)).toEqual({
      role: 'user',
      content: 'hi',
    });
  });

  it('keeps the newest turns within the budget and never starts with an assistant turn', () => {
    // costs: 3+4, 2+4, 4+4, 1+4
    const r = trimHistory(history, 14, count);
    expect(r.turns).toEqual([history[2], history[3]]);
    expect(r.tokens).toBe(13);
    const r2 = trimHistory(history, 19, count);
    // fits [1..3] (6+8+5=19) but [1] is an assistant turn: dropped
    expect(r2.turns).toEqual([history[2], history[3]]);
    expect(trimHistory(history, 0, count).turns).toEqual([]);
  });

  it('leaves out a turn too long for the budget without tokenizing it, and everything older', () => {
    const seen: number[] = [];
    const counting = (t: string) => {
      seen.push(t.length);
      return count(t);
    };
    const pasted = { role: 'user' as const, content: 'log line '.repeat(200_000) }; // 1.8 MB
    const long: ChatTurn[] = [history[0]!, history[1]!, pasted, history[2]!, history[3]!];
    const r = trimHistory(long, 100, counting);
    expect(r.turns).toEqual([history[2], history[3]]);
    expect(r.tokens).toBe(13);
    // The pasted turn was never handed to the tokenizer, nor anything older than it.
    expect(seen).toEqual([history[3]!.content.length, history[2]!.content.length]);
  });

  it('compact style drops everything but a short persona', () => {
    const p = buildPrompt({
      persona: 'LONG PERSONA',
      mode: 'teasing',
      history: [],
      userMessage: 'hi',
      historyTokenBudget: 10,
      countTokens: count,
      style: 'compact',
      passiveContext: ['x'],
    });
    expect(p.messages[0]!.content).not.toContain('LONG PERSONA');
    expect(p.messages[0]!.content).not.toContain('x\n');
    expect(p.messages).toHaveLength(2);
  });
});
