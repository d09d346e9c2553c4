// The original Alisa's spoken actions for its text clients (issue 16): trigger phrases in ordinary
// chat text become actions, run through the one executor and policy like every other; where the
// policy asks, the question is a reply ("Shall I ...? (yes/no)", [EMOTION]neutral, [END]) and the
// client's next "yes"/"no" answers it, as the original's clients expect. Unlike the original:
//   - every action but reading asks first (the original ran "open X" at once), and a question
//     expires after 60 s (the original's never did);
//   - "read file" reads only inside the notes folder (the original read any path on the system);
//   - a phrase must be the whole message ("open firefox", not "open the door please"), and "open
//     tab" is a tab, not an application called "tab".
// Result frames are the original's: "[TEASING] <message>" when done, "[SERIOUS] <reason>" when
// refused or failed, "[CALM] Alright, no problem." when the user said no; then [EMOTION]neutral
// and [END].
import type { ActionAskInfo, ActionDecision, ActionOutcome } from '../../protocol/actions';

export interface Trigger {
  action: string;
  args: Record<string, unknown>;
}

const YES = /^(yes|yeah|yep|sure|okay|ok|do it)[.!]*$/i;
const NO = /^(no|nope|nah|cancel|don't|dont)[.!]*$/i;

export function isYes(text: string): boolean {
  return YES.test(text.trim());
}

export function isNo(text: string): boolean {
  return NO.test(text.trim());
}

type Rule = [RegExp, (m: RegExpExecArray) => Record<string, unknown>];

/** The original's phrases, each the whole message; the first that matches wins. */
const RULES: Array<[string, Rule]> = [
  ['write_note', [/^(?:take|write|save)\s+(?:a\s+)?note\s*[:,]?\s*([\s\S]+)$/i, (m) => ({ text: m[1]!.trim() })]],
  ['read_file', [/^(?:read|show me)\s+(?:the\s+)?file\s+(\S.*)$/i, (m) => ({ path: m[1]!.trim() })]],
  ['browser_new_tab', [/^(?:new tab|open (?:a )?(?:new )?tab)[.!]?$/i, () => ({})]],
  ['browser_close_tab', [/^close (?:the )?tab[.!]?$/i, () => ({})]],
  [
    'browser_go_to',
    [
      /^(?:go|navigate) to\s+((?:https?:\/\/)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:\/\S*)?)[.!]?$/i,
      (m) => ({ url: /^https?:\/\//i.test(m[1]!) ? m[1]! : `https://${m[1]!}` }),
    ],
  ],
  ['scroll', [/^scroll (up|down)[.!]?$/i, (m) => ({ direction: m[1]!.toLowerCase(), amount: 3 })]],
  ['type_text', [/^type\s+([\s\S]+)$/i, (m) => ({ text: m[1]! })]],
  ['open_app', [/^(?:open|launch|start)\s+([\w.+-]+)[.!]?$/i, (m) => ({ name: m[1]! })]],
  ['close_app', [/^(?:close|quit|exit)\s+([\w.+-]+)[.!]?$/i, (m) => ({ name: m[1]! })]],
];

/** The action a legacy chat message asks for, or null for ordinary chat. */
export function parseTrigger(raw: string): Trigger | null {
  const text = raw.trim();
  for (const [action, [re, args]] of RULES) {
    const m = re.exec(text);
    if (m) return { action, args: args(m) };
  }
  return null;
}

/** The question frames for a legacy client. */
export function questionFrames(ask: ActionAskInfo): string[] {
  const detail = ask.detail && ask.detail !== ask.title && ask.detail.length <= 500 ? ` (${ask.detail.split('\n').filter(Boolean).join(' ')})` : '';
  return [`Shall I ${ask.title.charAt(0).toLowerCase()}${ask.title.slice(1)}${detail}? Say yes or no.`, '[EMOTION]neutral', '[END]'];
}

/** The result frames for a legacy client, as the original sent them. */
export function outcomeFrames(outcome: ActionOutcome): string[] {
  let line: string;
  if (outcome.status === 'done') line = `[TEASING] ${String(outcome.result?.text ?? 'Done.')}`;
  else if (outcome.status === 'denied') line = '[CALM] Alright, no problem.';
  else line = `[SERIOUS] ${outcome.reason ?? 'That did not work.'}`;
  return [line, '[EMOTION]neutral', '[END]'];
}

/** One legacy client's open question: answered by its next yes or no, or expired. */
export class PendingQuestion {
  private resolve: ((d: ActionDecision | 'expired') => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  get open(): boolean {
    return this.resolve !== null;
  }

  /** The executor's confirm callback: sends the question and waits for the answer. */
  ask(info: ActionAskInfo, send: (frames: string[]) => void, now = Date.now()): Promise<ActionDecision | 'expired'> {
    this.answer('expired');
    send(questionFrames(info));
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.answer('expired'), Math.max(0, info.expiresAt - now));
      this.timer.unref?.();
    });
  }

  answer(d: ActionDecision | 'expired'): boolean {
    const r = this.resolve;
    if (!r) return false;
    this.resolve = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    r(d);
    return true;
  }
}
