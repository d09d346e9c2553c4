// Embeddings and hybrid recall of memories (issue 17): the embedded embedder on the real tiny model
// (stories260K through node-llama-cpp), the vectors in a real SQLite file (made in the background,
// replaced when another model made them or the text changed, gone with their memory), and recall
// that fuses bm25 with similarity. The tiny model's vectors are real but carry little meaning, so
// the tests of recall *by meaning* use ConceptTestEmbedder (tests/helpers/concept-embedder.ts), a
// deterministic test embedder, and say so.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventHub } from '../companion/events';
import { EmbeddedEmbedder } from '../companion/llm/embedded-embedder';
import type { Embedder } from '../companion/llm/embedder';
import { MemoryStore } from '../companion/memory';
import { createMemoryEmbedder } from '../companion/memory-recall/embeddings-setup';
import { MemoryRecall } from '../companion/memory-recall/memory-recall';
import { MemoryVectors } from '../companion/memory-recall/memory-vectors';
import { fuseCandidates, VECTOR_ONLY_MAX } from '../companion/memory-recall/recall';
import { VectorIndex } from '../companion/memory-recall/vector-index';
import type { CompanionMessage, MemoryFact } from '../protocol';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';
import { ConceptTestEmbedder } from './helpers/concept-embedder';
import { companionSettings, parsedArgs } from './helpers/ext-settings';
import { MODEL_PATH } from './helpers/model';
import { seedMemories } from './helpers/seed-memories';
import { memoryFact } from './helpers/webview-fixtures';

const A = { id: 'file:///home/me/alpha', name: 'alpha' };
const B = { id: 'file:///home/me/beta', name: 'beta' };
const HAVE_MODEL = fs.existsSync(MODEL_PATH);
const NO_MODEL = `the test model is missing at ${MODEL_PATH} (set ALISA_TEST_MODEL)`;

let dir: string;
let file: string;
let store: MemoryStore;
const clock = 1_700_000_000_000;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-vectors-'));
  file = path.join(dir, 'alisa.db');
  store = MemoryStore.open(file, { now: () => clock });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A query over a connection of its own (what is really in the file). */
function raw<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const length = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

function vectorsFor(embedder: Embedder, events = new EventHub()) {
  return new MemoryVectors({ memory: () => store, embedder, events, replying: () => false, log: () => {} });
}

