// The "Screen" pill in the header: visible while screen understanding is on, so the user always
// sees when Alisa looks at the screen. `data-state`: active (capturing), paused (by the user, or
// waiting while the user is away), error (cannot capture). Hidden while it is off or unknown.
// A click pauses or resumes (in error: retries) through `screen.configure`, which the host
// forwards to the companion like any request; the companion then says `screen.state`. The pill
// itself is feature-pill.ts.
import type { ScreenConfigure, ScreenStatus } from '../../protocol';
import { FeaturePill, type PillLook } from './feature-pill';
import { ICONS } from './icons';
import { errorText } from '../../common/sentences';

function screenPillLook(status: ScreenStatus | null): PillLook | null {
  if (!status?.enabled) return null;
  if (status.error) {
    const why = errorText(status.error);
    return { state: 'error', text: 'Screen', title: `Alisa cannot read your screen: ${why} Click to try again.`, icon: ICONS.eyeClosed };
  }
  if (status.paused && status.pausedReason === 'user') {
    return {
      state: 'paused',
      text: 'Screen paused',
      title: 'Screen understanding is paused: Alisa does not look at your screen. Click to resume.',
      icon: ICONS.eyeClosed,
    };
  }
  if (status.paused) {
    return {
      state: 'paused',
      text: 'Screen',
      title: 'Screen understanding waits while you are away; it resumes when you are back. Click to pause.',
      icon: ICONS.eyeClosed,
    };
  }
  return { state: 'active', text: 'Screen', title: 'Alisa reads your screen (OCR, offline; nothing is saved). Click to pause.', icon: ICONS.eye };
}

/** What a click asks of the companion for a status (null: nothing to do). */
function screenPillAction(status: ScreenStatus | null): ScreenConfigure | null {
  if (!status?.enabled) return null;
  if (status.error) return { enabled: true }; // turning it on again retries
  return { paused: status.pausedReason !== 'user' };
}

export class ScreenIndicatorView extends FeaturePill<ScreenStatus, ScreenConfigure> {
  constructor(onConfigure: (params: ScreenConfigure) => Promise<unknown>) {
    super({ name: 'screen', look: screenPillLook, action: screenPillAction, onConfigure });
  }
}
