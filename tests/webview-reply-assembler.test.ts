import { describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { ReplyAssembler } from '../webview/chat/reply-assembler';
import { messageMaker, replyEnd } from './helpers/webview-fixtures';

const start = (replyId: string, sessionId = 1, userMessageId: number | null = 10): CompanionMessage => ({
  type: 'reply.start',
  replyId,
  sessionId,
  userMessageId,
  spontaneous: false,
});
const token = (replyId: string, text: string): CompanionMessage => ({ type: 'reply.token', replyId, text });
const emotion = (replyId: string, e: 'happy' | 'shy' | 'sad'): CompanionMessage => ({ type: 'reply.emotion', replyId, emotion: e });
const end = (replyId: string, text: string, opts: { sessionId?: number; messageId?: number; interrupted?: boolean } = {}): CompanionMessage =>
  replyEnd({
    replyId,
    sessionId: opts.sessionId ?? 1,
    messageId: opts.messageId ?? 11,
    text,
    emotion: 'happy',
    interrupted: opts.interrupted ?? false,
    tokens: { prompt: 5, completion: 3 },
    timings: { firstTokenMs: 10, totalMs: 20, tokensPerSecond: 100 },
  });
const stored = messageMaker(1, 1000);

function withUser(): ReplyAssembler {
  const a = new ReplyAssembler(() => 0);
  a.load(1, [stored(10, 'user', 'hi')]);
  return a;
}

describe('ReplyAssembler', () => {
  it('assembles tokens in order into a streaming assistant message after the user message', () => {
    const a = withUser();
    expect(a.apply(start('r1')).listChanged).toBe(true);
    a.apply(token('r1', 'Hel'));
    const r = a.apply(token('r1', 'lo!'));
    expect(r.updated).toEqual(['rr1']);
    const last = a.messages.at(-1)!;
    expect(last).toMatchObject({ role: 'assistant', text: 'Hello!', status: 'streaming', replyId: 'r1' });
    expect(a.messages.map((m) => m.id)).toEqual([10, null]);
    expect(a.streamingReplyId()).toBe('r1');
  });

  it('takes the emotion whether it comes before or after the tokens', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(emotion('r1', 'shy'));
    a.apply(token('r1', 'um'));
    expect(a.messages.at(-1)!.emotion).toBe('shy');
    a.apply(emotion('r1', 'happy'));
    expect(a.messages.at(-1)!).toMatchObject({ emotion: 'happy', text: 'um' });
  });

  it('replaces the streamed text with the final text at the end', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(token('r1', 'Hello [happy] wor'));
    a.apply(end('r1', 'Hello world', { messageId: 42 }));
    expect(a.messages.at(-1)!).toMatchObject({ text: 'Hello world', status: 'complete', id: 42, emotion: 'happy' });
    expect(a.streamingReplyId()).toBeNull();
  });

  it('marks an interrupted reply', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(token('r1', 'Hel'));
    a.apply(end('r1', 'Hel', { interrupted: true }));
    expect(a.messages.at(-1)!.status).toBe('interrupted');
  });

  it('keeps the partial text on an error, with the reason', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(token('r1', 'Half a'));
    a.apply({
      type: 'reply.error',
      replyId: 'r1',
      sessionId: 1,
      messageId: 12,
      error: { code: 'llm_failed', message: 'The model crashed.', action: 'Restart Alisa.' },
    });
    expect(a.messages.at(-1)!).toMatchObject({ text: 'Half a', status: 'error', id: 12, error: { code: 'llm_failed' } });
  });

  it('treats a cancel as an interruption, not an error', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(token('r1', 'Half'));
    a.apply({ type: 'reply.error', replyId: 'r1', sessionId: 1, messageId: 12, error: { code: 'cancelled', message: 'Stopped.' } });
    expect(a.messages.at(-1)!).toMatchObject({ status: 'interrupted', error: null, text: 'Half' });
  });

  it('ignores events after the end and repeated starts', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(token('r1', 'A'));
    a.apply(start('r1'));
    a.apply(end('r1', 'A.'));
    expect(a.apply(token('r1', 'late')).updated).toEqual([]);
    a.apply(emotion('r1', 'sad'));
    a.apply(end('r1', 'other'));
    expect(a.messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
    expect(a.messages.at(-1)!).toMatchObject({ text: 'A.', emotion: 'happy' });
  });

  it('survives tokens before their start, and an end without a start', () => {
    const a = withUser();
    a.apply(token('r1', 'early '));
    expect(a.messages).toHaveLength(1); // session unknown yet: not shown
    a.apply(start('r1'));
    a.apply(token('r1', 'late'));
    expect(a.messages.at(-1)!.text).toBe('early late');

    const r = a.apply(end('r2', 'from nowhere', { messageId: 50 }));
    expect(r.listChanged).toBe(true);
    expect(a.messages.at(-1)!).toMatchObject({ text: 'from nowhere', id: 50, status: 'complete' });
  });

  it('does not show replies of other sessions, and asks for a reload for a message sent elsewhere', () => {
    const a = withUser();
    expect(a.apply(start('other', 2, 99)).listChanged).toBe(false);
    a.apply(token('other', 'not here'));
    expect(a.messages).toHaveLength(1);
    expect(a.streamingReplyId()).toBeNull();
    expect(a.streamingReplyId(2)).toBe('other');

    const r = a.apply(start('elsewhere', 1, 77));
    expect(r).toMatchObject({ listChanged: true, needsReload: true });
  });

  it('ties a reply to the user message sent here without a reload', () => {
    const a = withUser();
    const mine = a.addUserMessage('what is 2+2?');
    expect(a.messages.at(-1)).toBe(mine);
    // The companion announces the reply before it answers chat.send.
    expect(a.apply(start('r1', 1, 11)).needsReload).toBe(false);
    a.confirmUserMessage(mine.key, 11);
    expect(a.messages.map((m) => [m.role, m.id])).toEqual([
      ['user', 10],
      ['user', 11],
      ['assistant', null],
    ]);
  });

  it('merges a reply still streaming with history loaded meanwhile', () => {
    const a = withUser();
    a.apply(start('r1'));
    a.apply(token('r1', 'live text'));
    // The companion stored the partial reply as "streaming"; the live copy wins.
    a.load(1, [stored(10, 'user', 'hi'), stored(11, 'assistant', 'live', 'streaming')]);
    expect(a.messages.map((m) => m.text)).toEqual(['hi', 'live text']);
    a.apply(token('r1', '!'));
    a.apply(end('r1', 'live text!', { messageId: 11 }));
    a.load(1, [stored(10, 'user', 'hi'), stored(11, 'assistant', 'live text', 'streaming')]);
    expect(a.messages.map((m) => [m.text, m.status])).toEqual([
      ['hi', 'complete'],
      ['live text!', 'complete'],
    ]);
  });

  it('marks a failed send, and interrupts streaming replies when the connection is lost', () => {
    const a = withUser();
    const mine = a.addUserMessage('hello?');
    a.failUserMessage(mine.key, { code: 'busy', message: 'Alisa is still answering in this chat.' });
    expect(mine).toMatchObject({ status: 'error', pending: false, error: { code: 'busy' } });

    a.apply(start('r1'));
    a.apply(token('r1', 'cut'));
    const r = a.interruptAll();
    expect(r.updated).toEqual(['rr1']);
    expect(a.messages.find((m) => m.role === 'assistant')!.status).toBe('interrupted');
    expect(a.apply(token('r1', 'more')).updated).toEqual([]);
  });

  it('pages back without duplicates', () => {
    const a = new ReplyAssembler();
    a.load(1, [stored(5, 'user', 'e'), stored(6, 'assistant', 'f')]);
    a.prepend([stored(3, 'user', 'c'), stored(4, 'assistant', 'd'), stored(5, 'user', 'e')]);
    expect(a.messages.map((m) => m.id)).toEqual([3, 4, 5, 6]);
  });
});