describe.skipIf(!HAVE_MODEL)(`the embedded embedder on the real tiny model${HAVE_MODEL ? '' : ` (skipped: ${NO_MODEL})`}`, () => {
  let embedder: EmbeddedEmbedder;
  beforeAll(() => {
    embedder = new EmbeddedEmbedder({ modelPath: MODEL_PATH, threads: 1, gpu: false });
  });
  afterAll(() => embedder.dispose());

  it('makes unit-length vectors; the same text gives the same vector, another text another', async () => {
    const [a, again, other, empty, long] = await embedder.embed([
      'The user likes green tea',
      'The user likes green tea',
      'A dog ran across the park',
      '',
      'word '.repeat(3000),
    ]);
    expect(embedder.dimensions).toBeGreaterThan(0);
    for (const v of [a, again, other, long]) {
      expect(v!.length).toBe(embedder.dimensions);
      expect(length(v!)).toBeCloseTo(1, 5);
    }
    // An empty text has no token: the zero vector, close to nothing.
    expect(empty!.length).toBe(embedder.dimensions);
    expect(length(empty!)).toBe(0);
    expect(Array.from(again!)).toEqual(Array.from(a!));
    expect(Array.from(other!)).not.toEqual(Array.from(a!));
    // The model's identity names the file and its size: another file's vectors are not comparable.
    expect(embedder.model).toBe(`gguf:${path.basename(MODEL_PATH)}:${fs.statSync(MODEL_PATH).size}`);
  });

  it('"chat" uses the chat model\'s own file', async () => {
    const chat = createMemoryEmbedder({ embeddingModel: 'chat', model: MODEL_PATH, modelsDir: dir, threads: 1, gpu: false })!;
    try {
      const [v] = await chat.embed(['The user likes green tea']);
      expect(Array.from(v!)).toEqual(Array.from((await embedder.embed(['The user likes green tea']))[0]!));
    } finally {
      await chat.dispose?.();
    }
    expect(createMemoryEmbedder({ embeddingModel: null, model: MODEL_PATH, modelsDir: dir, threads: 1, gpu: false })).toBeNull();
  });

  it("gives every memory a vector in the background, replaces another model's, and drops a vector whose text changed", async () => {
    const facts = ['My dog is called Rex', 'I brew oolong every evening', 'We deploy with Terraform'].map(
      (text) => store.addFact({ text, source: 'explicit' }).fact,
    );
    // Vectors another model made (of another length, too): not comparable, so made again.
    const db = new Database(file);
    db.prepare("INSERT INTO memory_vectors (memory_id, model, vector) VALUES (?, 'old-model', ?)").run(facts[0]!.id, Buffer.alloc(12));
    db.close();
    const vectors = vectorsFor(embedder);
    await vectors.catchUp();
    const rows = raw<{ memory_id: number; model: string; vector: Buffer }>('SELECT memory_id, model, vector FROM memory_vectors ORDER BY memory_id');
    expect(rows.map((r) => [r.memory_id, r.model])).toEqual(facts.map((f) => [f.id, embedder.model]));
    expect(rows.every((r) => r.vector.byteLength === embedder.dimensions * 4)).toBe(true);
    expect(vectors.indexed).toBe(3);
    expect(vectors.state()).toEqual({ model: embedder.model, state: 'ready', indexed: 3, error: null });
    const [stored] = store.factVectors(embedder.model).filter((v) => v.id === facts[1]!.id);
    expect(Array.from(stored!.vector)).toEqual(Array.from((await embedder.embed([facts[1]!.text]))[0]!));

    // An edit drops the vector with the change; the next pass makes the new text's.
    store.updateFact(facts[1]!.id, { text: 'I brew matcha every evening' }, null);
    expect(store.factVector(facts[1]!.id, embedder.model)).toBeNull();
    expect(store.factsLackingVector(embedder.model, 10).map((f) => f.id)).toEqual([facts[1]!.id]);
    await vectors.catchUp();
    expect(Array.from(store.factVector(facts[1]!.id, embedder.model)!.vector)).toEqual(Array.from((await embedder.embed(['I brew matcha every evening']))[0]!));
    // A change that keeps the text keeps the vector.
    store.updateFact(facts[2]!.id, { pinned: true }, null);
    expect(store.factVector(facts[2]!.id, embedder.model)).not.toBeNull();
    await vectors.dispose();
  });
});

describe('the embedding model setting', () => {
  it('reaches the companion as --embedding-model; empty means none (recall by words)', () => {
    expect(parsedArgs(companionSettings(), 1)).toMatchObject({ embeddingModel: null });
    for (const choice of ['/models/nomic-embed.gguf', 'chat', 'openai:nomic-embed-text']) {
      expect(parsedArgs(companionSettings({ embeddingModel: choice }), 1)).toMatchObject({ embeddingModel: choice });
    }
    // openai: without a server is not a failure at start: the embedder reports why it cannot work.
    const noServer = createMemoryEmbedder({ embeddingModel: 'openai:x', model: MODEL_PATH, modelsDir: dir, threads: 1, gpu: false })!;
    return expect(noServer.embed(['hi'])).rejects.toMatchObject({ message: expect.stringContaining('needs an OpenAI-compatible server') });
  });
});

describe('loading an embedding model that cannot be used', () => {
  it('a missing file and a file that is not GGUF are clear errors, and nothing is stored', async () => {
    const missing = new EmbeddedEmbedder({ modelPath: path.join(dir, 'nope.gguf'), threads: 1, gpu: false });
    await expect(missing.embed(['hello'])).rejects.toMatchObject({
      code: 'model_missing',
      message: expect.stringContaining('Embedding model: Model file not found'),
    });
    const text = path.join(dir, 'notes.gguf');
    fs.writeFileSync(text, 'these are my notes, not a model');
    const foreign = new EmbeddedEmbedder({ modelPath: text, threads: 1, gpu: false });
    await expect(foreign.embed(['hello'])).rejects.toMatchObject({ code: 'model_invalid', message: expect.stringContaining('not a GGUF model') });

    // In the background: the failure is logged once with its reason; recall goes on by words.
    store.addFact({ text: 'My dog is called Rex', source: 'explicit' });
    const log: string[] = [];
    const vectors = new MemoryVectors({ memory: () => store, embedder: missing, events: new EventHub(), replying: () => false, log: (l) => log.push(l) });
    await vectors.catchUp();
    expect(log).toEqual([expect.stringContaining('embeddings are off, recall uses word search only: Embedding model: Model file not found')]);
    expect(vectors.state()).toMatchObject({ state: 'error', indexed: 0, error: expect.stringContaining('Model file not found') });
    expect(raw('SELECT * FROM memory_vectors')).toEqual([]);
    const recall = new MemoryRecall({ memory: () => store, emit: () => {}, log: () => {}, now: () => clock, similar: () => vectors });
    expect(await vectors.prepare('what is my dog called?')).toBe(false);
    expect(recall.recall({ text: 'what is my dog called?', workspace: null })).toContain('My dog is called Rex');
    await vectors.dispose();
  });
});

