// Words of code for the index's FTS5 table (issue 17). SQLite's tokenizers know words, not
// identifiers: `getUserName` is one token and a question about "user names" would not find it.
// So each chunk is indexed with its text plus the parts of its compound identifiers (camelCase,
// PascalCase, snake_case, kebab-case, digits), and a question is searched for its identifiers
// whole and in parts: `getUser` finds `get_user`, "user" finds `getUser`, and a whole
// identifier, being rarer than its parts, ranks the chunks that use it exactly first. The
// table's tokenizer keeps `_` inside tokens (so `get_user` is also a token of its own) and stems
// (porter), so "users" finds `user`.
import { contentWords } from '../memory-recall/terms';

/** The FTS5 tokenizer of the chunks table (see above). */
export const CODE_TOKENIZER = "porter unicode61 remove_diacritics 2 tokenchars '_'";

const IDENTIFIER = /[\p{L}_$][\p{L}\p{N}_$]*/gu;

/** Identifiers recur across a codebase: their parts are worked out once (a bounded cache, emptied when full). */
const partsCache = new Map<string, string[]>();
const PARTS_CACHE_MAX = 50_000;

/** The lowercase parts of a compound identifier (`parseHTTPResponse2` → parse, http, response, 2); [] for a plain word. */
export function identifierParts(id: string): string[] {
  const known = partsCache.get(id);
  if (known) return known;
  const parts = splitIdentifier(id);
  if (partsCache.size >= PARTS_CACHE_MAX) partsCache.clear();
  partsCache.set(id, parts);
  return parts;
}

function splitIdentifier(id: string): string[] {
  const parts = id
    .replace(/\$/g, '_')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .split(/[\s_]+/u)
    .filter(Boolean)
    .map((p) => p.toLowerCase());
  return parts.length > 1 ? parts : [];
}

/** What FTS5 indexes for a chunk: its text, then the parts of every compound identifier in it (each identifier once). */
export function indexText(text: string): string {
  const seen = new Set<string>();
  const extra: string[] = [];
  for (const m of text.matchAll(IDENTIFIER)) {
    const id = m[0];
    if (id.length < 4 || seen.has(id)) continue;
    seen.add(id);
    const parts = identifierParts(id);
    if (parts.length) extra.push(parts.join(' '));
  }
  return extra.length ? `${text}\n${extra.join('\n')}` : text;
}

/** Terms a question is searched for: identifiers whole and in parts, ordinary words without function words; at most `max`. */
export function queryTerms(query: string, max = 24): string[] {
  const out = new Set<string>();
  for (const m of query.matchAll(IDENTIFIER)) {
    const id = m[0];
    const parts = identifierParts(id);
    if (parts.length) {
      out.add(id.toLowerCase().replace(/\$/g, '_'));
      for (const p of parts) if (p.length > 1) out.add(p);
    } else {
      for (const w of contentWords(id)) out.add(w);
    }
    if (out.size >= max) break;
  }
  return [...out].slice(0, max);
}

/** The FTS5 MATCH expression for a question: the OR of its terms, each quoted (no user text is FTS5 syntax); null when none is left. */
export function matchExpression(query: string): string | null {
  const terms = queryTerms(query);
  return terms.length ? terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ') : null;
}
