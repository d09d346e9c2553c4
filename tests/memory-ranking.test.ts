// Search returns the true BM25 top hits however many messages a query matches: checked on a
// generated corpus (real SQLite) against full ranking computed independently, every match
// scored by FTS5's bm25 on a bare connection and sorted here.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, parseSearchQuery } from '../companion/memory';
import { tempDir } from './helpers/companion';
import { seededRandom as mulberry32 } from './helpers/seeded-random';

// Few enough words that the common ones match far more messages than the 1,000 the old search
// ranked, varied lengths and repeats so that bm25 really orders them; older messages as good as
// newer ones, so ranking only the newest matches would miss some.
const COMMON = ['kettle', 'harbour', 'lantern', 'violin', 'compiler'];
const RARE = Array.from({ length: 300 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}x`);
const FILLER = ['the', 'and', 'it', 'was', 'we', 'then', 'quite', 'some', 'over', 'again'];
const MESSAGES = 4000;

describe('search ranks every match', () => {
  let dir: string;
  let file: string;
  let store: MemoryStore;
  let windowed: MemoryStore;
  let raw: Database.Database;

  beforeAll(() => {
    dir = tempDir('alisa-ranking-');
    file = path.join(dir, 'alisa.db');
    store = MemoryStore.open(file);
    const rand = mulberry32(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    store.transaction(() => {
      let session = store.createSession('Chat 0').id;
      for (let i = 0; i < MESSAGES; i++) {
        if (i % 40 === 0) session = store.createSession(`Chat ${i}`).id;
        const n = 3 + Math.floor(rand() * rand() * 60);
        const words: string[] = [];
        for (let w = 0; w < n; w++) {
          const r = rand();
          words.push(r < 0.5 ? pick(FILLER) : r < 0.62 ? pick(COMMON) : pick(RARE));
        }
        store.addMessage({ sessionId: session, role: i % 2 ? 'assistant' : 'user', text: words.join(' ') });
      }
    });
    windowed = MemoryStore.open(file, { searchWindow: 1000 });
    raw = new Database(file, { readonly: true });
  });

  afterAll(() => {
    raw?.close();
    windowed?.close();
    store?.close();
  });

  /** The top `k` by full BM25 ranking (lower bm25 is better; newer first on ties). */
  function fullTop(query: string, k: number): number[] {
    const terms = parseSearchQuery(query)!;
    const exists = raw.prepare('SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1').pluck();
    const match = terms.prefix === null || exists.get(terms.last) ? terms.exact : terms.prefix;
    const rows = raw.prepare('SELECT rowid AS id, bm25(messages_fts) AS score FROM messages_fts WHERE messages_fts MATCH ?').all(match) as Array<{
      id: number;
      score: number;
    }>;
    rows.sort((a, b) => a.score - b.score || b.id - a.id);
    return rows.slice(0, k).map((r) => r.id);
  }

  const overlap = (hits: number[], truth: number[]) =>
    truth.length === 0 ? (hits.length === 0 ? 1 : 0) : hits.filter((h) => truth.includes(h)).length / truth.length;
  const queries = [...COMMON, 'kettle harbour', 'violin lantern', 'compiler kettle', 'kettl', 'lant', RARE[3]!, `${RARE[10]} kettle`, 'the kettle'];

  it('matches far more messages than the old window for the common words (the test can tell)', () => {
    const count = raw.prepare('SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH ?').pluck();
    for (const w of COMMON) expect(count.get(`"${w}"`)).toBeGreaterThan(1000);
    // Ranking only the newest 1,000 matches misses part of the true top 20 on this corpus.
    const worst = Math.min(
      ...COMMON.map((w) =>
        overlap(
          windowed.search(w, 20).map((h) => h.messageId),
          fullTop(w, 20),
        ),
      ),
    );
    expect(worst).toBeLessThan(0.95);
  });

  it('returns the same top 20 as full BM25 ranking, in the same order', () => {
    for (const q of queries) {
      const truth = fullTop(q, 20);
      const hits = store.search(q, 20);
      expect(
        hits.map((h) => h.messageId),
        q,
      ).toEqual(truth);
      // Ranks ascend (bm25: lower is better) and every hit carries its snippet and session.
      for (let i = 1; i < hits.length; i++) expect(hits[i]!.rank).toBeGreaterThanOrEqual(hits[i - 1]!.rank);
      for (const h of hits) {
        expect(h.snippet).toContain('[[');
        expect(h.sessionTitle).toMatch(/^Chat /);
      }
    }
  });

  it('keeps the full ranking for other limits', () => {
    for (const q of ['kettle', 'harbour violin']) {
      expect(store.search(q, 1).map((h) => h.messageId)).toEqual(fullTop(q, 1));
      expect(store.search(q, 200).map((h) => h.messageId)).toEqual(fullTop(q, 200));
    }
  });

  it('ranks a message written after the others among them (the index and the ranking see it at once)', () => {
    const s = store.createSession('Late');
    const late = store.addMessage({ sessionId: s.id, role: 'user', text: 'kettle kettle kettle' });
    const truth = fullTop('kettle', 20);
    expect(truth).toContain(late.id);
    expect(store.search('kettle', 20).map((h) => h.messageId)).toEqual(truth);
  });
});