describe('forgetting a memory', () => {
  it('deletes its row, its FTS5 entry and its vector', async () => {
    const embedder = new ConceptTestEmbedder();
    const fact = store.addFact({ text: 'My terrier is called Rex', source: 'explicit' }).fact;
    const kept = store.addFact({ text: 'My cat is called Tom', source: 'explicit' }).fact;
    await vectorsFor(embedder).catchUp();
    const fts = (word: string) => raw<{ rowid: number }>('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?', `"${word}"`).map((r) => r.rowid);
    expect(fts('terrier')).toEqual([fact.id]);
    expect(raw('SELECT memory_id FROM memory_vectors ORDER BY memory_id')).toEqual([{ memory_id: fact.id }, { memory_id: kept.id }]);

    expect(store.deleteFact(fact.id)).toBe(true);
    expect(raw('SELECT id FROM memories WHERE id = ?', fact.id)).toEqual([]);
    expect(fts('terrier')).toEqual([]);
    expect(raw('SELECT memory_id FROM memory_vectors')).toEqual([{ memory_id: kept.id }]);
  });
});

describe('hybrid recall (with ConceptTestEmbedder, a deterministic test embedder standing in for a real model)', () => {
  async function hybrid(embedder = new ConceptTestEmbedder()) {
    const events = new EventHub();
    const vectors = vectorsFor(embedder, events);
    await vectors.catchUp();
    const recall = new MemoryRecall({ memory: () => store, emit: (e) => events.emit(e), log: () => {}, now: () => clock, similar: () => vectors });
    return { recall, vectors, events };
  }
  const ask = async (h: Awaited<ReturnType<typeof hybrid>>, text: string, workspace: string | null = null) => {
    await h.recall.prepare(text);
    return h.recall.recall({ text, workspace });
  };

  it('recalls a memory that shares no word with the message, which BM25 alone misses', async () => {
    store.addFact({ text: 'Brews oolong every evening', source: 'explicit' });
    store.addFact({ text: 'Plays the violin badly', source: 'explicit' });
    const wordsOnly = new MemoryRecall({ memory: () => store, emit: () => {}, log: () => {}, now: () => clock });
    expect(wordsOnly.recall({ text: 'which hot beverage do I enjoy?', workspace: null })).toBe('');

    const h = await hybrid();
    const block = await ask(h, 'which hot beverage do I enjoy?');
    expect(block.split('\n').slice(1)).toEqual(['- Brews oolong every evening']);
  });

  it("finds the right memory among 10,000 by meaning, and never another workspace's", async () => {
    seedMemories(file, 9_997, clock);
    const tea = store.addFact({ text: 'Brews oolong every evening', source: 'explicit' }).fact;
    const alpha = store.addFact({ text: 'Our storage here is postgres 16', scope: 'workspace', workspace: A, source: 'explicit' }).fact;
    const beta = store.addFact({ text: 'Our storage here is mysql 8', scope: 'workspace', workspace: B, source: 'explicit' }).fact;
    expect(store.listFacts({ workspace: null }).total).toBe(10_000);
    const h = await hybrid();
    expect(h.vectors.indexed).toBe(10_000);

    const block = await ask(h, 'which hot beverage do I enjoy?');
    expect(block.split('\n')[1]).toBe(`- ${tea.text}`);
    const forA = await ask(h, 'which database do we run?', A.id);
    expect(forA).toContain(alpha.text);
    expect(forA).not.toContain(beta.text);
    // Without a workspace: global memories only.
    expect(await ask(h, 'which database do we run?', null)).not.toContain('postgres');
    expect(store.getFact(tea.id)!.lastUsedAt).toBe(clock);
  }, 60_000);

  it('follows memories as they change: a forgotten one is never recalled, a moved one only where it is', async () => {
    const h = await hybrid();
    const pet = store.addFact({ text: 'Has a terrier named Rex', source: 'explicit' }).fact;
    h.events.emit({ type: 'memory.changed', fact: pet });
    await h.vectors.catchUp();
    expect(await ask(h, 'tell me about my puppy')).toContain(pet.text);

    const moved = store.updateFact(pet.id, { scope: 'workspace' }, A);
    h.events.emit({ type: 'memory.changed', fact: moved });
    expect(await ask(h, 'tell me about my puppy', B.id)).toBe('');
    expect(await ask(h, 'tell me about my puppy', A.id)).toContain(pet.text);

    store.deleteFact(pet.id);
    h.events.emit({ type: 'memory.changed', deletedIds: [pet.id] });
    expect(await ask(h, 'tell me about my puppy', A.id)).toBe('');
  });

  it('goes on by words when the message cannot be embedded in time', async () => {
    store.addFact({ text: 'My dog is called Rex', source: 'explicit' });
    const stuck: Embedder = { model: 'stuck', dimensions: 4, embed: () => new Promise(() => {}) };
    const vectors = new MemoryVectors({
      memory: () => store,
      embedder: stuck,
      events: new EventHub(),
      replying: () => false,
      log: () => {},
      queryTimeoutMs: 20,
    });
    const recall = new MemoryRecall({ memory: () => store, emit: () => {}, log: () => {}, now: () => clock, similar: () => vectors });
    expect(await vectors.prepare('what is my dog called?')).toBe(false);
    expect(recall.recall({ text: 'what is my dog called?', workspace: null })).toContain('My dog is called Rex');
    await vectors.dispose();
  });
});

