// The "Screen" pill in the header: visible while screen understanding is on, so the user always
// sees when Alisa looks at the screen. `data-state`: active (capturing), paused (by the user, or
// waiting while the user is away), error (cannot capture). Hidden while it is off or unknown.
// A click pauses or resumes (in error: retries) through `screen.configure`, which the host
// forwards to the companion like any request; the companion then says `screen.state`.
import type { ScreenConfigure, ScreenStatus } from '../../protocol';
import { el, icon } from './dom';
import { ICONS } from './icons';

export type ScreenPillState = 'active' | 'paused' | 'error';

interface Look {
  state: ScreenPillState;
  text: string;
  title: string;
  eye: 'open' | 'closed';
}

export function screenPillLook(status: ScreenStatus | null): Look | null {
  if (!status?.enabled) return null;
  if (status.error) {
    const why = [status.error.message, status.error.action].filter(Boolean).join(' ');
    return { state: 'error', text: 'Screen', title: `Alisa cannot read your screen: ${why} Click to try again.`, eye: 'closed' };
  }
  if (status.paused && status.pausedReason === 'user') {
    return { state: 'paused', text: 'Screen paused', title: 'Screen understanding is paused: Alisa does not look at your screen. Click to resume.', eye: 'closed' };
  }
  if (status.paused) {
    return { state: 'paused', text: 'Screen', title: 'Screen understanding waits while you are away; it resumes when you are back. Click to pause.', eye: 'closed' };
  }
  return { state: 'active', text: 'Screen', title: 'Alisa reads your screen (OCR, offline; nothing is saved). Click to pause.', eye: 'open' };
}

/** What a click asks of the companion for a status (null: nothing to do). */
export function screenPillAction(status: ScreenStatus | null): ScreenConfigure | null {
  if (!status?.enabled) return null;
  if (status.error) return { enabled: true }; // turning it on again retries
  return { paused: status.pausedReason !== 'user' };
}

export class ScreenIndicatorView {
  readonly node: HTMLButtonElement;
  private status: ScreenStatus | null = null;
  private busy = false;

  constructor(private readonly onConfigure: (params: ScreenConfigure) => Promise<unknown>) {
    this.node = el('button', { type: 'button', class: 'screen-indicator', hidden: true });
    this.node.addEventListener('click', () => void this.click());
  }

  /** The companion's latest screen status; null when unknown (not connected). */
  setStatus(status: ScreenStatus | null): void {
    this.status = status;
    const look = screenPillLook(status);
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
    this.node.replaceChildren(icon(look.eye === 'open' ? ICONS.eye : ICONS.eyeClosed), el('span', { class: 'screen-indicator-text', text: look.text }));
  }

  private async click(): Promise<void> {
    const params = screenPillAction(this.status);
    if (!params || this.busy) return;
    this.busy = true;
    this.node.disabled = true;
    try {
      await this.onConfigure(params);
    } finally {
      this.busy = false;
      this.node.disabled = false;
    }
  }
}