describe('asking again (retry, edit) and queued messages', () => {
  it('a reply for a question already answered replaces what followed it; only another window reloads', () => {
    const a = new ReplyAssembler(() => 0);
    a.load(1, [stored(10, 'user', 'q'), stored(11, 'assistant', 'cut', 'interrupted'), stored(12, 'user', 'later'), stored(13, 'assistant', 'x')]);
    a.expectAgain(10);
    expect(a.apply(start('r1', 1, 10))).toMatchObject({ listChanged: true, needsReload: false });
    expect(a.messages.map((m) => m.key)).toEqual(['m10', 'rr1']);
    // The same, asked from another window: reloaded (an edited text is only in the companion).
    const b = new ReplyAssembler(() => 0);
    b.load(1, [stored(10, 'user', 'q'), stored(11, 'assistant', 'cut', 'interrupted')]);
    expect(b.apply(start('r1', 1, 10)).needsReload).toBe(true);
  });

  it('a deleted reply whose id is given to the new one is never merged into a later load', () => {
    const a = new ReplyAssembler(() => 0);
    a.load(1, [stored(10, 'user', 'q')]);
    a.apply(start('r1', 1, 10));
    a.apply(end('r1', 'old', { messageId: 11, interrupted: true }));
    a.expectAgain(10);
    a.apply(start('r2', 1, 10));
    a.apply(token('r2', 'new'));
    // The history is read while r2 streams: its row (id 11 again) is still 'streaming'.
    a.load(1, [stored(10, 'user', 'q'), stored(11, 'assistant', 'ne', 'streaming')]);
    expect(a.messages.map((m) => [m.key, m.text, m.status])).toEqual([
      ['m10', 'q', 'complete'],
      ['rr2', 'new', 'streaming'],
    ]);
  });

  it('keeps queued messages last: a reply that starts goes above them', () => {
    const a = withUser();
    const queued = a.addUserMessage('wait for it', { queued: true });
    a.apply(start('r1', 1, null));
    expect(a.messages.at(-1)).toBe(queued);
    expect(a.messages.at(-2)!.key).toBe('rr1');
  });
});
