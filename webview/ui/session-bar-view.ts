// The chat picker with rename and delete. Webviews cannot open prompt() or confirm() dialogs, so
// renaming and the delete confirmation happen inline in the bar; Escape cancels either.
// In VS Code a second picker chooses which chats are listed: this workspace's (and those tied to
// none) or all workspaces'; in the latter each chat says which workspace it belongs to.
import type { Session, SessionScope } from '../../protocol';
import { el, iconButton } from './dom';
import { ICONS } from './icons';

interface SessionBarOptions {
  onSwitch: (sessionId: number) => void;
  onRename: (sessionId: number, title: string) => void;
  onDelete: (sessionId: number) => void;
  /** The list has more (older) chats than shown: 'Older chats…' at its end asks for the next page. */
  onLoadMore?: () => void;
  /** Shows the scope picker (VS Code only: a browser belongs to no workspace and sees all chats). */
  scope?: { initial: SessionScope; onChange: (scope: SessionScope) => void };
}

/** The option that loads the next page of the list rather than opening a chat. */
const MORE = 'more';

const SCOPE_LABELS: Record<SessionScope, string> = { workspace: 'This workspace', all: 'All workspaces' };

/** The workspace a session belongs to, if any (older companions do not say). */
function workspaceOf(s: Session): string | null {
  const name = (s as Partial<Session>).workspaceName;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : null;
}

export function sessionTitle(s: Pick<Session, 'title' | 'createdAt'>): string {
  const t = s.title.trim();
  if (t) return t;
  return `Chat of ${new Date(s.createdAt).toLocaleDateString([], { month: 'short', day: 'numeric' })}`;
}

export class SessionBarView {
  private sessions: Session[] = [];
  private current: number | null = null;
  private hasMore = false;
  private readonly select: HTMLSelectElement;
  private readonly renameButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;
  private readonly normal: HTMLElement;
  private readonly editor: HTMLElement;
  private readonly scopeSelect: HTMLSelectElement | null = null;
  /** The open chat's workspace, shown small and muted in the all-workspaces view. */
  private readonly workspaceLabel: HTMLElement;
  private scope: SessionScope = 'workspace';

  constructor(
    root: HTMLElement,
    private readonly opts: SessionBarOptions,
  ) {
    this.select = el('select', { id: 'session-select', class: 'select session-select', 'aria-label': 'Chat' });
    this.renameButton = iconButton('Rename chat', ICONS.rename, { id: 'rename-chat' });
    this.deleteButton = iconButton('Delete chat', ICONS.trash, { id: 'delete-chat' });
    this.workspaceLabel = el('span', { id: 'session-workspace', class: 'session-workspace', hidden: true });
    this.normal = el('div', { class: 'session-row' }, this.select, this.renameButton, this.deleteButton);
    this.editor = el('div', { class: 'session-row session-editor', hidden: true });
    const rows: HTMLElement[] = [this.normal, this.editor];
    if (opts.scope) {
      this.scope = opts.scope.initial;
      const scopeSelect = el(
        'select',
        { id: 'session-scope', class: 'select session-scope', 'aria-label': 'Chats of', title: 'Which chats are listed' },
        ...(Object.keys(SCOPE_LABELS) as SessionScope[]).map((scope) => el('option', { value: scope, text: SCOPE_LABELS[scope] })),
      );
      scopeSelect.value = this.scope;
      scopeSelect.addEventListener('change', () => {
        const scope: SessionScope = scopeSelect.value === 'all' ? 'all' : 'workspace';
        if (scope === this.scope) return;
        this.scope = scope;
        this.render();
        opts.scope!.onChange(scope);
      });
      this.scopeSelect = scopeSelect;
      rows.unshift(el('div', { class: 'session-row session-scope-row' }, scopeSelect, this.workspaceLabel));
    }
    root.replaceChildren(...rows);

    this.select.addEventListener('change', () => {
      if (this.select.value === MORE) {
        // Not a chat: the open one stays selected while the next page loads.
        this.select.value = this.current === null ? '' : String(this.current);
        opts.onLoadMore?.();
        return;
      }
      const id = Number(this.select.value);
      if (Number.isInteger(id) && id > 0 && id !== this.current) opts.onSwitch(id);
    });
    this.renameButton.addEventListener('click', () => this.startRename());
    this.deleteButton.addEventListener('click', () => this.startDelete());
  }

  /** Follows a scope chosen elsewhere (a restored view state); does not call `onChange`. */
  setScope(scope: SessionScope): void {
    this.scope = scope;
    if (this.scopeSelect) this.scopeSelect.value = scope;
    this.render();
  }

  /** `hasMore`: older chats exist beyond these (the list offers to load them). */
  setSessions(sessions: readonly Session[], current: number | null, hasMore = this.hasMore): void {
    this.sessions = [...sessions];
    this.current = current;
    this.hasMore = hasMore;
    this.render();
  }

  private render(): void {
    const current = this.current;
    const all = this.scopeSelect !== null && this.scope === 'all';
    // A native option cannot be styled, so there the workspace follows the title.
    const label = (s: Session) => {
      const where = all ? workspaceOf(s) : null;
      return where ? `${sessionTitle(s)} · ${where}` : sessionTitle(s);
    };
    const options = this.sessions.map((s) => el('option', { value: String(s.id), text: label(s), ...(all ? { 'data-workspace': workspaceOf(s) ?? '' } : {}) }));
    if (current === null || !this.sessions.some((s) => s.id === current)) {
      options.unshift(el('option', { value: '', text: 'New chat' }));
    }
    if (this.hasMore && this.opts.onLoadMore) options.push(el('option', { value: MORE, text: 'Older chats…', class: 'session-more' }));
    this.select.replaceChildren(...options);
    this.select.value = current === null ? '' : String(current);
    const real = current !== null && this.sessions.some((s) => s.id === current);
    this.renameButton.disabled = !real;
    this.deleteButton.disabled = !real;
    const open = this.currentSession();
    const where = all && open ? workspaceOf(open) : null;
    this.workspaceLabel.textContent = where ?? (all && open ? 'No workspace' : '');
    this.workspaceLabel.title = where ? `This chat belongs to the workspace "${where}"` : all && open ? 'This chat belongs to no workspace' : '';
    this.workspaceLabel.hidden = !(all && open);
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
