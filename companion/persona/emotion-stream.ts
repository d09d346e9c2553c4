// Separates emotion tags from the text a model streams.
//
// The model is asked to open every reply with `<emotion=NAME>`. Tokens arrive in arbitrary
// pieces, so a tag may be split anywhere ("<emo", "tion=ha", "ppy>"). Invariants:
// - the first emotion is reported exactly once, as soon as it is known: when the opening tag
//   closes, or when the first visible text shows that there is no tag (then: neutral);
// - unknown names become neutral; whitespace around `=` and the name is tolerated; case is ignored;
// - no tag ever reaches the text, wherever it appears in the reply (models repeat them);
// - text that merely starts like a tag ("<b>", "a < b") is passed through unchanged once it is
//   clear it is not a tag.
import { EMOTIONS, type Emotion } from '../../protocol';

const TAG_WORD = 'emotion';
/** A tag longer than this is not a tag: the held-back text is released as ordinary text. */
const MAX_TAG_LENGTH = 40;
const COMPLETE_TAG = /^<\s*emotion\s*[=:]\s*([a-z_-]*)\s*>/i;

export function toEmotion(name: string): Emotion {
  const lower = name.trim().toLowerCase();
  return (EMOTIONS as readonly string[]).includes(lower) ? (lower as Emotion) : 'neutral';
}

/** Could `s` (starting with '<') still grow into a complete emotion tag? */
function couldBeTag(s: string): boolean {
  if (s.length > MAX_TAG_LENGTH) return false;
  const m = /^<\s*([a-z]*)(\s*)([=:]?)(\s*)([a-z_-]*)(\s*)$/i.exec(s);
  if (!m) return false;
  const word = m[1]!.toLowerCase();
  if (word.length < TAG_WORD.length) {
    // Still spelling the word: nothing may follow it yet.
    return TAG_WORD.startsWith(word) && !m[2] && !m[3] && !m[4] && !m[5] && !m[6];
  }
  if (word !== TAG_WORD) return false;
  if (!m[3]) return !m[5] && !m[6];
  return true;
}

interface EmotionStreamEvents {
  onEmotion(emotion: Emotion): void;
  onText(text: string): void;
}

export class EmotionStream {
  private pending = '';
  private emotion: Emotion | null = null;
  private text = '';
  /** A mid-text tag was just removed: the spaces after it are dropped if the text already ends in one. */
  private afterTag = false;

  constructor(private readonly events: EmotionStreamEvents) {}

  /** The emotion reported so far (null until known). */
  get currentEmotion(): Emotion | null {
    return this.emotion;
  }

  /** The clean text emitted so far. */
  get cleanText(): string {
    return this.text;
  }

  push(chunk: string): void {
    this.pending += chunk;
    this.drain(false);
  }

  /** End of the stream: releases held-back text; reports neutral if no emotion was seen. */
  finish(): { emotion: Emotion; text: string } {
    this.drain(true);
    if (this.emotion === null) this.setEmotion('neutral');
    return { emotion: this.emotion ?? 'neutral', text: this.text };
  }

  private drain(final: boolean): void {
    while (this.pending.length > 0) {
      // Leading whitespace of a reply is dropped (a tag may follow it, and it is never content).
      if (this.text === '') {
        this.pending = this.pending.replace(/^\s+/, '');
        if (this.pending === '') return;
      }
      if (this.afterTag) {
        if (/\s$/.test(this.text)) this.pending = this.pending.replace(/^[ \t]+/, '');
        if (this.pending === '') return;
        this.afterTag = false;
      }
      const lt = this.pending.indexOf('<');
      if (lt === -1) {
        this.emitText(this.pending);
        this.pending = '';
        return;
      }
      if (lt > 0) {
        this.emitText(this.pending.slice(0, lt));
        this.pending = this.pending.slice(lt);
        continue;
      }
      const tag = COMPLETE_TAG.exec(this.pending);
      if (tag) {
        if (this.emotion === null) this.setEmotion(toEmotion(tag[1]!));
        this.pending = this.pending.slice(tag[0].length);
        this.afterTag = true;
        continue;
      }
      if (!final && couldBeTag(this.pending)) return; // wait for more
      // Not a tag: release the '<' as text and look at the rest.
      this.emitText('<');
      this.pending = this.pending.slice(1);
    }
  }

  private emitText(text: string): void {
    if (text === '') return;
    if (this.emotion === null) this.setEmotion('neutral');
    this.text += text;
    this.events.onText(text);
  }

  private setEmotion(emotion: Emotion): void {
    this.emotion = emotion;
    this.events.onEmotion(emotion);
  }
}

/** Removes every emotion tag from a finished text (for text that did not stream through EmotionStream). */
export function stripEmotionTags(text: string): string {
  return text.replace(/<\s*emotion\s*[=:]\s*[a-z_-]*\s*>\s*/gi, '').trim();
}
