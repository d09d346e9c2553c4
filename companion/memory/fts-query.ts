// Turns whatever the user typed into an FTS5 MATCH expression that cannot be a syntax error.
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

function quote(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

/**
 * The MATCH expression for a raw query, or null when nothing searchable is left
 * (empty, only punctuation, only operators such as `*` or `-`).
 * The last word is a prefix match so results follow the user while they type.
 */
export function toFtsQuery(raw: string): string | null {
  const words = raw
    .normalize('NFC')
    .split(/\s+/u)
    .filter((w) => HAS_TOKEN_CHAR.test(w))
    .slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  return words
    .map((word, i) => {
      if (i < words.length - 1) return quote(word);
      // Inside quotes `don't` is the phrase "don t"; the prefix applies to its last token.
      const lastToken = word.split(TOKEN_SEPARATORS).filter(Boolean).at(-1) ?? '';
      return [...lastToken].length >= MIN_PREFIX_CHARS ? `${quote(word)}*` : quote(word);
    })
    .join(' ');
}
