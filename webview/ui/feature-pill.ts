// A pill in the header for a feature that observes the user (the screen, the camera): visible
// while the feature is on, so the user always sees when Alisa looks or can see them. Each feature
// says how it looks for a status (`look`: null hides the pill) and what a click asks of the
// companion (`action`: pause, resume, or turn on again to retry); the pill disables itself while
// that request is under way. screen-indicator-view.ts and camera-indicator-view.ts are the two.
import { el, icon } from './dom';

export interface PillLook {
  state: 'active' | 'paused' | 'error';
  text: string;
  title: string;
  /** The icon's path data (ICONS.*). */
  icon: readonly string[];
}

export interface FeaturePillOptions<S, P> {
  /** `screen` -> class `screen-indicator`, its text `screen-indicator-text`. */
  name: string;
  look: (status: S | null) => PillLook | null;
  action: (status: S | null) => P | null;
  onConfigure: (params: P) => Promise<unknown>;
}

export class FeaturePill<S, P> {
  readonly node: HTMLButtonElement;
  private status: S | null = null;
  private busy = false;

  constructor(private readonly opts: FeaturePillOptions<S, P>) {
    this.node = el('button', { type: 'button', class: `${opts.name}-indicator`, hidden: true });
    this.node.addEventListener('click', () => void this.click());
  }

  /** The companion's latest status; null when unknown (not connected, or no such feature there). */
  setStatus(status: S | null): void {
    this.status = status;
    const look = this.opts.look(status);
    if (!look) {
      this.node.hidden = true;
      delete this.node.dataset.state;
      this.node.replaceChildren();
      return;
    }
    this.node.hidden = false;
    this.node.dataset.state = look.state;
    this.node.title = look.title;
    this.node.setAttribute('aria-label', look.title);
    this.node.replaceChildren(icon(look.icon), el('span', { class: `${this.opts.name}-indicator-text`, text: look.text }));
  }

  private async click(): Promise<void> {
    const params = this.opts.action(this.status);
    if (!params || this.busy) return;
    this.busy = true;
    this.node.disabled = true;
    try {
      await this.opts.onConfigure(params);
    } finally {
      this.busy = false;
      this.node.disabled = false;
    }
  }
}
