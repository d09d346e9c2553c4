// Binds the avatar's logic to its element (the inlined media/avatar.svg inside `#avatar`). The
// element's data attributes are the whole interface to the art: CSS shows the layers for
// `data-emotion`, `data-blinking` and `data-mouth`; idle motion (IdleMotion) runs per `data-motion`
// and stops after a while without activity (`data-resting`), resuming on any input or change.
// `react(kind)` sets `data-react` for a moment: CSS shows the reaction's overlays (sweat drop,
// sparkles) and, with full motion only, moves her (a flinch, a bounce).
import type { AvatarReaction, Emotion } from '../../protocol';
import { realTimers, type Timers } from '../util/timers';
import { BlinkScheduler } from './blink-scheduler';
import { IdleMotion, splitAvatarLayers } from './idle-motion';
import { motionAttribute, watchMotionConditions, type MotionConditions } from './motion-gate';
import { MouthAnimator } from './mouth-animator';
import type { AvatarRenderer } from './avatar-renderer';
import { ReactionShow } from './reaction';

export interface AvatarViewOptions {
  timers?: Timers;
  random?: () => number;
  name?: string;
  /** Idle motion frames per second and the quiet time before she settles (defaults in idle-motion). */
  idleFps?: number;
  restAfterMs?: number;
}

/** Input that counts as activity: it wakes a resting avatar. */
const ACTIVITY_EVENTS = ['pointermove', 'pointerdown', 'keydown', 'wheel', 'focusin', 'touchstart'] as const;
/** While she rests, the pauses between blinks are this many times longer. */
const RESTING_BLINK_PACE = 3;

export class AvatarView implements AvatarRenderer {
  private readonly blink: BlinkScheduler;
  private readonly mouth: MouthAnimator;
  private readonly idle: IdleMotion;
  private readonly unwatch: () => void;
  private readonly unlisten: () => void;
  private emotion: Emotion = 'neutral';
  private page: MotionConditions = { visible: true, reducedMotion: false };
  private shown = true;
  private readonly reactions: ReactionShow;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: AvatarViewOptions = {},
  ) {
    this.reactions = new ReactionShow(root, opts.timers ?? realTimers);
    const shared = { ...(opts.timers ? { timers: opts.timers } : {}), ...(opts.random ? { random: opts.random } : {}) };
    this.blink = new BlinkScheduler({ ...shared, onBlink: (closed) => root.setAttribute('data-blinking', String(closed)) });
    this.mouth = new MouthAnimator({ ...shared, onShape: (shape) => root.setAttribute('data-mouth', shape) });
    this.idle = new IdleMotion(splitAvatarLayers(root), {
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.idleFps ? { fps: opts.idleFps } : {}),
      ...(opts.restAfterMs ? { restAfterMs: opts.restAfterMs } : {}),
      onRest: (resting) => {
        root.setAttribute('data-resting', String(resting));
        this.blink.setPace(resting ? RESTING_BLINK_PACE : 1);
      },
    });
    root.setAttribute('data-resting', 'false');
    root.setAttribute('role', 'img');
    this.setEmotion((root.getAttribute('data-emotion') as Emotion | null) ?? 'neutral');
    this.setSpeaking(false);
    root.setAttribute('data-blinking', 'false');
    root.setAttribute('data-mouth', 'closed');
    const win = root.ownerDocument.defaultView;
    const wake = () => this.idle.activity();
    for (const type of ACTIVITY_EVENTS) win?.addEventListener(type, wake, { capture: true, passive: true });
    this.unlisten = () => {
      for (const type of ACTIVITY_EVENTS) win?.removeEventListener(type, wake, { capture: true });
    };
    this.unwatch = win
      ? watchMotionConditions(win, (c) => {
          this.page = c;
          this.applyConditions();
        })
      : () => {};
  }

  setEmotion(emotion: Emotion): void {
    if (emotion !== this.emotion) this.idle?.activity();
    this.emotion = emotion;
    this.root.setAttribute('data-emotion', emotion);
    this.root.setAttribute('aria-label', `${this.opts.name ?? 'Alisa'} looks ${emotion}`);
  }

  get currentEmotion(): Emotion {
    return this.emotion;
  }

  /** True while reply text streams (or the voice plays). */
  setSpeaking(speaking: boolean): void {
    this.root.setAttribute('data-speaking', String(speaking));
    this.mouth.setSpeaking(speaking);
    this.idle.setSpeaking(speaking);
  }

  /** Her voice is under way (an utterance queued or playing): the mouth follows the audio only. */
  setVoice(active: boolean): void {
    if (active) this.idle.activity();
    this.mouth.setVoice(active);
  }

  /** Voice output level 0..1; drives the mouth while it keeps coming. */
  setAudioLevel(level: number): void {
    this.mouth.setAudioLevel(level);
  }

  /** The avatar is folded away in the layout: it stops moving as if the page were hidden. */
  setShown(shown: boolean): void {
    this.shown = shown;
    this.applyConditions();
  }

  /** Something happened that she would notice (a message came, the chat changed): she moves again. */
  wake(): void {
    this.idle.activity();
  }

  /**
   * A short reaction: startled and worried when an error appears for the user, pleased when it is
   * fixed (reaction.ts). With reduced motion only the expression changes.
   */
  react(kind: AvatarReaction): void {
    this.idle.activity();
    this.reactions.react(kind);
  }

  /** The reaction showing now, if any. */
  get currentReaction(): AvatarReaction | null {
    return this.reactions.current;
  }

  dispose(): void {
    this.reactions.dispose();
    this.unlisten();
    this.unwatch();
    this.idle.dispose();
    this.blink.dispose();
    this.mouth.dispose();
  }

  private applyConditions(): void {
    const c: MotionConditions = { visible: this.page.visible && this.shown, reducedMotion: this.page.reducedMotion };
    this.root.setAttribute('data-motion', motionAttribute(c));
    this.blink.setConditions(c);
    this.mouth.setConditions(c);
    this.idle.setConditions(c);
  }
}
