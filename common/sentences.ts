// Joining the sentences the user reads. Messages are built from parts (what happened, what to
// do, a reason from deeper down) written in different places, some ending in a full stop and
// some not; glued with a bare space they lose their stops ("failed Try again") or gain a second
// one ("offline..") . `joinSentences` gives each part exactly one ending and one space between;
// `errorText` is the common case: an error's `message` and `action`. Pure, no DOM, no Node.

/**
 * Ends a sentence: `.`, `!` or `?`, optionally followed by closing quotes, brackets or backticks;
 * or `…` followed by quotes at most (`(…#token=…)` is a placeholder, not the end of a sentence).
 */
const ENDED = /(?:[.!?]["'`’”)\]]*|…["'`’”]*)$/;

/** One part as a sentence: trimmed, with a full stop unless it already ends one (empty stays empty). */
export function asSentence(part: string | null | undefined): string {
  const s = (part ?? '').trim();
  if (!s) return '';
  return ENDED.test(s) ? s : `${s}.`;
}

/** Joins the non-empty parts as sentences: each ends with its own stop, one space between. */
export function joinSentences(...parts: Array<string | null | undefined | false>): string {
  return parts
    .map((p) => (p ? asSentence(p) : ''))
    .filter(Boolean)
    .join(' ');
}

/** An error's words for the user: what happened, then what to do. */
export function errorText(e: { message: string; action?: string | null }): string {
  return joinSentences(e.message, e.action);
}
