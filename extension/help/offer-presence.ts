// A help offer while Alisa's panel is hidden is not lost and not silent. A hidden view's page is
// discarded (no retainContextWhenHidden), so the events it would have shown go nowhere: this
// keeps the one open offer (the companion keeps at most one), shows it as a badge on her view
// (the activity bar icon shows the count), optionally as a notification with the offer's own
// buttons (`alisa.help.notifyOffers`), and gives it to the page again when the page loads. The
// offer is forgotten when it is answered, withdrawn (`help.retract`: its error is gone) or when
// the connection drops (the companion's offers die with it).
//
// Pure state plus two callbacks; chat-view-provider.ts feeds it and applies the badge.
import type { HelpOffer } from '../../protocol/context';

export interface OfferBadge {
  value: number;
  tooltip: string;
}

export type OfferChoice = 'explain' | 'fix' | 'dismiss';

export interface OfferPresenceDeps {
  /** Sets or clears the badge on her view (undefined: none). */
  setBadge(badge: OfferBadge | undefined): void;
  /** Shows the offer as a notification; resolves with the user's choice (undefined: closed). */
  notify?(offer: HelpOffer, choices: OfferChoice[]): Promise<OfferChoice | undefined>;
  /** Whether notifications are wanted (read at each offer, so a settings change applies at once). */
  notifyEnabled(): boolean;
  /** Answers the offer as the panel's buttons would. */
  answer(offer: HelpOffer, choice: OfferChoice): void;
}

export class OfferPresence {
  private offer: HelpOffer | null = null;
  private visible = false;

  constructor(private readonly deps: OfferPresenceDeps) {}

  /** The open offer the page should show when it loads (null: none). */
  get open(): HelpOffer | null {
    return this.offer;
  }

  /** Whether her panel is on screen with its page listening. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.deps.setBadge(undefined);
    else if (this.offer) this.badge(this.offer);
  }

  offered(offer: HelpOffer): void {
    this.offer = offer;
    if (this.visible) return;
    this.badge(offer);
    if (this.deps.notify && this.deps.notifyEnabled()) {
      const choices: OfferChoice[] = offer.target.kind === 'diagnostic' ? ['explain', 'fix', 'dismiss'] : ['explain', 'dismiss'];
      void this.deps.notify(offer, choices).then((choice) => {
        // Answered elsewhere, withdrawn or replaced meanwhile: the notification is stale.
        if (!choice || this.offer?.offerId !== offer.offerId) return;
        this.answered(offer.offerId);
        this.deps.answer(offer, choice);
      });
    }
  }

  /** The offer was answered (in the panel, a notification or a command) or withdrawn. */
  answered(offerId: string): void {
    if (this.offer?.offerId !== offerId) return;
    this.offer = null;
    this.deps.setBadge(undefined);
  }

  /** The connection dropped: the companion's offers are gone with it. */
  clear(): void {
    this.offer = null;
    this.deps.setBadge(undefined);
  }

  private badge(offer: HelpOffer): void {
    const where = offer.target.path ? ` (${offer.target.path})` : '';
    this.deps.setBadge({ value: 1, tooltip: `Alisa offers help${where}: ${offer.text}` });
  }
}
