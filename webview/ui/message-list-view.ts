// The conversation log. Elements are keyed by message so a streaming reply is updated in place:
// at most once per animation frame however fast tokens come, and only its growing last block is
// rendered again (MarkdownStream), so a long reply costs time linear in its length. The
// list stays pinned to the bottom while the user is there, and leaves their scroll alone when
// they have scrolled up to read. Each message has a row of actions (Retry, Edit, a queued
// message's Stop and send / Cancel: message-actions.ts), redrawn when what it offers changes.
import type { ChatMessage } from '../chat/chat-message';
import { type CodeAction, codeOfButton, MarkdownStream } from '../chat/markdown';
import { errorText } from '../../common/sentences';
import { detailsDisclosure, el } from './dom';
import { actionsFor, openEditor, renderActions, type MessageAction } from './message-actions';
import { renderSources } from './sources-view';
import type { SourceRef } from '../../protocol';

interface MessageListOptions {
  /** Whether code blocks get an Insert button (there is an editor to insert into). */
  canInsert: boolean;
  onCodeAction: (action: CodeAction, code: string, language: string | undefined) => void;
  onLoadEarlier: () => void;
  /** The scroll offset, or null when at the bottom. */
  onScroll: (scrollTop: number | null) => void;
  /** Retry on a failed or stopped reply (the message given) or on an unanswered question. */
  onRetry?: (m: ChatMessage) => void;
  /** Saving an edited message: true when the companion took it (the editor closes). */
  onEdit?: (m: ChatMessage, text: string) => Promise<boolean>;
  /** A queued message's buttons. */
  onQueued?: (m: ChatMessage, action: 'send-now' | 'cancel') => void;
  /** Schedules the next render (default: the next animation frame). */
  requestFrame?: (render: () => void) => void;
  /** After the elements were made to match the messages (others' content in them, such as action cards, is put back). */
  onSync?: () => void;
  /** A reply's source link (VS Code only: absent, sources show as plain text). */
  onOpenSource?: (ref: SourceRef) => void;
}

interface Rendered {
  node: HTMLElement;
  /** The meta line, body and note of `node` (held: looking them up would walk the whole reply). */
  metaEl: HTMLElement;
  body: HTMLElement;
  note: HTMLElement;
  /** What the message attached or cited (sources-view.ts), and what it shows, to redo it only on change. */
  sources: HTMLElement;
  sourcesShown: string;
  /** The row of actions (message-actions.ts) and what it shows, to redraw it only on change. */
  actions: HTMLElement;
  actionsShown: string;
  /** The inline editor while the user edits this message. */
  editor: HTMLElement | null;
  text: string | null;
  /** Whether `text` was rendered as the final text (the reply no longer streams). */
  final: boolean;
  markdown: MarkdownStream | null;
  /** What the meta line shows, to redo it only when that changes. */
  meta: string;
  message: ChatMessage;
}

const BOTTOM_SLACK_PX = 40;

/** An empty chat with no greeting of the character's (the built-in Alisa's line). */
const EMPTY_CHAT = 'Say hello to Alisa. She is listening (though she would never admit it).';

