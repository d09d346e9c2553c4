// Fills a memory database with `n` generated, deterministic facts ("The user likes chess on
// weekends (note 12)"), written directly over a connection of its own so the store's bound does not
// prune them: recall among many memories, in tests and in bench/memory-recall-bench.ts.
import Database from 'better-sqlite3';
import { seededRandom } from './seeded-random';

export const SEED_TOPICS = [
  'kettle',
  'violin',
  'mortgage',
  'gardening',
  'cycling',
  'sourdough',
  'chess',
  'terraform',
  'haskell',
  'pottery',
  'sailing',
  'origami',
  'docker',
  'pytest',
  'rust',
  'kubernetes',
] as const;
const VERBS = ['likes', 'hates', 'studies', 'collects', 'writes about', 'dreams of', 'avoids', 'teaches'];
export const SEED_WHEN = ['on weekends', 'at night', 'with friends', 'for work', 'in winter', 'since 2019', 'every morning', 'rarely'] as const;

/** Adds `n` global facts (source model) updated over the 300 days before `now`. */
export function seedMemories(file: string, n: number, now: number, seed = n): void {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const raw = new Database(file);
  try {
    const insert = raw.prepare(
      `INSERT OR IGNORE INTO memories (text, norm, scope, source, confidence, pinned, created_ts, updated_ts) VALUES (?, ?, 'global', 'model', 0.6, 0, ?, ?)`,
    );
    raw.transaction(() => {
      for (let i = 0; i < n; i++) {
        const text = `The user ${pick(VERBS)} ${pick(SEED_TOPICS)} ${pick(SEED_WHEN)} (note ${i})`;
        const at = now - Math.floor(rnd() * 300 * 24 * 3600_000);
        insert.run(text, text.toLowerCase(), at, at);
      }
    })();
  } finally {
    raw.close();
  }
}
