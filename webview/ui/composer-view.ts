// The message box: Enter sends, Shift+Enter starts a new line, and the box grows with its text.
// While a reply streams in this chat, Stop shows beside Send (Escape stops too), and Send (or
// Enter) queues the message: it goes when her reply ends (outbox.ts). When nothing can
// reach Alisa from this page (browser mode: a link whose token is no longer valid, a companion
// that is not running), the box is disabled and its placeholder says why (`setBlocked`). A "/" at
// the start lists the slash commands (slash-hints-view.ts), which take the keys while open; an "@"
// lists what can be attached (mention-hints-view.ts), shown as chips above the box once chosen
// (mention-chips-view.ts) and sent with the message as its attachments.
import type { Attachment, HostState } from '../../protocol';
import { el, iconButton } from './dom';
import { ICONS } from './icons';
import { MentionChipsView } from './mention-chips-view';
import { MentionHintsView } from './mention-hints-view';
import { attachmentsTooLarge, type MentionSource } from './mentions';
import { SlashHintsView } from './slash-hints-view';

interface ComposerOptions {
  /** Returns false when the text could not be sent now (it stays in the box, and so do its chips). */
  onSend: (text: string, attachments?: Attachment[]) => boolean;
  onStop: () => void;
  onDraft: (text: string) => void;
  /** Where @-mentions come from; without it the box offers none. */
  mentions?: MentionSource;
  /** The message cannot go as it is (a chip was refused, too much attached): why, for the user. */
  onRefused?: (message: string) => void;
}

const MAX_ROWS_PX = 200;
const PLACEHOLDER = 'Message Alisa…';

/**
 * Why the message box is disabled, or null. Only in a browser tab: its failures (a token that
 * is not valid, a companion that is not running) do not mend themselves, whereas VS Code restarts
 * the companion and keeps the box (messages wait for her).
 */
export function composerBlockedReason(state: HostState | null | undefined): string | null {
  if (state?.host !== 'browser' || state.connection !== 'failed') return null;
  return state.error?.code === 'forbidden' ? 'This link no longer opens Alisa' : 'Alisa cannot be reached';
}

export class ComposerView {
  readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly actions: HTMLElement;
  /** The slash commands while the user types one. */
  readonly hints: SlashHintsView;
  /** The @-mention completion and the chips chosen with it (null: this box offers none). */
  readonly mentionHints: MentionHintsView | null = null;
  readonly chips: MentionChipsView | null = null;
  private streaming = false;
  /** A send waits for its chips to be read. */
  private waitingForChips = false;

  constructor(
    form: HTMLFormElement,
    private readonly opts: ComposerOptions,
  ) {
    this.input = el('textarea', {
      id: 'message-input',
      class: 'composer-input',
      rows: 1,
      'aria-label': 'Message Alisa',
      placeholder: PLACEHOLDER,
      'aria-describedby': 'composer-hint',
      maxlength: 100_000,
    });
    this.sendButton = iconButton('Send', ICONS.send, { id: 'send', type: 'submit', class: 'icon-btn primary' });
    this.stopButton = iconButton('Stop', ICONS.stop, { id: 'stop', class: 'icon-btn danger', hidden: true });
    const hint = el('span', {
      id: 'composer-hint',
      class: 'visually-hidden',
      text: `Enter sends; Shift+Enter starts a new line. While Alisa answers, Enter queues your message. A slash at the start lists the commands.${
        opts.mentions ? ' An at sign lists what you can attach, such as a file or the problems.' : ''
      }`,
    });
    this.actions = el('div', { class: 'composer-actions' }, this.stopButton, this.sendButton);
    this.hints = new SlashHintsView(this.input, (text) => this.setValue(text));
    if (opts.mentions) {
      const chips = new MentionChipsView(opts.mentions, () => this.input.focus());
      this.chips = chips;
      this.mentionHints = new MentionHintsView(this.input, opts.mentions, (m) => chips.add(m));
    }
    form.replaceChildren(
      this.hints.node,
      ...(this.mentionHints ? [this.mentionHints.node] : []),
      ...(this.chips ? [this.chips.node] : []),
      this.input,
      hint,
      this.actions,
    );

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (this.hints.onKeyDown(ev) || this.mentionHints?.onKeyDown(ev)) return;
      if (ev.key === 'Backspace' && this.input.value === '' && !ev.isComposing && this.chips?.removeLast()) {
        ev.preventDefault();
      } else if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit();
      } else if (ev.key === 'Escape' && this.streaming) {
        ev.preventDefault();
        opts.onStop();
      }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      opts.onDraft(this.input.value);
      this.hints.update();
      void this.mentionHints?.update();
    });
    this.input.addEventListener('blur', () => {
      this.hints.close();
      this.mentionHints?.close();
    });
    this.stopButton.addEventListener('click', () => opts.onStop());
  }

  get value(): string {
    return this.input.value;
  }

  setValue(text: string): void {
    this.input.value = text;
    this.autosize();
    this.opts.onDraft(text);
    this.hints.close();
  }

  /** Puts a control (the mic button) before Stop/Send. */
  addAction(node: HTMLElement): void {
    this.actions.prepend(node);
  }

  /** Adds dictated text to what is in the box (separated by a space) and focuses the box. */
  insert(text: string): void {
    const before = this.input.value;
    this.setValue(before === '' || /\s$/.test(before) ? before + text : `${before} ${text}`);
    this.focus();
  }

  focus(): void {
    this.input.focus();
  }

  /** Disables the box and Send (the placeholder says why), or enables them again (null). */
  setBlocked(reason: string | null): void {
    const blocked = reason !== null;
    this.input.disabled = blocked;
    this.sendButton.disabled = blocked;
    this.input.placeholder = reason ?? PLACEHOLDER;
  }

  /** Shows Stop while a reply streams in the chat on screen; Send then queues (its label says so). */
  setStreaming(streaming: boolean): void {
    if (streaming === this.streaming) return;
    const hadFocus = this.stopButton.ownerDocument.activeElement === this.stopButton;
    this.streaming = streaming;
    this.stopButton.hidden = !streaming;
    const label = streaming ? 'Queue message (sent when Alisa finishes)' : 'Send';
    this.sendButton.setAttribute('aria-label', label);
    this.sendButton.title = label;
    if (hadFocus && !streaming) this.input.focus();
  }

  /** Chips of a message that could not go (its text is back in the box): they come back too. */
  restoreAttachments(attachments: readonly Attachment[] | undefined): void {
    if (attachments?.length) this.chips?.restore(attachments);
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (text === '' || this.input.disabled) return;
    if (!this.chips || this.chips.count === 0) {
      if (this.opts.onSend(text)) this.setValue('');
      return;
    }
    // Enter again while the chips are read sends nothing more: the first Enter sends once they are.
    if (this.waitingForChips) return;
    this.waitingForChips = true;
    void this.submitWithChips(this.chips).finally(() => (this.waitingForChips = false));
  }

  /** Sends with the chips' attachments once each is read; a refused chip or too much attached keeps it all in place. */
  private async submitWithChips(chips: MentionChipsView): Promise<void> {
    const read = await chips.attachments();
    if ('error' in read) return this.opts.onRefused?.(read.error);
    const tooLarge = attachmentsTooLarge(read.attachments);
    if (tooLarge) return this.opts.onRefused?.(tooLarge);
    // What is in the box now (typing went on while the chips were read).
    const text = this.input.value.trim();
    if (text === '' || this.input.disabled) return;
    if (this.opts.onSend(text, read.attachments)) {
      this.setValue('');
      chips.clear();
    }
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_ROWS_PX)}px`;
  }
}
