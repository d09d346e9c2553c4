// Asking again, end to end with the built companion, the real model and the real SQLite file
// (issue 15, chat basics): chat.retry regenerates the reply to the same user message after a stop
// or a crash, chat.edit rewrites a sent message and answers it anew. In both, the messages after
// it are deleted, so history, search and the next prompt hold the conversation as it now stands.
import { describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { useCompanionClient } from './helpers/comp-live';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

describe('chat.retry and chat.edit with the real model', () => {
  let companion: RunningCompanion;
  let client: TestClient;
  useCompanionClient((c, connected) => ((companion = c), (client = connected)), {}, { current: () => [companion, client] });

  const endOf = async (replyId: string) => (await client.reply(replyId)).at(-1) as Ev<'reply.end'> | Ev<'reply.error'>;
  const messagesOf = async (sessionId: number) => (await client.request('session.messages', { sessionId })).messages;

  it('retries a stopped reply: the stopped one is deleted, the new one answers the same message with the same prompt', async () => {
    const session = await client.request('session.create', {});
    const sent = await client.request('chat.send', { text: 'Once upon a time there was a cat', sessionId: session.id, maxTokens: 1500 });
    await client.waitFor((m) => m.type === 'reply.token' && m.replyId === sent.replyId);
    await client.request('chat.cancel', { replyId: sent.replyId! });
    const stopped = (await endOf(sent.replyId!)) as Ev<'reply.end'>;
    expect(stopped.interrupted).toBe(true);

    const retried = await client.request('chat.retry', { userMessageId: sent.userMessageId! });
    expect(retried).toMatchObject({ sessionId: session.id, userMessageId: sent.userMessageId, removedMessageIds: [stopped.messageId] });
    const start = (await client.waitFor((m) => m.type === 'reply.start' && m.replyId === retried.replyId)) as Ev<'reply.start'>;
    expect(start.userMessageId).toBe(sent.userMessageId);
    const end = await endOf(retried.replyId);
    expect(end.type).toBe('reply.end');
    // The same history and the same message: the stopped reply is not in the prompt.
    expect((end as Ev<'reply.end'>).tokens.prompt).toBe(stopped.tokens.prompt);

    const messages = await messagesOf(session.id);
    expect(messages.map((m) => [m.id, m.role, m.status])).toEqual([
      [sent.userMessageId, 'user', 'complete'],
      [(end as Ev<'reply.end'>).messageId, 'assistant', 'complete'],
    ]);
    // (SQLite may give the new reply the deleted one's id: the list above is what counts.)
    expect(messages.map((m) => m.text)).not.toContain(stopped.text);
  });

  it('refuses what cannot be retried: an earlier question, a reply, an unknown message, a chat still answering', async () => {
    const session = await client.request('session.create', {});
    const first = await client.request('chat.send', { text: 'Tell me about the sun', sessionId: session.id });
    await endOf(first.replyId!);
    const second = await client.request('chat.send', { text: 'And the moon?', sessionId: first.sessionId });
    const secondEnd = (await endOf(second.replyId!)) as Ev<'reply.end'>;

    await expect(client.request('chat.retry', { userMessageId: first.userMessageId! })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('chat.retry', { userMessageId: secondEnd.messageId })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('chat.retry', { userMessageId: 987_654 })).rejects.toMatchObject({ info: { code: 'not_found' } });
    // Nothing was deleted by the refusals.
    expect((await messagesOf(first.sessionId)).length).toBe(4);

    // While a reply streams in the chat, nothing there is asked again (and nothing is deleted).
    const long = await client.request('chat.send', { text: 'Once upon a time', sessionId: first.sessionId, maxTokens: 1500 });
    await expect(client.request('chat.retry', { userMessageId: long.userMessageId! })).rejects.toMatchObject({ info: { code: 'busy' } });
    await expect(client.request('chat.edit', { messageId: first.userMessageId!, text: 'x' })).rejects.toMatchObject({ info: { code: 'busy' } });
    await client.request('chat.cancel', { replyId: long.replyId! });
    await endOf(long.replyId!);
    expect((await messagesOf(first.sessionId)).map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
  });

  it('edits a sent message: its text changes in place, everything after it goes (search too), and a new reply answers it', async () => {
    const session = await client.request('session.create', {});
    const a = await client.request('chat.send', { text: 'What do zebras eat?', sessionId: session.id });
    const aEnd = (await endOf(a.replyId!)) as Ev<'reply.end'>;
    const b = await client.request('chat.send', { text: 'Do quokkas swim?', sessionId: session.id });
    const bEnd = (await endOf(b.replyId!)) as Ev<'reply.end'>;
    expect((await client.request('memory.search', { query: 'quokkas' })).hits.length).toBeGreaterThan(0);

    const key = 'sk-proj-Xo3vR9tLqP2mN8wZ5kJ7hB4yC1dF6gA0sE2uI9oK3lM7nQ5r';
    const text = `What do wombats eat? my key is ${key}`;
    const edited = await client.request('chat.edit', { messageId: a.userMessageId!, text });
    expect(edited).toMatchObject({ sessionId: session.id, userMessageId: a.userMessageId, secrets: 1 });
    expect(edited.removedMessageIds).toEqual([aEnd.messageId, b.userMessageId, bEnd.messageId]);
    const end = (await endOf(edited.replyId)) as Ev<'reply.end'>;
    expect(end.type).toBe('reply.end');

    const messages = await messagesOf(session.id);
    expect(messages.map((m) => [m.id, m.role, m.text])).toEqual([
      [a.userMessageId, 'user', text], // stored as typed, as chat.send stores it
      [end.messageId, 'assistant', end.text],
    ]);
    expect((await client.request('memory.search', { query: 'quokkas' })).hits).toEqual([]);
    expect((await client.request('memory.search', { query: 'wombats' })).hits.map((h) => h.messageId)).toContain(a.userMessageId);

    await expect(client.request('chat.edit', { messageId: end.messageId, text: 'not mine' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('chat.edit', { messageId: a.userMessageId!, text: '' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
  });

  it('after a crash mid-reply, the unanswered question is retried with one request', async () => {
    const sent = await client.request('chat.send', { text: 'Once upon a time a dog', maxTokens: 1500 });
    await client.waitFor((m) => m.type === 'reply.token' && m.replyId === sent.replyId);
    client.close();
    await companion.stop('SIGKILL');

    companion = await startCompanion({ dataDir: companion.dataDir });
    client = await TestClient.connect(companion);
    const before = await messagesOf(sent.sessionId);
    const last = before.at(-1)!;
    expect([last.role, last.status]).toEqual(['assistant', 'interrupted']);
    expect(before.at(-2)!.id).toBe(sent.userMessageId);

    const retried = await client.request('chat.retry', { userMessageId: sent.userMessageId! });
    expect(retried.removedMessageIds).toEqual([last.id]);
    const end = await endOf(retried.replyId);
    expect(end.type).toBe('reply.end');
    const after = await messagesOf(sent.sessionId);
    expect(after.slice(-2).map((m) => [m.id, m.role, m.status])).toEqual([
      [sent.userMessageId, 'user', 'complete'],
      [(end as Ev<'reply.end'>).messageId, 'assistant', 'complete'],
    ]);
  });
});
