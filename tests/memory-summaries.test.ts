// Summaries of older chats (issue 17, companion/memory-recall/session-summarizer.ts): the store's
// part on a real SQLite file (one summary per session, replaced, gone with its session and its
// vector), and the whole path through the real companion over its WebSocket: the model is an
// OpenAI-compatible server in tests/ answering scripted text (a stand-in for a model that
// summarises well, which cannot run here), recognising the summary request by its instruction.
// Tests wait for the memory.changed event of a summary, never for a while.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../companion/memory';
import { EXTRACT_INSTRUCTION } from '../companion/memory-recall/extractor';
import { parseSummary, SUMMARY_INSTRUCTION, SUMMARY_PREFIX } from '../companion/memory-recall/session-summarizer';
import { MEMORY_TEXT_MAX, type MemoryFact } from '../protocol/memory';
import type { CompanionMessage } from '../protocol';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';

const A = { id: 'file:///home/me/alpha', name: 'alpha' };
/** An AWS access key id in the shape the secret scanner knows (not the documented example). */
const AWS_KEY = 'AKIAZ7Q3M5N8P2R4T6V1';

describe('the store keeps one summary per chat', () => {
  let dir: string;
  let file: string;
  let store: MemoryStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-summaries-'));
    file = path.join(dir, 'alisa.db');
    store = MemoryStore.open(file);
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const raw = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };

  it("replaces the summary in place, in the chat's workspace; refuses secrets and overlong text", () => {
    const session = store.createSession('billing', null, A);
    const first = store.putSessionSummary(session.id, 'In an earlier chat: the user planned the billing move.');
    expect(first).toMatchObject({ source: 'summary', scope: 'workspace', workspace: A.id, workspaceName: A.name });
    const second = store.putSessionSummary(session.id, 'In an earlier chat: the user moved billing; the rollback script is done.');
    expect(second.id).toBe(first.id);
    expect(store.sessionSummary(session.id)!.text).toContain('rollback script is done');
    expect(raw('SELECT id FROM memories WHERE session_id = ?', session.id)).toEqual([{ id: first.id }]);
    expect(() => store.putSessionSummary(session.id, `The key is ${AWS_KEY}`)).toThrow(/secret/);
    expect(() => store.putSessionSummary(session.id, 'x'.repeat(MEMORY_TEXT_MAX + 1))).toThrow(/at most|1 to/);
    // A fact of the same words is another memory: the summary never clashes with it.
    expect(store.addFact({ text: second.text, source: 'explicit' }).created).toBe(true);
  });

  it("deleting the chat deletes its summary, the summary's index entry and its vector", () => {
    const session = store.createSession('trip', null, null);
    const summary = store.putSessionSummary(session.id, 'In an earlier chat: the user planned a sailing trip to Crete.');
    expect(store.putFactVectors('test:model', [{ id: summary.id, text: summary.text, vector: Float32Array.of(1, 0) }])).toEqual([summary.id]);
    const fts = () => raw('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?', '"crete"');
    expect(fts()).toEqual([{ rowid: summary.id }]);

    store.deleteSession(session.id);
    expect(store.getFact(summary.id)).toBeNull();
    expect(fts()).toEqual([]);
    expect(raw('SELECT * FROM memory_vectors')).toEqual([]);
  });

  it("reads the model's answer: NONE and secrets are nothing, a long one is cut to fit a memory", () => {
    expect(parseSummary('NONE')).toBeNull();
    expect(parseSummary(`<emotion=calm> The user deploys with the key ${AWS_KEY}.`)).toBeNull();
    expect(parseSummary('<emotion=calm> Summary: The user   is moving billing.')).toBe(`${SUMMARY_PREFIX}The user is moving billing.`);
    const long = parseSummary(`${'The user worked on the billing service all day. '.repeat(20)}`)!;
    expect(long.length).toBeLessThanOrEqual(MEMORY_TEXT_MAX);
    expect(long).toMatch(/day\.$/);
  });
});

type Changed = Extract<CompanionMessage, { type: 'memory.changed' }>;
const changes = (c: TestClient, from = 0) => c.events.slice(from).filter((m): m is Changed => m.type === 'memory.changed');
const isSummary = (req: ToolServer['requests'][number]) => String(req.messages[0]?.content ?? '') === SUMMARY_INSTRUCTION;
const isExtraction = (req: ToolServer['requests'][number]) => String(req.messages[0]?.content ?? '') === EXTRACT_INSTRUCTION;

/** What the scripted model writes for a chat: it depends on what the chat says. */
function summaryFor(req: ToolServer['requests'][number]): string {
  const chat = String(req.messages.at(-1)!.content);
  if (chat.includes('a marker chat')) return 'The user had a marker chat.';
  if (!chat.startsWith('User: I am moving the billing service')) return 'NONE';
  return chat.includes('rollback script is done')
    ? 'The user moved the billing service to Postgres 16; the rollback script is written.'
    : 'The user is moving the billing service to Postgres 16 and still has to write the rollback script.';
}

async function startScripted(idleMs: number) {
  const server = await startToolServer((req) => ({ text: isSummary(req) ? summaryFor(req) : isExtraction(req) ? 'NONE' : '<emotion=calm> ok' }));
  const companion = await startCompanion({
    model: null,
    args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute', '--memory-extract', 'model', '--memory-summary-idle-ms', String(idleMs)],
  });
  return { server, companion, client: await connectAs(companion, A) };
}

