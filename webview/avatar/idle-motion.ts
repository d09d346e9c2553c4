// Idle motion: breathing (the chest swells and lifts the head), a slow weight shift from side to
// side, the head tilting, the tails swinging a little behind. The moving parts of the art are
// split into stacked HTML layers (`splitAvatarLayers`), each its own compositing layer, and a
// timer sets their CSS transforms a few times a second: the compositor moves the layers without
// repainting the art, and between ticks nothing runs at all (a CSS animation would produce frames
// at the display rate). After a while without activity she settles (the motion stops where it is)
// and any activity resumes it where it left off.
// The amplitudes are chosen to be seen at 180 px (issue 18: at <= 0.8 % scale and <= 0.9 degrees
// she looked static): the head tilts up to 3 degrees (its top travels about 13 px), breathing
// lifts the head about 2 px and widens the shoulders 2 %, the weight shift leans the figure 1
// degree (3 px at the top). Slow cycles (5 to 13 s) keep it calm.
// What a frame costs is Chromium's pipeline, not the page: about 7 ms of CPU across its processes
// for each change of a transform, whatever its size (measured with bench/ui-bench.mjs: breathing
// off changes nothing, half the frame rate costs half). So a tick changes the transforms only
// when some part has moved at least MIN_STEP_PX on screen since the last change: where the
// motion is slow (the turn of every swing) ticks pass without a frame. The larger motion needs
// more ticks to stay smooth (each drawn step under 2 px at 180 px): 6 a second, of which about 5
// draw (the sub-pixel motion before drew 3.5 of 4), so about 1.4 times the frames while she moves;
// resting and hidden cost nothing, as before.
import { realTimers, type Timers } from '../util/timers';
import { animating, type MotionConditions } from './motion-gate';

/** Frames per second of idle motion (at most: ticks where nothing moved far enough draw nothing). */
export const IDLE_FPS = 6;
/** Without activity for this long, idle motion stops until the next activity. */
export const REST_AFTER_MS = 30_000;
/** A tick draws only when some part moved at least this far (CSS pixels) since the last frame. */
export const MIN_STEP_PX = 0.5;
/** The avatar's size in CSS pixels when the page cannot tell (not laid out yet). */
const DEFAULT_SIZE_PX = 180;

export interface AvatarLayers {
  /** Everything: the weight shift (a lean from the bottom edge). */
  breath: HTMLElement;
  /** Neck and shoulders: the chest swelling with each breath. */
  body: HTMLElement;
  /** Tails and back hair: with the head (tilt and the lift of a breath). */
  back: HTMLElement;
  tailL: HTMLElement;
  tailR: HTMLElement;
  /** Face and front hair: the head's tilt (faster while she speaks) and the lift of a breath. */
  head: HTMLElement;
}

/** CSS `ease-in-out`, cubic-bezier(0.42, 0, 0.58, 1), at x in [0, 1]. */
export function easeInOut(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // Solve bx(t) = x for t (bx is monotonic), then return by(t).
  const bx = (t: number) => 3 * (1 - t) * (1 - t) * t * 0.42 + 3 * (1 - t) * t * t * 0.58 + t * t * t;
  let lo = 0;
  let hi = 1;
  let t = x;
  for (let i = 0; i < 30; i++) {
    const v = bx(t);
    if (Math.abs(v - x) < 1e-6) break;
    if (v < x) lo = t;
    else hi = t;
    t = (lo + hi) / 2;
  }
  return 3 * (1 - t) * t * t + t * t * t;
}

/** A keyframe cycle 0% -> 50% -> 100% (low, high, low), each half eased: 0..1 for a phase 0..1. */
export function swing(phase: number): number {
  const p = phase - Math.floor(phase);
  return p < 0.5 ? easeInOut(p * 2) : 1 - easeInOut((p - 0.5) * 2);
}

const BREATH_S = 4.6;
const LEAN_S = 11;
/** The head's tilt: a main cycle and a slower one on top, so it does not look like a metronome. */
const TILT_S = 8;
const TILT_SPEAKING_S = 5.5;
const TILT2_S = 13;
const TAIL_S = 5.4;
const TAIL_R_DELAY_S = 2.1;

/** Amplitudes, in degrees, and the breath's stretch of the chest (a fraction of its size). */
export const MOTION = {
  /** The head tilts +-(tilt + tilt2) degrees. */
  tilt: 2.2,
  tilt2: 0.8,
  /** The weight shift: a lean of +-1 degree from the bottom edge. */
  lean: 1,
  /** A full breath widens the shoulders 2 % and stretches neck and chest 3.5 % up. */
  chestX: 0.02,
  chestY: 0.035,
  tailLow: -2,
  tailHigh: 2.4,
} as const;
/** The top of the neck is 66 of the art's 200 units above the bottom: it rises by chestY of that. */
const NECK_FRACTION = 66 / 200;
/** How far a full breath lifts the head, as a fraction of the avatar's height. */
const HEAD_LIFT = MOTION.chestY * NECK_FRACTION;

