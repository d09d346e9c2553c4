// The memory store against real SQLite files: schema and migrations, sessions and messages,
// the full-text index staying in step with every write, exports, characters, and what a
// second process holding the lock looks like to the caller.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AlisaError } from '../companion/errors';
import { MemoryStore, toFtsQuery } from '../companion/memory';
import { migrate } from '../companion/memory/database';
import { MIGRATIONS } from '../companion/memory/schema';

let dir: string;
let file: string;
const open: MemoryStore[] = [];

function openStore(opts: Parameters<typeof MemoryStore.open>[1] = {}): MemoryStore {
  const store = MemoryStore.open(file, opts);
  open.push(store);
  return store;
}

/** A plain better-sqlite3 connection to the store's file, closed afterwards. */
function withRaw<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The AlisaError a call throws (fails the test if it does not throw one). */
function errorOf(fn: () => unknown): AlisaError {
  let thrown: unknown = new Error('expected the call to throw');
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(AlisaError);
  return thrown as AlisaError;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-memory-'));
  file = path.join(dir, 'nested', 'folder', 'alisa.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('database', () => {
  it('creates the folder, sets user_version, WAL and foreign keys, and reopens idempotently', () => {
    openStore().close();
    expect(fs.existsSync(file)).toBe(true);
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = raw.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['sessions', 'messages', 'messages_fts', 'characters', 'settings', 'messages_fts_update']));
    // Running the migrations again is a no-op.
    expect(migrate(raw)).toBe(MIGRATIONS.length);
    raw.close();

    const again = openStore();
    const s = again.createSession('kept');
    again.close();
    expect(openStore().getSession(s.id)?.title).toBe('kept');
  });

  it('runs each migration once, in order, inside a transaction', () => {
    const calls: number[] = [];
    const raw = new Database(path.join(dir, 'm.db'));
    const migrations = [
      (db: Database.Database) => (calls.push(1), db.exec('CREATE TABLE a (x)')),
      (db: Database.Database) => (calls.push(2), db.exec('CREATE TABLE b (x)')),
    ];
    expect(migrate(raw, migrations.slice(0, 1))).toBe(1);
    expect(migrate(raw, migrations)).toBe(2);
    expect(migrate(raw, migrations)).toBe(2);
    expect(calls).toEqual([1, 2]);
    // A failing migration leaves neither its tables nor a bumped version behind.
    const broken = [...migrations, (db: Database.Database) => (db.exec('CREATE TABLE c (x)'), db.exec('NOT SQL'))];
    expect(() => migrate(raw, broken)).toThrow();
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    expect(raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'c'`).pluck().get()).toBe(0);
    raw.close();
  });

  it('moves a file that is not a database aside untouched; refuses one from a newer version with database_unavailable', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const garbage = Buffer.from('this is not sqlite, just some text that is long enough to have a header'.repeat(20));
    fs.writeFileSync(file, garbage);
    const recovered = MemoryStore.open(file);
    const moved = recovered.movedAside!;
    expect(moved).toMatchObject({
      movedTo: expect.stringContaining(`${file}.corrupt-`),
      message: expect.stringContaining(moved.movedTo),
      action: expect.stringContaining(moved.movedTo),
    });
    expect(fs.readFileSync(moved.movedTo).equals(garbage)).toBe(true);
    expect(recovered.listSessions()).toEqual([]);
    recovered.close();
    fs.rmSync(file);
    openStore().close();
    withRaw((raw) => raw.pragma(`user_version = ${MIGRATIONS.length + 1}`));
    expect(errorOf(() => MemoryStore.open(file)).code).toBe('database_unavailable');
  });

  it('has foreign keys on: a message for a missing session is refused', () => {
    // The store does not look the session up first: only the foreign key can refuse this.
    const store = openStore();
    expect(errorOf(() => store.addMessage({ sessionId: 999, role: 'user', text: 'orphan' })).code).toBe('not_found');
    expect(store.search('orphan')).toEqual([]);
    expect(errorOf(() => store.createSession('x', 12345)).code).toBe('not_found');
  });
});

describe('sessions', () => {
  it('creates, lists newest first with counts, renames, touches and deletes', () => {
    let t = 1000;
    const store = openStore({ now: () => t++ });
    const a = store.createSession();
    expect(a).toMatchObject({ title: 'New chat', characterId: null, messageCount: 0, createdAt: 1000, updatedAt: 1000 });
    const b = store.createSession('Second');
    expect(store.listSessions().map((s) => s.id)).toEqual([b.id, a.id]);
    expect(store.latestSession()?.id).toBe(b.id);

    store.addMessage({ sessionId: a.id, role: 'user', text: 'hi' });
    const listed = store.listSessions();
    expect(listed.map((s) => s.id)).toEqual([a.id, b.id]);
    expect(listed[0]!.messageCount).toBe(1);

    store.touchSession(b.id);
    expect(store.latestSession()?.id).toBe(b.id);

    expect(store.renameSession(a.id, '  Renamed\nchat ').title).toBe('Renamed chat');
    expect(errorOf(() => store.renameSession(a.id, '   ')).code).toBe('invalid_argument');
    expect(errorOf(() => store.renameSession(777, 'x')).code).toBe('not_found');
    expect(errorOf(() => store.touchSession(777)).code).toBe('not_found');

    store.deleteSession(b.id);
    expect(store.getSession(b.id)).toBeNull();
    expect(errorOf(() => store.deleteSession(b.id)).code).toBe('not_found');
    expect(store.createSession('   ').title).toBe('New chat');
  });

  it('cascades a session delete to its messages and their search entries', () => {
    const store = openStore();
    const s = store.createSession('doomed');
    const other = store.createSession('kept');
    const m = store.addMessage({ sessionId: s.id, role: 'user', text: 'the marmalade is in the cupboard' });
    store.addMessage({ sessionId: other.id, role: 'user', text: 'marmalade stays here' });
    expect(store.search('marmalade')).toHaveLength(2);
    store.deleteSession(s.id);
    expect(store.getMessage(m.id)).toBeNull();
    expect(store.search('cupboard')).toEqual([]);
    expect(store.search('marmalade').map((h) => h.sessionId)).toEqual([other.id]);
  });
});

describe('messages', () => {
  it('adds, updates, pages and bumps the session', () => {
    let t = 5000;
    const store = openStore({ now: () => t++ });
    const s = store.createSession();
    const first = store.addMessage({ sessionId: s.id, role: 'user', text: 'hello' });
    expect(first).toMatchObject({ sessionId: s.id, role: 'user', text: 'hello', emotion: null, status: 'complete', spontaneous: false, promptTokens: null });
    expect(store.getSession(s.id)!.updatedAt).toBe(first.createdAt);

    const reply = store.addMessage({ sessionId: s.id, role: 'assistant', text: 'hi', status: 'streaming', emotion: 'happy', spontaneous: true });
    const done = store.updateMessage(reply.id, { text: 'hi there', status: 'complete', promptTokens: 12, completionTokens: 3 });
    expect(done).toMatchObject({ text: 'hi there', status: 'complete', emotion: 'happy', spontaneous: true, promptTokens: 12, completionTokens: 3 });
    expect(store.updateMessage(reply.id, { emotion: null }).emotion).toBeNull();
    expect(store.getMessage(reply.id)?.text).toBe('hi there');
    expect(errorOf(() => store.updateMessage(999, { text: 'x' })).code).toBe('not_found');
    expect(errorOf(() => store.addMessage({ sessionId: s.id, role: 'robot' as never, text: 'x' })).code).toBe('invalid_argument');
    expect(errorOf(() => store.addMessage({ sessionId: s.id, role: 'user', text: 'x', emotion: 'angry' as never })).code).toBe('invalid_argument');

    for (let i = 0; i < 10; i++) store.addMessage({ sessionId: s.id, role: 'user', text: `n${i}` });
    expect(store.listMessages(s.id)).toHaveLength(12);
    const lastThree = store.listMessages(s.id, { limit: 3 });
    expect(lastThree.map((m) => m.text)).toEqual(['n7', 'n8', 'n9']);
    const older = store.listMessages(s.id, { limit: 3, beforeId: lastThree[0]!.id });
    expect(older.map((m) => m.text)).toEqual(['n4', 'n5', 'n6']);
    expect(store.listMessages(s.id, { beforeId: first.id })).toEqual([]);
    expect(errorOf(() => store.listMessages(4242)).code).toBe('not_found');
  });

  it('marks replies left streaming by a crash as interrupted', () => {
    const store = openStore();
    const s = store.createSession();
    const a = store.addMessage({ sessionId: s.id, role: 'assistant', text: 'half a', status: 'streaming' });
    store.addMessage({ sessionId: s.id, role: 'assistant', text: 'half b', status: 'streaming' });
    const c = store.addMessage({ sessionId: s.id, role: 'assistant', text: 'whole' });
    store.close();
    const reopened = openStore();
    expect(reopened.markStreamingInterrupted()).toBe(2);
    expect(reopened.getMessage(a.id)?.status).toBe('interrupted');
    expect(reopened.getMessage(c.id)?.status).toBe('complete');
    expect(reopened.markStreamingInterrupted()).toBe(0);
  });
});

describe('search', () => {
  it('finds inserted text with [[ ]] snippets and the session title', () => {
    const store = openStore();
    const s = store.createSession('Gardening');
    const m = store.addMessage({ sessionId: s.id, role: 'user', text: 'My tomatoes are finally turning red this week' });
    const hits = store.search('tomatoes');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ messageId: m.id, sessionId: s.id, sessionTitle: 'Gardening', role: 'user', createdAt: m.createdAt });
    expect(hits[0]!.snippet).toContain('[[tomatoes]]');
    // Stemming and prefix matching on the last word.
    expect(store.search('tomato')).toHaveLength(1);
    expect(store.search('tur')).toHaveLength(1);
    expect(store.search('finally red')).toHaveLength(1);
    expect(store.search('tomatoes potatoes')).toHaveLength(0);
  });

  it('follows updates: the old word is gone, the new one is found', () => {
    const store = openStore();
    const s = store.createSession();
    const m = store.addMessage({ sessionId: s.id, role: 'assistant', text: 'I like giraffes', status: 'streaming' });
    store.updateMessage(m.id, { text: 'I like penguins', status: 'complete' });
    expect(store.search('giraffes')).toEqual([]);
    expect(store.search('penguins').map((h) => h.messageId)).toEqual([m.id]);
    // A status-only update leaves the index as it is.
    store.updateMessage(m.id, { status: 'interrupted' });
    expect(store.search('penguins')).toHaveLength(1);
    // The index is still consistent with its content table.
    withRaw((raw) => raw.exec(`INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)`));
  });

  it('follows deletes and clear()', () => {
    const store = openStore();
    const s = store.createSession();
    store.addMessage({ sessionId: s.id, role: 'user', text: 'quokka facts' });
    store.clear(s.id);
    expect(store.getSession(s.id)).not.toBeNull();
    expect(store.search('quokka')).toEqual([]);
    store.addMessage({ sessionId: s.id, role: 'user', text: 'quokka again' });
    store.clear();
    expect(store.listSessions()).toEqual([]);
    expect(store.search('quokka')).toEqual([]);
  });

  it('ranks a message with the term twice above one with it once', () => {
    const store = openStore();
    const s = store.createSession();
    const once = store.addMessage({ sessionId: s.id, role: 'user', text: 'the lighthouse stood on a rocky shore near town' });
    const twice = store.addMessage({ sessionId: s.id, role: 'user', text: 'the lighthouse keeper painted the lighthouse white' });
    store.addMessage({ sessionId: s.id, role: 'user', text: 'nothing relevant here at all' });
    const hits = store.search('lighthouse');
    expect(hits.map((h) => h.messageId)).toEqual([twice.id, once.id]);
    expect(hits[0]!.rank).toBeLessThan(hits[1]!.rank);
    expect(store.search('lighthouse', 1)).toHaveLength(1);
  });

  it('ranks only the newest matches when a query matches more than the window', () => {
    const store = openStore({ searchWindow: 3 });
    const s = store.createSession();
    const best = store.addMessage({ sessionId: s.id, role: 'user', text: 'otter otter otter' });
    const recent = [1, 2, 3].map((i) => store.addMessage({ sessionId: s.id, role: 'user', text: `an otter swam past pier ${i}` }).id);
    expect(
      store
        .search('otter')
        .map((h) => h.messageId)
        .sort(),
    ).toEqual(recent.sort());
    // Ranking every match finds the older, better one.
    const full = openStore({ searchWindow: 0 });
    expect(full.search('otter')[0]!.messageId).toBe(best.id);
    expect(full.search('otter')).toHaveLength(4);
  });

  it('returns every hit with its own snippet, in rank order', () => {
    const store = openStore();
    const a = store.createSession('A');
    const b = store.createSession('B');
    const texts = ['kettle one', 'the kettle kettle whistled', 'kettles everywhere kettle', 'no match here', 'a kettle'];
    const ids = texts.map((text, i) => store.addMessage({ sessionId: i % 2 ? b.id : a.id, role: i % 2 ? 'assistant' : 'user', text }).id);
    const hits = store.search('kettl');
    expect(hits).toHaveLength(4);
    expect(hits.map((h) => h.rank)).toEqual([...hits.map((h) => h.rank)].sort((x, y) => x - y));
    for (const h of hits) {
      const i = ids.indexOf(h.messageId);
      expect(h).toMatchObject({ sessionTitle: i % 2 ? 'B' : 'A', role: i % 2 ? 'assistant' : 'user' });
      expect(h.snippet.replace(/\[\[|\]\]/g, '')).toBe(texts[i]);
    }
    expect(hits.find((h) => h.messageId === ids[2])!.snippet).toBe('[[kettles]] everywhere [[kettle]]');
    // A complete word is matched exactly (with its inflections), each hit with its own context.
    const exact = store.search('kettle');
    expect(exact.map((h) => h.messageId).sort()).toEqual([ids[0], ids[1], ids[2], ids[4]].sort());
    for (const h of exact) expect(h.snippet.replace(/\[\[|\]\]/g, '')).toBe(texts[ids.indexOf(h.messageId)]);
  });

  it('treats the last word as a prefix only while it is not a complete word', () => {
    const store = openStore();
    const s = store.createSession();
    const test = store.addMessage({ sessionId: s.id, role: 'user', text: 'we tested it' }).id;
    const testament = store.addMessage({ sessionId: s.id, role: 'user', text: 'an old testament' }).id;
    expect(store.search('test').map((h) => h.messageId)).toEqual([test]);
    expect(store.search('testa').map((h) => h.messageId)).toEqual([testament]);
    expect(store.search('te').map((h) => h.messageId)).toEqual([]);
  });

  it('survives hostile queries', () => {
    const store = openStore();
    const s = store.createSession();
    store.addMessage({ sessionId: s.id, role: 'user', text: 'foo and bar went NEAR the OR gate' });
    for (const q of [
      '"',
      'foo" OR (bar',
      'NEAR(',
      '*',
      '-',
      'AND',
      'OR',
      'NOT',
      '^foo',
      'text:foo',
      '(',
      ')',
      '""',
      'foo*bar',
      "'",
      '\\',
      ':',
      'foo AND',
      '{text}: foo',
      'NEAR(foo bar, 2)',
    ]) {
      expect(() => store.search(q), q).not.toThrow();
    }
    expect(store.search('')).toEqual([]);
    expect(store.search('   *  - ( ')).toEqual([]);
    expect(store.search('foo" OR (bar')).toHaveLength(1);
    expect(store.search('AND')).toHaveLength(1); // a plain word here, matching "and"
    expect(toFtsQuery('foo" OR (bar')).toBe('"foo""" "OR" "(bar"*');
    expect(toFtsQuery('* -')).toBeNull();
    expect(toFtsQuery('Planet planet pla')).toBe('"planet" "pla"*');
  });
});

describe('summary and export', () => {
  it('summarizes one session or all of them', () => {
    const store = openStore();
    const a = store.createSession();
    const b = store.createSession();
    store.addMessage({ sessionId: a.id, role: 'user', text: '12345' });
    store.addMessage({ sessionId: a.id, role: 'assistant', text: '123' });
    store.addMessage({ sessionId: b.id, role: 'user', text: '1' });
    expect(store.summary(a.id, 4096)).toEqual({ sessions: 1, messages: 2, turns: 1, estimatedTokens: 2, maxTokens: 4096 });
    expect(store.summary(undefined, 100)).toEqual({ sessions: 2, messages: 3, turns: 2, estimatedTokens: 3, maxTokens: 100 });
    store.clear();
    expect(store.summary(undefined, 100)).toEqual({ sessions: 0, messages: 0, turns: 0, estimatedTokens: 0, maxTokens: 100 });
    expect(errorOf(() => store.summary(a.id, 1)).code).toBe('not_found');
  });

  it('exports JSON with every message and readable Markdown', () => {
    const store = openStore();
    const mira = store.createCharacter({ name: 'Mira', systemPrompt: 'You are Mira.' });
    const plain = store.createSession('Plain chat');
    const withMira = store.createSession('Mira chat', mira.id);
    store.addMessage({ sessionId: plain.id, role: 'user', text: 'first question' });
    store.addMessage({ sessionId: plain.id, role: 'assistant', text: 'cut off mid', status: 'interrupted' });
    store.addMessage({ sessionId: withMira.id, role: 'user', text: 'hello Mira' });
    store.addMessage({ sessionId: withMira.id, role: 'assistant', text: 'hello you' });

    const doc = JSON.parse(store.exportJson());
    expect(typeof doc.exportedAt).toBe('string');
    expect(doc.sessions.map((s: { title: string }) => s.title)).toEqual(['Plain chat', 'Mira chat']);
    const texts = doc.sessions.flatMap((s: { messages: { text: string }[] }) => s.messages.map((m) => m.text));
    expect(texts).toEqual(['first question', 'cut off mid', 'hello Mira', 'hello you']);
    expect(JSON.parse(store.exportJson(withMira.id)).sessions).toHaveLength(1);

    const md = store.exportMarkdown();
    expect(md).toMatch(/^# Plain chat\n[\s\S]*first question[\s\S]*\n# Mira chat\n/);
    expect(md).toMatch(/\*\*You\*\* · \d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(md).toMatch(/\*\*Alisa\*\* · [^\n]*\(interrupted\)\n\ncut off mid/);
    expect(md).toMatch(/\*\*Mira\*\* · [^\n]*\n\nhello you/);
    expect(errorOf(() => store.exportJson(999)).code).toBe('not_found');
  });
});

describe('characters and settings', () => {
  it('creates with unique slugs, updates, deletes, and protects builtins', () => {
    const store = openStore();
    const builtin = store.upsertBuiltinCharacter({ key: 'alisa', name: 'Alisa', systemPrompt: 'v1', voice: 'af_heart' });
    expect(builtin).toMatchObject({ key: 'alisa', builtin: true, systemPrompt: 'v1', voice: 'af_heart' });
    const again = store.upsertBuiltinCharacter({ key: 'alisa', name: 'Alisa', systemPrompt: 'v2', voice: 'af_heart' });
    expect(again).toMatchObject({ id: builtin.id, systemPrompt: 'v2' });

    const a = store.createCharacter({ name: 'Alisa', systemPrompt: 'copy' });
    expect(a.key).toBe('alisa-2');
    const b = store.createCharacter({ name: 'Zoë the Witch!', systemPrompt: 'p', voice: 'bf_emma' });
    expect(b).toMatchObject({ key: 'zoe-the-witch', builtin: false, voice: 'bf_emma', avatar: null });
    expect(store.getCharacterByKey('zoe-the-witch')?.id).toBe(b.id);
    expect(store.listCharacters()[0]!.id).toBe(builtin.id);

    const updated = store.updateCharacter(b.id, { systemPrompt: 'new prompt', voice: null });
    expect(updated).toMatchObject({ name: 'Zoë the Witch!', systemPrompt: 'new prompt', voice: null, key: 'zoe-the-witch' });
    expect(errorOf(() => store.updateCharacter(999, { name: 'x' })).code).toBe('not_found');

    const err = errorOf(() => store.deleteCharacter(builtin.id));
    expect(err).toMatchObject({ code: 'forbidden', message: expect.stringContaining('The default character cannot be deleted') });
    expect(errorOf(() => store.deleteCharacter(999)).code).toBe('not_found');

    const s = store.createSession('with b', b.id);
    store.deleteCharacter(b.id);
    expect(store.getCharacter(b.id)).toBeNull();
    expect(store.getSession(s.id)?.characterId).toBeNull();
  });

  it('stores settings, and clear() keeps characters and settings', () => {
    const store = openStore();
    expect(store.getSetting('mode')).toBeNull();
    store.setSetting('mode', 'calm');
    store.setSetting('mode', 'teasing');
    expect(store.getSetting('mode')).toBe('teasing');
    const c = store.createCharacter({ name: 'Keep', systemPrompt: 'p' });
    store.createSession();
    store.clear();
    expect(store.getSetting('mode')).toBe('teasing');
    expect(store.getCharacter(c.id)).not.toBeNull();
    // After close every call fails cleanly; closing twice is harmless.
    store.close();
    store.close();
    expect(errorOf(() => store.listSessions()).code).toBe('database_unavailable');
  });
});

describe('locking', () => {
  it('reports database_locked while another connection writes, and loses nothing', () => {
    const store = openStore({ busyTimeoutMs: 100 });
    const s = store.createSession('locked');
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const started = Date.now();
      const err = errorOf(() => store.addMessage({ sessionId: s.id, role: 'user', text: 'patience' }));
      expect(err).toMatchObject({ code: 'database_locked', message: expect.stringContaining(file), action: expect.stringMatching(/close/i) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(errorOf(() => store.setSetting('k', 'v')).code).toBe('database_locked');
      // Reads still work under WAL.
      expect(store.getSession(s.id)?.messageCount).toBe(0);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const m = store.addMessage({ sessionId: s.id, role: 'user', text: 'patience' });
    expect(store.listMessages(s.id).map((x) => x.id)).toEqual([m.id]);
    expect(store.search('patience')).toHaveLength(1);
  });

  it('reports database_locked when another process holds the file exclusively at open', () => {
    openStore().close();
    const other = new Database(file);
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec('BEGIN EXCLUSIVE; COMMIT');
    try {
      const err = errorOf(() => MemoryStore.open(file, { busyTimeoutMs: 50 }));
      expect(err).toMatchObject({ code: 'database_locked', message: expect.stringContaining(`Another process holds the memory database at ${file}`) });
    } finally {
      other.close();
    }
    expect(() => openStore()).not.toThrow();
  });
});
