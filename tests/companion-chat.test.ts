// The companion end to end: the built process, the real WebSocket, the real model, the real
// SQLite file. What the user relies on: replies stream and persist, emotions arrive first, a
// restart restores everything, search finds old messages, cancel keeps what was said.
import { describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { useCompanionClient } from './helpers/comp-live';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

describe('companion chat over WebSocket with the real model', () => {
  let companion: RunningCompanion;
  let client: TestClient;
  useCompanionClient((c, connected) => ((companion = c), (client = connected)), {}, { current: () => [companion, client] });

  it('reports health: version, model state, database state', async () => {
    const res = await fetch(`${companion.url}/health`, { headers: { authorization: `Bearer ${companion.token}` } });
    expect(res.status).toBe(200);
    const health = await res.json();
    expect(health).toMatchObject({ ok: true, protocolVersion: 1, database: { state: 'ready' } });
    expect(typeof health.version).toBe('string');
    expect(['loading', 'ready']).toContain(health.model.state);
  });

  let firstSessionId = 0;

  it('streams a reply: start, emotion before the first token, tokens, end; and persists both messages', async () => {
    const started = await client.request('chat.send', { text: 'Tell me about the little dog in the park' });
    expect(started.replyId).toBeTruthy();
    firstSessionId = started.sessionId;
    const events = await client.reply(started.replyId!);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('reply.start');
    expect(types.at(-1)).toBe('reply.end');
    const emotionAt = types.indexOf('reply.emotion');
    const firstTokenAt = types.indexOf('reply.token');
    expect(emotionAt).toBeGreaterThan(0);
    expect(types.filter((t) => t === 'reply.emotion')).toHaveLength(1);
    expect(firstTokenAt).toBeGreaterThan(emotionAt);
    const tokens = events.filter((e): e is Ev<'reply.token'> => e.type === 'reply.token');
    expect(tokens.length).toBeGreaterThan(1);
    const end = events.at(-1) as Ev<'reply.end'>;
    expect(end.text).toBe(tokens.map((t) => t.text).join(''));
    expect(end.text).not.toMatch(/<\s*emotion/i);
    expect(end.interrupted).toBe(false);
    expect(end.tokens.prompt).toBeGreaterThan(0);
    expect(end.tokens.completion).toBeGreaterThan(0);
    expect(end.tokens.completion).toBeLessThanOrEqual(40);
    expect(end.timings.firstTokenMs).toBeGreaterThanOrEqual(0);
    expect(end.timings.totalMs).toBeGreaterThanOrEqual(end.timings.firstTokenMs!);
    expect(end.provider).toBe('embedded');

    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    const last2 = messages.slice(-2);
    expect(last2.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(last2[0]!.text).toBe('Tell me about the little dog in the park');
    expect(last2[1]!.text).toBe(end.text);
    expect(last2[1]!.emotion).toBe(end.emotion);
    expect(last2[1]!.completionTokens).toBe(end.tokens.completion);
  });

  it('finds old messages with full-text search, with highlighted snippets', async () => {
    const { hits } = await client.request('memory.search', { query: 'little dog' });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.snippet).toContain('[[');
    expect(hits.some((h) => h.role === 'user' && h.sessionId === firstSessionId)).toBe(true);
  });

  it('cancels a reply mid-stream and keeps what was said, marked interrupted', async () => {
    const started = await client.request('chat.send', { text: 'Once upon a time', maxTokens: 1500 });
    await client.waitFor((m) => m.type === 'reply.token' && m.replyId === started.replyId);
    const { cancelled } = await client.request('chat.cancel', { replyId: started.replyId! });
    expect(cancelled).toBe(true);
    const events = await client.reply(started.replyId!);
    const end = events.at(-1) as Ev<'reply.end'>;
    expect(end.type).toBe('reply.end');
    expect(end.interrupted).toBe(true);
    expect(end.tokens.completion).toBeLessThan(1500);
    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    const reply = messages.find((m) => m.id === end.messageId)!;
    expect(reply.status).toBe('interrupted');
    expect(reply.text).toBe(end.text);
  });

  it('refuses a second reply in the same session while one streams', async () => {
    const first = await client.request('chat.send', { text: 'A long story please', maxTokens: 1500 });
    await expect(client.request('chat.send', { text: 'and another', sessionId: first.sessionId })).rejects.toMatchObject({ info: { code: 'busy' } });
    await client.request('chat.cancel', { replyId: first.replyId! });
    await client.reply(first.replyId!);
  });

  it('switches mode with /mode and with a typed message, and refuses unknown modes', async () => {
    const r = await client.request('chat.send', { text: '/mode serious' });
    expect(r).toMatchObject({ replyId: null, mode: 'serious' });
    await client.waitFor((m) => m.type === 'mode.changed' && m.mode === 'serious');
    expect((await client.request('mode.set', { mode: 'calm' })).mode).toBe('calm');
    expect((await client.request('status.get', {})).mode).toBe('calm');
    await expect(client.request('chat.send', { text: '/mode grumpy' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
  });

  it('manages sessions, characters, summary and export', async () => {
    const s = await client.request('session.create', { title: 'Second chat' });
    const renamed = await client.request('session.rename', { sessionId: s.id, title: 'Renamed chat' });
    expect(renamed.title).toBe('Renamed chat');
    const { sessions } = await client.request('session.list', {});
    expect(sessions.map((x) => x.id)).toContain(s.id);
    await client.request('session.delete', { sessionId: s.id });
    await expect(client.request('session.messages', { sessionId: s.id })).rejects.toMatchObject({ info: { code: 'not_found' } });

    const { characters, activeId } = await client.request('character.list', {});
    const alisa = characters.find((c) => c.builtin)!;
    expect(alisa.name).toBe('Alisa');
    expect(activeId).toBe(alisa.id);
    await expect(client.request('character.delete', { characterId: alisa.id })).rejects.toMatchObject({ info: { code: 'forbidden' } });
    const mika = await client.request('character.create', { name: 'Mika', systemPrompt: 'You are Mika, a calm librarian.' });
    expect((await client.request('character.select', { characterId: mika.id })).activeId).toBe(mika.id);
    await client.request('character.delete', { characterId: mika.id });
    expect((await client.request('character.list', {})).activeId).toBe(alisa.id);

    const summary = await client.request('history.summary', {});
    expect(summary.messages).toBeGreaterThanOrEqual(4);
    expect(summary.turns).toBeGreaterThanOrEqual(2);
    const md = await client.request('history.export', { format: 'markdown' });
    expect(md.content).toContain('Tell me about the little dog in the park');
    const js = await client.request('history.export', { format: 'json' });
    expect(JSON.parse(js.content).sessions.length).toBeGreaterThan(0);
  });

  it('a restart restores every session and its messages', async () => {
    const before = await client.request('session.list', {});
    const beforeMessages = await client.request('session.messages', { sessionId: firstSessionId });
    client.close();
    expect(await companion.stop()).toBe(0);

    companion = await startCompanion({ dataDir: companion.dataDir });
    client = await TestClient.connect(companion);
    const after = await client.request('session.list', {});
    expect(after.sessions.map((s) => [s.id, s.title, s.messageCount])).toEqual(before.sessions.map((s) => [s.id, s.title, s.messageCount]));
    const afterMessages = await client.request('session.messages', { sessionId: firstSessionId });
    expect(afterMessages.messages).toEqual(beforeMessages.messages);
    // The mode chosen before the restart is kept.
    expect((await client.request('status.get', {})).mode).toBe('calm');
  });
});

describe('emotion tags from the real model (grammar-enforced)', () => {
  it('parses the tag the model writes, reports it first, and keeps it out of the text and the database', async () => {
    requireModel();
    const c = await startCompanion({ args: ['--emotion-grammar'] });
    try {
      const client = await TestClient.connect(c);
      const seen: string[] = [];
      for (let i = 0; i < 5 && !seen.some((e) => e !== 'neutral'); i++) {
        const started = await client.request('chat.send', { text: `How do you feel today? (${i})` });
        const events = await client.reply(started.replyId!);
        const types = events.map((e) => e.type);
        expect(types.indexOf('reply.emotion')).toBeLessThan(types.indexOf('reply.token'));
        const end = events.at(-1) as Ev<'reply.end'>;
        expect(end.text).not.toMatch(/<\s*emotion|^\s/i);
        const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
        expect(messages.at(-1)).toMatchObject({ text: end.text, emotion: end.emotion });
        seen.push(end.emotion);
      }
      expect(seen.some((e) => e !== 'neutral')).toBe(true);
      client.close();
    } finally {
      await c.stop();
    }
  });
});