const f = (x: number) => x.toFixed(4);
const RAD = Math.PI / 180;

/** Where each part is at `t` seconds of motion: breath 0..1 (out..in), the rest in degrees. */
export interface PoseValues {
  breath: number;
  lean: number;
  head: number;
  tailL: number;
  tailR: number;
}

/** -1..1 along a keyframe swing. */
const wave = (phase: number) => 2 * swing(phase) - 1;

/** The pose at `t` seconds of motion; `headPhase` is the head's own cycle (it speeds up while she speaks). */
export function idleValues(t: number, headPhase: number): PoseValues {
  const tail = (phase: number) => MOTION.tailLow + (MOTION.tailHigh - MOTION.tailLow) * swing(phase);
  return {
    breath: swing(t / BREATH_S),
    lean: MOTION.lean * wave(t / LEAN_S + 0.25),
    head: MOTION.tilt * wave(headPhase) + MOTION.tilt2 * wave(t / TILT2_S + 0.5),
    tailL: tail(t / TAIL_S),
    // The right tail runs the same swing backwards, 2.1 s ahead.
    tailR: tail(1 - (t + TAIL_R_DELAY_S) / TAIL_S),
  };
}

/** The CSS transforms of a pose. */
export function poseTransforms(v: PoseValues): Record<keyof AvatarLayers, string> {
  const b = v.breath;
  // The head rides on the neck: lifted as far as the chest stretches the neck's top (percent of its layer).
  const head = `translateY(${f(-100 * HEAD_LIFT * b)}%) rotate(${f(v.head)}deg)`;
  return {
    breath: `skewX(${f(v.lean)}deg)`,
    body: `scale(${f(1 + MOTION.chestX * b)}, ${f(1 + MOTION.chestY * b)})`,
    back: head,
    head,
    tailL: `rotate(${f(v.tailL)}deg)`,
    tailR: `rotate(${f(v.tailR)}deg)`,
  };
}

/** The transforms at `t` seconds of motion. */
export function idlePose(t: number, headPhase: number): Record<keyof AvatarLayers, string> {
  return poseTransforms(idleValues(t, headPhase));
}

/**
 * How far (CSS pixels) the part that moved most travelled from pose `a` to `b`, for an avatar
 * `size` pixels square: the lean moves the top by tan(angle) x size; a breath lifts the head and
 * widens the shoulders (132 of 200 units wide); a rotation moves the far end of its part by angle
 * x radius (the head's top is 3/4 of the box from its origin, a tail's tip about a third).
 */
export function stepPx(a: PoseValues, b: PoseValues, size: number): number {
  const breath = Math.abs(b.breath - a.breath);
  return Math.max(
    Math.abs(Math.tan(b.lean * RAD) - Math.tan(a.lean * RAD)) * size,
    breath * Math.max(HEAD_LIFT, (MOTION.chestX * 0.66) / 2) * size,
    Math.abs(b.head - a.head) * RAD * 0.75 * size + breath * HEAD_LIFT * size,
    Math.abs(b.tailL - a.tailL) * RAD * 0.35 * size,
    Math.abs(b.tailR - a.tailR) * RAD * 0.35 * size,
  );
}

/**
 * How far (CSS pixels) each part travels between the extremes of its motion, for an avatar `size`
 * pixels square: what a person can see at that size.
 */
export function motionRangePx(size: number): { head: number; lift: number; lean: number; shoulders: number } {
  const tilt = MOTION.tilt + MOTION.tilt2;
  return {
    head: 2 * tilt * RAD * 0.75 * size,
    lift: HEAD_LIFT * size,
    lean: 2 * Math.tan(MOTION.lean * RAD) * size,
    shoulders: MOTION.chestX * 0.66 * size,
  };
}

export interface IdleMotionOptions {
  timers?: Timers;
  fps?: number;
  restAfterMs?: number;
  /** Called when she settles (true) or starts moving again (false). */
  onRest?: (resting: boolean) => void;
}

export class IdleMotion {
  private readonly timers: Timers;
  private readonly frameMs: number;
  private readonly restAfterMs: number;
  private conditions: MotionConditions = { visible: true, reducedMotion: false };
  private timer: unknown = null;
  /** Seconds of motion so far (the clock stops while she rests or nothing moves). */
  private clock = 0;
  private headPhase = 0;
  private lastTick = 0;
  private lastActivity: number;
  private speaking = false;
  private resting = false;
  /** The pose on screen (null: the art as drawn) and the avatar's size when motion started. */
  private shown: PoseValues | null = null;
  private sizePx = DEFAULT_SIZE_PX;

  constructor(
    private readonly layers: AvatarLayers | null,
    private readonly opts: IdleMotionOptions = {},
  ) {
    this.timers = opts.timers ?? realTimers;
    this.frameMs = 1000 / (opts.fps ?? IDLE_FPS);
    this.restAfterMs = opts.restAfterMs ?? REST_AFTER_MS;
    this.lastActivity = this.timers.now();
  }

