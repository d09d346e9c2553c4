import { describe, expect, it } from 'vitest';
import type { CompanionMessage, Emotion } from '../protocol';
import { EmotionState, type FaceState } from '../webview/chat/emotion-state';
import { FakeTimers } from './helpers/fake-timers';

const ev = {
  start: (replyId = 'r1'): CompanionMessage => ({ type: 'reply.start', replyId, sessionId: 1, userMessageId: 1, spontaneous: false }),
  token: (text: string, replyId = 'r1'): CompanionMessage => ({ type: 'reply.token', replyId, text }),
  emotion: (emotion: Emotion, replyId = 'r1'): CompanionMessage => ({ type: 'reply.emotion', replyId, emotion }),
  end: (emotion: Emotion, replyId = 'r1'): CompanionMessage => ({
    type: 'reply.end',
    replyId,
    sessionId: 1,
    messageId: 2,
    text: 'x',
    emotion,
    interrupted: false,
    tokens: { prompt: 1, completion: 1 },
    timings: { firstTokenMs: 1, totalMs: 2, tokensPerSecond: null },
    provider: 'embedded',
  }),
};

function setup(restAfterMs = 10_000) {
  const timers = new FakeTimers();
  const changes: FaceState[] = [];
  const state = new EmotionState({ onChange: (s) => changes.push(s), timers, restAfterMs });
  return { timers, changes, state };
}

describe('EmotionState', () => {
  it('changes the emotion the moment reply.emotion arrives, before any token', () => {
    const { state, changes } = setup();
    state.apply(ev.start());
    expect(state.emotion).toBe('neutral');
    state.apply(ev.emotion('teasing'));
    expect(state.emotion).toBe('teasing');
    expect(changes).toEqual([{ emotion: 'teasing', speaking: false }]);
  });

  it('speaks from the first token to the end, and takes the final emotion', () => {
    const { state } = setup();
    state.apply(ev.start());
    expect(state.speaking).toBe(false);
    state.apply(ev.token('Hi'));
    expect(state.speaking).toBe(true);
    state.apply(ev.end('happy'));
    expect(state).toMatchObject({ speaking: false, emotion: 'happy' });
  });

  it('relaxes to the resting face some time after the reply ends, unless another begins', () => {
    const { state, timers } = setup(10_000);
    state.apply(ev.start());
    state.apply(ev.end('shy'));
    timers.advance(9_000);
    expect(state.emotion).toBe('shy');
    timers.advance(1_000);
    expect(state.emotion).toBe('neutral');

    state.apply(ev.start('r2'));
    state.apply(ev.end('sad', 'r2'));
    timers.advance(5_000);
    state.apply(ev.start('r3'));
    timers.advance(60_000);
    expect(state.emotion).toBe('sad'); // r3 still running: she does not relax mid-reply
  });

  it('looks sad after a failed reply but not after a stop', () => {
    const { state } = setup();
    state.apply(ev.emotion('happy'));
    state.apply({ type: 'reply.error', replyId: 'r1', sessionId: 1, messageId: null, error: { code: 'cancelled', message: 'Stopped.' } });
    expect(state.emotion).toBe('happy');
    state.apply(ev.start('r2'));
    state.apply({ type: 'reply.error', replyId: 'r2', sessionId: 1, messageId: null, error: { code: 'llm_failed', message: 'Broke.' } });
    expect(state.emotion).toBe('sad');
  });

  it('stops speaking only when every reply has ended, and when the connection is lost', () => {
    const { state } = setup();
    state.apply(ev.token('a', 'r1'));
    state.apply(ev.token('b', 'r2'));
    state.apply(ev.end('calm', 'r1'));
    expect(state.speaking).toBe(true);
    state.reset();
    expect(state.speaking).toBe(false);
  });
});
