// Alisa's actions in the conversation (issue 16): one card per call. While the companion asks
// (`action.ask`; VS Code shows the question as a modal, the panel says what it is about) the card
// reads "Waiting for your answer" with the title, the exact command, path or text (monospace,
// folded when long) and who asked: the user, a voice command, a legacy client or the model (then
// it says plainly that text the model read may be trying to make her do it). `action.askDone` and
// `action.done` turn it into the outcome: done, refused, "you said no", expired or failed, with
// the reason or the result (folded under <details> when longer than a few lines).
//
// Where a card sits: with the reply whose tool call it is (`replyId`, inside that reply's element,
// after its text; a model's question names no reply, so it goes with the reply streaming in the
// chat on screen until `action.done` says which), otherwise at the end of the chat. Cards belong
// to the chat that was on screen when they came (or their reply's chat) and show only there; they
// are not stored (the companion's action log is the record). `place()` runs after every re-render
// of the list, which may have replaced a reply's element (a reloaded chat shows stored copies).
//
// Every text goes in as text (textContent via el()), never as HTML: a detail or a result may be
// anything a model, a file or a program wrote.
import { RISK_TEXT, type ActionSource, type ActionStatus, type CompanionMessage, type Risk } from '../../protocol';
import type { ChatMessage } from '../chat/chat-message';
import { el, icon } from './dom';
import { ICONS } from './icons';

type ActionEvent = Extract<CompanionMessage, { type: 'action.ask' | 'action.askDone' | 'action.done' }>;

/** A card's state: a question open, running (allowed, or a slash command on its way), an outcome, or the connection went first. */
export type ActionCardState = 'waiting' | 'running' | ActionStatus | 'lost';

interface ActionCardsOptions {
  /** The message log's root: cards that belong to no reply go at its end, and replies are found in it. */
  parent: HTMLElement;
  /** Where the question is answered: VS Code's modal, or (a browser tab) a VS Code window. */
  hostKind: 'vscode' | 'browser';
  /** The chat on screen. */
  sessionId: () => number | null;
  /** The reply streaming in the chat on screen, if any (a model's question comes while it streams). */
  streamingReplyId: () => string | null;
  /** A reply the panel knows (its chat, its stored id), or null. */
  replyMessage: (replyId: string) => ChatMessage | null;
  /** A card was added or changed (the log follows it down when the user is at the bottom). */
  onChange?: () => void;
}

interface Card {
  callId: string;
  askId: string | null;
  title: string;
  detail: string | null;
  risk: Risk | null;
  source: ActionSource | null;
  provenance: string | null;
  replyId: string | null;
  /** The chat it belongs to (null: every chat). */
  sessionId: number | null;
  state: ActionCardState;
  reason: string | null;
  result: string | null;
  node: HTMLElement;
  icon: HTMLElement;
  titleEl: HTMLElement;
  status: HTMLElement;
  body: HTMLElement;
}

const STATES: Record<ActionCardState, { word: string; icon: readonly string[] }> = {
  waiting: { word: 'Waiting for your answer', icon: ICONS.clock },
  running: { word: 'Running', icon: ICONS.play },
  done: { word: 'Done', icon: ICONS.check },
  refused: { word: 'Refused', icon: ICONS.blocked },
  denied: { word: 'You said no', icon: ICONS.close },
  expired: { word: 'Expired', icon: ICONS.clock },
  failed: { word: 'Failed', icon: ICONS.warning },
  lost: { word: 'Connection lost', icon: ICONS.warning },
};

const ASKED_BY: Record<ActionSource, string> = {
  user: 'You asked for this.',
  voice: 'You asked for this with a voice command.',
  legacy: 'A legacy client (the older Alisa protocol) asked for this.',
  model: 'The model asked for this, not you.',
};

const MODEL_WARNING =
  "Text the model read (a file, a web page, the screen, a terminal or a tool's result) may be trying to make Alisa do this. Allow it only if it is what you want.";

/** Longer than this is folded under <details>: lines, or characters in all. */
export const FOLD_LINES = 4;
export const FOLD_CHARS = 400;
/** Cards kept; older finished ones go first. */
const MAX_CARDS = 100;

/** Whether a text is folded (more than a few lines, or very long). */
export function isLong(text: string): boolean {
  return text.split('\n').length > FOLD_LINES || text.length > FOLD_CHARS;
}

export class ActionCardsView {
  private readonly cards = new Map<string, Card>();
  /** Cards of no reply, at the end of the chat. */
  private readonly tail: HTMLElement;

