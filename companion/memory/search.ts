// Full-text search over messages, shaped by what FTS5 costs on a large history (measured on
// 100,000 messages, see bench/memory-bench.mjs):
// - Finding matches is cheap; scoring them with bm25 costs about 0.5 µs each, and a word that
//   appears in 15% of the history would take 8-15 ms to rank in full. So ranking looks at the
//   newest `window` matches only: a query matching more than that is, for this user, nearly a
//   stop word, and the recent matches are the likelier answer. Rarer or longer queries reach
//   all of history. bm25's IDF still counts the whole index, so scores stay comparable.
// - A prefix (`"kett"*`) is expanded again by every statement that uses it. The last word is
//   only treated as a prefix while it is not yet a word of the index, i.e. while the user is
//   still typing it; complete words already match their inflections through the stemmer.
// - Snippets are computed for the hits only: per hit for exact queries (a cheap seek), in one
//   pass over the hits' rowid range for prefix queries (where a per-hit seek re-expands).
import type { SearchHit } from '../../protocol';
import type { SearchTerms } from './fts-query';
import { toSearchHit, type SearchDetailsRow } from './rows';
import type { Statements } from './statements';

/** Matches ranked per query when more exist; 0 ranks every match. */
export const DEFAULT_SEARCH_WINDOW = 2000;

/** The expression to run: the prefix form only while the last word is incomplete. */
export function chooseMatch(sql: Statements, terms: SearchTerms): string {
  if (terms.prefix === null) return terms.exact;
  return sql.searchWordExists.get(terms.last) ? terms.exact : terms.prefix;
}

/** Call inside one read transaction so the steps see the same snapshot. */
export function runSearch(sql: Statements, terms: SearchTerms, limit: number, window: number): SearchHit[] {
  const match = chooseMatch(sql, terms);
  const floor = window > 0 ? (sql.searchFloor.get(match, window - 1) ?? 0) : 0;
  const top = sql.searchTop.all(match, floor, limit);
  if (top.length === 0) return [];
  let details: (SearchDetailsRow | undefined)[];
  if (match === terms.exact) {
    details = top.map((t) => sql.searchDetail.get(match, t.id));
  } else {
    const ids = top.map((t) => t.id);
    const rows = sql.searchDetailsInRange.all({ match, lo: Math.min(...ids), hi: Math.max(...ids), ids: JSON.stringify(ids) });
    const byId = new Map(rows.map((d) => [d.id, d]));
    details = top.map((t) => byId.get(t.id));
  }
  const hits: SearchHit[] = [];
  top.forEach((t, i) => {
    const d = details[i];
    if (d) hits.push(toSearchHit(t, d));
  });
  return hits;
}