  get running(): boolean {
    return this.timer !== null;
  }

  get isResting(): boolean {
    return this.resting;
  }

  setConditions(c: MotionConditions): void {
    const was = animating(this.conditions);
    this.conditions = c;
    const now = animating(c);
    if (now && !was) {
      // Shown again: that is activity too.
      this.lastActivity = this.timers.now();
      this.setResting(false);
    }
    this.update();
  }

  setSpeaking(speaking: boolean): void {
    if (speaking === this.speaking) return;
    this.speaking = speaking;
    this.activity();
  }

  /** Something happened (input, a message, a change of mood): keep moving, or start again. */
  activity(): void {
    this.lastActivity = this.timers.now();
    if (this.resting) {
      this.setResting(false);
      this.update();
    }
  }

  dispose(): void {
    this.stop();
  }

  private update(): void {
    if (!this.layers) return;
    if (!animating(this.conditions)) {
      this.stop();
      // Hidden or reduced motion: the still pose, as the art is drawn.
      if (this.shown) for (const el of Object.values(this.layers)) el.style.transform = '';
      this.shown = null;
      return;
    }
    if (!this.resting && this.timer === null) {
      this.lastTick = this.timers.now();
      // Read once per start, not per tick (a read can force a layout).
      this.sizePx = this.layers.breath.offsetWidth || DEFAULT_SIZE_PX;
      this.tick();
    }
  }

  private tick(): void {
    const now = this.timers.now();
    const dt = Math.min(now - this.lastTick, 4 * this.frameMs) / 1000;
    this.lastTick = now;
    this.clock += dt;
    this.headPhase += dt / (this.speaking ? TILT_SPEAKING_S : TILT_S);
    this.apply();
    if (now - this.lastActivity >= this.restAfterMs) {
      this.timer = null;
      this.setResting(true);
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.tick();
    }, this.frameMs);
  }

  private apply(): void {
    const pose = idleValues(this.clock, this.headPhase);
    // Too small a step to see: no frame this tick (the next one measures from the same pose).
    if (this.shown && stepPx(this.shown, pose, this.sizePx) < MIN_STEP_PX) return;
    const css = poseTransforms(pose);
    const layers = this.layers!;
    for (const key of Object.keys(css) as Array<keyof AvatarLayers>) layers[key].style.transform = css[key];
    this.shown = pose;
  }

  private stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private setResting(resting: boolean): void {
    if (resting === this.resting) return;
    this.resting = resting;
    this.opts.onRest?.(resting);
  }
}

/**
 * Splits the inlined art (`svg.avatar-art` with `.av-breath`) into stacked layers: tails, back
 * hair, body (neck and shoulders) and head each in its own `<svg>` with the same view box, drawn in the same order.
 * The original `<svg>` stays first and keeps the shared `<defs>` (gradients, clip paths).
 * Returns null when the art is not there.
 */
export function splitAvatarLayers(root: HTMLElement): AvatarLayers | null {
  const art = [...root.children].find((c) => c.localName === 'svg' && c.classList.contains('avatar-art'));
  const breathG = art && [...art.children].find((c) => c.classList.contains('av-breath'));
  if (!art || !breathG) return null;
  const parts = [...breathG.children];
  const backG = parts.find((c) => c.classList.contains('av-sway') && !c.classList.contains('av-head'));
  const bodyG = parts.find((c) => c.classList.contains('av-body'));
  const headG = parts.find((c) => c.classList.contains('av-head'));
  const tailLG = backG && [...backG.children].find((c) => c.classList.contains('av-tail-l'));
  const tailRG = backG && [...backG.children].find((c) => c.classList.contains('av-tail-r'));
  if (!backG || !bodyG || !headG || !tailLG || !tailRG) return null;
  const doc = root.ownerDocument;
  const svgOf = (...content: Node[]) => {
    const s = art.cloneNode(false) as Element;
    s.removeAttribute('id');
    s.classList.add('av-layer');
    s.append(...content);
    return s;
  };
  const div = (cls: string, ...content: Element[]) => {
    const d = doc.createElement('div');
    d.className = `av-layer ${cls}`;
    d.append(...content);
    return d;
  };
  const tailL = div('av-l-tail-l', svgOf(tailLG));
  const tailR = div('av-l-tail-r', svgOf(tailRG));
  // What is left of the back group (the back hair) is drawn above the tails, as in the file.
  const back = div('av-l-back', tailL, tailR, svgOf(...Array.from(backG.childNodes)));
  const head = div('av-l-head', svgOf(headG));
  const body = div('av-l-body', svgOf(bodyG));
  const breath = div('av-l-breath', back, body, head);
  breathG.remove();
  art.classList.add('av-layer', 'av-defs');
  root.append(breath);
  root.classList.add('av-layered');
  return { breath, body, back, tailL, tailR, head };
}
