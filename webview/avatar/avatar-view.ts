// Binds the avatar's logic to its element (the inlined media/avatar.svg inside `#avatar`). The
// element's data attributes are the whole interface to the art: CSS shows the layers for
// `data-emotion`, `data-blinking` and `data-mouth`, and runs idle motion per `data-motion`.
import type { Emotion } from '../../protocol';
import type { Timers } from '../util/timers';
import { BlinkScheduler } from './blink-scheduler';
import { motionAttribute, watchMotionConditions, type MotionConditions } from './motion-gate';
import { MouthAnimator } from './mouth-animator';

export interface AvatarViewOptions {
  timers?: Timers;
  random?: () => number;
  name?: string;
}

export class AvatarView {
  private readonly blink: BlinkScheduler;
  private readonly mouth: MouthAnimator;
  private readonly unwatch: () => void;
  private emotion: Emotion = 'neutral';
  private page: MotionConditions = { visible: true, reducedMotion: false };
  private shown = true;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: AvatarViewOptions = {},
  ) {
    const shared = { ...(opts.timers ? { timers: opts.timers } : {}), ...(opts.random ? { random: opts.random } : {}) };
    this.blink = new BlinkScheduler({ ...shared, onBlink: (closed) => root.setAttribute('data-blinking', String(closed)) });
    this.mouth = new MouthAnimator({ ...shared, onShape: (shape) => root.setAttribute('data-mouth', shape) });
    root.setAttribute('role', 'img');
    this.setEmotion((root.getAttribute('data-emotion') as Emotion | null) ?? 'neutral');
    this.setSpeaking(false);
    root.setAttribute('data-blinking', 'false');
    root.setAttribute('data-mouth', 'closed');
    const win = root.ownerDocument.defaultView;
    this.unwatch = win
      ? watchMotionConditions(win, (c) => {
          this.page = c;
          this.applyConditions();
        })
      : () => {};
  }

  setEmotion(emotion: Emotion): void {
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
  }

  /** Her voice is under way (an utterance queued or playing): the mouth follows the audio only. */
  setVoice(active: boolean): void {
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

  dispose(): void {
    this.unwatch();
    this.blink.dispose();
    this.mouth.dispose();
  }

  private applyConditions(): void {
    const c: MotionConditions = { visible: this.page.visible && this.shown, reducedMotion: this.page.reducedMotion };
    this.root.setAttribute('data-motion', motionAttribute(c));
    this.blink.setConditions(c);
    this.mouth.setConditions(c);
  }
}
