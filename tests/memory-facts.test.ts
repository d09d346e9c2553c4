// Long-term memory (issue 17) against a real SQLite file: the facts' store (add, refresh on a
// repeat, update, delete, clear, paging, the bound), its FTS5 index staying in step (read
// directly), capture of "remember"/"forget" phrasings, secrets refused, recall among 10,000 facts,
// and an export read back in.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlisaError } from '../companion/errors';
import { MemoryStore } from '../companion/memory';
import { FACTS_MAX_UNPINNED } from '../companion/memory/fact-store';
import { chooseForget, parseCapture } from '../companion/memory-recall/capture';
import { MemoryRecall } from '../companion/memory-recall/memory-recall';
import { chooseRecall, recallBlock } from '../companion/memory-recall/recall';
import { recallMatch } from '../companion/memory-recall/terms';
import type { CompanionEvent } from '../protocol';
import { seedMemories } from './helpers/seed-memories';

const A = { id: 'file:///home/me/alpha', name: 'alpha' };
const B = { id: 'file:///home/me/beta', name: 'beta' };
// Built at run time so no scanner mistakes this file for one holding a key.
const SECRET = `ghp_${'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'}`;

let dir: string;
let file: string;
let store: MemoryStore;
let clock: number;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-facts-'));
  file = path.join(dir, 'alisa.db');
  clock = 1_700_000_000_000;
  store = MemoryStore.open(file, { now: () => clock });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Rows of memories_fts matching `word`, read over a connection of its own. */
function ftsRows(word: string): number[] {
  const raw = new Database(file, { readonly: true });
  try {
    return raw
      .prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?')
      .all(`"${word}"`)
      .map((r) => (r as { rowid: number }).rowid);
  } finally {
    raw.close();
  }
}

function rowCount(): number {
  const raw = new Database(file, { readonly: true });
  try {
    return (raw.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
  } finally {
    raw.close();
  }
}

function errorOf(fn: () => unknown): AlisaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AlisaError) return err;
    throw err;
  }
  throw new Error('expected an AlisaError');
}

