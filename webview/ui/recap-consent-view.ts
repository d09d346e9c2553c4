// The one-time question before her first recap after a break (issue 17): "Recap what you were
// doing when you come back?" with Yes / No, shown when the companion has a recap and no answer
// (`recap.ask`, setting alisa.memory.recapAfterBreak = ask). The answer goes to the companion
// (`recap.consent`); in VS Code the host saves it as the setting, so it is asked once. It reuses
// the help offer card's look: it is the same kind of small, dismissible question.
import { el } from './dom';

interface RecapConsentOptions {
  /** The user's answer; a rejected promise puts the card back (enabled) so they can try again. */
  onAnswer: (allow: boolean) => Promise<void>;
}

export class RecapConsentView {
  private card: HTMLElement | null = null;

  constructor(
    private readonly parent: HTMLElement,
    private readonly opts: RecapConsentOptions,
  ) {}

  /** Shows the question (once: a second ask while it is up changes nothing). */
  ask(): void {
    if (this.card) return;
    const yes = el('button', { type: 'button', class: 'btn primary', 'data-choice': 'yes', text: 'Yes' });
    const no = el('button', { type: 'button', class: 'btn', 'data-choice': 'no', text: 'No' });
    const card = el(
      'div',
      { class: 'help-offer recap-consent', role: 'group', 'aria-label': 'Alisa asks about recaps' },
      el('p', { class: 'help-offer-text', text: 'Recap what you were doing when you come back?' }),
      el('p', {
        class: 'help-offer-target',
        text: 'After a break, she names the files you edited, errors you fixed and what still fails. Change it later in the setting alisa.memory.recapAfterBreak.',
      }),
      el('div', { class: 'help-offer-actions' }, yes, no),
    );
    yes.addEventListener('click', () => void this.answer(true, [yes, no]));
    no.addEventListener('click', () => void this.answer(false, [yes, no]));
    this.card = card;
    this.parent.append(card);
    card.scrollIntoView?.({ block: 'nearest' });
  }

  get open(): boolean {
    return this.card !== null;
  }

  private async answer(allow: boolean, buttons: HTMLButtonElement[]): Promise<void> {
    for (const b of buttons) b.disabled = true;
    try {
      await this.opts.onAnswer(allow);
      this.card?.remove();
      this.card = null;
    } catch {
      for (const b of buttons) b.disabled = false;
    }
  }
}