async function say(client: TestClient, sessionId: number, text: string) {
  const started = await client.request('chat.send', { text, sessionId });
  const events = await client.reply(started.replyId!);
  expect(events.at(-1)!.type).toBe('reply.end');
}

/** Waits for the memory.changed event of a summary saying `words` (after event index `from`). */
async function summarised(client: TestClient, words: string, from: number): Promise<MemoryFact> {
  const match = (m: CompanionMessage) => m.type === 'memory.changed' && m.fact?.source === 'summary' && m.fact.text.includes(words);
  await client.waitFor((m) => match(m) && client.events.indexOf(m) >= from, 30_000);
  return changes(client, from).find((m) => match(m))!.fact!;
}

const summaryRows = (companion: RunningCompanion) => {
  const db = new Database(path.join(companion.dataDir, 'alisa.db'), { readonly: true });
  try {
    return db.prepare("SELECT id, session_id, text FROM memories WHERE source = 'summary' ORDER BY id").all() as Array<{
      id: number;
      session_id: number;
      text: string;
    }>;
  } finally {
    db.close();
  }
};

describe('summaries of older chats, through the companion, with an OpenAI-compatible server', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let client: TestClient;
  beforeAll(async () => {
    // Idle summaries are not what this suite tests: an hour.
    ({ server, companion, client } = await startScripted(3_600_000));
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await companion?.stop();
    await server?.close();
  });

  it('sums up a chat when another becomes active, recalls it later, replaces it when the chat grows and deletes it with the chat', async () => {
    const billing = await client.request('session.create', { title: 'billing' });
    await say(client, billing.id, 'I am moving the billing service to postgres 16');
    await say(client, billing.id, `the staging key is ${AWS_KEY}, and the rollback script is still to do`);
    expect(server.requests.filter(isSummary)).toHaveLength(0);

    const other = await client.request('session.create', { title: 'other' });
    let from = client.events.length;
    await say(client, other.id, 'hello there');
    const first = await summarised(client, 'still has to write the rollback script', from);
    expect(first).toMatchObject({
      text: `${SUMMARY_PREFIX}The user is moving the billing service to Postgres 16 and still has to write the rollback script.`,
      source: 'summary',
      scope: 'workspace',
      workspace: A.id,
    });
    expect(summaryRows(companion)).toEqual([{ id: first.id, session_id: billing.id, text: first.text }]);
    const asked = server.requests.filter(isSummary);
    expect(asked).toHaveLength(1);
    expect(String(asked[0]!.messages.at(-1)!.content)).toContain('User: I am moving the billing service to postgres 16');
    // Secrets are redacted before the model reads the chat.
    expect(JSON.stringify(asked)).not.toContain(AWS_KEY);
    const listed = await client.request('memories.list', {});
    expect(listed.facts.filter((f) => f.source === 'summary').map((f) => f.id)).toEqual([first.id]);

    // Recall finds it like any memory: it is in the prompt of a later message about it.
    await say(client, other.id, 'what was left for the rollback script?');
    const prompt = server.requests.filter((r) => !isSummary(r) && !isExtraction(r)).at(-1)!;
    expect(JSON.stringify(prompt.messages)).toContain(first.text);

    // The chat grows: moving on from it again replaces its summary, in place.
    await say(client, billing.id, 'the rollback script is done now');
    from = client.events.length;
    await say(client, other.id, 'ok');
    const second = await summarised(client, 'the rollback script is written', from);
    expect(second.id).toBe(first.id);
    expect(summaryRows(companion)).toEqual([{ id: first.id, session_id: billing.id, text: second.text }]);

    // Deleting the chat deletes its summary, and every client hears of it.
    from = client.events.length;
    await client.request('session.delete', { sessionId: billing.id });
    await client.waitFor((m) => m.type === 'memory.changed' && (m.deletedIds ?? []).includes(first.id) && client.events.indexOf(m) >= from);
    expect(summaryRows(companion)).toEqual([]);
    expect((await client.request('memories.list', {})).facts.some((f) => f.id === first.id)).toBe(false);
  }, 120_000);
});

describe('a chat left idle is summed up', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let client: TestClient;
  beforeAll(async () => {
    ({ server, companion, client } = await startScripted(50));
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await companion?.stop();
    await server?.close();
  });

  it('after its last reply, with no other chat', async () => {
    const billing = await client.request('session.create', { title: 'billing' });
    const from = client.events.length;
    await say(client, billing.id, 'I am moving the billing service to postgres 16');
    await say(client, billing.id, 'the rollback script is still to do');
    const fact = await summarised(client, 'still has to write the rollback script', from);
    expect(summaryRows(companion)).toEqual([{ id: fact.id, session_id: billing.id, text: fact.text }]);

    // The user deletes it; moving to another chat does not write it again, as the chat did not grow.
    await client.request('memories.delete', { id: fact.id });
    const other = await client.request('session.create', { title: 'other' });
    const next = client.events.length;
    await say(client, other.id, 'this is a marker chat');
    await say(client, other.id, 'still a marker chat');
    // Summaries run one at a time in the order asked: the billing chat was considered first.
    await summarised(client, 'a marker chat', next);
    const billingAsked = server.requests.filter((r) => isSummary(r) && String(r.messages.at(-1)!.content).startsWith('User: I am moving the billing'));
    expect(billingAsked).toHaveLength(1);
    expect(summaryRows(companion).map((r) => r.session_id)).toEqual([other.id]);
  }, 60_000);
});
