// A help offer while the panel is hidden (extension/help/offer-presence.ts): a badge on her view,
// a notification only if wanted, the offer kept for the page's next load, and forgotten once it
// is answered, withdrawn or the connection drops. The view provider's wiring is in the e2e suite.
import { describe, expect, it } from 'vitest';
import type { HelpOffer } from '../protocol';
import { OfferPresence, type OfferBadge, type OfferChoice } from '../extension/help/offer-presence';

const offer = (offerId: string, kind: HelpOffer['target']['kind'] = 'diagnostic'): HelpOffer => ({
  type: 'help.offer',
  offerId,
  text: 'That type error again? Want me to look?',
  emotion: 'serious',
  target: { kind, path: kind === 'diagnostic' ? 'src/app.ts' : null, range: null, message: "Type 'number' is not assignable to type 'string'.", code: '2322' },
});

function setup(notifyOn = false) {
  const badges: Array<OfferBadge | undefined> = [];
  const notified: Array<{ offer: HelpOffer; choices: OfferChoice[]; answer: (c: OfferChoice | undefined) => void }> = [];
  const answers: Array<[string, OfferChoice]> = [];
  const p = new OfferPresence({
    setBadge: (b) => badges.push(b),
    notifyEnabled: () => notifyOn,
    notify: (o, choices) => new Promise((answer) => notified.push({ offer: o, choices, answer })),
    answer: (o, c) => answers.push([o.offerId, c]),
  });
  return { p, badges, notified, answers };
}

describe('a help offer while the panel is hidden', () => {
  it('shows as a badge, is kept for the page, and goes when withdrawn', () => {
    const { p, badges, notified } = setup();
    p.setVisible(false);
    p.offered(offer('o1'));
    expect(badges.at(-1)).toEqual({ value: 1, tooltip: 'Alisa offers help (src/app.ts): That type error again? Want me to look?' });
    expect(p.open?.offerId).toBe('o1');
    // No notification unless the setting asks for one.
    expect(notified).toHaveLength(0);
    // Another offer's retraction changes nothing; its own clears the badge.
    p.answered('other');
    expect(p.open?.offerId).toBe('o1');
    p.answered('o1');
    expect(p.open).toBeNull();
    expect(badges.at(-1)).toBeUndefined();
  });

  it('shows no badge while the panel is on screen, and drops the badge when it is shown', () => {
    const { p, badges } = setup();
    p.setVisible(true);
    p.offered(offer('o1'));
    expect(badges.filter(Boolean)).toHaveLength(0);
    expect(p.open?.offerId).toBe('o1');
    p.setVisible(false);
    expect(badges.at(-1)?.value).toBe(1);
    p.setVisible(true);
    expect(badges.at(-1)).toBeUndefined();
  });

  it('notifies when wanted, with Fix only for a file; the choice answers the offer once', async () => {
    const { p, notified, answers, badges } = setup(true);
    p.offered(offer('o1'));
    p.offered(offer('o2', 'terminal'));
    expect(notified.map((n) => n.choices)).toEqual([
      ['explain', 'fix', 'dismiss'],
      ['explain', 'dismiss'],
    ]);
    // The first notification is stale (o2 replaced it): its answer is ignored.
    notified[0]!.answer('fix');
    notified[1]!.answer('explain');
    await new Promise((r) => setImmediate(r));
    expect(answers).toEqual([['o2', 'explain']]);
    expect(p.open).toBeNull();
    expect(badges.at(-1)).toBeUndefined();
  });

  it('forgets the offer when the connection drops', () => {
    const { p } = setup();
    p.offered(offer('o1'));
    p.clear();
    expect(p.open).toBeNull();
  });
});
