// The Memory view (issue 17): what Alisa remembers about the user, opened from the header's
// "Memories" button (or "Alisa: Show Memories"). A list of facts, newest first, each with where it
// applies ("this workspace" / "everywhere"), where it came from ("you said", "she noticed"…) and
// when; a search box (the companion searches as the user types, after a short pause); "Show more"
// for the next page. Each fact can be edited inline (Enter saves, Escape cancels), pinned (always
// recalled) or deleted (at once: it says "Deleted."). "Forget everything…" asks first, with Cancel
// as the focused button; only its "Forget everything" sends `memories.clear`. Export saves the
// JSON file; Import reads one. `memory.changed` events keep the list current.
//
// Memory text is the user's (or the model's) words: it goes in as text, never as HTML.
import {
  MEMORY_TEXT_MAX,
  MemoryExport,
  type EmbeddingsState,
  type ErrorInfo,
  type HostFile,
  type MemoryChangedEvent,
  type MemoryFact,
  type MemoryScope,
  type MemorySource,
  type MethodName,
  type Params,
  type Result,
} from '../../protocol';
import { Debounced } from '../../common/debounce';
import { errorText } from '../../common/sentences';
import { toErrorInfo } from '../host/host';
import { el, iconButton } from './dom';
import { ICONS } from './icons';
import type { FileAccess } from './memory-files';

type MemoryMethod = Extract<MethodName, `memories.${string}`>;

export interface MemoryViewOptions {
  /** Calls a `memories.*` method of the companion. */
  call: <M extends MemoryMethod>(method: M, params: Params<M>) => Promise<Result<M>>;
  files: FileAccess;
  hostKind: 'vscode' | 'browser';
}

export const SOURCE_WORDS: Record<MemorySource, string> = {
  explicit: 'you said',
  model: 'she noticed',
  manual: 'added by you',
  fix: 'a fix that worked',
  summary: 'an earlier chat',
  import: 'imported',
};

const PAGE = 50;
const DEBOUNCE_MS = 250;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function when(ms: number): string {
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleDateString([], { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) });
}

