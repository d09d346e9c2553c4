// A sprite-set avatar: one picture per emotion, with optional blink and mouth frames of the same
// size laid over it, as the original Alisa's layered PNGs (base.png, eyes_closed.png,
// mouth_open.png). The set's manifest (SpriteManifest in protocol/avatar.ts, written by the import
// in companion/avatars/sprites.ts) names the files beside it. Every frame gets its own <img>,
// stacked and shown or hidden, so changing a frame never waits for a download (no flash while she
// talks). Blinking, the mouth and reactions are the SVG avatar's (BlinkScheduler, MouthAnimator,
// ReactionShow), under the same motion conditions.
import { type AvatarReaction, type AvatarSource, type Emotion, SpriteManifest, type SpriteEmotionFrames } from '../../protocol';
import { realTimers, type Timers } from '../util/timers';
import type { AvatarRenderer, RendererFactory } from './avatar-renderer';
import { BlinkScheduler } from './blink-scheduler';
import { motionAttribute, watchMotionConditions, type MotionConditions } from './motion-gate';
import { MouthAnimator, type MouthShape } from './mouth-animator';
import { ReactionShow } from './reaction';

/** A manifest that is not a sprite set's: says what is wrong, field by field (the first few). */
export class SpriteManifestError extends Error {}

/** Checks a parsed manifest; throws SpriteManifestError saying which fields are wrong. */
export function parseSpriteManifest(json: unknown): SpriteManifest {
  const r = SpriteManifest.safeParse(json);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : 'the manifest'}: ${i.message}`);
  throw new SpriteManifestError(`The sprite set's manifest is not valid (${issues.join('; ')}${r.error.issues.length > 3 ? '; …' : ''}).`);
}

/** The files shown together: the base picture and the blink and mouth frames over it (null: none). */
export interface SpriteFrame {
  base: string;
  blink: string | null;
  mouth: string | null;
}

const MOUTH_STEP: Record<Exclude<MouthShape, 'closed'>, number> = { small: 1, open: 2, wide: 3 };

/**
 * Mouth frames run from the least to the most open: a mouth shape (small, open, wide) picks the
 * frame at its share of the list (one frame: always that one; two: small the first, open and wide
 * the second; three: one each).
 */
export function mouthFrameFor(frames: readonly string[], shape: MouthShape): string | null {
  if (shape === 'closed' || frames.length === 0) return null;
  const i = Math.ceil((MOUTH_STEP[shape] * frames.length) / 3) - 1;
  return frames[Math.min(frames.length - 1, Math.max(0, i))] ?? null;
}

/**
 * What shows for an emotion, eyes and mouth: the emotion's own frames, else neutral's (a set needs
 * only neutral); blink and mouth frames of its own, else the set-wide ones.
 */
export function spriteFrame(m: SpriteManifest, emotion: Emotion, blinking: boolean, mouth: MouthShape): SpriteFrame {
  const own: SpriteEmotionFrames = m.emotions[emotion] ?? m.emotions.neutral;
  return {
    base: own.base,
    blink: blinking ? (own.blink ?? m.blink ?? null) : null,
    mouth: mouthFrameFor(own.mouth ?? m.mouth ?? [], mouth),
  };
}

/** Whether any emotion can blink (else no blink timers run at all). */
function hasBlink(m: SpriteManifest): boolean {
  return m.blink !== undefined || Object.values(m.emotions).some((e) => e?.blink !== undefined);
}

