// What the user asks Alisa to remember or forget, said in so many words (pure). Only clear
// phrasings count: "remember that X", "remember: X", "please remember X", "don't forget (that) X",
// "note that I X" (and "my X"); "forget that X", "forget about X", "forget X". A question ("do you
// remember ...?") is none. "in this project" / "for this workspace" makes it the workspace's. A
// text with a detected secret is refused here already (the store refuses it too).
import { hasSecret } from '../../common/privacy/redact';
import { MEMORY_TEXT_MAX } from '../../protocol/memory';
import { contentWords, stem, words } from './terms';

export type Capture =
  | { kind: 'remember'; text: string; workspace: boolean }
  | { kind: 'forget'; text: string }
  /** A remember request whose text holds a secret: nothing is stored. */
  | { kind: 'refused'; reason: 'secret' };

/** "Alisa, ..." / "hey Alisa, ..." / "ok ..." before the request. */
const LEAD = /^(?:(?:hey|hi|ok(?:ay)?|so|and|oh)[,\s]+)*(?:alisa[,:\s]+)?(?:(?:please|pls|could you|can you|would you)[,\s]+)?/iu;
const REMEMBER = [
  /^remember\s*(?:that|this)?\s*[:,-]\s*(.+)$/isu,
  /^remember\s+that\s+(.+)$/isu,
  /^(?:do\s*n[o']?t|never)\s+forget(?:\s+that)?[\s:,]+(.+)$/isu,
];
/** "please remember X": the bare form only after please/can you (else "remember when we..." would count). */
const POLITE_REMEMBER = /^remember\s+(?!when\b|how\b|what\b|why\b|where\b|who\b|if\b|to\b)(.+)$/isu;
const NOTE = /^(?:note|keep in mind|bear in mind)\s+that\s+((?:i|my|we|our)\b.+)$/isu;
const FORGET = /^forget\s+(?:that\s+|about\s+|what\s+i\s+said\s+about\s+)?(.+)$/isu;
/** Not a fact to drop: "forget it", "forget everything" (clearing needs the Memory view and a yes). */
const FORGET_NOT = /^(?:it|this|that|everything|all|all of (?:it|that)|about it|me|the rest|whatever)$/iu;
const SCOPE = /(?:^|[\s,])(?:(?:in|for)\s+this\s+(?:project|workspace|repo(?:sitory)?|codebase|folder))(?=$|[\s,.!;:])/iu;

function tidy(text: string): string {
  return text
    .replace(/\s+/gu, ' ')
    .replace(/^[\s,:;-]+|[\s,;:-]+$/gu, '')
    .replace(/[.!]+$/u, '')
    .trim();
}

/** The request in `message`, or null when it asks nothing of her memory. */
export function parseCapture(message: string): Capture | null {
  const line = message.trim();
  if (line === '' || line.length > MEMORY_TEXT_MAX + 100 || line.includes('\n\n') || /\?\s*$/u.test(line)) return null;
  const lead = LEAD.exec(line)![0];
  const polite = /please|pls|could you|can you|would you/iu.test(lead);
  const body = line.slice(lead.length);
  const forget = FORGET.exec(body);
  if (forget) {
    const text = tidy(forget[1]!);
    if (text === '' || FORGET_NOT.test(text)) return null;
    return { kind: 'forget', text };
  }
  let fact: string | null = null;
  for (const re of REMEMBER) {
    const m = re.exec(body);
    if (m) {
      fact = m[1]!;
      break;
    }
  }
  if (fact === null && polite) fact = POLITE_REMEMBER.exec(body)?.[1] ?? null;
  if (fact === null) fact = NOTE.exec(body)?.[1] ?? null;
  if (fact === null) return null;
  const workspace = SCOPE.test(fact);
  const text = tidy(fact.replace(SCOPE, ' '));
  if (text === '' || text.length > MEMORY_TEXT_MAX) return null;
  if (hasSecret(text)) return { kind: 'refused', reason: 'secret' };
  // Capitalized as a sentence, the way it reads in the Memory view.
  return { kind: 'remember', text: text[0]!.toUpperCase() + text.slice(1), workspace };
}

/**
 * Which of `candidates` (best bm25 first) "forget X" means, or null when no match is clear: most
 * of the request's content words must be in it, and it must cover clearly more than the runner-up.
 */
export function chooseForget<T extends { text: string }>(request: string, candidates: readonly T[]): T | null {
  const wanted = contentWords(request).map(stem);
  if (wanted.length === 0 || candidates.length === 0) return null;
  const cover = (text: string) => {
    const have = new Set(words(text).map(stem));
    return wanted.filter((w) => have.has(w)).length / wanted.length;
  };
  const scored = candidates.map((c) => ({ c, cover: cover(c.text) })).sort((a, b) => b.cover - a.cover);
  const [best, next] = scored;
  if (!best || best.cover < 0.6) return null;
  if (next && next.cover >= best.cover) {
    // A tie is clear only when one of them is the same text.
    const exact = scored.filter((s) => s.cover === best.cover && tidy(s.c.text).toLowerCase() === tidy(request).toLowerCase());
    return exact.length === 1 ? exact[0]!.c : null;
  }
  return best.c;
}
