// The words of a message that say what it is about, and the FTS5 MATCH expression that finds the
// memories sharing any of them (ranked by bm25). Function words ("what", "is", "my") are dropped:
// in an OR query they would match most memories and drown the one that matters. Each word is
// quoted by memory/fts-query.ts, so no user text can be FTS5 syntax.
import { parseSearchQuery } from '../memory/fts-query';

const STOPWORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from into onto about as is am are was were be been being do does did done ' +
    'have has had having i me my mine myself you your yours yourself we us our ours he him his she her hers it its they them their theirs ' +
    'this that these those there here what which who whom whose when where why how can could should would will shall may might must ' +
    'not no yes so too very just also all any some each every more most much many few other such only own same than s t ' +
    "don't dont doesn't didn't isn't aren't wasn't i'm im i've ive i'd id you're it's let's please tell know remember forget again still now " +
    'okay ok hey hi hello alisa thanks thank really like get got make made one'
  ).split(/\s+/u),
);

/** Splits into lowercase words (letters, digits, apostrophes inside). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? [];
}

/** The words that carry meaning, in order, without repeats (at most `max`). */
export function contentWords(text: string, max = 16): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const w of words(text)) {
    const plain = w.replace(/’/gu, "'");
    if (STOPWORDS.has(plain) || (plain.length < 2 && !/\p{N}/u.test(plain)) || seen.has(plain)) continue;
    seen.add(plain);
    out.push(plain);
    if (out.length >= max) break;
  }
  return out;
}

/** The content words of `texts`, each quoted as an FTS5 phrase (for recall's per-word ranking). */
export function recallTerms(...texts: string[]): string[] {
  return contentWords(texts.join(' '))
    .map((w) => parseSearchQuery(w)?.exact)
    .filter((q): q is string => !!q);
}

/** The OR of the content words of `texts`, each quoted; null when none is left. */
export function recallMatch(...texts: string[]): string | null {
  const quoted = recallTerms(...texts);
  return quoted.length ? quoted.join(' OR ') : null;
}

/** A crude stem for comparing words outside FTS5 (plural and common endings). */
export function stem(word: string): string {
  return word.replace(/(?:ing|ed|es|s)$/u, '') || word;
}
