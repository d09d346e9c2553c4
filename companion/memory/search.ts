// Full-text search over messages, shaped by what FTS5 costs on a large history (measured on
// 100,000 messages, see bench/memory-bench.mjs):
// - Finding matches is cheap; scoring them with bm25 costs about 0.5 µs each, and a word that
//   appears in 15% of the history would take 8-15 ms to rank in full. So ranking looks at the
//   newest `window` matches only (1,000 by default, 1% of such a history): a query matching
//   more than that is, for this user, nearly a stop word, and the recent matches are the
//   likelier answer. Rarer or longer queries rank all of history. bm25's IDF still counts the
//   whole index, so scores stay comparable. With 2,000 the bench's p95 rises by about 1.5 ms.
// - A prefix (`"kett"*`) is expanded again by every statement that uses it. The last word is
//   only treated as a prefix while it is not yet a word of the index, i.e. while the user is
//   still typing it; complete words already match their inflections through the stemmer.
// - Snippets are computed for the hits only, in one pass over the hits' rowid range. A seek
//   per hit looks cheaper but costs a lookup in every index segment (and re-expands a prefix
//   each time): 3-7 ms for 20 hits against about 1 ms for the pass.
import type { SearchHit } from '../../protocol';
import type { SearchTerms } from './fts-query';
import { toSearchHit } from './rows';
import type { Statements } from './statements';

/** Matches ranked per query when more exist; 0 ranks every match. */
export const DEFAULT_SEARCH_WINDOW = 1000;

/** The expression to run: the prefix form only while the last word is incomplete. */
export function chooseMatch(sql: Statements, terms: SearchTerms): string {
  if (terms.prefix === null) return terms.exact;
  return sql.searchWordExists.get(terms.last) ? terms.exact : terms.prefix;
}

/** Call inside one read transaction so the steps see the same snapshot. */
export function runSearch(sql: Statements, terms: SearchTerms, limit: number, window: number): SearchHit[] {
  const match = chooseMatch(sql, terms);
  const top = window > 0 ? sql.searchTop.all(match, window, limit) : sql.searchTopAll.all(match, limit);
  if (top.length === 0) return [];
  const ids = top.map((t) => t.id);
  const rows = sql.searchDetails.all({ match, lo: Math.min(...ids), hi: Math.max(...ids), ids: JSON.stringify(ids) });
  const byId = new Map(rows.map((d) => [d.id, d]));
  const hits: SearchHit[] = [];
  for (const t of top) {
    const d = byId.get(t.id);
    if (d) hits.push(toSearchHit(t, d));
  }
  return hits;
}
