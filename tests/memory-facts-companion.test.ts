// Long-term memory (issue 17) through the real companion over its WebSocket: "remember that ..."
// and "forget that ..." in chat with the real tiny model; what goes into the model's prompt,
// read from the requests an OpenAI-compatible server in tests/ records (a stand-in for a model
// that could use it); workspaces kept apart; the memories.* methods and their events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage, MemoryFact } from '../protocol';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs, useCompanionClient } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';

const A = { id: 'file:///home/me/alpha', name: 'alpha' };
const B = { id: 'file:///home/me/beta', name: 'beta' };

type Changed = Extract<CompanionMessage, { type: 'memory.changed' }>;
const changes = (c: TestClient, from = 0) => c.events.slice(from).filter((m): m is Changed => m.type === 'memory.changed');

async function say(client: TestClient, text: string, sessionId?: number) {
  const started = await client.request('chat.send', { text, ...(sessionId !== undefined ? { sessionId } : {}) });
  const events = await client.reply(started.replyId!);
  return { started, end: events.at(-1)! };
}

describe('with the real tiny model', () => {
  let client: TestClient;
  useCompanionClient((_c, connected) => (client = connected), { args: ['--no-idle', '--mute'] });

  it('"remember that ..." is listed with where it came from; "forget that ..." removes it; the reply still comes', async () => {
    const { started, end } = await say(client, 'remember that I prefer pytest');
    expect(end.type).toBe('reply.end');
    const { facts, total } = await client.request('memories.list', {});
    expect(total).toBe(1);
    expect(facts[0]).toMatchObject({ text: 'I prefer pytest', scope: 'global', source: 'explicit', confidence: 1, sourceMessageId: started.userMessageId });
    const added = changes(client).find((e) => e.fact?.text === 'I prefer pytest');
    expect(added?.fact?.id).toBe(facts[0]!.id);

    const search = await client.request('memories.list', { query: 'pytest' });
    expect(search.facts.map((f) => f.id)).toEqual([facts[0]!.id]);

    const forgot = await say(client, 'forget that I prefer pytest');
    expect(forgot.end.type).toBe('reply.end');
    expect((await client.request('memories.list', {})).total).toBe(0);
    expect(changes(client).some((e) => e.deletedIds?.includes(facts[0]!.id))).toBe(true);
  }, 120_000);

  it('the memories.* methods: add, update, delete, clear only with confirm, export and import', async () => {
    const from = client.events.length;
    const fact = await client.request('memories.add', { text: 'I work on the billing service', pinned: true });
    expect(fact).toMatchObject({ source: 'manual', pinned: true, scope: 'global' });
    const updated = await client.request('memories.update', { id: fact.id, text: 'I work on the payments service' });
    expect(updated.text).toBe('I work on the payments service');
    // A client without a workspace cannot make a workspace memory.
    await expect(client.request('memories.add', { text: 'x', scope: 'workspace' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('memories.add', { text: 'my key is ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8' })).rejects.toMatchObject({
      info: { code: 'invalid_argument' },
    });
    const exported = await client.request('memories.export', {});
    expect(exported.facts.map((f) => f.text)).toEqual(['I work on the payments service']);
    await expect(client.request('memories.clear', {} as never)).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    expect(await client.request('memories.clear', { confirm: true })).toEqual({ removed: 1 });
    const imported = await client.request('memories.import', { file: { ...exported, facts: [...exported.facts, exported.facts[0]!] } });
    expect(imported).toEqual({ added: 1, skipped: 1, reasons: ['fact 2: already remembered'] });
    const [back] = (await client.request('memories.list', {})).facts;
    expect(back).toMatchObject({ text: 'I work on the payments service', source: 'import', pinned: true });
    await client.request('memories.delete', { id: back!.id });
    await expect(client.request('memories.delete', { id: back!.id })).rejects.toMatchObject({ info: { code: 'not_found' } });
    await client.waitFor(() => changes(client, from).length >= 5, 5000);
    expect(changes(client, from).map((e) => (e.cleared ? 'cleared' : e.fact ? 'fact' : 'deleted'))).toEqual(['fact', 'fact', 'cleared', 'fact', 'deleted']);
  }, 60_000);
});

describe('recall into the prompt, with an OpenAI-compatible server', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let alpha: TestClient;
  let beta: TestClient;

  /** Every message of the last request the model received, as one text. */
  const lastPrompt = () => JSON.stringify(server.requests.at(-1)!.messages);

  beforeAll(async () => {
    server = await startToolServer(() => ({ text: '<emotion=calm> ok' }));
    companion = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute'] });
    alpha = await connectAs(companion, A);
    beta = await connectAs(companion, B);
  }, 60_000);
  afterAll(async () => {
    alpha?.close();
    beta?.close();
    await companion?.stop();
    await server?.close();
  });

  it('a remembered fact reaches a later question in another chat; an unrelated one among many does not', async () => {
    // Many unrelated memories (one of them about cats), imported in one go.
    const facts = Array.from({ length: 300 }, (_, i) => ({
      text: i === 7 ? 'My cat sleeps on the keyboard' : `The user enjoys topic number ${i} on weekends`,
      scope: 'global' as const,
      workspace: null,
      workspaceName: null,
      source: 'model' as const,
      confidence: 0.6,
      pinned: false,
      createdAt: Date.now() - 1000,
    }));
    expect((await alpha.request('memories.import', { file: { format: 'alisa-memories', version: 1, exportedAt: Date.now(), facts } })).added).toBe(300);

    await say(alpha, 'remember that my dog is called Rex');
    const fresh = await alpha.request('session.create', {});
    await say(alpha, 'what is my dog called?', fresh.id);
    const messages = server.requests.at(-1)!.messages;
    const user = messages.at(-1)!;
    expect(user.role).toBe('user');
    expect(String(user.content)).toContain('- My dog is called Rex');
    expect(String(user.content)).toMatch(/what is my dog called\?$/);
    // Not in the system message (the prompt cache's stable prefix), and nothing unrelated came along.
    expect(String(messages[0]!.content)).not.toContain('Rex');
    expect(lastPrompt()).not.toContain('cat sleeps');
    expect(lastPrompt()).not.toContain('topic number');

    const [dog] = (await alpha.request('memories.list', { query: 'dog' })).facts as MemoryFact[];
    expect(dog!.lastUsedAt).not.toBeNull();
  }, 60_000);

  it("a workspace's memory is recalled in that workspace only", async () => {
    await say(alpha, 'remember that in this project we deploy with helm');
    const mine = (await alpha.request('memories.list', { scope: 'workspace' })).facts;
    expect(mine.map((f) => [f.text, f.workspace, f.workspaceName])).toEqual([['We deploy with helm', A.id, 'alpha']]);
    expect((await beta.request('memories.list', { query: 'helm' })).total).toBe(0);

    await say(beta, 'how do we deploy this?');
    expect(lastPrompt()).not.toContain('helm');
    // B cannot forget it either.
    await say(beta, 'forget that we deploy with helm');
    expect((await alpha.request('memories.list', { query: 'helm' })).total).toBe(1);

    const fresh = await alpha.request('session.create', {});
    await say(alpha, 'how do we deploy this?', fresh.id);
    expect(lastPrompt()).toContain('We deploy with helm');
  }, 60_000);
});
