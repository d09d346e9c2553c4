// Full-text search over messages, shaped by what FTS5 costs on a large history (measured with
// bench/memory-bench.mjs at 100k and 1M messages, against full BM25 ranking in the same run):
// - Every match is ranked: the hits are the true bm25 top `limit`. An earlier version ranked only
//   the newest 1,000 matches, which at 1M messages returned hits of which only 29 % were in the
//   true top 20. Ranking costs about 0.5-0.8 µs per match (bm25 reads each match's document
//   size), so the cost grows with how many messages a query matches, not with the history.
//   `bm25()` in the ORDER BY with a LIMIT lets SQLite keep only the best rows while FTS5 walks
//   the matches; ordering by the hidden `rank` column makes FTS5 sort every match itself
//   (measured 1.2-2x slower). The `searchWindow` option still caps ranking to the newest
//   matches for whoever wants that trade (tests, the bench's comparison); 0, the default, is off.
// - A prefix (`"kett"*`) is expanded again by every statement that uses it. The last word is
//   only treated as a prefix while it is not yet a word of the index, i.e. while the user is
//   still typing it; complete words already match their inflections through the stemmer.
// - Snippets are computed for the hits only, in one pass over the hits' rowid range. A seek
//   per hit looks cheaper but costs a lookup in every index segment (and re-expands a prefix
//   each time). With every match ranked the hits spread over the whole history, so the pass
//   walks most of the matches, and still wins: at 1M messages p50/p95 0.7/3.1 ms against
//   2.4/26 ms for seeks (prefix queries are the slow ones), at 100k 0.3/2.4 against 0.6/2.9.
import type { SearchHit } from '../../protocol';
import type { SearchTerms } from './fts-query';
import { toSearchHit } from './rows';
import type { Statements } from './statements';

/** Matches ranked per query when more exist; 0 (the default) ranks every match. */
export const DEFAULT_SEARCH_WINDOW = 0;

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