/** The overlay of a reaction, drawn over the picture (the set has no frames for it): a sweat drop, sparkles. */
const FX_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" class="av-sprite-fx" aria-hidden="true" focusable="false">
<g class="av-react" data-react="error"><path d="M30 40C22 55 21 65 30 65C39 65 38 55 30 40Z" fill="#bfe3ff" stroke="#3f86bd" stroke-width="1.6"/><path d="M170 30L178 20M176 44L188 40M164 22L165 10" fill="none" stroke="#3a2a4a" stroke-width="2.6" stroke-linecap="round"/></g>
<g class="av-react" data-react="fixed" fill="#ffe27a" stroke="#e0a526" stroke-width="1.2" stroke-linejoin="round"><path d="M170 24L173.6 34.4L184 38L173.6 41.6L170 52L166.4 41.6L156 38L166.4 34.4Z"/><path d="M28 20L30.5 27.5L38 30L30.5 32.5L28 40L25.5 32.5L18 30L25.5 27.5Z"/><path d="M176 70L177.6 75.4L183 77L177.6 78.6L176 84L174.4 78.6L169 77L174.4 75.4Z"/></g>
</svg>`;

export interface SpriteAvatarOptions {
  timers?: Timers;
  random?: () => number;
  name?: string;
}

type Layer = 'base' | 'blink' | 'mouth';

export class SpriteAvatar implements AvatarRenderer {
  private readonly blink: BlinkScheduler | null;
  private readonly mouth: MouthAnimator;
  private readonly reactions: ReactionShow;
  private readonly unwatch: () => void;
  /** `layer:file` -> its image, in drawing order (bases, then blinks, then mouths). */
  private readonly images = new Map<string, HTMLImageElement>();
  /** Frames that failed to load. */
  private readonly broken = new Set<string>();
  private emotion: Emotion = 'neutral';
  private blinking = false;
  private shape: MouthShape = 'closed';
  private page: MotionConditions = { visible: true, reducedMotion: false };
  private shown = true;

  /** `baseUrl`: the manifest's URL; frame names resolve against it. */
  constructor(
    private readonly root: HTMLElement,
    readonly manifest: SpriteManifest,
    baseUrl: string,
    private readonly opts: SpriteAvatarOptions = {},
  ) {
    const timers = opts.timers ?? realTimers;
    const shared = { timers, ...(opts.random ? { random: opts.random } : {}) };
    const doc = root.ownerDocument;
    root.classList.add('avatar-sprites');
    root.setAttribute('role', 'img');
    const frames = new Set<string>();
    const add = (layer: Layer, file: string | undefined) => file !== undefined && frames.add(`${layer}:${file}`);
    const entries = Object.values(manifest.emotions).filter((e) => e !== undefined);
    for (const e of entries) add('base', e.base);
    for (const e of [...entries, manifest]) add('blink', e.blink);
    for (const e of [...entries, manifest]) for (const f of e.mouth ?? []) add('mouth', f);
    for (const key of frames) {
      const [layer, file] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      const img = doc.createElement('img');
      img.className = `av-sprite av-sprite-${layer}`;
      img.alt = '';
      img.draggable = false;
      img.decoding = 'async';
      img.hidden = true;
      // Frames sit beside the manifest; its query (the browser UI's token) goes with them.
      const url = new URL(file, baseUrl);
      url.search = new URL(baseUrl).search;
      img.src = url.href;
      // A frame that does not load is not shown: its emotion shows neutral's picture instead.
      img.addEventListener(
        'error',
        () => {
          this.broken.add(key);
          this.render();
        },
        { once: true },
      );
      this.images.set(key, img);
      root.append(img);
    }
    const fx = doc.importNode(new DOMParser().parseFromString(FX_SVG, 'image/svg+xml').documentElement, true);
    root.append(fx);
    this.reactions = new ReactionShow(root, timers);
    this.blink = hasBlink(manifest)
      ? new BlinkScheduler({
          ...shared,
          onBlink: (closed) => {
            this.blinking = closed;
            this.render();
          },
        })
      : null;
    this.mouth = new MouthAnimator({
      ...shared,
      onShape: (shape) => {
        this.shape = shape;
        this.render();
      },
    });
    this.setEmotion('neutral');
    this.setSpeaking(false);
    const win = doc.defaultView;
    this.unwatch = win
      ? watchMotionConditions(win, (c) => {
          this.page = c;
          this.applyConditions();
        })
      : () => {};
  }

  /** Resolves once the neutral picture has loaded; rejects, saying so, when it cannot be shown. */
  loaded(): Promise<void> {
    const img = this.images.get(`base:${this.manifest.emotions.neutral.base}`)!;
    const failed = () => new Error(`The sprite set's neutral picture (${this.manifest.emotions.neutral.base}) could not be loaded.`);
    // complete: loaded, or already failed (then it has no size).
    if (img.complete) return img.naturalWidth > 0 ? Promise.resolve() : Promise.reject(failed());
    return new Promise((resolve, reject) => {
      img.addEventListener('load', () => resolve(), { once: true });
      img.addEventListener('error', () => reject(failed()), { once: true });
    });
  }

  setEmotion(emotion: Emotion): void {
    this.emotion = emotion;
    this.root.setAttribute('data-emotion', emotion);
    this.root.setAttribute('aria-label', `${this.opts.name ?? 'Alisa'} looks ${emotion}`);
    this.render();
  }

  get currentEmotion(): Emotion {
    return this.emotion;
  }

  /** The frame on screen now. */
  get currentFrame(): SpriteFrame {
    return spriteFrame(this.manifest, this.emotion, this.blinking, this.shape);
  }

  setSpeaking(speaking: boolean): void {
    this.root.setAttribute('data-speaking', String(speaking));
    this.mouth.setSpeaking(speaking);
  }

  setVoice(active: boolean): void {
    this.mouth.setVoice(active);
  }

  setAudioLevel(level: number): void {
    this.mouth.setAudioLevel(level);
  }

  setShown(shown: boolean): void {
    this.shown = shown;
    this.applyConditions();
  }

  /** Nothing rests here (a sprite set has no idle motion): nothing to wake. */
  wake(): void {}

  react(kind: AvatarReaction): void {
    this.reactions.react(kind);
  }

  get currentReaction(): AvatarReaction | null {
    return this.reactions.current;
  }

  dispose(): void {
    this.unwatch();
    this.reactions.dispose();
    this.blink?.dispose();
    this.mouth.dispose();
    for (const img of this.images.values()) img.remove();
    this.root.querySelector('.av-sprite-fx')?.remove();
    this.root.classList.remove('avatar-sprites');
  }

  private render(): void {
    const f = this.currentFrame;
    const base = this.broken.has(`base:${f.base}`) ? this.manifest.emotions.neutral.base : f.base;
    const want = new Set([`base:${base}`, f.blink && `blink:${f.blink}`, f.mouth && `mouth:${f.mouth}`]);
    for (const [key, img] of this.images) img.hidden = !want.has(key);
    this.root.setAttribute('data-blinking', String(this.blinking));
    this.root.setAttribute('data-mouth', this.shape);
  }

  private applyConditions(): void {
    const c: MotionConditions = { visible: this.page.visible && this.shown, reducedMotion: this.page.reducedMotion };
    this.root.setAttribute('data-motion', motionAttribute(c));
    this.blink?.setConditions(c);
    this.mouth.setConditions(c);
  }
}

/**
 * The stage's factory for a sprite set: fetches and checks the manifest at `source.url`, builds
 * the frames and waits for the neutral picture. Rejects with a message for the user.
 */
export const createSpriteRenderer: RendererFactory = async (host: HTMLElement, source: AvatarSource, opts) => {
  if (!source.url) throw new Error(`The sprite set "${source.name}" has no manifest to load.`);
  let json: unknown;
  try {
    const res = await fetch(source.url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    json = await res.json();
  } catch (err) {
    throw new Error(`The sprite set "${source.name}" could not be loaded (${(err as Error).message}).`);
  }
  const view = new SpriteAvatar(host, parseSpriteManifest(json), new URL(source.url, host.ownerDocument.baseURI).href, { name: opts.name });
  try {
    await view.loaded();
  } catch (err) {
    view.dispose();
    throw err;
  }
  return view;
};
