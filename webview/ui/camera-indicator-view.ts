// The "Camera" pill in the header (issue 7): visible while webcam presence has the camera open, so
// the user always sees when Alisa can see them. `data-state`: active (the camera is open), paused
// (by the user: the camera is closed), error (it cannot open). Hidden while presence is off or
// unknown, and while the camera is released (VS Code in the background a while) or still opening.
// A click pauses or resumes (in error: retries) through `presence.configure`, which the host
// forwards to the companion like any request (the browser host too); the companion then says
// `presence.state`.
import type { PresenceConfigure, PresenceStatus } from '../../protocol';
import { el, icon } from './dom';
import { ICONS } from './icons';

export type CameraPillState = 'active' | 'paused' | 'error';

interface Look {
  state: CameraPillState;
  text: string;
  title: string;
}

const GUESS: Record<NonNullable<PresenceStatus['state']>, string> = {
  present: 'She sees you are here.',
  absent: 'She thinks you are away.',
  focused: 'She thinks you are focused.',
  distracted: 'She thinks you are distracted.',
};

export function cameraPillLook(status: PresenceStatus | null): Look | null {
  if (!status?.enabled) return null;
  if (status.error) {
    const why = [status.error.message, status.error.action].filter(Boolean).join(' ');
    return { state: 'error', text: 'Camera', title: `Alisa cannot use the camera: ${why} Click to try again.` };
  }
  if (status.paused) {
    return { state: 'paused', text: 'Camera paused', title: 'Webcam presence is paused: the camera is off. Click to resume.' };
  }
  if (!status.active) return null;
  const guess = status.state ? `${GUESS[status.state]} ` : '';
  return { state: 'active', text: 'Camera', title: `Alisa can see you through the camera. ${guess}Frames are read on this machine and never stored. Click to pause.` };
}

/** What a click asks of the companion for a status (null: nothing to do). */
export function cameraPillAction(status: PresenceStatus | null): PresenceConfigure | null {
  if (!status?.enabled) return null;
  if (status.error) return { enabled: true }; // turning it on again retries
  return { paused: !status.paused };
}

export class CameraIndicatorView {
  readonly node: HTMLButtonElement;
  private status: PresenceStatus | null = null;
  private busy = false;

  constructor(private readonly onConfigure: (params: PresenceConfigure) => Promise<unknown>) {
    this.node = el('button', { type: 'button', class: 'camera-indicator', hidden: true });
    this.node.addEventListener('click', () => void this.click());
  }

  /** The companion's latest presence status; null when unknown (not connected, or no presence there). */
  setStatus(status: PresenceStatus | null): void {
    this.status = status;
    const look = cameraPillLook(status);
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
    this.node.replaceChildren(icon(ICONS.camera), el('span', { class: 'camera-indicator-text', text: look.text }));
  }

  private async click(): Promise<void> {
    const params = cameraPillAction(this.status);
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
