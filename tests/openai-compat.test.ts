// Alisa's OpenAI-compatible API, checked with the official `openai` client; and the
// OpenAI-compatible provider, checked against a second companion that serves /v1.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { chatOnce, useCompanion } from './helpers/comp-live';

describe('serving /v1 (checked with the openai npm client)', () => {
  let server: RunningCompanion;
  let openai: OpenAI;

  useCompanion((started) => {
    server = started;
    openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.token, maxRetries: 0, timeout: 30_000 });
  });

  it('a /v1 request does not queue behind a chat reply (two sequences by default)', async () => {
    const client = await TestClient.connect(server);
    try {
      const chat = await client.request('chat.send', { text: 'Tell me a very long story', maxTokens: 1500 });
      await client.waitFor((m) => m.type === 'reply.token' && m.replyId === chat.replyId);
      const v1 = await openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 10 });
      expect(v1.choices[0]!.message.content!.length).toBeGreaterThan(0);
      // Answered while the chat reply was still being written (with one sequence it waited for its end).
      expect(client.events.some((m) => m.type === 'reply.end' && m.replyId === chat.replyId)).toBe(false);
      await client.request('chat.cancel', { replyId: chat.replyId! });
    } finally {
      client.close();
    }
  });

  it('lists the active model', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['stories260K.gguf']);
  });

  it('completes without streaming', async () => {
    const r = await openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 20 });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(20);
    expect(['stop', 'length']).toContain(r.choices[0]!.finish_reason);
  });

  it('streams', async () => {
    const stream = await openai.chat.completions.create({
      model: 'any',
      messages: [
        { role: 'system', content: 'You tell stories.' },
        { role: 'user', content: 'Tell me about a cat' },
      ],
      max_tokens: 25,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(finish);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('refuses a client without the token, and explains bad requests', async () => {
    const stranger = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-the-token', maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401 });
    await expect(openai.chat.completions.create({ model: 'x', messages: [] })).rejects.toMatchObject({ status: 400 });
  });
});

describe('the OpenAI-compatible provider, against a second companion serving /v1', () => {
  let upstream: RunningCompanion;
  let downstream: RunningCompanion;

  beforeAll(async () => {
    requireModel();
    upstream = await startCompanion();
    downstream = await startCompanion({
      model: null,
      args: ['--providers', 'openai', '--endpoint', `${upstream.url}/v1`],
      env: { ALISA_LLM_API_KEY: upstream.token },
    });
  });
  afterAll(async () => {
    await downstream?.stop();
    await upstream?.stop();
  });

  it('streams a reply through the remote model, persisted downstream', async () => {
    const { client, started, events, end } = await chatOnce(downstream, 'Tell me about a brave little bird');
    expect(end.type).toBe('reply.end');
    if (end.type !== 'reply.end') return;
    expect(end.provider).toBe('openai');
    const tokens = events.filter((e) => e.type === 'reply.token');
    expect(tokens.length).toBeGreaterThan(1);
    expect(events.findIndex((e) => e.type === 'reply.emotion')).toBeLessThan(events.findIndex((e) => e.type === 'reply.token'));
    expect(end.tokens.completion).toBeGreaterThan(0);
    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', text: end.text, status: 'complete' });
    const status = await client.request('status.get', {});
    expect(status.model).toMatchObject({ provider: 'openai', state: 'ready', model: 'stories260K.gguf' });
    client.close();
  });

  it('an unreachable server gives llm_unreachable and the companion stays up', async () => {
    const lonely = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', 'http://127.0.0.1:9/v1', '--llm-timeout', '2000'] });
    try {
      const { client, events } = await chatOnce(lonely, 'hello?');
      expect(events.at(-1)).toMatchObject({ type: 'reply.error', error: { code: 'llm_unreachable' } });
      expect((await client.request('status.get', {})).database.state).toBe('ready');
      client.close();
    } finally {
      expect(await lonely.stop()).toBe(0);
    }
  });

  it('falls back to the next provider in the configured order', async () => {
    const fallback = await startCompanion({
      model: null,
      args: [
        '--providers',
        'openai,embedded',
        '--endpoint',
        'http://127.0.0.1:9/v1',
        '--llm-timeout',
        '2000',
        '--model',
        process.env.ALISA_TEST_MODEL ?? requireModel(),
      ],
    });
    try {
      const { client, events } = await chatOnce(fallback, 'hello');
      expect(events.at(-1)).toMatchObject({ type: 'reply.end', provider: 'embedded' });
      client.close();
    } finally {
      await fallback.stop();
    }
  });
});
