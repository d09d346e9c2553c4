// Turns whatever the user typed into FTS5 MATCH expressions that cannot be a syntax error.
// FTS5 has its own query language (AND, OR, NOT, NEAR(), column filters, `*`, `^`, parentheses);
// a search box must not expose it, so every word becomes a quoted string, which FTS5 reads as
// a plain phrase, and the words are ANDed by juxtaposition.

/** More words than this add little to ranking and make the query slower. */
const MAX_TERMS = 16;
/** Shorter last words stay exact: a one- or two-letter prefix expands to most of the index. */
const MIN_PREFIX_CHARS = 3;
/** FTS5's tokenizer keeps letters and digits; a word with neither yields no token at all. */
const HAS_TOKEN_CHAR = /[\p{L}\p{N}]/u;
const TOKEN_SEPARATORS = /[^\p{L}\p{N}]+/u;

export interface SearchTerms {
  /** Every word as a quoted phrase: whole (stemmed) words only. */
  exact: string;
  /** The same with the last word as a prefix match, or null when that word is too short. */
  prefix: string | null;
  /** The last word alone, quoted: search.ts asks whether it is already a complete word. */
  last: string;
}

function quote(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

/** The searchable words of a raw query, or null when nothing is left (empty, `*`, `-`, `(`...). */
export function parseSearchQuery(raw: string): SearchTerms | null {
  const seen = new Set<string>();
  const words = raw
    .normalize('NFC')
    // Control characters separate words (FTS5's tokenizer splits on them too); a NUL inside a
    // MATCH string would end it early in SQLite's C code and fail the whole query.
    .replace(/[\u0000-\u001f\u007f]/gu, ' ')
    .split(/\s+/u)
    .filter((w) => HAS_TOKEN_CHAR.test(w))
    // A repeated word adds nothing to an AND but costs another pass over its matches; the
    // last occurrence is kept, since the last word may become a prefix.
    .reverse()
    .filter((w) => !seen.has(w.toLowerCase()) && seen.add(w.toLowerCase()))
    .reverse()
    .slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  const quoted = words.map(quote);
  const exact = quoted.join(' ');
  const lastWord = words[words.length - 1]!;
  // Inside quotes `don't` is the phrase "don t"; a prefix applies to its last token.
  const lastToken = lastWord.split(TOKEN_SEPARATORS).filter(Boolean).at(-1) ?? '';
  const prefix = [...lastToken].length >= MIN_PREFIX_CHARS ? `${exact}*` : null;
  return { exact, prefix, last: quoted[quoted.length - 1]! };
}

/** The widest MATCH expression for a raw query (last word as a prefix), or null. */
export function toFtsQuery(raw: string): string | null {
  const terms = parseSearchQuery(raw);
  return terms ? (terms.prefix ?? terms.exact) : null;
}