describe('recall at scale (bm25 ranks a bounded number of matches per word)', () => {
  it('still finds the oldest memory by its rare word when common words of the message match thousands', () => {
    // The oldest row: outside every common word's window of newest matches.
    const dog = store.addFact({ text: 'My dog is called Rex', source: 'explicit' }).fact;
    seedMemories(file, 20_000, clock);
    const recall = new MemoryRecall({ memory: () => store, emit: () => {}, log: () => {}, now: () => clock });
    const text = 'what is my dog called, on weekends with friends?';
    expect(raw<{ n: number }>('SELECT count(*) AS n FROM memories_fts WHERE memories_fts MATCH ?', '"weekends" OR "friends"')[0]!.n).toBeGreaterThan(4000);
    expect(recall.recall({ text, workspace: null }).split('\n')[1]).toBe(`- ${dog.text}`);
  }, 60_000);
});

describe('fusing the two lists', () => {
  const fact = (id: number): MemoryFact => memoryFact(id);

  it('ranks a memory both lists hold first; lets few found by meaning alone join; ignores the barely similar', () => {
    const bm25 = [1, 2, 3].map((id, i) => ({ fact: fact(id), bm25: -3 + i }));
    const standouts = [3, 10, 11, 12, 13].map((id, i) => ({ fact: fact(id), score: 0.9 - i * 0.02 }));
    const pack = Array.from({ length: 10 }, (_, i) => ({ fact: fact(30 + i), score: 0.3 }));
    const fused = fuseCandidates(bm25, [...standouts, ...pack]);
    const best = [...fused].sort((a, b) => b.fused! - a.fused!);
    expect(best[0]!.fact.id).toBe(3);
    expect(fused.filter((c) => c.bm25 === 0).map((c) => c.fact.id)).toEqual([10, 11, 12].slice(0, VECTOR_ONLY_MAX));
    expect(fused.some((c) => c.fact.id >= 30)).toBe(false);
  });

  it("adds nothing found by meaning alone when nothing stands out (vectors that say little, as the tiny model's)", () => {
    // Cosines the tiny model gives "what is my dog called?" against four unrelated memories.
    const flat = [0.5, 0.42, 0.39, 0.38].map((score, i) => ({ fact: fact(10 + i), score }));
    expect(fuseCandidates([], flat)).toEqual([]);
    const bm25 = [{ fact: fact(11), bm25: -2 }];
    expect(fuseCandidates(bm25, flat).map((c) => c.fact.id)).toEqual([11]);
  });

  it('the vector index searches by place and keeps its rows packed when one goes', () => {
    const index = new VectorIndex(2);
    index.set(1, null, Float32Array.of(1, 0));
    index.set(2, 'ws-a', Float32Array.of(0.8, 0.6));
    index.set(3, 'ws-b', Float32Array.of(0.6, 0.8));
    index.set(4, null, Float32Array.of(0, 1));
    const q = Float32Array.of(0.6, 0.8);
    expect(index.search(q, 'ws-b', 2).map((h) => h.id)).toEqual([3, 4]);
    expect(index.search(q, null, 10).map((h) => h.id)).toEqual([4, 1]);
    index.delete(1);
    expect(index.size).toBe(3);
    expect(index.search(q, 'ws-a', 10).map((h) => h.id)).toEqual([2, 4]);
    index.set(4, null, Float32Array.of(1, 0));
    expect(index.search(Float32Array.of(1, 0), null, 1)).toEqual([{ id: 4, score: 1 }]);
  });
});

