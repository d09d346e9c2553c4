// The character editor: an inline form in the panel for a new character or the one being edited
// (name, persona, voice, greeting). Webviews cannot open prompt() or confirm() dialogs, so everything is
// inline, deleting included ("Delete “Mika”?" with Yes / No). The form only collects and shows:
// saving and deleting are the caller's promises; while one runs the buttons wait, and a refusal
// (the companion's ErrorInfo: e.g. `forbidden` for the built-in character) is shown in the form
// with what to do, the user's input kept. The built-in character is offered no Delete at all
// (the companion refuses it), and her persona is read-only (the companion renews it at every
// start), with a note saying both. A character imported from a card shows where it came from and
// the card's image (character.portrait). Escape or Cancel closes without saving.
import type { Character, ErrorInfo } from '../../protocol';
import { toErrorInfo } from '../host/host';
import { el } from './dom';

/** What the form collects; `voice` null: none of her own (the voice settings decide). */
export interface CharacterDraft {
  name: string;
  systemPrompt: string;
  voice: string | null;
  /** Her first line in an empty chat; null: none. */
  greeting: string | null;
}

export interface CharacterFormOptions {
  /** Creates (`editing` null) or updates the character; rejects with the companion's error. */
  save: (draft: CharacterDraft, editing: Character | null) => Promise<void>;
  remove: (character: Character) => Promise<void>;
  /** The form closed (saved, deleted or cancelled): the caller puts the focus back. */
  onClose: () => void;
  /** Her card's image as a data: URL (character.portrait); absent: none is shown. */
  portrait?: (character: Character) => Promise<string | null>;
}

/** The protocol's limits (character.create / update: room for imported cards); the voice as the extension passes it on. */
const LIMITS = { name: 80, systemPrompt: 60_000, voice: 100, greeting: 20_000 } as const;

export function errorText(e: ErrorInfo): string {
  const message = e.message.trim();
  const sentence = /[.!?…]$/.test(message) ? message : `${message}.`;
  return e.action ? `${sentence} ${e.action.trim()}` : sentence;
}

export class CharacterFormView {
  private editing: Character | null = null;
  private busy = false;
  private readonly form: HTMLFormElement;
  private readonly heading: HTMLElement;
  private readonly name: HTMLInputElement;
  private readonly prompt: HTMLTextAreaElement;
  private readonly voice: HTMLInputElement;
  private readonly greeting: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly note: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly saveButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;
  private readonly confirm: HTMLElement;
  private readonly question: HTMLElement;
  private readonly yes: HTMLButtonElement;
  /** An imported card's image and what the card says of itself (hidden for characters made here). */
  private readonly cardInfo: HTMLElement;
  private readonly portrait: HTMLImageElement;
  private readonly cardLine: HTMLElement;

