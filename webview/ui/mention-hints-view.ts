// The @-mention completion (issue 17): typing `@` in the message box lists what can be attached
// (the categories, then files, folders, symbols and memories: mentions.ts), filtered as the word
// after `@` grows. It works like the slash command hints (slash-hints-view.ts) and looks like them
// (their popup rules and styles): Up/Down move, Enter or Tab choose, Escape closes; the focus stays
// in the box (a combobox whose listbox this is). Choosing removes the typed `@word` from the box
// and hands the mention to the composer, which shows it as a chip.
import type { Mention } from '../../protocol';
import { el } from './dom';
import type { MentionSource } from './mentions';
import { hidePopupList, popupListbox, popupListKey, showPopupList } from './slash-hints-view';

/** The `@word` the caret ends, as typed so far (null: the caret is not in one). */
export function mentionAt(value: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([^\s@]*)$/.exec(value.slice(0, caret));
  return m ? { start: caret - m[2]!.length - 1, query: m[2]! } : null;
}

const KIND_WORDS: Record<Mention['kind'], string> = {
  file: 'file',
  folder: 'folder',
  symbol: 'symbol',
  problems: 'problems',
  terminal: 'terminal',
  selection: 'selection',
  diff: 'git diff',
  memory: 'memory',
  codebase: 'codebase',
};

let nextId = 0;

export class MentionHintsView {
  readonly node: HTMLElement;
  private shown: Mention[] = [];
  private active = 0;
  /** Answers to older queries are dropped: only the latest one's are listed. */
  private asked = 0;
  /** Escape closed the list: it stays closed until the caret leaves this `@word`. */
  private dismissedAt: number | null = null;
  private readonly idPrefix = `mention-hint-${++nextId}`;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly source: MentionSource,
    /** A mention was chosen (the `@word` is already out of the box). */
    private readonly onChoose: (mention: Mention) => void,
  ) {
    this.node = popupListbox(this.idPrefix, 'slash-hints mention-hints', 'Mentions', '[data-index]', (option) => {
      const mention = this.shown[Number(option.dataset.index)];
      if (mention) this.accept(mention);
    });
  }

  get open(): boolean {
    return !this.node.hidden;
  }

  /** The candidates listed now (their labels), in order. */
  get listed(): string[] {
    return this.open ? this.shown.map((m) => m.label) : [];
  }

  /** The box changed: list what matches the `@word` at the caret (asked anew), or close. Resolves once listed. */
  async update(): Promise<void> {
    const at = mentionAt(this.input.value, this.input.selectionStart ?? this.input.value.length);
    if (!at || at.start !== this.dismissedAt) this.dismissedAt = null;
    if (!at || this.dismissedAt !== null) return this.close();
    const asked = ++this.asked;
    const candidates = await this.source.candidates(at.query);
    if (asked !== this.asked) return;
    const still = mentionAt(this.input.value, this.input.selectionStart ?? this.input.value.length);
    if (!still || still.start !== at.start) return this.close();
    if (candidates.length === 0) return this.close();
    const before = this.shown[this.active];
    this.shown = candidates;
    const keep = before ? candidates.findIndex((c) => c.kind === before.kind && c.label === before.label) : -1;
    this.active = keep >= 0 ? keep : 0;
    this.render(at.query);
  }

  close(): void {
    this.asked++;
    if (this.node.hidden && this.shown.length === 0) return;
    this.shown = [];
    hidePopupList(this.input, this.node);
  }

  /** A key in the box: true when the list used it. */
  onKeyDown(ev: KeyboardEvent): boolean {
    if (!this.open) return false;
    const n = this.shown.length;
    const at = () => mentionAt(this.input.value, this.input.selectionStart ?? 0);
    return popupListKey(ev, n, {
      move: (by) => {
        this.active = (this.active + by + n) % n;
        this.render(at()?.query ?? '');
      },
      accept: () => this.accept(this.shown[this.active]!),
      dismiss: () => {
        this.dismissedAt = at()?.start ?? null;
        this.close();
      },
    });
  }

  private accept(mention: Mention): void {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const at = mentionAt(this.input.value, caret);
    this.close();
    if (at) {
      const value = this.input.value;
      this.input.value = value.slice(0, at.start) + value.slice(caret);
      this.input.setSelectionRange(at.start, at.start);
      // The composer follows the box (its height, the draft).
      this.input.dispatchEvent(new Event('input'));
    }
    this.input.focus();
    this.onChoose(mention);
  }

  private render(typed: string): void {
    const q = typed.toLowerCase();
    const options = this.shown.map((m, i) => {
      const at = q ? m.label.toLowerCase().indexOf(q) : -1;
      const label =
        at >= 0
          ? [m.label.slice(0, at), el('mark', { class: 'slash-hint-match', text: m.label.slice(at, at + q.length) }), m.label.slice(at + q.length)]
          : [m.label];
      return el(
        'div',
        {
          id: `${this.idPrefix}-${i}`,
          class: 'slash-hint mention-hint',
          role: 'option',
          'aria-selected': String(i === this.active),
          'data-index': i,
          'data-kind': m.kind,
        },
        el('span', { class: 'mention-hint-kind', text: KIND_WORDS[m.kind] }),
        el('span', { class: 'slash-hint-usage' }, ...label),
        m.detail ? el('span', { class: 'slash-hint-description', text: m.detail }) : null,
      );
    });
    showPopupList(this.input, this.node, options, this.active);
  }
}