describe('the facts store', () => {
  it('adds, refreshes the same fact in the same place, updates and deletes', () => {
    const a = store.addFact({ text: '  I prefer   pytest ', source: 'explicit', confidence: 0.7 });
    expect(a.created).toBe(true);
    expect(a.fact).toMatchObject({
      text: 'I prefer pytest',
      scope: 'global',
      workspace: null,
      source: 'explicit',
      confidence: 0.7,
      pinned: false,
      lastUsedAt: null,
    });
    clock += 1000;
    const again = store.addFact({ text: 'i prefer pytest.', source: 'explicit', confidence: 1, pinned: true });
    expect(again.created).toBe(false);
    expect(again.fact).toMatchObject({ id: a.fact.id, confidence: 1, pinned: true, updatedAt: clock });
    // The same words in a workspace are another memory.
    const ws = store.addFact({ text: 'I prefer pytest', scope: 'workspace', workspace: A, source: 'manual' });
    expect(ws.created).toBe(true);
    expect(ws.fact).toMatchObject({ scope: 'workspace', workspace: A.id, workspaceName: 'alpha' });
    expect(rowCount()).toBe(2);

    const updated = store.updateFact(a.fact.id, { text: 'I prefer vitest', pinned: false }, null);
    expect(updated).toMatchObject({ text: 'I prefer vitest', pinned: false });
    expect(ftsRows('vitest')).toEqual([a.fact.id]);
    expect(ftsRows('pytest')).toEqual([ws.fact.id]);
    // Moving into a workspace needs one; a clash with an existing memory is refused.
    expect(errorOf(() => store.updateFact(a.fact.id, { scope: 'workspace' }, null)).code).toBe('invalid_argument');
    expect(errorOf(() => store.updateFact(a.fact.id, { text: 'I prefer pytest', scope: 'workspace' }, A)).code).toBe('invalid_argument');
    expect(store.updateFact(a.fact.id, { scope: 'workspace' }, B)).toMatchObject({ workspace: B.id, workspaceName: 'beta' });

    expect(store.deleteFact(a.fact.id)).toBe(true);
    expect(store.deleteFact(a.fact.id)).toBe(false);
    expect(store.getFact(a.fact.id)).toBeNull();
    expect(ftsRows('vitest')).toEqual([]);
    expect(errorOf(() => store.addFact({ text: 'I am fine', scope: 'workspace', source: 'manual' })).code).toBe('invalid_argument');
  });

  it('clear removes every row and every index entry', () => {
    for (let i = 0; i < 20; i++) store.addFact({ text: `fact number ${i} about kettles`, source: 'manual' });
    expect(ftsRows('kettles')).toHaveLength(20);
    expect(store.clearFacts()).toBe(20);
    expect(rowCount()).toBe(0);
    expect(ftsRows('kettles')).toEqual([]);
    // The index is whole: an integrity check of the external-content table passes.
    const raw = new Database(file);
    try {
      raw.prepare(`INSERT INTO memories_fts(memories_fts, rank) VALUES ('integrity-check', 1)`).run();
    } finally {
      raw.close();
    }
  });

  it('lists newest first or by search, per scope, in pages', () => {
    for (let i = 0; i < 7; i++) {
      clock += 10;
      store.addFact({ text: `global fact ${i}`, source: 'manual' });
    }
    clock += 10;
    store.addFact({ text: 'alpha uses tabs', scope: 'workspace', workspace: A, source: 'manual' });
    clock += 10;
    store.addFact({ text: 'beta uses spaces', scope: 'workspace', workspace: B, source: 'manual' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.listFacts({ workspace: A.id, limit: 3, cursor });
      expect(page.total).toBe(8);
      seen.push(...page.facts.map((f) => f.text));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen[0]).toBe('alpha uses tabs');
    expect(seen).toHaveLength(8);
    expect(seen).not.toContain('beta uses spaces');
    expect(store.listFacts({ workspace: A.id, scope: 'workspace' }).facts.map((f) => f.text)).toEqual(['alpha uses tabs']);
    expect(store.listFacts({ workspace: null, scope: 'workspace' }).total).toBe(2);
    expect(store.listFacts({ workspace: null }).total).toBe(9);
    const hits = store.listFacts({ workspace: B.id, query: 'uses' });
    expect(hits.facts.map((f) => f.text)).toEqual(['beta uses spaces']);
    expect(store.listFacts({ workspace: B.id, query: 'fact', limit: 5 }).nextCursor).toBe('o5');
    expect(store.listFacts({ workspace: B.id, query: 'fact', limit: 5, cursor: 'o5' }).facts).toHaveLength(2);
    expect(store.listFacts({ workspace: B.id, query: '"(*' }).facts).toEqual([]);
  });

  it('keeps at most the bound of unpinned facts: the least recently used go first, pinned ones stay', () => {
    const raw = new Database(file);
    try {
      // Filled directly (fast), then one more through the store trips the bound.
      const insert = raw.prepare(
        `INSERT INTO memories (text, norm, scope, source, confidence, pinned, created_ts, updated_ts, last_used_ts) VALUES (?, ?, 'global', 'model', 0.5, ?, ?, ?, ?)`,
      );
      raw.transaction(() => {
        insert.run('pinned oldest', 'pinned oldest', 1, 1, 1, null);
        for (let i = 0; i < FACTS_MAX_UNPINNED; i++) insert.run(`bulk ${i}`, `bulk ${i}`, 0, 1000 + i, 1000 + i, i === 0 ? clock : null);
      })();
    } finally {
      raw.close();
    }
    const r = store.addFact({ text: 'newest', source: 'manual' });
    expect(r.pruned).toHaveLength(1);
    const pruned = store.getFact(r.pruned[0]!);
    expect(pruned).toBeNull();
    // bulk 0 was used recently: bulk 1 went instead.
    expect(store.listFacts({ workspace: null, query: 'pinned' }).total).toBe(1);
    expect(store.listFacts({ workspace: null }).total).toBe(FACTS_MAX_UNPINNED + 1);
    expect(ftsRows('1')).toEqual([]);
  });

  it('never stores a secret, however it arrives', () => {
    expect(errorOf(() => store.addFact({ text: `my token is ${SECRET}`, source: 'manual' })).code).toBe('invalid_argument');
    const ok = store.addFact({ text: 'my editor is neovim', source: 'manual' });
    expect(errorOf(() => store.updateFact(ok.fact.id, { text: `password ${SECRET}` }, null)).code).toBe('invalid_argument');
    expect(parseCapture(`remember that my github token is ${SECRET}`)).toEqual({ kind: 'refused', reason: 'secret' });
    expect(rowCount()).toBe(1);
  });

  it('exports and imports back: duplicates, secrets and invalid entries skipped with reasons', () => {
    store.addFact({ text: 'I prefer pytest', source: 'explicit' });
    store.addFact({ text: 'alpha deploys on fridays', scope: 'workspace', workspace: A, source: 'manual', pinned: true });
    const file1 = store.exportFacts();
    expect(file1.format).toBe('alisa-memories');
    store.clearFacts();
    const file2 = {
      ...file1,
      facts: [...file1.facts, { ...file1.facts[0]!, text: `key ${SECRET}` }, { ...file1.facts[0]!, text: 'scoped wrong', workspace: 'x' }, file1.facts[0]!],
    };
    const r = store.importFacts(file2);
    expect(r.added.map((f) => [f.text, f.scope, f.workspace, f.pinned, f.source])).toEqual([
      ['I prefer pytest', 'global', null, false, 'import'],
      ['alpha deploys on fridays', 'workspace', A.id, true, 'import'],
    ]);
    expect(r.skipped).toBe(3);
    expect(r.reasons).toEqual(['fact 3: it looks like a secret', 'fact 4: its scope and workspace disagree', 'fact 5: already remembered']);
    expect(store.exportFacts().facts.map((f) => ({ ...f, source: 'x' }))).toEqual(file1.facts.map((f) => ({ ...f, source: 'x' })));
    expect(errorOf(() => store.importFacts({ format: 'other' })).code).toBe('invalid_argument');
  });
});

describe('capture', () => {
  const cases: Array<[string, ReturnType<typeof parseCapture>]> = [
    ['remember that I prefer pytest', { kind: 'remember', text: 'I prefer pytest', workspace: false }],
    ['Remember: my dog is called Rex.', { kind: 'remember', text: 'My dog is called Rex', workspace: false }],
    ['please remember I like short answers', { kind: 'remember', text: 'I like short answers', workspace: false }],
    ['Alisa, please remember that I use tabs', { kind: 'remember', text: 'I use tabs', workspace: false }],
    ["don't forget that my standup is at 10", { kind: 'remember', text: 'My standup is at 10', workspace: false }],
    ['do not forget I am on call this week', { kind: 'remember', text: 'I am on call this week', workspace: false }],
    ['note that I deploy with make release', { kind: 'remember', text: 'I deploy with make release', workspace: false }],
    ['remember that in this project we use pnpm', { kind: 'remember', text: 'We use pnpm', workspace: true }],
    ['remember that tests run with vitest for this workspace', { kind: 'remember', text: 'Tests run with vitest', workspace: true }],
    ['forget that I prefer pytest', { kind: 'forget', text: 'I prefer pytest' }],
    ['forget about my dog', { kind: 'forget', text: 'my dog' }],
    ['please forget the standup time', { kind: 'forget', text: 'the standup time' }],
    ['forget it', null],
    ['forget everything', null],
    ['do you remember that I prefer pytest?', null],
    ['remember when we fixed the build', null],
    ['I remember that day', null],
    ['remember to call mom', null],
    ['note that', null],
    ['what is my dog called?', null],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(parseCapture(text)).toEqual(expected);
  });

  it('"forget" picks a memory only when the match is clear', () => {
    const facts = [{ text: 'I prefer pytest' }, { text: 'I prefer dark themes' }, { text: 'My dog is called Rex' }];
    expect(chooseForget('I prefer pytest', facts)).toBe(facts[0]);
    expect(chooseForget('my dog', facts)).toBe(facts[2]);
    expect(chooseForget('what I prefer', facts)).toBeNull();
    expect(chooseForget('the weather', facts)).toBeNull();
  });
});

