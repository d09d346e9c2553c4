// Webcam presence, the decision: one observation per analysed frame (no face / a face looking at
// the screen / a face turned away / a face whose direction is unknown) in, a presence state out.
// Pure: the clock is passed in with each observation, so it is table-tested without timers.
//
// Hysteresis (no flapping on one missed or odd frame):
// - absent:     `absentFrames` no-face frames in a row AND `absentMs` since a face was last seen;
// - present:    from absent (or unknown), a face in `appearFrames` frames in a row;
// - focused:    a face looking at the screen in `focusFrames` frames in a row;
// - distracted: a face turned away in `awayFrames` frames in a row AND for `awayMs`.
// A single no-face frame while present does not change anything, nor does one turned-away frame.
import type { Presence } from '../context/context-store';

export type Observation =
  | { kind: 'none' }
  /** A face; `yaw` in radians (0 = facing the camera), null when the model gave no direction. */
  | { kind: 'face'; yaw: number | null };

export interface PresenceThresholds {
  absentFrames: number;
  absentMs: number;
  appearFrames: number;
  focusFrames: number;
  awayFrames: number;
  awayMs: number;
  /** |yaw| at or above this (radians) counts as turned away. 0.35 rad = 20 degrees. */
  yawAway: number;
}

/** Tuned for one frame every 1.5 s: absent after ~4.5 s, distracted after ~4.5 s of looking away. */
export const DEFAULT_THRESHOLDS: PresenceThresholds = {
  absentFrames: 3,
  absentMs: 4000,
  appearFrames: 2,
  focusFrames: 3,
  awayFrames: 3,
  awayMs: 3000,
  yawAway: 0.35,
};

type Attention = 'none' | 'toward' | 'away' | 'unknown';

export function attentionOf(o: Observation, yawAway: number): Attention {
  if (o.kind === 'none') return 'none';
  if (o.yaw === null || !Number.isFinite(o.yaw)) return 'unknown';
  return Math.abs(o.yaw) >= yawAway ? 'away' : 'toward';
}

export class PresenceMachine {
  private current: Presence | null = null;
  private noneStreak = 0;
  private faceStreak = 0;
  private towardStreak = 0;
  private awayStreak = 0;
  private awaySince: number | null = null;
  private lastFaceAt: number | null = null;
  private startedAt: number | null = null;
  readonly thresholds: PresenceThresholds;

  constructor(thresholds: Partial<PresenceThresholds> = {}) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...thresholds };
  }

  get state(): Presence | null {
    return this.current;
  }

  /** Forget everything (the camera was released): the next frames start from "unknown". */
  reset(): void {
    this.current = null;
    this.noneStreak = this.faceStreak = this.towardStreak = this.awayStreak = 0;
    this.awaySince = this.lastFaceAt = this.startedAt = null;
  }

  /** Feeds one frame's observation; returns the new state when it changed, else null. */
  observe(o: Observation, now: number): Presence | null {
    const t = this.thresholds;
    this.startedAt ??= now;
    const a = attentionOf(o, t.yawAway);
    if (a === 'none') {
      this.noneStreak++;
      this.faceStreak = 0;
    } else {
      this.noneStreak = 0;
      this.faceStreak++;
      this.lastFaceAt = now;
    }
    if (a === 'toward') this.towardStreak++;
    else if (a !== 'unknown') this.towardStreak = 0;
    if (a === 'away') {
      if (this.awayStreak === 0) this.awaySince = now;
      this.awayStreak++;
    } else if (a !== 'unknown') {
      this.awayStreak = 0;
      this.awaySince = null;
    }

    const next = this.target(now);
    if (next === null || next === this.current) return null;
    this.current = next;
    return next;
  }

  private target(now: number): Presence | null {
    const t = this.thresholds;
    const cur = this.current;
    if (this.noneStreak > 0) {
      const since = this.lastFaceAt ?? this.startedAt ?? now;
      if (this.noneStreak >= t.absentFrames && now - since >= t.absentMs) return 'absent';
      return cur;
    }
    const here = cur !== null && cur !== 'absent';
    if (!here && this.faceStreak < t.appearFrames) return cur;
    if (this.awayStreak >= t.awayFrames && this.awaySince !== null && now - this.awaySince >= t.awayMs) return 'distracted';
    if (this.towardStreak >= t.focusFrames) return 'focused';
    return here ? cur : 'present';
  }
}
