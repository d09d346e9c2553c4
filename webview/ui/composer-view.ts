// The message box: Enter sends, Shift+Enter starts a new line, and the box grows with its text.
// While a reply streams in this chat, Stop replaces Send (Escape stops too).
import { el, iconButton } from './dom';
import { ICONS } from './icons';

export interface ComposerOptions {
  /** Returns false when the text could not be sent now (it stays in the box). */
  onSend: (text: string) => boolean;
  onStop: () => void;
  onDraft: (text: string) => void;
}

const MAX_ROWS_PX = 200;

export class ComposerView {
  readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly actions: HTMLElement;
  private streaming = false;

  constructor(form: HTMLFormElement, private readonly opts: ComposerOptions) {
    this.input = el('textarea', {
      id: 'message-input',
      class: 'composer-input',
      rows: 1,
      'aria-label': 'Message Alisa',
      placeholder: 'Message Alisa…',
      'aria-describedby': 'composer-hint',
      maxlength: 100_000,
    });
    this.sendButton = iconButton('Send', ICONS.send, { id: 'send', type: 'submit', class: 'icon-btn primary' });
    this.stopButton = iconButton('Stop', ICONS.stop, { id: 'stop', class: 'icon-btn danger', hidden: true });
    const hint = el('span', { id: 'composer-hint', class: 'visually-hidden', text: 'Enter sends; Shift+Enter starts a new line.' });
    this.actions = el('div', { class: 'composer-actions' }, this.stopButton, this.sendButton);
    form.replaceChildren(this.input, hint, this.actions);

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey && !ev.isComposing) {
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

  /** Shows Stop instead of Send while a reply streams in the chat on screen. */
  setStreaming(streaming: boolean): void {
    if (streaming === this.streaming) return;
    const hadFocus = this.stopButton.ownerDocument.activeElement === this.stopButton;
    this.streaming = streaming;
    this.stopButton.hidden = !streaming;
    this.sendButton.hidden = streaming;
    if (hadFocus && !streaming) this.input.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (text === '' || this.streaming) return;
    if (this.opts.onSend(text)) this.setValue('');
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_ROWS_PX)}px`;
  }
}
