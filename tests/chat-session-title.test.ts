// Chats name themselves (companion/chat/session-title.ts): the first words of the user's message
// at once, then a title the model writes, never over a name the user gave. The model is reached
// through the real OpenAI provider against a local server that speaks the streaming wire format
// (a model that writes good titles on request does not exist on this machine; the tiny model's
// own attempt is exercised through the companion in the last test), with the real SQLite store.
import { mkdtempSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../protocol';
import { cleanModelTitle, firstWordsTitle, SessionTitler } from '../companion/chat/session-title';
import { EventHub } from '../companion/events';
import { OpenAiProvider } from '../companion/llm';
import { MemoryStore } from '../companion/memory';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient } from './helpers/companion';

describe('titles from text', () => {
  it('takes the first words of the message, without markup, cut with an ellipsis', () => {
    expect(firstWordsTitle('Why does `npm test` fail with ENOENT on CI?')).toBe('Why does npm test fail with…');
    expect(firstWordsTitle('hello')).toBe('Hello');
    expect(firstWordsTitle('  fix this:\n```ts\nconst a: string = 1;\n```')).toBe('Fix this');
    expect(firstWordsTitle('```\nonly code\n```')).toBeNull();
    expect(firstWordsTitle('a'.repeat(80))).toBe(`${'A'.repeat(1)}${'a'.repeat(46)}…`);
  });

  it("keeps a model's answer only when it looks like a title", () => {
    expect(cleanModelTitle('[calm] "Fixing the ENOENT error in CI."\nMore text')).toBe('Fixing the ENOENT error in CI');
    expect(cleanModelTitle('Title: debugging a flaky test')).toBe('Debugging a flaky test');
    expect(cleanModelTitle('Once upon a time there was a little fox who ran across the field')).toBeNull();
    expect(cleanModelTitle('   \n  ')).toBeNull();
    expect(cleanModelTitle('!!! ???')).toBeNull();
  });
});

describe('SessionTitler', () => {
  let answer = 'Fixing the CI build';
  let hold: Promise<void> | null = null;
  const requests: string[] = [];
  const server = createServer(async (req, res: ServerResponse) => {
    if (req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm' }] }));
      return;
    }
    let body = '';
    for await (const part of req) body += part;
    requests.push(body);
    if (hold) await hold;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: answer }, finish_reason: null }] })}\n\n`);
    res.end(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
  });
  let provider: OpenAiProvider;
  let store: MemoryStore;
  const events = new EventHub();
  const seen: CompanionEvent[] = [];
  events.onEvent((e) => void seen.push(e));

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    provider = new OpenAiProvider({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, timeoutMs: 5000 });
    await provider.ensureReady();
    store = MemoryStore.open(path.join(mkdtempSync(path.join(os.tmpdir(), 'alisa-title-')), 'memory.db'));
  });
  afterAll(() => {
    store?.close();
    server.close();
  });

  const exchange = (text: string) => {
    const s = store.createSession();
    store.addMessage({ sessionId: s.id, role: 'user', text });
    store.addMessage({ sessionId: s.id, role: 'assistant', text: 'Let me look.' });
    return s.id;
  };
  const titles = (id: number) =>
    seen.filter((e) => e.type === 'sessions.changed' && e.session?.id === id).map((e) => (e as { session: { title: string } }).session.title);

  it('names a new chat by its first words at once, then by the model', async () => {
    const titler = new SessionTitler({ memory: () => store, events, mode: 'model', readyProvider: () => provider });
    const id = exchange('the build fails on CI with ENOENT, can you help me find out why');
    const modelDone = titler.afterReply(id, 'Let me look.');
    expect(store.getSession(id)!.title).toBe('The build fails on CI with…');
    await modelDone;
    expect(store.getSession(id)!.title).toBe('Fixing the CI build');
    expect(titles(id)).toEqual(['The build fails on CI with…', 'Fixing the CI build']);
    // The model was shown the exchange.
    expect(requests.at(-1)).toContain('the build fails on CI with ENOENT');
    // Named once: later replies change nothing.
    expect(titler.afterReply(id, 'More.')).toBeNull();
    expect(titles(id)).toHaveLength(2);
  });

  it("never overwrites the user's own name, and keeps the first words when the model rambles", async () => {
    const titler = new SessionTitler({ memory: () => store, events, mode: 'model', readyProvider: () => provider });
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    const id = exchange('rename me please');
    const modelDone = titler.afterReply(id, 'Sure.');
    store.renameSession(id, 'My own name');
    release();
    hold = null;
    await modelDone;
    expect(store.getSession(id)!.title).toBe('My own name');

    answer = 'Once upon a time there was a little fox who ran across the field and';
    const id2 = exchange('what is a closure');
    await titler.afterReply(id2, 'A function with its scope.');
    expect(store.getSession(id2)!.title).toBe('What is a closure');
  });

  it('with `words` it never asks the model; with no model ready it keeps the first words', async () => {
    const before = requests.length;
    const words = new SessionTitler({ memory: () => store, events, mode: 'words', readyProvider: () => provider });
    expect(words.afterReply(exchange('explain generics in TypeScript'), 'Sure.')).toBeNull();
    const none = new SessionTitler({ memory: () => store, events, mode: 'model', readyProvider: () => null });
    const id = exchange('what does this regex do');
    expect(none.afterReply(id, 'It matches digits.')).toBeNull();
    expect(store.getSession(id)!.title).toBe('What does this regex do');
    expect(requests.length).toBe(before);
  });
});

describe('through the companion', () => {
  it('a new chat is named after its first reply (sessions.changed carries the title)', async () => {
    requireModel();
    const companion = await startCompanion({ args: ['--auto-title', 'model'] });
    const client = await TestClient.connect(companion);
    try {
      const { id } = await client.request('session.create', {});
      const sent = await client.request('chat.send', { sessionId: id, text: 'Tell me a story about a brave little fox' });
      await client.reply(sent.replyId!);
      const named = await client.waitFor((m) => m.type === 'sessions.changed' && m.session?.id === id && m.session.title !== 'New chat', 30_000);
      expect((named as { session: { title: string } }).session.title).toBe('Tell me a story about a…');
      // The tiny model then may or may not write something that passes for a title; either way the
      // chat ends with a one-line title of at most eight words.
      const { sessions } = await client.request('session.list', {});
      const title = sessions.find((s) => s.id === id)!.title;
      expect(title).not.toBe('New chat');
      expect(title).not.toContain('\n');
      expect(title.split(' ').length).toBeLessThanOrEqual(8);
    } finally {
      client.close();
      await companion.stop();
    }
  });
});