  constructor(private readonly opts: ActionCardsOptions) {
    this.tail = el('div', { class: 'action-cards', role: 'list', 'aria-label': "Alisa's actions" });
    opts.parent.append(this.tail);
  }

  get count(): number {
    return this.cards.size;
  }

  /** The card of a call (for tests and the wiring). */
  node(callId: string): HTMLElement | null {
    return this.cards.get(callId)?.node ?? null;
  }

  apply(m: ActionEvent): void {
    if (m.type === 'action.ask') {
      const card = this.card(m.callId, m.title);
      Object.assign(card, {
        askId: m.id,
        title: m.title,
        detail: m.detail,
        risk: m.risk,
        source: m.source,
        provenance: m.provenance,
      } satisfies Partial<Card>);
      // The question names its reply; an older companion's does not: it goes with the reply streaming now.
      if (m.replyId) card.replyId = m.replyId;
      else if (m.source === 'model' && card.replyId === null) card.replyId = this.opts.streamingReplyId();
      if (!isFinal(card.state)) card.state = 'waiting';
      this.render(card);
      return;
    }
    if (m.type === 'action.askDone') {
      const card = [...this.cards.values()].find((c) => c.askId === m.id);
      if (card?.state !== 'waiting') return;
      // Allowed: it runs now. Otherwise its outcome follows at once (action.done).
      card.state = m.decision === 'allow' || m.decision === 'always' ? 'running' : m.decision === 'deny' ? 'denied' : 'expired';
      this.render(card);
      return;
    }
    const { outcome } = m;
    const card = this.card(outcome.callId, m.title);
    card.title = m.title;
    card.source = m.source;
    if (m.replyId !== null) {
      card.replyId = m.replyId;
      card.sessionId = this.opts.replyMessage(m.replyId)?.sessionId ?? card.sessionId;
    }
    card.state = outcome.status;
    card.reason = outcome.reason;
    const text = outcome.result?.text;
    card.result = typeof text === 'string' && text.trim() !== '' ? text : null;
    this.render(card);
  }

  /** A slash command the user sent here went (`chat.send` answered with its call): shown at once, until its question or outcome. */
  started(callId: string, text: string): void {
    if (this.cards.has(callId)) return;
    const card = this.card(callId, text);
    card.source = 'user';
    this.render(card);
  }

  /** The connection is gone: questions and running actions will not report here any more. */
  interrupt(): void {
    for (const card of this.cards.values()) {
      if (isFinal(card.state)) continue;
      card.state = 'lost';
      card.reason = 'The connection to Alisa was lost before the outcome came.';
      this.render(card);
    }
  }

  /** Puts each card with its reply (or at the end) and shows only the chat on screen's. */
  place(): void {
    const current = this.opts.sessionId();
    let byKey: Map<string, HTMLElement> | null = null;
    for (const card of this.cards.values()) {
      const here = card.sessionId === null || card.sessionId === current;
      card.node.hidden = !here;
      if (!here) continue;
      let box = this.tail;
      if (card.replyId !== null) {
        byKey ??= this.replyNodes();
        const reply = this.opts.replyMessage(card.replyId);
        const node = byKey.get(`r${card.replyId}`) ?? (reply?.id != null ? byKey.get(`m${reply.id}`) : undefined);
        if (node) box = cardsIn(node);
      }
      if (card.node.parentElement !== box) box.append(card.node);
    }
  }

  private replyNodes(): Map<string, HTMLElement> {
    const out = new Map<string, HTMLElement>();
    for (const n of this.opts.parent.querySelectorAll<HTMLElement>('.msg[data-role="assistant"]')) {
      if (n.dataset.key) out.set(n.dataset.key, n);
      if (n.dataset.messageId) out.set(`m${n.dataset.messageId}`, n);
    }
    return out;
  }

  private card(callId: string, title: string): Card {
    const existing = this.cards.get(callId);
    if (existing) return existing;
    const iconEl = el('span', { class: 'action-card-icon' });
    const titleEl = el('span', { class: 'action-card-title' });
    const status = el('span', { class: 'action-card-status', role: 'status', 'aria-live': 'polite' });
    const body = el('div', { class: 'action-card-body' });
    const node = el(
      'div',
      { class: 'action-card', role: 'listitem', 'data-call-id': callId },
      el('div', { class: 'action-card-head' }, iconEl, titleEl, status),
      body,
    );
    const card: Card = {
      callId,
      askId: null,
      title,
      detail: null,
      risk: null,
      source: null,
      provenance: null,
      replyId: null,
      sessionId: this.opts.sessionId(),
      state: 'running',
      reason: null,
      result: null,
      node,
      icon: iconEl,
      titleEl,
      status,
      body,
    };
    this.cards.set(callId, card);
    this.trim();
    return card;
  }