export class MessageListView {
  private readonly rendered = new Map<string, Rendered>();
  private readonly dirty = new Set<string>();
  private frame = false;
  private readonly earlier: HTMLButtonElement;
  private readonly empty: HTMLElement;
  private readonly list: HTMLElement;
  private assistantName = 'Alisa';
  private pinned = true;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: MessageListOptions,
  ) {
    this.earlier = el('button', { type: 'button', class: 'link-btn load-earlier', text: 'Show earlier messages', hidden: true });
    this.earlier.addEventListener('click', () => opts.onLoadEarlier());
    this.empty = el('p', { class: 'empty-chat', text: EMPTY_CHAT });
    this.list = el('div', { class: 'message-items' });
    root.replaceChildren(this.earlier, this.empty, this.list);
    root.addEventListener('click', (ev) => this.onClick(ev));
    root.addEventListener('scroll', () => {
      this.pinned = this.atBottom();
      opts.onScroll(this.pinned ? null : Math.round(root.scrollTop));
    });
  }

  setAssistantName(name: string): void {
    this.assistantName = name;
    for (const r of this.rendered.values()) if (r.message.role === 'assistant') this.renderMeta(r);
  }

  /** What an empty chat says: the active character's greeting, or an invitation to say hello. */
  setGreeting(name: string, greeting: string | null): void {
    this.empty.textContent = greeting ? `${name}: “${greeting}”` : name === 'Alisa' ? EMPTY_CHAT : `Say hello to ${name}.`;
    this.empty.toggleAttribute('data-greeting', greeting !== null);
  }

  setCanLoadEarlier(can: boolean): void {
    this.earlier.hidden = !can;
  }

  /** Makes the elements match the messages (added, removed, reordered), rendering new ones now. */
  sync(messages: readonly ChatMessage[], opts: { keepScroll?: 'bottom' | 'anchor' | number } = {}): void {
    const before = this.root.scrollHeight - this.root.scrollTop;
    const wanted = new Set(messages.map((m) => m.key));
    for (const [key, r] of this.rendered) {
      if (!wanted.has(key)) {
        r.node.remove();
        this.rendered.delete(key);
      }
    }
    let previous: Element | null = null;
    for (const m of messages) {
      let r = this.rendered.get(m.key);
      if (!r) {
        r = this.create(m);
        this.rendered.set(m.key, r);
      } else if (r.message !== m) {
        r.message = m;
        this.renderNow(r);
      }
      const expected: Element | null = previous ? previous.nextElementSibling : this.list.firstElementChild;
      if (expected !== r.node) {
        if (previous) previous.after(r.node);
        else this.list.prepend(r.node);
      }
      previous = r.node;
    }
    this.empty.hidden = messages.length > 0;
    this.updateBusy();
    this.opts.onSync?.();
    const keep = opts.keepScroll;
    if (keep === 'anchor') this.root.scrollTop = this.root.scrollHeight - before;
    else if (typeof keep === 'number') this.root.scrollTop = keep;
    else if (keep === 'bottom' || this.pinned) this.scrollToBottom();
  }

  /** A message's text, status or emotion changed: re-render it with the next frame. */
  update(key: string, message?: ChatMessage): void {
    const r = this.rendered.get(key);
    if (!r) return;
    if (message) r.message = message;
    this.dirty.add(key);
    if (this.frame) return;
    this.frame = true;
    (this.opts.requestFrame ?? requestAnimationFrame)(() => this.flush());
  }

  /** Something below the last message grew (an action card): stay at the bottom if the user is there. */
  followIfPinned(): void {
    if (this.pinned) this.scrollToBottom();
  }

  scrollToBottom(): void {
    this.root.scrollTop = this.root.scrollHeight;
    this.pinned = true;
  }

  /** Scrolls to a stored message and marks it briefly (from a search result). */
  reveal(messageId: number): boolean {
    const node = this.list.querySelector<HTMLElement>(`[data-message-id="${messageId}"]`);
    if (!node) return false;
    node.scrollIntoView({ block: 'center' });
    node.classList.add('msg-found');
    node.focus({ preventScroll: true });
    setTimeout(() => node.classList.remove('msg-found'), 2000);
    return true;
  }

  private flush(): void {
    this.frame = false;
    const stick = this.pinned;
    for (const key of this.dirty) {
      const r = this.rendered.get(key);
      if (r) this.renderNow(r);
    }
    this.dirty.clear();
    this.updateBusy();
    if (stick) this.scrollToBottom();
  }

  private create(m: ChatMessage): Rendered {
    const node = el('article', { class: 'msg', tabindex: -1 });
    const metaEl = el('div', { class: 'msg-meta' });
    const body = el('div', { class: 'msg-body' });
    const note = el('div', { class: 'msg-note', hidden: true });
    const sources = el('div', { class: 'msg-sources', hidden: true });
    const actions = el('div', { class: 'msg-actions', hidden: true });
    node.append(metaEl, body, sources, note, actions);
    const r: Rendered = {
      node,
      metaEl,
      body,
      sources,
      sourcesShown: '',
      note,
      actions,
      actionsShown: '',
      editor: null,
      text: null,
      final: false,
      markdown: null,
      meta: '',
      message: m,
    };
    this.renderNow(r);
    return r;
  }

  private renderMeta(r: Rendered): void {
    const meta = r.metaEl;
    const m = r.message;
    const who = m.role === 'user' ? 'You' : m.role === 'assistant' ? this.assistantName : 'Note';
    const shown = `${who}\n${m.spontaneous}\n${m.createdAt}`;
    if (shown === r.meta) return;
    r.meta = shown;
    const time = new Date(m.createdAt);
    const parts: Node[] = [el('span', { class: 'msg-author', text: who })];
    if (m.spontaneous && m.role === 'assistant')
      parts.push(el('span', { class: 'msg-spontaneous', title: `${this.assistantName} spoke up on her own`, text: 'on her own' }));
    parts.push(el('time', { class: 'msg-time', datetime: time.toISOString(), text: time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }));
    meta.replaceChildren(...parts);
  }

  private renderNow(r: Rendered): void {
    const m = r.message;
    const n = r.node;
    n.dataset.role = m.role;
    n.dataset.status = m.status;
    n.dataset.key = m.key;
    if (m.id !== null) n.dataset.messageId = String(m.id);
    else delete n.dataset.messageId;
    if (m.role === 'assistant') n.dataset.emotion = m.emotion ?? 'neutral';
    if (m.firstTokenMs != null) n.dataset.firstTokenMs = String(m.firstTokenMs);
    n.toggleAttribute('data-pending', m.pending);
    n.toggleAttribute('data-queued', m.queued === true);
    // She spoke up on her own (idle talk, a help offer's reply): marked subtly, see renderMeta.
    if (m.spontaneous) n.dataset.spontaneous = 'true';
    else delete n.dataset.spontaneous;
    this.renderMeta(r);
    const final = m.status !== 'streaming';
    if (m.role === 'assistant' && m.status === 'streaming' && m.text === '') {
      if (r.text !== null || !r.body.querySelector('.typing')) {
        r.body.replaceChildren(
          el('span', { class: 'typing', role: 'img', 'aria-label': `${this.assistantName} is typing` }, el('span'), el('span'), el('span')),
        );
      }
      r.text = null;
      r.markdown = null;
    } else if (m.role === 'assistant') {
      if (r.text !== m.text || r.final !== final) {
        r.text = m.text;
        r.final = final;
        r.markdown ??= new MarkdownStream(r.body, { insert: this.opts.canInsert });
        r.markdown.render(m.text, final);
      }
    } else if (r.text !== m.text) {
      r.text = m.text;
      r.body.textContent = m.text;
    }
    const sourcesShown = m.sources?.length ? JSON.stringify(m.sources) : '';
    if (sourcesShown !== r.sourcesShown) {
      r.sourcesShown = sourcesShown;
      renderSources(r.sources, m.role, m.sources, this.opts.onOpenSource);
    }
    const note = r.note;
    if (m.status === 'error') {
      note.hidden = false;
      note.setAttribute('role', 'note');
      const e = m.error;
      note.replaceChildren(
        el('strong', { text: m.role === 'user' ? 'Not sent. ' : 'Reply failed. ' }),
        e ? errorText(e) : 'Something went wrong.',
        ...[detailsDisclosure(e?.details)].filter((d) => d !== null),
      );
    } else if (m.status === 'interrupted') {
      note.hidden = false;
      note.replaceChildren(m.role === 'assistant' ? 'Stopped before the end.' : 'Interrupted.');
    } else if (m.role === 'user' && (m.secrets ?? 0) > 0) {
      note.hidden = false;
      note.setAttribute('role', 'note');
      note.dataset.warning = 'secret';
      const n = m.secrets!;
      note.replaceChildren(
        el('strong', { text: n === 1 ? 'This message holds what looks like a secret. ' : `This message holds ${n} things that look like secrets. ` }),
        'It stays on this machine and is stored as you typed it; rotate the secret if it should not be kept, or delete this chat.',
      );
    } else {
      note.hidden = true;
      note.replaceChildren();
      delete note.dataset.warning;
    }
  }

  private updateBusy(): void {
    const streaming = [...this.rendered.values()].some((r) => r.message.status === 'streaming');
    // Screen readers announce the finished reply rather than every token.
    this.root.setAttribute('aria-busy', String(streaming));
    this.updateActions(streaming);
  }

  /** Redraws the action rows whose offer changed (the last message, a reply streaming or not). */
  private updateActions(busy: boolean): void {
    if (!this.opts.onRetry && !this.opts.onEdit && !this.opts.onQueued) return;
    // The chat's last message, queued messages (still to be sent) aside.
    let tail: Element | null = this.list.lastElementChild;
    while (tail?.hasAttribute('data-queued')) tail = tail.previousElementSibling;
    for (const r of this.rendered.values()) {
      const actions = actionsFor(r.message, { tail: r.node === tail, busy }).filter((a) => this.offers(a));
      const shown = `${actions.join()}|${r.message.queued ?? false}`;
      if (shown === r.actionsShown) continue;
      r.actionsShown = shown;
      renderActions(r.actions, r.message, actions);
      r.actions.hidden ||= r.editor !== null;
    }
  }

  private offers(a: MessageAction): boolean {
    if (a === 'retry') return this.opts.onRetry !== undefined;
    if (a === 'edit') return this.opts.onEdit !== undefined;
    return this.opts.onQueued !== undefined;
  }

  private onMessageAction(r: Rendered, action: MessageAction): void {
    const m = r.message;
    if (action === 'retry') this.opts.onRetry?.(m);
    else if (action === 'send-now') this.opts.onQueued?.(m, 'send-now');
    else if (action === 'cancel-queued') this.opts.onQueued?.(m, 'cancel');
    else if (action === 'edit' && this.opts.onEdit && r.editor === null) {
      const onEdit = this.opts.onEdit;
      r.body.hidden = true;
      r.actions.hidden = true;
      const closed = () => {
        r.editor = null;
        r.body.hidden = false;
        r.actionsShown = ''; // drawn again below, for the message as it now is
        this.updateBusy();
      };
      r.editor = openEditor(r.node, m.text, (text) => onEdit(r.message, text), closed);
    }
  }

  private atBottom(): boolean {
    return this.root.scrollHeight - this.root.scrollTop - this.root.clientHeight <= BOTTOM_SLACK_PX;
  }

  private onClick(ev: MouseEvent): void {
    const target = ev.target as Element | null;
    const action = target?.closest?.<HTMLElement>('[data-msg-action]');
    const key = action?.closest<HTMLElement>('.msg')?.dataset.key;
    const owner = key === undefined ? undefined : this.rendered.get(key);
    if (action && owner) return this.onMessageAction(owner, action.dataset.msgAction as MessageAction);
    const button = target?.closest?.('[data-code-action]');
    if (!button) return;
    const found = codeOfButton(button);
    if (!found) return;
    this.opts.onCodeAction(found.action, found.code, found.language);
    const original = button.textContent;
    button.textContent = found.action === 'copy' ? 'Copied' : found.action === 'insert' ? 'Inserted' : 'Opened';
    setTimeout(() => {
      if (button.isConnected) button.textContent = original;
    }, 1500);
  }
}