  constructor(
    private readonly panel: HTMLElement,
    private readonly opts: CharacterFormOptions,
  ) {
    // The label names the control; the hint describes it (not part of its name).
    const field = (label: string, control: HTMLElement, hint: string) => {
      const id = `character-${control.getAttribute('name')}`;
      control.id = id;
      control.setAttribute('aria-describedby', `${id}-hint`);
      return el(
        'div',
        { class: 'form-field' },
        el('label', { class: 'form-label', for: id, text: label }),
        control,
        el('span', { class: 'form-hint', id: `${id}-hint`, text: hint }),
      );
    };
    this.heading = el('h2', { class: 'form-title', id: 'character-form-title' });
    this.name = el('input', { type: 'text', class: 'text-input', name: 'name', maxlength: LIMITS.name, autocomplete: 'off', required: true });
    this.prompt = el('textarea', {
      class: 'text-input form-textarea',
      name: 'systemPrompt',
      rows: 6,
      maxlength: LIMITS.systemPrompt,
      required: true,
      placeholder: 'You are Mika, a cheerful companion who cheers the user on while they code. Reply in one to three sentences.',
    });
    this.voice = el('input', {
      type: 'text',
      class: 'text-input',
      name: 'voice',
      maxlength: LIMITS.voice,
      autocomplete: 'off',
      placeholder: 'e.g. en-US-AnaNeural',
    });
    this.greeting = el('textarea', {
      class: 'text-input form-textarea form-greeting',
      name: 'greeting',
      rows: 2,
      maxlength: LIMITS.greeting,
      placeholder: 'Hi! What are we building today?',
    });
    this.error = el('p', { class: 'form-error', role: 'alert', hidden: true });
    this.note = el('p', { class: 'form-note', hidden: true });
    this.saveButton = el('button', { type: 'submit', class: 'btn primary', text: 'Save' });
    const cancel = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
    this.deleteButton = el('button', { type: 'button', class: 'btn danger form-delete', text: 'Delete…' });
    this.actions = el('div', { class: 'form-actions' }, this.saveButton, cancel, this.deleteButton);
    this.question = el('span', { class: 'inline-question' });
    this.yes = el('button', { type: 'button', class: 'btn danger', text: 'Yes, delete' });
    const no = el('button', { type: 'button', class: 'btn', text: 'No' });
    this.confirm = el('div', { class: 'inline-form form-confirm', role: 'group', 'aria-label': 'Delete character', hidden: true }, this.question, this.yes, no);
    this.portrait = el('img', { class: 'character-portrait', alt: '', width: 64, height: 64, hidden: true });
    this.cardLine = el('span', { class: 'form-hint' });
    this.cardInfo = el('div', { class: 'character-card-info', hidden: true }, this.portrait, this.cardLine);
    this.form = el(
      'form',
      { class: 'character-form', 'aria-labelledby': 'character-form-title', novalidate: true },
      this.heading,
      this.note,
      this.cardInfo,
      field('Name', this.name, 'Shown in the menu and as the one who replies.'),
      field('Persona', this.prompt, 'Who she is and how she talks: every reply starts from this text.'),
      field('Voice (optional)', this.voice, 'A voice name of your speech engine; empty: the alisa.voice.voice setting.'),
      field('Greeting (optional)', this.greeting, 'Her first line in a new, empty chat.'),
      this.error,
      this.actions,
      this.confirm,
    );
    panel.replaceChildren(this.form);

    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    cancel.addEventListener('click', () => this.close());
    this.deleteButton.addEventListener('click', () => this.askDelete());
    no.addEventListener('click', () => this.hideConfirm(this.deleteButton));
    this.yes.addEventListener('click', () => void this.delete());
    this.form.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape') return;
      ev.preventDefault();
      ev.stopPropagation();
      if (!this.confirm.hidden) this.hideConfirm(this.deleteButton);
      else this.close();
    });
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  /** The character being edited; null for a new one (or when closed). */
  get character(): Character | null {
    return this.isOpen ? this.editing : null;
  }

  /** Opens the form for `character`, or empty for a new one; focuses the name. */
  open(character: Character | null): void {
    this.editing = character;
    this.heading.textContent = character ? `Edit “${character.name}”` : 'New character';
    this.name.value = character?.name ?? '';
    this.prompt.value = character?.systemPrompt ?? '';
    this.voice.value = character?.voice ?? '';
    this.greeting.value = character?.greeting ?? '';
    this.showError(null);
    this.confirm.hidden = true;
    this.actions.hidden = false;
    this.deleteButton.hidden = !character || character.builtin;
    this.note.hidden = !character?.builtin;
    // The companion renews the built-in persona at every start: an edit there would not last.
    this.prompt.readOnly = character?.builtin === true;
    this.note.textContent = character?.builtin
      ? `${character.name} is built in: rename her, change her voice or greeting; she cannot be deleted, and her persona is renewed at each start (for your own, create a character).`
      : '';
    this.showCard(character);
    this.setBusy(false);
    this.panel.hidden = false;
    this.name.focus();
  }

  /** Where an imported character came from, and her card's image when she has one. */
  private showCard(character: Character | null): void {
    const card = character?.card ?? null;
    this.cardInfo.hidden = !card;
    this.portrait.hidden = true;
    this.portrait.removeAttribute('src');
    if (!character || !card) return;
    const by = card.creator ? ` by ${card.creator}` : '';
    const tags = card.tags.length > 0 ? ` (${card.tags.slice(0, 5).join(', ')})` : '';
    this.cardLine.textContent = `From a character card${by}${tags}. The persona was made from its description, personality, scenario and examples.`;
    if (!character.portrait || !this.opts.portrait) return;
    this.portrait.alt = `${character.name}'s card image`;
    void this.opts.portrait(character).then(
      (url) => {
        // Still her form: a slow answer must not put her image on another character.
        if (!url || this.editing?.id !== character.id) return;
        this.portrait.src = url;
        this.portrait.hidden = false;
      },
      () => {},
    );
  }

  close(): void {
    if (!this.isOpen) return;
    this.panel.hidden = true;
    this.editing = null;
    this.opts.onClose();
  }

  private draft(): CharacterDraft | string {
    const name = this.name.value.trim();
    const systemPrompt = this.prompt.value.trim();
    const voice = this.voice.value.trim();
    const greeting = this.greeting.value.trim();
    if (!name) return 'Give the character a name.';
    if (!systemPrompt) return 'Write her persona: who she is and how she talks.';
    return {
      name: name.slice(0, LIMITS.name),
      systemPrompt: systemPrompt.slice(0, LIMITS.systemPrompt),
      voice: voice ? voice.slice(0, LIMITS.voice) : null,
      greeting: greeting ? greeting.slice(0, LIMITS.greeting) : null,
    };
  }

  private async submit(): Promise<void> {
    if (this.busy) return;
    const draft = this.draft();
    if (typeof draft === 'string') {
      this.showError(draft);
      (draft.startsWith('Give') ? this.name : this.prompt).focus();
      return;
    }
    this.showError(null);
    this.setBusy(true, 'Saving…');
    try {
      await this.opts.save(draft, this.editing);
      this.setBusy(false);
      this.close();
    } catch (err) {
      this.setBusy(false);
      this.showError(errorText(toErrorInfo(err)));
    }
  }

  private askDelete(): void {
    const c = this.editing;
    if (!c) return;
    this.question.textContent = `Delete “${c.name}”? Chats with her keep their messages.`;
    this.yes.setAttribute('aria-label', `Delete “${c.name}” for good`);
    this.actions.hidden = true;
    this.confirm.hidden = false;
    this.yes.focus();
  }

  private hideConfirm(focus: HTMLElement): void {
    this.confirm.hidden = true;
    this.actions.hidden = false;
    focus.focus();
  }

  private async delete(): Promise<void> {
    const c = this.editing;
    if (!c || this.busy) return;
    this.showError(null);
    this.setBusy(true);
    try {
      await this.opts.remove(c);
      this.setBusy(false);
      this.close();
    } catch (err) {
      this.setBusy(false);
      this.showError(errorText(toErrorInfo(err)));
      this.hideConfirm(this.deleteButton.hidden ? this.saveButton : this.deleteButton);
    }
  }

  private setBusy(busy: boolean, label?: string): void {
    this.busy = busy;
    for (const b of this.form.querySelectorAll('button')) b.disabled = busy;
    this.saveButton.textContent = busy && label ? label : 'Save';
    this.form.setAttribute('aria-busy', String(busy));
  }

  private showError(text: string | null): void {
    this.error.textContent = text ?? '';
    this.error.hidden = text === null;
  }
}
