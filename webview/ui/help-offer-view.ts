// Alisa's offers of help ("That type error again? Want me to look?"), shown as a card under the
// conversation with Explain / Fix / Not now. Offers are about the present: one card at most (a
// newer offer replaces it), answering removes it, and so does `help.retract` (the error is gone)
// or a new chat.
import type { HelpOffer } from '../../protocol';
import { el } from './dom';

export type HelpOfferChoice = 'explain' | 'fix' | 'dismiss';

interface HelpOfferOptions {
  /** The user's answer; a rejected promise puts the card back (enabled) so they can try again. */
  onChoice: (offer: HelpOffer, choice: HelpOfferChoice) => Promise<void>;
}

/** One offer at a time: the companion keeps one open, and an older card would be stale. */
const MAX_CARDS = 1;

export class HelpOfferView {
  private readonly container: HTMLElement;
  private readonly cards = new Map<string, HTMLElement>();

  constructor(
    parent: HTMLElement,
    private readonly opts: HelpOfferOptions,
  ) {
    this.container = el('div', { class: 'help-offers' });
    parent.append(this.container);
  }

  show(offer: HelpOffer): void {
    const sameTarget = [...this.cards.entries()].find(([, card]) => card.dataset.target === targetKey(offer));
    if (sameTarget) this.remove(sameTarget[0]);
    this.remove(offer.offerId);
    const buttons = (
      [
        ['explain', 'Explain', 'btn primary'],
        ['fix', 'Fix', 'btn'],
        ['dismiss', 'Not now', 'btn'],
      ] as const
    )
      // A fix edits a file: only an editor diagnostic has one to edit.
      .filter(([choice]) => choice !== 'fix' || offer.target.kind === 'diagnostic')
      .map(([choice, label, cls]) => {
        const b = el('button', { type: 'button', class: cls, 'data-choice': choice, text: label });
        b.addEventListener('click', () => void this.choose(offer, choice, card));
        return b;
      });
    const where = offer.target.path ? `${offer.target.path}${offer.target.range ? `:${offer.target.range.start.line + 1}` : ''}` : null;
    const card = el(
      'div',
      { class: 'help-offer', role: 'group', 'aria-label': 'Alisa offers help', 'data-offer-id': offer.offerId, 'data-emotion': offer.emotion },
      // What fixed the same error last time is in her words; the whole memory is on hover.
      el('p', { class: 'help-offer-text', text: offer.text, title: offer.lastFix ? offer.lastFix.text : null }),
      where ? el('p', { class: 'help-offer-target', text: where, title: offer.target.message }) : null,
      el('div', { class: 'help-offer-actions' }, ...buttons),
    );
    card.dataset.target = targetKey(offer);
    this.cards.set(offer.offerId, card);
    this.container.append(card);
    while (this.cards.size > MAX_CARDS) this.remove(this.cards.keys().next().value!);
    card.scrollIntoView?.({ block: 'nearest' });
  }

  /** The companion withdrew the offer (its error is gone, or a newer one replaced it). */
  retract(offerId: string): void {
    this.remove(offerId);
  }

  /** Removes every card (e.g. the connection is gone, or a new chat: the offers are stale). */
  clear(): void {
    for (const id of [...this.cards.keys()]) this.remove(id);
  }

  /** Whether the offer's card is on screen. */
  has(offerId: string): boolean {
    return this.cards.has(offerId);
  }

  get count(): number {
    return this.cards.size;
  }

  private remove(offerId: string): void {
    this.cards.get(offerId)?.remove();
    this.cards.delete(offerId);
  }

  private async choose(offer: HelpOffer, choice: HelpOfferChoice, card: HTMLElement): Promise<void> {
    const buttons = [...card.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    try {
      await this.opts.onChoice(offer, choice);
      this.remove(offer.offerId);
    } catch {
      for (const b of buttons) b.disabled = false;
    }
  }
}

const targetKey = (o: HelpOffer) => JSON.stringify([o.target.kind, o.target.path, o.target.message]);
