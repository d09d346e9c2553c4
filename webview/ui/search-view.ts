// Full-text search through past chats. Typing searches after a short pause (Enter at once);
// results show where the words matched, and choosing one opens that chat at the message.
// Arrow keys move between the field and the results; Escape closes the panel.
import type { ErrorInfo, SearchHit } from '../../protocol';
import { renderSnippetHtml } from '../chat/search-render';
import { el } from './dom';
import { sessionTitle } from './session-bar-view';
import { Debounced } from '../../common/debounce';
import { errorText } from '../../common/sentences';

interface SearchViewOptions {
  search: (query: string) => Promise<SearchHit[]>;
  onOpen: (hit: SearchHit) => void;
  onClose: () => void;
}

const DEBOUNCE_MS = 250;

export class SearchView {
  readonly input: HTMLInputElement;
  private readonly summary: HTMLElement;
  private readonly results: HTMLUListElement;
  private readonly pending = new Debounced(DEBOUNCE_MS, () => void this.run(this.input.value));
  private sequence = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly toggle: HTMLButtonElement,
    private readonly opts: SearchViewOptions,
  ) {
    this.input = el('input', {
      id: 'search-input',
      type: 'search',
      class: 'text-input',
      'aria-label': 'Search past chats',
      placeholder: 'Search past chats',
      maxlength: 500,
      autocomplete: 'off',
    });
    this.summary = el('p', { class: 'search-summary', role: 'status' });
    this.results = el('ul', { class: 'search-results', 'aria-label': 'Search results' });
    root.replaceChildren(this.input, this.summary, this.results);

    toggle.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        void this.run(this.input.value);
      } else if (ev.key === 'ArrowDown') {
        ev.preventDefault();
        this.results.querySelector<HTMLButtonElement>('button')?.focus();
      }
    });
    root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
    });
    this.results.addEventListener('keydown', (ev) => this.moveFocus(ev));
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  open(query?: string): void {
    this.root.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    if (query !== undefined) {
      this.input.value = query;
      void this.run(query);
    }
    this.input.focus();
  }

  close(): void {
    if (!this.isOpen) return;
    this.root.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    this.sequence++;
    this.opts.onClose();
    this.toggle.focus();
  }

  private schedule(): void {
    this.pending.schedule();
  }

  async run(raw: string): Promise<void> {
    this.pending.cancel();
    const query = raw.trim().slice(0, 500);
    const seq = ++this.sequence;
    if (query === '') {
      this.summary.textContent = '';
      this.results.replaceChildren();
      return;
    }
    this.summary.textContent = 'Searching…';
    try {
      const hits = await this.opts.search(query);
      if (seq !== this.sequence) return;
      this.summary.textContent = hits.length === 0 ? `Nothing found for "${query}".` : `${hits.length} ${hits.length === 1 ? 'message' : 'messages'} found.`;
      this.results.replaceChildren(...hits.map((h) => this.item(h)));
    } catch (err) {
      if (seq !== this.sequence) return;
      const e = err as ErrorInfo;
      this.summary.textContent = `Search failed: ${errorText({ message: e.message ?? String(err), action: e.action })}`;
      this.results.replaceChildren();
    }
  }

  private item(hit: SearchHit): HTMLLIElement {
    const snippet = el('span', { class: 'hit-snippet' });
    snippet.innerHTML = renderSnippetHtml(hit.snippet); // escaped except our <mark>
    const when = new Date(hit.createdAt).toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
    const who = hit.role === 'user' ? 'You' : 'Alisa';
    // Search spans every workspace: a hit from a workspace says which (older companions do not say).
    const where = typeof hit.workspaceName === 'string' && hit.workspaceName !== '' ? ` (${hit.workspaceName})` : '';
    const button = el(
      'button',
      { type: 'button', class: 'search-hit', 'data-message-id': hit.messageId, 'data-session-id': hit.sessionId },
      el('span', { class: 'hit-meta', text: `${sessionTitle({ title: hit.sessionTitle, createdAt: hit.createdAt })}${where} · ${who} · ${when}` }),
      snippet,
    );
    button.addEventListener('click', () => this.opts.onOpen(hit));
    return el('li', {}, button);
  }

  private moveFocus(ev: KeyboardEvent): void {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const buttons = [...this.results.querySelectorAll<HTMLButtonElement>('button')];
    const at = buttons.indexOf(ev.target as HTMLButtonElement);
    if (at < 0) return;
    ev.preventDefault();
    const next = ev.key === 'ArrowDown' ? at + 1 : at - 1;
    if (next < 0) this.input.focus();
    else buttons[Math.min(next, buttons.length - 1)]!.focus();
  }
}