describe('recall', () => {
  /** The generated memories of tests/helpers/seed-memories.ts, the same ones each run. */
  const seed = (n: number) => seedMemories(file, n, clock, 17);

  it('finds the one memory that matters among 10,000, marks it used, and keeps other workspaces out', () => {
    seed(9_997);
    const dog = store.addFact({ text: 'My dog is called Rex', source: 'explicit' }).fact;
    const alphaDb = store.addFact({ text: 'The database here is postgres 16', scope: 'workspace', workspace: A, source: 'explicit' }).fact;
    const betaDb = store.addFact({ text: 'The database here is mysql 8', scope: 'workspace', workspace: B, source: 'explicit' }).fact;
    expect(store.listFacts({ workspace: null }).total).toBe(10_000);
    const events: CompanionEvent[] = [];
    const recall = new MemoryRecall({ memory: () => store, emit: (e) => events.push(e), log: () => {}, now: () => clock });

    const t0 = performance.now();
    const block = recall.recall({ text: 'what is my dog called?', workspace: null });
    const ms = performance.now() - t0;
    console.log(`recall among 10,000 memories: ${ms.toFixed(2)} ms`);
    expect(block.split('\n')).toEqual(['What you remember about the user (from earlier conversations):', '- My dog is called Rex']);
    expect(store.getFact(dog.id)!.lastUsedAt).toBe(clock);

    const forA = recall.recall({ text: 'which database do we use?', workspace: A.id });
    expect(forA).toContain(alphaDb.text);
    expect(forA).not.toContain(betaDb.text);
    expect(recall.recall({ text: 'which database do we use?', workspace: null })).toBe('');
    // The previous user turn counts too.
    expect(recall.recall({ text: 'and its age?', previous: 'tell me about my dog', workspace: null })).toContain('Rex');
    // A question about a topic among thousands stays within the budget.
    const many = recall.recall({ text: 'tell me about sourdough', workspace: null });
    expect(many.length / 4).toBeLessThanOrEqual(300);
    expect(many.split('\n').length).toBeGreaterThan(3);
    expect(events).toEqual([]);
  });

  it('puts pinned memories first and ranks the client workspace and recent use higher', () => {
    const now = clock;
    const fact = (id: number, text: string, extra: object = {}) => ({
      id,
      text,
      scope: 'global' as const,
      workspace: null,
      workspaceName: null,
      source: 'manual' as const,
      sourceMessageId: null,
      confidence: 1,
      pinned: false,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      ...extra,
    });
    const pinned = fact(1, 'Always answer in English', { pinned: true });
    const old = fact(2, 'Uses vim', { updatedAt: now - 400 * 24 * 3600_000 });
    const fresh = fact(3, 'Uses vim keybindings in vscode');
    const mine = fact(4, 'Uses vim here', { scope: 'workspace', workspace: A.id });
    const theirs = fact(5, 'Uses vim there', { scope: 'workspace', workspace: B.id });
    const chosen = chooseRecall(
      [pinned],
      [
        { fact: old, bm25: -2 },
        { fact: fresh, bm25: -2 },
        { fact: mine, bm25: -2 },
        { fact: theirs, bm25: -5 },
      ],
      { now, workspace: A.id },
    );
    expect(chosen.map((f) => f.id)).toEqual([1, 4, 3, 2]);
    const tight = chooseRecall([pinned], [{ fact: fresh, bm25: -2 }], { now, workspace: null, budgetTokens: 25 });
    expect(tight.map((f) => f.id)).toEqual([1]);
    expect(recallBlock([])).toBe('');
    expect(recallMatch('what is my dog called?')).toBe('"dog" OR "called"');
    expect(recallMatch('what is it?')).toBeNull();
  });

  it('captures and forgets through the hook, announcing each change', () => {
    const events: CompanionEvent[] = [];
    const recall = new MemoryRecall({ memory: () => store, emit: (e) => events.push(e), log: () => {} });
    recall.onUserMessage('remember that I prefer pytest', null, null);
    recall.onUserMessage('remember that in this project we use pnpm', A, null);
    recall.onUserMessage('remember that in this project we use yarn', null, null);
    const listed = store.listFacts({ workspace: A.id }).facts;
    expect(listed.map((f) => [f.text, f.scope])).toEqual([
      ['We use yarn', 'global'],
      ['We use pnpm', 'workspace'],
      ['I prefer pytest', 'global'],
    ]);
    // B's client cannot forget A's memory.
    recall.onUserMessage('forget that we use pnpm', B, null);
    expect(store.listFacts({ workspace: A.id }).total).toBe(3);
    recall.onUserMessage('forget that I prefer pytest', null, null);
    expect(store.listFacts({ workspace: A.id }).facts.map((f) => f.text)).toEqual(['We use yarn', 'We use pnpm']);
    expect(events.map((e) => (e.type === 'memory.changed' ? (e.fact?.text ?? e.deletedIds) : e.type))).toEqual([
      'I prefer pytest',
      'We use pnpm',
      'We use yarn',
      [listed[2]!.id],
    ]);
  });
});
