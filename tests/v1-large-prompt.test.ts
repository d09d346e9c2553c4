// Issue 12: "One /v1 request with a 3.5 MB prompt blocked the event loop for 3-6 s." The body and
// character caps refuse the worst before parsing (tests/campaign-small.test.ts); these tests cover
// the largest requests still accepted: the prompt is fitted to the context by tokenizing in chunks
// that yield to the event loop, only about one context's worth of it, and a prompt that cannot fit
// gets a clear 400. How long the loop is held is a figure of bench/v1-stall-bench.mjs, not a test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedProvider } from '../companion/llm';
import { countTokensChunked, fitTurnsToContext, PromptTooLongError, TOKENIZE_CHUNK_CHARS } from '../companion/llm/chat-history';
import { promptBudget } from '../companion/llm/embedded-provider';
import type { ChatTurn } from '../companion/llm';
import { requireModel } from './helpers/model';
import { startCompanion, tempDir, type RunningCompanion } from './helpers/companion';

const CONTEXT = 2048;
/** The /v1 character cap for this context (16 characters per token, see openai-routes.ts). */
const CHAR_CAP = CONTEXT * 16;

/** `count` messages alternating user/assistant (the last a user's), `total` characters in all. */
function manyTurns(count: number, total: number, tag = ''): ChatTurn[] {
  const each = Math.floor(total / count);
  return Array.from({ length: count }, (_, k) => ({
    role: k === count - 1 || k % 2 === 0 ? 'user' : 'assistant',
    content: `${tag}${k} `.padEnd(each, 'tale '),
  }));
}

describe('fitting a prompt to the context, with the real tokenizer', () => {
  const provider = new EmbeddedProvider({ model: requireModel(), modelsDir: tempDir(), threads: 1, gpu: false });
  /** The real tokenizer, recording how many characters each call was given. */
  const calls: number[] = [];
  const count = (text: string) => {
    calls.push(text.length);
    return provider.countTokens(text);
  };

  beforeAll(async () => {
    await provider.ensureReady();
    expect(provider.exactTokenCount).toBe(true);
  });
  afterAll(() => provider.dispose());

  it('counts a long text in bounded chunks, giving the event loop a turn between them, to the same total', async () => {
    const text = 'Once upon a time there was a little cat who liked the sun. '.repeat(2000); // 118,000 chars
    calls.length = 0;
    let loopTurns = 0;
    let counting = true;
    const tick = () => {
      if (!counting) return;
      loopTurns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const chunked = await countTokensChunked(text, count);
    counting = false;
    expect(Math.max(...calls)).toBeLessThanOrEqual(TOKENIZE_CHUNK_CHARS);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(text.length);
    // The loop ran between the chunks: at least one turn for every chunk but the last.
    expect(loopTurns).toBeGreaterThanOrEqual(calls.length - 1);
    // Cut at spaces, the chunks count as the whole text does.
    const whole = provider.countTokens(text);
    expect(Math.abs(chunked - whole)).toBeLessThanOrEqual(calls.length);
  });

  it('keeps the system turn, the last turn and the newest history that fits, tokenizing only about that', async () => {
    const turns: ChatTurn[] = [{ role: 'system', content: 'You tell stories.' }, ...manyTurns(2000, CHAR_CAP - 100)];
    const budget = 500;
    calls.length = 0;
    const fitted = await fitTurnsToContext(turns, budget, count);
    expect(fitted[0]).toBe(turns[0]);
    expect(fitted.at(-1)).toBe(turns.at(-1));
    // The newest turns, without a gap: a suffix of the history.
    const kept = fitted.slice(1);
    expect(kept).toEqual(turns.slice(turns.length - kept.length));
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(1000);
    const tokens = fitted.reduce((n, t) => n + provider.countTokens(t.content) + 4, 0);
    expect(tokens).toBeLessThanOrEqual(budget);
    // One more (older) turn would not have fit.
    const next = turns[turns.length - kept.length - 1]!;
    expect(tokens + provider.countTokens(next.content) + 4).toBeGreaterThan(budget);
    // Only the kept turns and the one that did not fit were tokenized, not the 32,000 characters.
    const tokenized = calls.reduce((a, b) => a + b, 0);
    expect(tokenized).toBe(fitted.reduce((n, t) => n + t.content.length, 0) + next.content.length);
  });

  it('refuses a last message that alone exceeds the context, after tokenizing about one context of it', async () => {
    const huge: ChatTurn[] = [{ role: 'user', content: 'word '.repeat(Math.floor(CHAR_CAP / 5)) }];
    calls.length = 0;
    await expect(fitTurnsToContext(huge, promptBudget(CONTEXT, 8), count, { limit: CONTEXT })).rejects.toBeInstanceOf(PromptTooLongError);
    // Counting stopped once past the limit: a few chunks, not the whole message.
    expect(calls.reduce((a, b) => a + b, 0)).toBeLessThan(huge[0]!.content.length);
  });
});

describe('the largest /v1 requests still accepted, against the real companion', () => {
  let c: RunningCompanion;
  const post = (messages: ChatTurn[], maxTokens = 8) =>
    fetch(`${c.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages, max_tokens: maxTokens }),
    });

  beforeAll(async () => {
    requireModel();
    c = await startCompanion({ args: ['--context-size', String(CONTEXT)] });
    expect((await post([{ role: 'user', content: 'Once upon a time' }])).status).toBe(200); // the model is loaded
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('answers 2,000 messages at the character cap from the newest history, and /health answers while it runs', async () => {
    const events: string[] = [];
    let done = false;
    const request = post(manyTurns(2000, CHAR_CAP - 100)).then(async (r) => {
      const body = (await r.json()) as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } };
      events.push('v1');
      done = true;
      return { status: r.status, body };
    });
    // /health asked again and again until the big request is answered.
    while (!done) {
      const h = await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}` } });
      await h.arrayBuffer();
      if (!done) events.push(`health ${h.status}`);
    }
    const { status, body } = await request;
    expect(status).toBe(200);
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    // The prompt is the newest history that fits (not a few dozen tokens left by a coarse cut).
    expect(body.usage.prompt_tokens).toBeLessThanOrEqual(CONTEXT);
    expect(body.usage.prompt_tokens).toBeGreaterThan(promptBudget(CONTEXT, 8) / 2);
    // /health was answered while the request was in flight, and the answer came last.
    expect(events.filter((e) => e === 'health 200').length).toBeGreaterThan(0);
    expect(events.at(-1)).toBe('v1');
  });

  it('refuses one message that cannot fit the context with a clear 400, and still answers the next request', async () => {
    const r = await post([{ role: 'user', content: 'word '.repeat(Math.floor((CHAR_CAP - 100) / 5)) }]);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_argument');
    expect(body.error.message).toMatch(/does not fit the model's context of 2048 tokens/);
    const next = await post([{ role: 'user', content: 'Once upon a time' }]);
    expect(next.status).toBe(200);
  });
});
