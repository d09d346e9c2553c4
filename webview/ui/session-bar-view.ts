// The chat picker with rename and delete. Webviews cannot open prompt() or confirm() dialogs, so
// renaming and the delete confirmation happen inline in the bar; Escape cancels either.
import type { Session } from '../../protocol';
import { el, iconButton } from './dom';
import { ICONS } from './icons';

export interface SessionBarOptions {
  onSwitch: (sessionId: number) => void;
  onRename: (sessionId: number, title: string) => void;
  onDelete: (sessionId: number) => void;
}

export function sessionTitle(s: Pick<Session, 'title' | 'createdAt'>): string {
  const t = s.title.trim();
  if (t) return t;
  return `Chat of ${new Date(s.createdAt).toLocaleDateString([], { month: 'short', day: 'numeric' })}`;
}

export class SessionBarView {
  private sessions: Session[] = [];
  private current: number | null = null;
  private readonly select: HTMLSelectElement;
  private readonly renameButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;
  private readonly normal: HTMLElement;
  private readonly editor: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly opts: SessionBarOptions,
  ) {
    this.select = el('select', { id: 'session-select', class: 'select session-select', 'aria-label': 'Chat' });
    this.renameButton = iconButton('Rename chat', ICONS.rename, { id: 'rename-chat' });
    this.deleteButton = iconButton('Delete chat', ICONS.trash, { id: 'delete-chat' });
    this.normal = el('div', { class: 'session-row' }, this.select, this.renameButton, this.deleteButton);
    this.editor = el('div', { class: 'session-row session-editor', hidden: true });
    root.replaceChildren(this.normal, this.editor);

    this.select.addEventListener('change', () => {
      const id = Number(this.select.value);
      if (Number.isInteger(id) && id > 0 && id !== this.current) opts.onSwitch(id);
    });
    this.renameButton.addEventListener('click', () => this.startRename());
    this.deleteButton.addEventListener('click', () => this.startDelete());
  }

  setSessions(sessions: readonly Session[], current: number | null): void {
    this.sessions = [...sessions];
    this.current = current;
    const options = this.sessions.map((s) => el('option', { value: String(s.id), text: sessionTitle(s) }));
    if (current === null || !this.sessions.some((s) => s.id === current)) {
      options.unshift(el('option', { value: '', text: 'New chat' }));
    }
    this.select.replaceChildren(...options);
    this.select.value = current === null ? '' : String(current);
    const real = current !== null && this.sessions.some((s) => s.id === current);
    this.renameButton.disabled = !real;
    this.deleteButton.disabled = !real;
  }

  setCurrent(current: number | null): void {
    this.setSessions(this.sessions, current);
  }

  private currentSession(): Session | undefined {
    return this.sessions.find((s) => s.id === this.current);
  }

  private startRename(): void {
    const s = this.currentSession();
    if (!s) return;
    const input = el('input', { type: 'text', class: 'text-input', 'aria-label': 'Chat name', maxlength: 200, value: s.title });
    const save = el('button', { type: 'submit', class: 'btn primary', text: 'Save' });
    const cancel = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
    const form = el('form', { class: 'inline-form', 'aria-label': 'Rename chat' }, input, save, cancel);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const title = input.value.trim();
      if (title && title !== s.title) this.opts.onRename(s.id, title.slice(0, 200));
      this.closeEditor(this.renameButton);
    });
    cancel.addEventListener('click', () => this.closeEditor(this.renameButton));
    this.openEditor(form, input);
    input.select();
  }

  private startDelete(): void {
    const s = this.currentSession();
    if (!s) return;
    const confirm = el('button', { type: 'button', class: 'btn danger', text: 'Delete', 'aria-label': `Delete "${sessionTitle(s)}" for good` });
    const cancel = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
    const box = el(
      'div',
      { class: 'inline-form', role: 'group', 'aria-label': 'Delete chat' },
      el('span', { class: 'inline-question', text: `Delete "${sessionTitle(s)}" and its messages?` }),
      confirm,
      cancel,
    );
    confirm.addEventListener('click', () => {
      this.opts.onDelete(s.id);
      this.closeEditor(this.select);
    });
    cancel.addEventListener('click', () => this.closeEditor(this.deleteButton));
    this.openEditor(box, cancel);
  }

  private openEditor(content: HTMLElement, focus: HTMLElement): void {
    this.editor.replaceChildren(content);
    content.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.closeEditor(this.select);
      }
    });
    this.normal.hidden = true;
    this.editor.hidden = false;
    focus.focus();
  }

  private closeEditor(focusAfter: HTMLElement): void {
    this.editor.hidden = true;
    this.editor.replaceChildren();
    this.normal.hidden = false;
    focusAfter.focus();
  }
}
