// The chips above the message box (issue 17): one per @-mention chosen, read into its attachment
// by the host at once (so a refused one shows why right away, and the selection is the one the
// user meant when she chose it). A chip says what it is, shows "reading…" until read and its
// reason when refused; × removes it, as do Delete or Backspace on a focused chip, and Backspace at
// the start of an empty box removes the last one. The chips are a labelled list; each is
// focusable, its button named after it.
import type { Attachment, Mention, SourceRef } from '../../protocol';
import { el, iconButton } from './dom';
import { ICONS } from './icons';
import type { MentionResult, MentionSource } from './mentions';

interface Chip {
  mention: Mention;
  node: HTMLElement;
  /** Read into its attachment (or refused); until then the promise. */
  result: MentionResult | null;
  reading: Promise<void>;
}

export class MentionChipsView {
  readonly node: HTMLElement;
  private chips: Chip[] = [];

  constructor(
    private readonly source: MentionSource,
    /** Where the focus goes after a chip is removed. */
    private readonly focusInput: () => void,
  ) {
    this.node = el('div', { class: 'mention-chips', role: 'list', 'aria-label': 'Attached to your message', hidden: true });
  }

  get count(): number {
    return this.chips.length;
  }

  /** The chips' labels, in order (for tests and the send payload's checks). */
  get labels(): string[] {
    return this.chips.map((c) => c.mention.label);
  }

  /** Adds a chip for `mention` (a second chip of the same thing is not added) and reads it. */
  add(mention: Mention): void {
    if (this.chips.some((c) => c.mention.kind === mention.kind && c.mention.label === mention.label && c.mention.path === mention.path)) return;
    const chip: Chip = { mention, node: el('span'), result: null, reading: Promise.resolve() };
    chip.reading = this.source.resolve([mention]).then(([result]) => {
      chip.result = result ?? { error: 'It could not be read.' };
      this.renderChip(chip);
    });
    this.chips.push(chip);
    this.renderChip(chip);
    this.node.append(chip.node);
    this.node.hidden = false;
  }

  /** Chips from an earlier message (a message that failed gets its chips back), already read. */
  restore(attachments: readonly Attachment[]): void {
    for (const a of attachments) {
      if (this.chips.some((c) => c.mention.label === a.label && c.mention.kind === a.kind)) continue;
      const chip: Chip = { mention: refOf(a), node: el('span'), result: { attachment: a }, reading: Promise.resolve() };
      this.chips.push(chip);
      this.renderChip(chip);
      this.node.append(chip.node);
    }
    this.node.hidden = this.chips.length === 0;
  }

  /** Removes the last chip (Backspace at the start of an empty box); false when there is none. */
  removeLast(): boolean {
    const last = this.chips.at(-1);
    if (!last) return false;
    this.remove(last);
    return true;
  }

  clear(): void {
    this.chips = [];
    this.node.replaceChildren();
    this.node.hidden = true;
  }

  /**
   * The attachments, once every chip is read; or why the message cannot go (a chip was refused:
   * its reason, the chip stays for the user to remove).
   */
  async attachments(): Promise<{ attachments: Attachment[] } | { error: string }> {
    await Promise.all(this.chips.map((c) => c.reading));
    const out: Attachment[] = [];
    for (const c of this.chips) {
      if (!c.result || 'error' in c.result) return { error: `${c.mention.label}: ${c.result?.error ?? 'not read'} Remove that chip to send.` };
      out.push(c.result.attachment);
    }
    return { attachments: out };
  }

  private remove(chip: Chip): void {
    const at = this.chips.indexOf(chip);
    if (at < 0) return;
    this.chips.splice(at, 1);
    chip.node.remove();
    this.node.hidden = this.chips.length === 0;
    // The focus goes to the next chip, else to the box.
    const next = this.chips[at] ?? this.chips[at - 1];
    if (next) next.node.focus();
    else this.focusInput();
  }

  private renderChip(chip: Chip): void {
    const { mention, result } = chip;
    const label = result && 'attachment' in result ? result.attachment.label : mention.label;
    const error = result && 'error' in result ? result.error : null;
    const state = result === null ? 'reading' : error ? 'error' : 'ready';
    const remove = iconButton(`Remove ${label}`, ICONS.close, { class: 'icon-btn mention-chip-remove', tabindex: -1 });
    remove.addEventListener('click', () => this.remove(chip));
    const node = el(
      'span',
      {
        class: 'mention-chip',
        role: 'listitem',
        tabindex: 0,
        'data-kind': mention.kind,
        'data-state': state,
        title: error ?? mention.detail ?? label,
        'aria-label': `${label}${state === 'reading' ? ', reading' : ''}${error ? `, refused: ${error}` : ''}. Press Delete to remove it.`,
      },
      el('span', { class: 'mention-chip-label', text: label }),
      state === 'reading' ? el('span', { class: 'mention-chip-status', text: 'reading…' }) : null,
      error ? el('span', { class: 'mention-chip-error', text: error }) : null,
      remove,
    );
    node.addEventListener('keydown', (ev) => {
      if (ev.key === 'Delete' || ev.key === 'Backspace') {
        ev.preventDefault();
        this.remove(chip);
      }
    });
    chip.node.replaceWith(node);
    chip.node = node;
  }
}

/** The chip of an attachment that was already read. */
function refOf(a: Attachment): Mention & SourceRef {
  const { text: _text, ...ref } = a;
  return a.kind === 'memory' ? { ...ref, text: a.text } : ref;
}