  private trim(): void {
    for (const [id, c] of this.cards) {
      if (this.cards.size <= MAX_CARDS) break;
      if (!isFinal(c.state)) continue;
      c.node.remove();
      this.cards.delete(id);
    }
  }

  private render(card: Card): void {
    const n = card.node;
    const { word, icon: paths } = STATES[card.state];
    n.dataset.state = card.state;
    if (card.source) n.dataset.source = card.source;
    n.setAttribute('aria-label', `${card.title}: ${word}`);
    card.icon.replaceChildren(icon(paths));
    card.titleEl.textContent = card.title;
    // The live region stays; only its text changes, so screen readers hear the new status.
    if (card.status.textContent !== word) card.status.textContent = word;
    const parts: Node[] = [];
    if (card.state === 'waiting') {
      if (card.detail) parts.push(folded(card.detail, 'action-card-detail', 'Show all'));
      if (card.source) parts.push(el('p', { class: 'action-card-source', text: ASKED_BY[card.source] }));
      if (card.provenance) parts.push(el('p', { class: 'action-card-provenance', text: `Where it came from: ${card.provenance}` }));
      if (card.source === 'model') parts.push(el('p', { class: 'action-card-warning', role: 'note', text: MODEL_WARNING }));
      const risk = card.risk ? `It ${RISK_TEXT[card.risk]}. ` : '';
      parts.push(
        el('p', {
          class: 'action-card-hint',
          text: this.opts.hostKind === 'vscode' ? `${risk}Answer in the dialog VS Code shows.` : `${risk}Answer in VS Code: Alisa asks there before she acts.`,
        }),
      );
    } else if (isFinal(card.state)) {
      if (card.source && card.source !== 'user') parts.push(el('p', { class: 'action-card-source', text: ASKED_BY[card.source] }));
      // The reason is a sentence (said once: "You said no." is the status already).
      if (card.reason && card.reason.replace(/\.$/, '') !== word) parts.push(folded(card.reason, 'action-card-reason', 'Show all', 'p'));
      else if (card.result) parts.push(folded(card.result, 'action-card-result', 'Result'));
    }
    card.body.replaceChildren(...parts);
    card.body.hidden = parts.length === 0;
    this.place();
    this.opts.onChange?.();
  }
}

const isFinal = (s: ActionCardState) => s !== 'waiting' && s !== 'running';

/** The `.msg-action-cards` box in a reply's element, after its text (made on first use). */
function cardsIn(reply: HTMLElement): HTMLElement {
  const found = reply.querySelector<HTMLElement>(':scope > .msg-action-cards');
  if (found) return found;
  const box = el('div', { class: 'msg-action-cards', role: 'list', 'aria-label': "Alisa's actions in this reply" });
  const body = reply.querySelector(':scope > .msg-body');
  if (body) body.after(box);
  else reply.append(box);
  return box;
}

/**
 * A text whole when short (monospace, or a sentence as a paragraph: `short`); else in monospace,
 * its first lines and the whole under <details> ("Show all 12 lines", or "Result (12 lines)"),
 * closed until the user opens it.
 */
function folded(text: string, cls: string, label: 'Show all' | 'Result', short: 'pre' | 'p' = 'pre'): HTMLElement {
  if (!isLong(text)) return short === 'p' ? el('p', { class: cls, text }) : el('pre', { class: `action-card-text ${cls}`, text });
  const lines = text.split('\n');
  const count = lines.length > 1 ? `${lines.length} lines` : `${text.length} characters`;
  const preview = lines
    .slice(0, FOLD_LINES - 1)
    .join('\n')
    .slice(0, FOLD_CHARS / 2);
  return el(
    'div',
    { class: `action-card-long ${cls}` },
    el('pre', { class: 'action-card-text action-card-preview', text: `${preview}…` }),
    el(
      'details',
      { class: 'action-card-fold' },
      el('summary', { text: label === 'Result' ? `Result (${count})` : `Show all ${count}` }),
      el('pre', { class: 'action-card-text action-card-full', text }),
    ),
  );
}
