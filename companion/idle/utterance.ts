// What she says when she speaks up unasked: the instruction for the model, and the shaping of its
// answer into 1-2 sentences with no question (cut before the first '?', and a sentence that
// would end in '?' is dropped). A botched answer (nothing left) falls back to a short line of her
// own, so an utterance is always complete.
import type { Emotion, Mode } from '../../protocol';
import type { UtteranceKind } from './idle-policy';

const MAX_CHARS = 240;

export function utteranceInstruction(kind: UtteranceKind, emotion: Emotion): string {
  const situation: Record<UtteranceKind, string> = {
    idle: 'It has been quiet for a while, and you feel like saying something on your own.',
    welcome_back: 'The user has just come back after being away.',
    leaving: 'The user seems to be stepping away.',
    drifting: 'The user seems to have lost focus and drifted off.',
  };
  return (
    `(${situation[kind]} Say one or two short sentences to them, in a ${emotion} mood. ` +
    'Do not ask a question and do not tell them to do anything. Do not mention this note.)'
  );
}

/** 1-2 sentences, no question, no stray tags or quotes; '' when nothing usable is left. */
export function shapeUtterance(raw: string): string {
  let text = raw
    .replace(/<[^>]*>/g, ' ')
    .replace(/\[[A-Z_]+\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const q = text.indexOf('?');
  if (q !== -1) {
    // Drop the sentence the question mark ends: keep what came before it.
    const before = text.slice(0, q);
    const lastEnd = Math.max(before.lastIndexOf('.'), before.lastIndexOf('!'), before.lastIndexOf('…'));
    text = lastEnd === -1 ? '' : before.slice(0, lastEnd + 1);
  }
  const sentences = text.match(/[^.!…]+[.!…]+["')\]]*|[^.!…]+$/g) ?? [];
  text = sentences
    .map((s) => s.trim())
    .filter((s) => /[A-Za-z\p{L}]/u.test(s))
    .slice(0, 2)
    .join(' ')
    .trim();
  text = text.replace(/^["'\s]+/, '');
  if (text.length > MAX_CHARS) {
    const cut = text.slice(0, MAX_CHARS);
    const end = Math.max(cut.lastIndexOf('.'), cut.lastIndexOf('!'));
    text = end > 20 ? cut.slice(0, end + 1) : `${cut.slice(0, cut.lastIndexOf(' ')).trim()}…`;
  }
  if (text !== '' && !/[.!…"')]$/.test(text)) text += '.';
  return /[A-Za-z\p{L}]/u.test(text) ? text : '';
}

/** Her own line when the model gives nothing usable; by situation and mode, never a question. */
export function fallbackUtterance(kind: UtteranceKind, mode: Mode): string {
  const lines: Record<UtteranceKind, Record<Mode, string>> = {
    idle: {
      teasing: "It's awfully quiet. Not that I missed talking to you or anything.",
      serious: "It's been quiet for a while. I'm here when you need me.",
      calm: "It's nice and quiet. I'm right here.",
    },
    welcome_back: {
      teasing: "Oh, you're back. Not that I was waiting.",
      serious: 'Welcome back.',
      calm: 'Welcome back. Take your time settling in.',
    },
    leaving: {
      teasing: "Off you go, then. I'll just wait here.",
      serious: "I'll be here when you get back.",
      calm: 'Take a break. I will be here.',
    },
    drifting: {
      teasing: "Your mind's wandering again. I can tell.",
      serious: 'Your focus seems to be drifting.',
      calm: "It's fine to drift off for a moment.",
    },
  };
  return lines[kind][mode];
}