type StatusEvent = Extract<CompanionMessage, { type: 'status' }>;
const embeddingsIn = (client: TestClient, pred: (e: NonNullable<StatusEvent['status']['embeddings']>) => boolean) =>
  client.waitFor((m) => m.type === 'status' && !!m.status.embeddings && pred(m.status.embeddings), 60_000) as Promise<StatusEvent>;

describe.skipIf(!HAVE_MODEL)(`through the companion${HAVE_MODEL ? '' : ` (skipped: ${NO_MODEL})`}`, () => {
  const running: Array<{ client?: TestClient; companion?: RunningCompanion; server?: ToolServer }> = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.client?.close();
      await r.companion?.stop();
      await r.server?.close();
    }
  });

  it('with --embedding-model chat, a memory gets its vector in the background and status says so; chat goes on', async () => {
    const companion = await startCompanion({ args: ['--embedding-model', 'chat', '--no-idle', '--mute'] });
    const client = await connectAs(companion, A);
    running.push({ client, companion });
    await client.request('memories.add', { text: 'My dog is called Rex' });
    const status = await embeddingsIn(client, (e) => e.state === 'ready' && e.indexed === 1);
    expect(status.status.embeddings).toEqual({
      model: `gguf:${path.basename(MODEL_PATH)}:${fs.statSync(MODEL_PATH).size}`,
      state: 'ready',
      indexed: 1,
      error: null,
    });
    const started = await client.request('chat.send', { text: 'what is my dog called?' });
    expect((await client.reply(started.replyId!)).at(-1)!.type).toBe('reply.end');
    const db = new Database(path.join(companion.dataDir, 'alisa.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM memory_vectors').get()).toEqual({ n: 1 });
    db.close();
  }, 120_000);

  it("hybrid recall end to end: an OpenAI-compatible server's embeddings (ConceptTestEmbedder behind it) put a memory sharing no word into the prompt", async () => {
    const concepts = new ConceptTestEmbedder();
    const server = await startToolServer(() => ({ text: '<emotion=calm> ok' }), { embed: (texts) => texts.map((t) => Array.from(concepts.vector(t))) });
    const companion = await startCompanion({
      model: null,
      args: ['--providers', 'openai', '--endpoint', server.url, '--embedding-model', 'openai:test-concepts', '--memory-extract', 'off', '--no-idle', '--mute'],
    });
    const client = await connectAs(companion, A);
    running.push({ client, companion, server });
    await client.request('memories.add', { text: 'Brews oolong every evening' });
    await client.request('memories.add', { text: 'Plays the violin badly' });
    await embeddingsIn(client, (e) => e.state === 'ready' && e.indexed === 2);
    const started = await client.request('chat.send', { text: 'which hot beverage do I enjoy?' });
    expect((await client.reply(started.replyId!)).at(-1)!.type).toBe('reply.end');
    const prompt = JSON.stringify(server.requests.at(-1)!.messages);
    expect(prompt).toContain('Brews oolong every evening');
    expect(prompt).not.toContain('violin');
  }, 60_000);

  it('a missing embedding model is an error in status, and recall goes on by words', async () => {
    const server = await startToolServer(() => ({ text: '<emotion=calm> ok' }));
    const missing = path.join(os.tmpdir(), 'alisa-no-such-embedder.gguf');
    const companion = await startCompanion({
      model: null,
      args: ['--providers', 'openai', '--endpoint', server.url, '--embedding-model', missing, '--no-idle', '--mute'],
    });
    const client = await connectAs(companion, A);
    running.push({ client, companion, server });
    await client.request('memories.add', { text: 'My dog is called Rex' });
    const status = await embeddingsIn(client, (e) => e.state === 'error');
    expect(status.status.embeddings!.error).toContain(`Model file not found: ${missing}`);
    const started = await client.request('chat.send', { text: 'what is my dog called?' });
    expect((await client.reply(started.replyId!)).at(-1)!.type).toBe('reply.end');
    expect(JSON.stringify(server.requests.at(-1)!.messages)).toContain('My dog is called Rex');
  }, 60_000);
});
