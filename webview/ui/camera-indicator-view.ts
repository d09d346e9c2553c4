// The "Camera" pill in the header (issue 7): visible while webcam presence has the camera open, so
// the user always sees when Alisa can see them. `data-state`: active (the camera is open), paused
// (by the user: the camera is closed), error (it cannot open). Hidden while presence is off or
// unknown, and while the camera is released (VS Code in the background a while) or still opening.
// A click pauses or resumes (in error: retries) through `presence.configure`, which the host
// forwards to the companion like any request (the browser host too); the companion then says
// `presence.state`. The pill itself is feature-pill.ts.
import type { PresenceConfigure, PresenceStatus } from '../../protocol';
import { FeaturePill, type PillLook } from './feature-pill';
import { ICONS } from './icons';
import { errorText } from '../../common/sentences';

const GUESS: Record<NonNullable<PresenceStatus['state']>, string> = {
  present: 'She sees you are here.',
  absent: 'She thinks you are away.',
  focused: 'She thinks you are focused.',
  distracted: 'She thinks you are distracted.',
};

function cameraPillLook(status: PresenceStatus | null): PillLook | null {
  if (!status?.enabled) return null;
  if (status.error) {
    const why = errorText(status.error);
    return { state: 'error', text: 'Camera', title: `Alisa cannot use the camera: ${why} Click to try again.`, icon: ICONS.camera };
  }
  if (status.paused) {
    return { state: 'paused', text: 'Camera paused', title: 'Webcam presence is paused: the camera is off. Click to resume.', icon: ICONS.camera };
  }
  if (!status.active) return null;
  const guess = status.state ? `${GUESS[status.state]} ` : '';
  return {
    state: 'active',
    text: 'Camera',
    title: `Alisa can see you through the camera. ${guess}Frames are read on this machine and never stored. Click to pause.`,
    icon: ICONS.camera,
  };
}

/** What a click asks of the companion for a status (null: nothing to do). */
function cameraPillAction(status: PresenceStatus | null): PresenceConfigure | null {
  if (!status?.enabled) return null;
  if (status.error) return { enabled: true }; // turning it on again retries
  return { paused: !status.paused };
}

export class CameraIndicatorView extends FeaturePill<PresenceStatus, PresenceConfigure> {
  constructor(onConfigure: (params: PresenceConfigure) => Promise<unknown>) {
    super({ name: 'camera', look: cameraPillLook, action: cameraPillAction, onConfigure });
  }
}
