// The mouth while Alisa speaks. With a voice, the audio level (0..1) picks the shape directly;
// without one, the mouth moves in a loose random rhythm while reply text streams. While her
// voice is under way (`setVoice(true)`: an utterance is queued or playing) the rhythm is off and
// only the audio moves the mouth, so it opens with the syllables and shuts in the pauses. With reduced
// motion it does not flap: it stays slightly open while she speaks. Closed is the emotion's own
// mouth (smile, pout, frown…), drawn by the emotion layers.
import { realTimers, type Timers } from '../util/timers';
import { animating, type MotionConditions } from './motion-gate';

export const MOUTH_SHAPES = ['closed', 'small', 'open', 'wide'] as const;
export type MouthShape = (typeof MOUTH_SHAPES)[number];

/** The shape for an audio level; below the first threshold the mouth is closed. */
export function mouthForLevel(level: number): MouthShape {
  const l = Number.isFinite(level) ? Math.min(1, Math.max(0, level)) : 0;
  if (l < 0.08) return 'closed';
  if (l < 0.3) return 'small';
  if (l < 0.6) return 'open';
  return 'wide';
}

export interface MouthOptions {
  onShape: (shape: MouthShape) => void;
  timers?: Timers;
  random?: () => number;
  /** Audio levels older than this no longer drive the mouth (the voice has stopped). */
  audioHoldMs?: number;
}

/** Shapes of the token-driven rhythm, picked at random; open shapes come more often. */
const RHYTHM: MouthShape[] = ['small', 'open', 'wide', 'open', 'small', 'closed'];

export class MouthAnimator {
  private shape: MouthShape = 'closed';
  private speaking = false;
  private voice = false;
  private conditions: MotionConditions = { visible: true, reducedMotion: false };
  private audioAt = -Infinity;
  private audioLevel = 0;
  private timer: unknown = null;
  private readonly timers: Timers;
  private readonly random: () => number;

  constructor(private readonly opts: MouthOptions) {
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
  }

  get current(): MouthShape {
    return this.shape;
  }

  setSpeaking(speaking: boolean): void {
    this.speaking = speaking;
    this.update();
  }

  /** Her voice is under way: the audio levels alone move the mouth (no text rhythm). */
  setVoice(voice: boolean): void {
    this.voice = voice;
    this.update();
  }

  /** Voice output level, 0..1; call at the audio frame rate while speech plays. */
  setAudioLevel(level: number): void {
    this.audioLevel = level;
    this.audioAt = this.timers.now();
    this.update();
  }

  setConditions(c: MotionConditions): void {
    this.conditions = c;
    this.update();
  }

  dispose(): void {
    this.stopRhythm();
  }

  private audioLive(): boolean {
    return this.timers.now() - this.audioAt <= (this.opts.audioHoldMs ?? 300);
  }

  private update(): void {
    const audio = this.audioLive();
    const talking = this.speaking || (audio && this.audioLevel >= 0.08);
    if (!animating(this.conditions)) {
      this.stopRhythm();
      // No flapping: a still, slightly open mouth says "speaking" (when visible at all).
      this.set(this.conditions.reducedMotion && talking ? 'small' : 'closed');
      return;
    }
    if (audio) {
      this.stopRhythm();
      this.set(mouthForLevel(this.audioLevel));
      // When the levels stop coming, the voice has stopped: look again once they are stale.
      this.timer = this.timers.setTimeout(
        () => {
          this.timer = null;
          this.update();
        },
        (this.opts.audioHoldMs ?? 300) + 10,
      );
    } else if (this.speaking && !this.voice) {
      if (this.timer === null) this.step();
    } else {
      this.stopRhythm();
      this.set('closed');
    }
  }

  private step(): void {
    let next = RHYTHM[Math.floor(this.random() * RHYTHM.length)] ?? 'small';
    if (next === this.shape) next = next === 'open' ? 'small' : 'open';
    this.set(next);
    this.timer = this.timers.setTimeout(
      () => {
        this.timer = null;
        if (this.speaking && !this.voice && !this.audioLive() && animating(this.conditions)) this.step();
        else this.update();
      },
      90 + this.random() * 80,
    );
  }

  private stopRhythm(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private set(shape: MouthShape): void {
    if (shape === this.shape) return;
    this.shape = shape;
    this.opts.onShape(shape);
  }
}
