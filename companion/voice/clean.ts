// What Alisa says out loud is not what she writes: the chat shows markdown, code and links; the
// voice reads prose. `cleanForSpeech` turns one unit of reply text (a sentence, a line, or a
// whole fenced code block, see sentences.ts) into words a text-to-speech engine can read.
//
// - emotion tags (`<emotion=happy>`) and bare emotion words the seed stripped ("happy:" opening
//   a reply, "(shy)", "*teasing*", an emotion word alone on a line) are removed;
// - fenced code blocks become one short spoken stand-in (CODE_STAND_IN);
// - inline code keeps its words, markdown links keep their text, bare URLs become "a link";
// - markdown symbols (*, _, #, >, backticks, list bullets, table pipes, ~~) are dropped;
// - whitespace collapses to single spaces.
import { EMOTIONS } from '../../protocol';

export const CODE_STAND_IN = "I've put the code in the chat.";
const LINK_WORDS = 'a link';

const EMO = EMOTIONS.join('|');
const EMOTION_TAG = /<\s*emotion\s*[=:]\s*[a-z_-]*\s*>/gi;
/** "emotion=happy" without brackets (a model echoing the instruction). */
const EMOTION_ASSIGN = /\bemotion\s*[=:]\s*[a-z_-]+\b/gi;
/** An emotion word in brackets: "(happy)", "[shy]". */
const EMOTION_BRACKETED = new RegExp(`[([]\\s*(?:${EMO})\\s*[)\\]]`, 'gi');
/** An emotion word opening the text, followed by ':' or a dash: "Happy: ...", "*teasing* - ...". */
const EMOTION_LEAD = new RegExp(`^\\s*[*_]{0,2}(?:${EMO})[*_]{0,2}(?:\\s*:|\\s+[-–—](?=\\s))\\s*`, 'i');
/** An emphasised emotion word opening the text: "*shy* Oh, hi." */
const EMOTION_LEAD_EMPHASIS = new RegExp(`^\\s*[*_]{1,2}(?:${EMO})[*_]{1,2}(?=\\s|$)\\s*`, 'i');
/** An emotion word alone on a line (optionally with a full stop). */
const EMOTION_LINE = new RegExp(`^[ \\t]*(?:${EMO})[ \\t]*[.!]?[ \\t]*$`, 'gim');

/** A fenced code block, closed or (at the end of the text) still open. */
const FENCE = /(```|~~~)[^\n]*(?:\n[\s\S]*?)?(?:\1|$(?![\s\S]))/g;
const IMAGE = /!\[([^\]]*)\]\([^)]*\)/g;
const MD_LINK = /\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))+(?:\s+"[^"]*")?\)/g;
const AUTOLINK = /<(?:https?:\/\/|mailto:|www\.)[^>\s]+>/gi;
/** A bare URL; trailing sentence punctuation is not part of it. */
const URL = /\b(?:https?:\/\/|www\.)[^\s<>()[\]]*[^\s<>()[\].,;:!?'"]/gi;
const INLINE_CODE = /(`+)(?!`)([^\n]*?[^`\n])\1(?!`)/g;
const HTML_TAG = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/gi;
const TABLE_RULE = /^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$/gm;

export function cleanForSpeech(input: string): string {
  let t = input;
  t = t.replace(FENCE, ` ${CODE_STAND_IN} `);
  t = t.replace(EMOTION_TAG, ' ').replace(EMOTION_ASSIGN, ' ');
  t = t.replace(EMOTION_LINE, '').replace(EMOTION_BRACKETED, ' ').replace(EMOTION_LEAD, '').replace(EMOTION_LEAD_EMPHASIS, '');
  t = t.replace(IMAGE, (_, alt: string) => ` ${alt} `);
  t = t.replace(MD_LINK, (_, text: string) => (/^(?:https?:\/\/|www\.)/i.test(text.trim()) ? LINK_WORDS : text));
  t = t.replace(AUTOLINK, LINK_WORDS).replace(URL, LINK_WORDS);
  t = t.replace(INLINE_CODE, (_, _ticks: string, code: string) => code.trim());
  t = t.replace(HTML_TAG, ' ');
  t = t.replace(TABLE_RULE, '');
  t = t
    .split('\n')
    .map((line) => cleanLine(line))
    .filter((line) => line !== '')
    .join(' ');
  // A text that was only an emotion word ("Happy.") says nothing.
  if (new RegExp(`^(?:${EMO})[.!]?$`, 'i').test(t)) return '';
  return t;
}

function cleanLine(line: string): string {
  let l = line;
  l = l.replace(/^[ \t]{0,3}#{1,6}[ \t]+/, ''); // heading
  l = l.replace(/^[ \t]*(?:>[ \t]?)+/, ''); // block quote
  l = l.replace(/^[ \t]*[-*+•][ \t]+(?:\[[ xX]\][ \t]+)?/, ''); // bullet (and task box)
  if (/^[ \t]*\|.*\|[ \t]*$/.test(l)) {
    // Table row: cells become a spoken list.
    l = l
      .trim()
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim())
      .filter(Boolean)
      .join(', ');
  }
  l = l.replace(/\|/g, ' ');
  l = l.replace(/\bC#/g, 'C sharp').replace(/\bF#/g, 'F sharp');
  l = l.replace(/~~/g, '');
  l = l.replace(/\*+/g, '');
  // Emphasis underscores go; snake_case reads as words.
  l = l.replace(/(\w)_(?=\w)/g, '$1 ').replace(/_/g, '');
  l = l.replace(/#/g, '');
  l = l.replace(/`/g, '');
  l = l.replace(/(^|\s)(?:->|=>|>+|<+)(?=\s|$)/g, '$1');
  l = l.replace(/>/g, ' ');
  return l.replace(/\s+/g, ' ').trim();
}
