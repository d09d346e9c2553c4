// A streaming sentence splitter: fed a reply's text in whatever pieces the model produced, it
// yields each complete unit to speak as soon as it is known to be complete, so the first
// sentence can be synthesised while the model is still writing the second.
//
// Units end at . ! ? … (with any closing quotes, brackets or emphasis after them) followed by
// whitespace, and at every newline (paragraphs, list items, headings and table rows are each a
// unit). Not at "e.g.", "i.e.", "Dr.", initials, "1.5", "v2.0" or "app.ts" (a full stop not
// followed by whitespace ends nothing), nor after a numbered list marker ("1. "). A fenced code
// block (``` or ~~~) is one unit, whole, fences included: cleanForSpeech turns it into the
// spoken stand-in. Very long runs without a boundary are cut at a comma or space near MAX_UNIT.
//
// Every decision looks only at text already received, and waits when the next character is
// needed, so the units are the same however the text was cut into pieces (tested at every
// token boundary).

/** A unit longer than this is cut at the last comma or space (TTS latency, engine limits). */
export const MAX_UNIT = 280;

const TERMINAL = '.!?…';
const CLOSERS = `"'”’)]*_»`;
/** Words that end with a full stop without ending the sentence. */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'approx', 'fig', 'cf']);

export class SentenceSplitter {
  private buf = '';
  /** Where scanning resumes in `buf` (everything before it has been examined). */
  private scan = 0;

  /** Adds text; returns the units completed by it (raw text, not yet cleaned), in order. */
  push(text: string): string[] {
    this.buf += text;
    return this.run(false);
  }

  /** The reply is complete: returns whatever is left as final units. */
  flush(): string[] {
    const out = this.run(true);
    const rest = this.buf.trim();
    this.buf = '';
    this.scan = 0;
    if (rest !== '') out.push(rest);
    return out;
  }

  private run(final: boolean): string[] {
    const out: string[] = [];
    const emit = (end: number) => {
      const unit = this.buf.slice(0, end).trim();
      if (unit !== '') out.push(unit);
      this.buf = this.buf.slice(end);
      this.scan = 0;
    };
    let i = this.scan;
    while (i < this.buf.length) {
      const b = this.buf;
      const c = b[i]!;
      if (c === '`' || c === '~') {
        const fence = c.repeat(3);
        if (b.startsWith(fence, i)) {
          // Text before the fence is a unit of its own; the block is the next one.
          if (b.slice(0, i).trim() !== '') {
            emit(i);
            i = 0;
            continue;
          }
          const close = b.indexOf(fence, i + 3);
          if (close === -1) {
            if (final) emit(b.length);
            else this.scan = i;
            return out;
          }
          emit(close + 3);
          i = 0;
          continue;
        }
        if (!final && b.length - i < 3 && [...b.slice(i)].every((ch) => ch === c)) {
          this.scan = i; // "`" or "``" at the end: may become a fence
          return out;
        }
      } else if (c === '\n') {
        emit(i + 1);
        i = 0;
        continue;
      } else if (TERMINAL.includes(c)) {
        let j = i + 1;
        while (j < b.length && (TERMINAL.includes(b[j]!) || CLOSERS.includes(b[j]!))) j++;
        if (j >= b.length) {
          if (final) {
            emit(b.length);
            return out;
          }
          this.scan = i;
          return out;
        }
        if (/\s/.test(b[j]!) && !(c === '.' && j === i + 1 && this.notAnEnd(b, i))) {
          emit(j);
          i = 0;
          continue;
        }
        i = j;
        continue;
      }
      if (i >= MAX_UNIT) {
        const head = b.slice(0, i);
        let cut = head.lastIndexOf(', ');
        if (cut < MAX_UNIT / 2) cut = head.lastIndexOf(' ');
        emit(cut > 0 ? cut + 1 : i);
        i = 0;
        continue;
      }
      i++;
    }
    this.scan = i;
    return out;
  }

  /** Is the full stop at `i` (followed by whitespace) part of a word rather than a sentence end? */
  private notAnEnd(b: string, i: number): boolean {
    let k = i;
    while (k > 0 && !/\s/.test(b[k - 1]!)) k--;
    const word = b.slice(k, i).replace(/^[("'“‘[]+/, '');
    if (word === '') return false;
    // "e.g", "i.e", "U.S": letters separated by dots; a single initial ("J. Smith").
    if (/^(?:\p{L}\.)+\p{L}$/u.test(word) || /^\p{Lu}$/u.test(word)) return true;
    if (ABBREVIATIONS.has(word.toLowerCase()) && /^\p{L}/u.test(word)) return true;
    // A numbered list marker opening the unit: "1. First".
    if (/^\d{1,3}$/.test(word) && b.slice(0, k).trim() === '') return true;
    return false;
  }
}

/** Splits a whole text at once (the same units the streaming splitter yields). */
export function splitSentences(text: string): string[] {
  const s = new SentenceSplitter();
  return [...s.push(text), ...s.flush()];
}