export class MemoryView {
  readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly summary: HTMLElement;
  /** Recall by meaning (the embedding model in status): on, getting ready, or off and why. */
  private readonly embeddings: HTMLElement;
  private readonly error: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly footer: HTMLElement;
  private readonly confirmBox: HTMLElement;
  private readonly forgetButton: HTMLButtonElement;
  private facts: MemoryFact[] = [];
  private total = 0;
  private nextCursor: string | null = null;
  private query = '';
  private loadedOnce = false;
  /** The fact being edited, if any (its row shows the editor). */
  private editing: number | null = null;
  private readonly pending = new Debounced(DEBOUNCE_MS, () => void this.reload());
  private sequence = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly toggle: HTMLButtonElement,
    private readonly opts: MemoryViewOptions,
  ) {
    const close = iconButton('Close memories', ICONS.close, { class: 'icon-btn memory-close' });
    close.addEventListener('click', () => this.close());
    this.input = el('input', {
      id: 'memory-search',
      type: 'search',
      class: 'text-input memory-search',
      'aria-label': 'Search memories',
      placeholder: 'Search memories',
      maxlength: 500,
      autocomplete: 'off',
    });
    this.summary = el('p', { class: 'memory-summary', role: 'status', 'aria-live': 'polite' });
    this.embeddings = el('p', { class: 'memory-hint memory-embeddings', hidden: true });
    this.error = el('p', { class: 'memory-error', role: 'alert', hidden: true });
    this.list = el('ul', { class: 'memory-list', 'aria-label': 'Memories' });
    this.empty = el('p', {
      class: 'memory-empty',
      hidden: true,
      text: 'Alisa remembers nothing yet. Tell her "remember that ..." in the chat (for example "remember that I use pytest") and it shows up here; she also notes what she learns about you and your projects.',
    });
    this.more = el('button', { type: 'button', class: 'btn memory-more', text: 'Show more', hidden: true });
    this.more.addEventListener('click', () => void this.loadMore());
    const exportButton = el('button', { type: 'button', class: 'btn memory-export', text: 'Export' });
    exportButton.title = 'Save every memory as a JSON file';
    exportButton.addEventListener('click', () => void this.exportFile());
    const importButton = el('button', { type: 'button', class: 'btn memory-import', text: 'Import…' });
    importButton.title = 'Add the memories of a JSON file exported from Alisa';
    importButton.addEventListener('click', () => void this.importFile());
    this.forgetButton = el('button', { type: 'button', class: 'btn danger memory-forget', text: 'Forget everything…' });
    this.forgetButton.addEventListener('click', () => this.askForgetAll());
    this.footer = el('div', { class: 'memory-footer' }, exportButton, importButton, this.forgetButton);
    this.confirmBox = el('div', { class: 'memory-confirm', hidden: true });
    root.replaceChildren(
      el('div', { class: 'memory-head' }, el('h2', { class: 'memory-title', id: 'memory-title', text: 'What Alisa remembers' }), close),
      this.input,
      this.summary,
      this.embeddings,
      this.error,
      this.empty,
      this.list,
      this.more,
      this.confirmBox,
      this.footer,
    );
    root.setAttribute('aria-labelledby', 'memory-title');

    toggle.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        void this.reload();
      }
    });
    root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !ev.defaultPrevented) {
        ev.preventDefault();
        this.close();
      }
    });
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  /** What status says of the embedding model (null: none configured, recall by words only: no line). */
  setEmbeddings(state: EmbeddingsState | null): void {
    this.embeddings.hidden = state === null;
    if (!state) return;
    const memories = plural(state.indexed, 'memory', 'memories');
    this.embeddings.textContent =
      state.state === 'error'
        ? `Recall by meaning is off (${state.error ?? 'the embedding model failed'}); she recalls memories by their words.`
        : state.state === 'ready'
          ? `Recall by meaning is on: ${memories} ready.`
          : `Recall by meaning is getting ready: ${memories} so far.`;
    this.embeddings.classList.toggle('memory-embeddings-error', state.state === 'error');
  }

  /** Shows the view and reads the list again (the companion's is the truth). */
  open(): void {
    if (!this.isOpen) {
      this.root.hidden = false;
      this.toggle.setAttribute('aria-expanded', 'true');
    }
    this.input.focus();
    void this.reload();
  }

  close(): void {
    if (!this.isOpen) return;
    this.root.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    this.hideConfirm(null);
    this.sequence++;
    this.toggle.focus();
  }

  /** The companion went away: nothing to show until it is back (open() reads again). */
  reset(): void {
    this.sequence++;
    this.editing = null;
    if (this.isOpen) void this.reload();
  }

  /** A `host.file` answer (Export / Import in VS Code). */
  fileAnswer(m: HostFile): void {
    this.opts.files.answer(m);
  }

  /** A memory was added, changed or deleted, or all were forgotten. */
  changed(ev: MemoryChangedEvent): void {
    if (!this.loadedOnce) return;
    if (ev.cleared) {
      this.facts = [];
      this.total = 0;
      this.nextCursor = null;
      this.editing = null;
    }
    if (ev.deletedIds?.length) {
      const gone = new Set(ev.deletedIds);
      const before = this.facts.length;
      this.facts = this.facts.filter((f) => !gone.has(f.id));
      this.total = Math.max(0, this.total - (before - this.facts.length));
      if (this.editing !== null && gone.has(this.editing)) this.editing = null;
    }
    if (ev.fact) {
      const at = this.facts.findIndex((f) => f.id === ev.fact!.id);
      if (at >= 0) {
        this.facts[at] = ev.fact;
        if (this.editing === ev.fact.id) return; // the open editor keeps the user's words
      } else if (this.query === '') {
        // Newest first: a new memory leads the list. (A search shows what the companion found.)
        this.facts.unshift(ev.fact);
        this.total++;
      }
    }
    this.render();
  }

  // ------------------------------------------------------------------ loading

  private schedule(): void {
    this.pending.schedule();
  }

  private params(cursor?: string): Params<'memories.list'> {
    return { limit: PAGE, ...(this.query ? { query: this.query } : {}), ...(cursor ? { cursor } : {}) };
  }

  /** Reads the first page for what the search box says. */
  async reload(): Promise<void> {
    this.pending.cancel();
    this.query = this.input.value.trim().slice(0, 500);
    const seq = ++this.sequence;
    if (!this.loadedOnce) this.summary.textContent = 'Loading…';
    try {
      const r = await this.opts.call('memories.list', this.params());
      if (seq !== this.sequence) return;
      this.loadedOnce = true;
      this.facts = [...r.facts];
      this.total = r.total;
      this.nextCursor = r.nextCursor;
      this.editing = null;
      this.showError(null);
      this.render();
      this.summary.textContent = this.countText();
    } catch (err) {
      if (seq !== this.sequence) return;
      this.summary.textContent = '';
      this.showError(err, 'The memories could not be read');
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.nextCursor) return;
    const seq = this.sequence;
    this.more.disabled = true;
    try {
      const r = await this.opts.call('memories.list', this.params(this.nextCursor));
      if (seq !== this.sequence) return;
      const known = new Set(this.facts.map((f) => f.id));
      const added = r.facts.filter((f) => !known.has(f.id));
      this.facts.push(...added);
      this.total = r.total;
      this.nextCursor = r.nextCursor;
      this.render();
      // The first new memory gets the focus: the user goes on reading where the list grew.
      this.list.querySelector<HTMLElement>(`[data-id="${added[0]?.id}"] .memory-text`)?.focus();
      this.summary.textContent = this.countText();
    } catch (err) {
      this.showError(err, 'More memories could not be read');
    } finally {
      this.more.disabled = false;
    }
  }

  private countText(): string {
    if (this.query) return this.total === 0 ? `No memory matches "${this.query}".` : `${plural(this.total, 'memory', 'memories')} match "${this.query}".`;
    return this.total === 0 ? '' : `${plural(this.total, 'memory', 'memories')}.`;
  }

  // ------------------------------------------------------------------ rendering

  private render(): void {
    const focusedId = this.focusedItem();
    // An open editor is kept as it is: a change elsewhere must not lose what the user is typing.
    const open = this.list.querySelector<HTMLLIElement>(`li.editing[data-id="${this.editing}"]`);
    this.list.replaceChildren(...this.facts.map((f) => (f.id === this.editing ? (open ?? this.editorItem(f)) : this.item(f))));
    this.list.hidden = this.facts.length === 0;
    this.empty.hidden = !(this.facts.length === 0 && this.query === '' && this.loadedOnce);
    this.more.hidden = this.nextCursor === null;
    this.forgetButton.disabled = this.total === 0 && this.facts.length === 0 && this.query === '';
    if (focusedId) this.list.querySelector<HTMLElement>(`[data-id="${focusedId.id}"] [data-action="${focusedId.action}"]`)?.focus();
  }

  private focusedItem(): { id: string; action: string } | null {
    const active = this.root.ownerDocument.activeElement as HTMLElement | null;
    if (!active || !this.list.contains(active)) return null;
    const id = active.closest<HTMLElement>('[data-id]')?.dataset.id;
    const action = active.dataset.action;
    return id && action ? { id, action } : null;
  }

  private scopeWords(f: MemoryFact): string {
    if (f.scope === 'global') return 'everywhere';
    if (this.opts.hostKind === 'vscode') return 'this workspace';
    return f.workspaceName ? `workspace ${f.workspaceName}` : 'one workspace';
  }

  private item(f: MemoryFact): HTMLLIElement {
    const textId = `memory-text-${f.id}`;
    const text = el('p', { class: 'memory-text', id: textId, tabindex: -1, text: f.text });
    const meta = el(
      'p',
      { class: 'memory-meta' },
      f.pinned ? el('span', { class: 'memory-pinned', text: 'Pinned' }) : null,
      el('span', { class: 'memory-scope', text: this.scopeWords(f) }),
      el('span', { class: 'memory-source', text: SOURCE_WORDS[f.source] }),
      el('time', {
        class: 'memory-when',
        datetime: new Date(f.createdAt).toISOString(),
        title: new Date(f.createdAt).toLocaleString(),
        text: when(f.createdAt),
      }),
    );
    const pin = iconButton(f.pinned ? 'Unpin' : 'Pin', ICONS.pin, {
      class: 'icon-btn memory-pin',
      'aria-pressed': String(f.pinned),
      'data-action': 'pin',
      'aria-describedby': textId,
    });
    pin.title = f.pinned ? 'Pinned: always remembered. Click to unpin' : 'Pin: always remembered';
    pin.addEventListener('click', () => void this.setPinned(f, !f.pinned, pin));
    const edit = iconButton('Edit', ICONS.rename, { class: 'icon-btn memory-edit', 'data-action': 'edit', 'aria-describedby': textId });
    edit.addEventListener('click', () => this.startEdit(f.id));
    const del = iconButton('Delete', ICONS.trash, { class: 'icon-btn memory-delete', 'data-action': 'delete', 'aria-describedby': textId });
    del.addEventListener('click', () => void this.remove(f, del));
    return el(
      'li',
      { class: f.pinned ? 'memory-item pinned' : 'memory-item', 'data-id': f.id },
      el('div', { class: 'memory-body' }, text, meta),
      el('div', { class: 'memory-actions' }, pin, edit, del),
    );
  }

  private editorItem(f: MemoryFact): HTMLLIElement {
    const area = el('textarea', { class: 'text-input memory-editor', 'aria-label': 'Memory', maxlength: MEMORY_TEXT_MAX, rows: 2, 'data-action': 'text' });
    area.value = f.text;
    const scope =
      this.opts.hostKind === 'vscode'
        ? el(
            'select',
            { class: 'select memory-scope-select', 'aria-label': 'Remembered for' },
            el('option', { value: 'workspace', text: 'This workspace' }),
            el('option', { value: 'global', text: 'Everywhere' }),
          )
        : null;
    if (scope) scope.value = f.scope;
    const save = el('button', { type: 'submit', class: 'btn primary', text: 'Save' });
    const cancel = el('button', { type: 'button', class: 'btn', text: 'Cancel' });
    const form = el(
      'form',
      { class: 'memory-edit-form', 'aria-label': 'Edit memory' },
      area,
      el('div', { class: 'memory-edit-actions' }, scope, save, cancel),
      el('p', { class: 'memory-hint', text: 'Enter saves, Escape cancels.' }),
    );
    const submit = () => void this.saveEdit(f, area.value, (scope?.value as MemoryScope | undefined) ?? f.scope);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submit();
    });
    area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        submit();
      }
    });
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault(); // the view stays open: only the editor closes
        ev.stopPropagation();
        this.stopEdit(f.id);
      }
    });
    cancel.addEventListener('click', () => this.stopEdit(f.id));
    return el('li', { class: 'memory-item editing', 'data-id': f.id }, form);
  }

  // ------------------------------------------------------------------ changes

  private startEdit(id: number): void {
    this.editing = id;
    this.render();
    const area = this.list.querySelector<HTMLTextAreaElement>(`[data-id="${id}"] textarea`);
    area?.focus();
    area?.select();
  }

  private stopEdit(id: number, focus: 'edit' | 'text' = 'edit'): void {
    if (this.editing !== id) return;
    this.editing = null;
    this.render();
    this.list.querySelector<HTMLElement>(`[data-id="${id}"] ${focus === 'edit' ? '[data-action="edit"]' : '.memory-text'}`)?.focus();
  }

  private async saveEdit(f: MemoryFact, raw: string, scope: MemoryScope): Promise<void> {
    const text = raw.trim().replace(/\s*\n\s*/g, ' ');
    if (!text) {
      this.showError({ code: 'invalid_params', message: 'A memory needs some words.', action: 'Write them, or delete the memory instead.' });
      return;
    }
    const params: Params<'memories.update'> = { id: f.id };
    if (text !== f.text) params.text = text.slice(0, MEMORY_TEXT_MAX);
    if (scope !== f.scope) params.scope = scope;
    if (params.text === undefined && params.scope === undefined) return this.stopEdit(f.id);
    try {
      const updated = await this.opts.call('memories.update', params);
      this.replace(updated);
      this.showError(null);
      this.summary.textContent = 'Saved.';
      this.stopEdit(f.id);
    } catch (err) {
      this.showError(err, 'The memory could not be saved');
    }
  }

  private async setPinned(f: MemoryFact, pinned: boolean, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const updated = await this.opts.call('memories.update', { id: f.id, pinned });
      this.replace(updated);
      this.showError(null);
      this.render();
      this.summary.textContent = updated.pinned ? 'Pinned: Alisa always keeps this in mind.' : 'Unpinned.';
      this.list.querySelector<HTMLElement>(`[data-id="${f.id}"] [data-action="pin"]`)?.focus();
    } catch (err) {
      button.disabled = false;
      this.showError(err, 'The memory could not be changed');
    }
  }

  private async remove(f: MemoryFact, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const at = this.facts.findIndex((x) => x.id === f.id);
    try {
      await this.opts.call('memories.delete', { id: f.id });
      const before = this.facts.length;
      this.facts = this.facts.filter((x) => x.id !== f.id);
      if (this.facts.length < before) this.total = Math.max(0, this.total - 1);
      this.showError(null);
      this.render();
      this.summary.textContent = 'Deleted.';
      // The focus stays in the list: on the memory that took its place, else the search box.
      const next = this.facts[Math.min(at, this.facts.length - 1)];
      const target = next ? this.list.querySelector<HTMLElement>(`[data-id="${next.id}"] [data-action="delete"]`) : null;
      (target ?? this.input).focus();
    } catch (err) {
      button.disabled = false;
      this.showError(err, 'The memory could not be deleted');
    }
  }

  private replace(f: MemoryFact): void {
    const at = this.facts.findIndex((x) => x.id === f.id);
    if (at >= 0) this.facts[at] = f;
  }

  // ------------------------------------------------------------------ forget everything

  private askForgetAll(): void {
    const n = this.total;
    const cancel = el('button', { type: 'button', class: 'btn memory-confirm-cancel', text: 'Cancel' });
    const confirm = el('button', { type: 'button', class: 'btn danger memory-confirm-forget', text: 'Forget everything' });
    const question = el('p', {
      class: 'memory-question',
      id: 'memory-forget-question',
      text: `Forget ${n > 0 ? `all ${plural(n, 'memory', 'memories')}` : 'every memory'}? Alisa will not remember any of it, and this cannot be undone (Export first to keep a copy).`,
    });
    const box = el(
      'div',
      { class: 'memory-confirm-box', role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': 'memory-forget-question' },
      question,
      el('div', { class: 'memory-confirm-actions' }, cancel, confirm),
    );
    cancel.addEventListener('click', () => this.hideConfirm(this.forgetButton));
    confirm.addEventListener('click', () => void this.forgetAll(confirm));
    box.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        this.hideConfirm(this.forgetButton);
      }
    });
    this.confirmBox.replaceChildren(box);
    this.confirmBox.hidden = false;
    this.footer.hidden = true;
    // Cancel is the default: Enter or Space right away keeps every memory.
    cancel.focus();
  }

  private hideConfirm(focusAfter: HTMLElement | null): void {
    this.confirmBox.hidden = true;
    this.confirmBox.replaceChildren();
    this.footer.hidden = false;
    focusAfter?.focus();
  }

  private async forgetAll(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const r = await this.opts.call('memories.clear', { confirm: true });
      this.facts = [];
      this.total = 0;
      this.nextCursor = null;
      this.editing = null;
      this.showError(null);
      this.hideConfirm(null);
      this.render();
      this.summary.textContent = r.removed === 0 ? 'There was nothing to forget.' : `Forgot ${plural(r.removed, 'memory', 'memories')}.`;
      this.input.focus();
    } catch (err) {
      button.disabled = false;
      this.showError(err, 'The memories could not be forgotten');
    }
  }

  // ------------------------------------------------------------------ export / import

  private async exportFile(): Promise<void> {
    try {
      const file = await this.opts.call('memories.export', {});
      const name = `alisa-memories-${new Date().toISOString().slice(0, 10)}.json`;
      const outcome = await this.opts.files.save(name, `${JSON.stringify(file, null, 2)}\n`);
      this.showError(null);
      if (outcome.saved) this.summary.textContent = `Exported ${plural(file.facts.length, 'memory', 'memories')} (${name}).`;
      else if (!outcome.cancelled)
        this.showError({ code: 'internal', message: outcome.message ?? 'The file could not be saved.' }, 'The memories could not be exported');
    } catch (err) {
      this.showError(err, 'The memories could not be exported');
    }
  }

  private async importFile(): Promise<void> {
    try {
      const opened = await this.opts.files.open();
      if (opened.text === null) {
        if (!opened.cancelled) this.showError({ code: 'internal', message: opened.message ?? 'That file could not be read.' }, 'Nothing was imported');
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(opened.text);
      } catch {
        json = undefined;
      }
      const parsed = MemoryExport.safeParse(json);
      if (!parsed.success) {
        this.showError({
          code: 'invalid_params',
          message: 'That file is not a memory export of Alisa.',
          action: 'Choose a file made with Export (it starts with "format": "alisa-memories").',
        });
        return;
      }
      const r = await this.opts.call('memories.import', { file: parsed.data });
      this.showError(null);
      await this.reload();
      const reasons = [...new Set(r.reasons)].slice(0, 3);
      this.summary.textContent = [
        `Imported ${plural(r.added, 'memory', 'memories')}.`,
        r.skipped > 0 ? `Skipped ${r.skipped}${reasons.length ? ` (${reasons.join('; ')})` : ''}.` : '',
      ]
        .filter(Boolean)
        .join(' ');
    } catch (err) {
      this.showError(err, 'The memories could not be imported');
    }
  }

  private showError(err: unknown, what?: string): void {
    if (err === null) {
      this.error.textContent = '';
      this.error.hidden = true;
      return;
    }
    const e: ErrorInfo = toErrorInfo(err);
    this.error.textContent = what ? `${what}: ${errorText(e)}` : errorText(e);
    this.error.hidden = false;
  }
}
