// A short reaction of a 2D avatar (the SVG and a sprite set): `data-react` on its root names it for
// a moment, and the stylesheet (avatar.css) shows the reaction's overlays and, with full motion
// only, moves her (a flinch on an error, a bounce on a fix). Under reduced motion the overlays alone
// show: a change of expression, nothing moves.
import type { AvatarReaction } from '../../protocol';
import type { Timers } from '../util/timers';

/** How long a reaction shows (its movement, in avatar.css, is shorter: the expression lingers). */
export const REACTION_MS: Record<AvatarReaction, number> = { error: 1800, fixed: 1600 };

export class ReactionShow {
  private timer: unknown = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly timers: Timers,
  ) {
    root.setAttribute('data-react', 'none');
  }

  /** A newer reaction replaces one still showing (and starts its movement again). */
  react(kind: AvatarReaction): void {
    this.stop();
    // Back to 'none' and a style read first, so the same reaction twice in a row animates again.
    this.root.setAttribute('data-react', 'none');
    void this.root.offsetWidth;
    this.root.setAttribute('data-react', kind);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.root.setAttribute('data-react', 'none');
    }, REACTION_MS[kind]);
  }

  /** The reaction showing now, if any. */
  get current(): AvatarReaction | null {
    const r = this.root.getAttribute('data-react');
    return r === 'error' || r === 'fixed' ? r : null;
  }

  dispose(): void {
    this.stop();
  }

  private stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
