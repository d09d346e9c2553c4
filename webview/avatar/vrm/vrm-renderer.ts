// A 3D avatar: a VRM 0.x / 1.0 model (or a plain glTF/GLB) drawn with three.js and
// @pixiv/three-vrm. Alisa's seven emotions become VRM expressions (emotion-map.ts), the mouth
// follows her voice through the visemes aa/ih/ou/ee/oh, she blinks (BlinkScheduler, shared with the
// SVG), breathes, shifts her weight, looks around and at the cursor, and her hair swings (spring
// bones, updated by vrm.update).
//
// Cost: frames are drawn only while the canvas is on screen (IntersectionObserver), the page is
// visible and the avatar not folded away; at most `maxFps` a second while something happens, and
// RESTING_FPS after a quiet while; with reduced motion nothing moves: a frame is drawn when the
// emotion or the mouth changes and that is all.
import type { VRM, VRMExpressionManager, VRMHumanBoneName } from '@pixiv/three-vrm';
import { VRMLoaderPlugin, VRMUtils } from '@pixiv/three-vrm';
import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import type { AvatarSource, Emotion } from '../../../protocol';
import type { AvatarReaction, AvatarRenderer, RendererOptions } from '../avatar-renderer';
import { BlinkScheduler } from '../blink-scheduler';
import { animating, watchMotionConditions, type MotionConditions } from '../motion-gate';
import { MouthAnimator, type MouthShape } from '../mouth-animator';
import { expressionWeights, VISEMES, type Viseme } from './emotion-map';

/** Frames per second after REST_AFTER_MS without anything happening (blinks and breathing still show). */
const RESTING_FPS = 8;
/**
 * The cap when WebGL draws in software (SwiftShader, llvmpipe: no GPU, as in many VMs and remote
 * sessions): each frame then costs the CPU ~15 ms, so 30 frames a second would take half a core.
 */
const SOFTWARE_FPS = 15;
const REST_AFTER_MS = 20_000;
/** How far the mouth opens for each shape of the mouth animator. */
const OPENNESS: Record<MouthShape, number> = { closed: 0, small: 0.4, open: 0.75, wide: 1 };
/** Which vowels each opening cycles through, so the mouth does not say "aaa" all along. */
const VISEME_CYCLE: Record<Exclude<MouthShape, 'closed'>, Viseme[]> = { small: ['ih', 'ou', 'ee'], open: ['oh', 'aa', 'ee'], wide: ['aa', 'oh'] };
const REACTION_MS = 1400;
/** How long her eyes stay on the cursor after it last moved. */
const CURSOR_HOLD_MS = 4000;

/** What each drawn frame showed: the stage re-dispatches it as an `avatarframe` event (tests, bench). */
export interface FrameInfo {
  emotion: Emotion;
  blink: number;
  mouth: number;
  viseme: Viseme | null;
  reaction: AvatarReaction | null;
  /** Her eyes follow the cursor (it moved in the last few seconds) rather than wander. */
  lookingAtCursor: boolean;
  /** What drawing this frame took on the page's thread (posing, expressions, issuing the GL calls), ms. */
  ms: number;
}

/** Loads `source` into a new canvas in `host`. Rejects with a message for the user when it cannot. */
export async function createVrmRenderer(host: HTMLElement, source: AvatarSource, opts: RendererOptions): Promise<AvatarRenderer> {
  if (!source.url) throw new Error('the avatar has no model file');
  const canvas = host.ownerDocument.createElement('canvas');
  canvas.className = 'avatar-canvas';
  canvas.setAttribute('aria-hidden', 'true');
  host.append(canvas);
  let renderer: THREE.WebGLRenderer;
  try {
    renderer = new THREE.WebGLRenderer({ canvas, alpha: true, antialias: true, powerPreference: 'low-power' });
  } catch (err) {
    canvas.remove();
    throw new Error(`WebGL is not available here (${err instanceof Error ? err.message : String(err)})`);
  }
  let gltf: Awaited<ReturnType<GLTFLoader['loadAsync']>>;
  try {
    const loader = new GLTFLoader();
    loader.register((parser) => new VRMLoaderPlugin(parser));
    gltf = await loader.loadAsync(source.url);
  } catch (err) {
    renderer.dispose();
    canvas.remove();
    throw new Error(`the model file could not be read (${describeLoadError(err)})`);
  }
  const vrm = (gltf.userData.vrm as VRM | undefined) ?? null;
  if (vrm) {
    // As three-vrm advises: drop vertices no index uses and merge the per-mesh skeletons, which
    // exported models often carry (less to upload, fewer bone matrices each frame).
    VRMUtils.removeUnnecessaryVertices(gltf.scene);
    VRMUtils.combineSkeletons(gltf.scene);
  }
  return new VrmRenderer(host, canvas, renderer, gltf.scene, vrm, source, opts);
}

/** True when the context draws without a GPU (its unmasked renderer name says so, where the browser tells). */
function softwareRenderer(gl: WebGLRenderingContext | WebGL2RenderingContext): boolean {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  return /swiftshader|llvmpipe|softpipe|software/i.test(name);
}

function clampFps(fps: number): number {
  return Number.isFinite(fps) ? Math.max(1, Math.min(120, fps)) : 30;
}

function describeLoadError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/Unexpected token|JSON/i.test(text)) return 'not a glTF, GLB or VRM file, or it is damaged';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

class VrmRenderer implements AvatarRenderer {
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(24, 1, 0.05, 50);
  private readonly clock = new THREE.Clock();
  private readonly lookTarget = new THREE.Object3D();
  private readonly blink: BlinkScheduler;
  private readonly mouth: MouthAnimator;
  private readonly cleanups: Array<() => void> = [];
  /** Expression weights now, and where they are heading (eased each frame). */
  private readonly weights = new Map<string, number>();
  private emotionTargets = new Map<string, number>();
  private emotion: Emotion = 'neutral';
  private blinkClosed = false;
  private mouthShape: MouthShape = 'closed';
  private viseme: Viseme = 'aa';
  private visemeStep = 0;
  private reaction: { kind: AvatarReaction; at: number } | null = null;
  private page: MotionConditions = { visible: true, reducedMotion: false };
  private onScreen = true;
  private shown = true;
  private lastActivity = performance.now();
  private speaking = false;
  private raf = 0;
  private timer = 0;
  private lastFrame = 0;
  private pointer: { x: number; y: number; at: number } | null = null;
  private headY = 1.4;
  private disposed = false;
  private maxFps: number;
  private readonly software: boolean;
  private readonly expressions: VRMExpressionManager | null;
  /** For plain glTF: its morph targets by name, when they are named like VRM expressions. */
  private readonly morphs: Array<{ influences: number[]; dict: Record<string, number> }> = [];

  constructor(
    private readonly host: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly renderer: THREE.WebGLRenderer,
    private readonly model: THREE.Object3D,
    private readonly vrm: VRM | null,
    private source: AvatarSource,
    opts: RendererOptions,
  ) {
    this.maxFps = clampFps(opts.maxFps);
    this.software = softwareRenderer(renderer.getContext());
    host.setAttribute('data-gl', this.software ? 'software' : 'gpu');
    this.expressions = vrm?.expressionManager ?? null;
    renderer.setPixelRatio(Math.min(2, host.ownerDocument.defaultView?.devicePixelRatio ?? 1));
    renderer.outputColorSpace = THREE.SRGBColorSpace;
    if (vrm) {
      VRMUtils.rotateVRM0(vrm);
      vrm.scene.traverse((o) => {
        o.frustumCulled = false;
      });
      if (vrm.lookAt) vrm.lookAt.target = this.lookTarget;
    } else {
      model.traverse((o) => {
        const m = o as THREE.Mesh;
        if (m.morphTargetInfluences && m.morphTargetDictionary) this.morphs.push({ influences: m.morphTargetInfluences, dict: m.morphTargetDictionary });
      });
    }
    this.scene.add(model, this.lookTarget);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x8888aa, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 1.8);
    key.position.set(0.6, 1.5, 2);
    this.scene.add(key);
    this.frame();

    const shared = { onBlink: (closed: boolean) => this.onBlink(closed) };
    this.blink = new BlinkScheduler(shared);
    this.mouth = new MouthAnimator({ onShape: (shape) => this.onMouth(shape) });

    const win = host.ownerDocument.defaultView!;
    const resize = () => this.resize();
    const ro = new ResizeObserver(resize);
    ro.observe(host);
    this.cleanups.push(() => ro.disconnect());
    const io = new IntersectionObserver((entries) => {
      this.onScreen = entries.some((e) => e.isIntersecting);
      this.applyConditions();
    });
    io.observe(canvas);
    this.cleanups.push(() => io.disconnect());
    const onPointer = (e: PointerEvent) => {
      this.pointer = { x: e.clientX, y: e.clientY, at: performance.now() };
      this.activity();
    };
    win.addEventListener('pointermove', onPointer, { passive: true });
    this.cleanups.push(() => win.removeEventListener('pointermove', onPointer));
    this.cleanups.push(
      watchMotionConditions(win, (c) => {
        this.page = c;
        this.applyConditions();
      }),
    );
    this.resize();
  }

  setEmotion(emotion: Emotion): void {
    if (emotion !== this.emotion) this.activity();
    this.emotion = emotion;
    const override = this.source.expressionMap?.[emotion];
    this.emotionTargets = expressionWeights(emotion, override, (name) => this.hasExpression(name));
    this.requestFrame();
  }

  setExpressionMap(map: AvatarSource['expressionMap']): void {
    const { expressionMap: _old, ...rest } = this.source;
    this.source = map ? { ...rest, expressionMap: map } : rest;
    this.setEmotion(this.emotion);
  }

  setSpeaking(speaking: boolean): void {
    this.speaking = speaking;
    if (speaking) this.activity();
    this.mouth.setSpeaking(speaking);
  }

  setVoice(active: boolean): void {
    if (active) this.activity();
    this.mouth.setVoice(active);
  }

  setAudioLevel(level: number): void {
    this.mouth.setAudioLevel(level);
  }

  setShown(shown: boolean): void {
    this.shown = shown;
    this.applyConditions();
  }

  wake(): void {
    this.activity();
  }

  setMaxFps(fps: number): void {
    this.maxFps = clampFps(fps);
  }

  react(kind: AvatarReaction): void {
    this.reaction = { kind, at: performance.now() };
    this.activity();
    this.requestFrame();
    // With reduced motion there is no loop: draw once more when the reaction is over.
    const win = this.host.ownerDocument.defaultView;
    win?.setTimeout(() => this.requestFrame(), REACTION_MS + 50);
  }

  dispose(): void {
    this.disposed = true;
    this.stopLoop();
    for (const c of this.cleanups.splice(0)) c();
    this.blink.dispose();
    this.mouth.dispose();
    if (this.vrm) VRMUtils.deepDispose(this.vrm.scene);
    else VRMUtils.deepDispose(this.model);
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.canvas.remove();
  }

  // ------------------------------------------------------------ state

  private hasExpression(name: string): boolean {
    if (this.expressions) return this.expressions.getExpression(name) !== null;
    return this.morphs.some((m) => name in m.dict);
  }

  private onBlink(closed: boolean): void {
    this.blinkClosed = closed;
    this.requestFrame();
  }

  private onMouth(shape: MouthShape): void {
    if (shape !== 'closed' && shape !== this.mouthShape) {
      const cycle = VISEME_CYCLE[shape];
      this.viseme = cycle[this.visemeStep++ % cycle.length]!;
    }
    this.mouthShape = shape;
    this.requestFrame();
  }

  private activity(): void {
    this.lastActivity = performance.now();
    this.requestFrame();
  }

  private moving(): boolean {
    return animating({ visible: this.page.visible && this.onScreen && this.shown, reducedMotion: this.page.reducedMotion });
  }

  private applyConditions(): void {
    const c: MotionConditions = { visible: this.page.visible && this.onScreen && this.shown, reducedMotion: this.page.reducedMotion };
    this.blink.setConditions(c);
    this.mouth.setConditions(c);
    this.host.setAttribute('data-motion', c.reducedMotion ? 'reduced' : c.visible ? 'full' : 'paused');
    this.requestFrame();
  }

  private resize(): void {
    const w = Math.max(1, this.host.clientWidth);
    const h = Math.max(1, this.host.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.frameCamera();
    this.requestFrame();
  }

  /** Frames head and shoulders (a humanoid) or the whole model (plain glTF). */
  private frameCamera(): void {
    const box = new THREE.Box3().setFromObject(this.model);
    const size = box.getSize(new THREE.Vector3());
    // The raw bone: the normalized rig is only placed by the first vrm.update().
    const head = this.vrm?.humanoid?.getRawBoneNode('head');
    let centerY: number;
    let halfHeight: number;
    if (head) {
      this.model.updateMatrixWorld(true);
      const p = head.getWorldPosition(new THREE.Vector3());
      this.headY = p.y;
      // About a sixth of her height above and below: the head and the shoulders.
      halfHeight = Math.max(0.2, size.y * 0.17);
      centerY = p.y + halfHeight * 0.25;
    } else {
      this.headY = box.max.y - size.y * 0.1;
      halfHeight = Math.max(size.y, size.x / Math.max(this.camera.aspect, 0.1)) * 0.55;
      centerY = (box.min.y + box.max.y) / 2;
    }
    const fov = THREE.MathUtils.degToRad(this.camera.fov);
    const fit = halfHeight / Math.tan(fov / 2) / Math.min(1, this.camera.aspect);
    this.camera.position.set(0, centerY, Math.max(0.3, fit));
    this.camera.lookAt(0, centerY, 0);
    this.camera.updateProjectionMatrix();
  }

  // ------------------------------------------------------------ frames

  /** Draws soon: on the next animation frame, or keeps the loop running while she moves. */
  /**
   * Draws on an animation frame, at the soonest `delayMs` from now. The wait until a capped frame
   * is due is a timer, not a chain of skipped animation frames: those would wake the page 60
   * times a second for nothing.
   */
  private requestFrame(delayMs = 0): void {
    if (this.disposed || this.raf || this.timer) return;
    const visible = this.page.visible && this.onScreen && this.shown;
    if (!visible) return;
    const win = this.host.ownerDocument.defaultView;
    if (!win) return;
    if (delayMs > 6) {
      // An animation frame comes up to one vsync after the timer: aim a little early.
      this.timer = win.setTimeout(() => {
        this.timer = 0;
        this.requestFrame();
      }, delayMs - 6);
      return;
    }
    this.raf = win.requestAnimationFrame((t) => this.tick(t));
  }

  private stopLoop(): void {
    const win = this.host.ownerDocument.defaultView;
    if (this.raf) win?.cancelAnimationFrame(this.raf);
    if (this.timer) win?.clearTimeout(this.timer);
    this.raf = 0;
    this.timer = 0;
  }

  private tick(now: number): void {
    this.raf = 0;
    if (this.disposed) return;
    const moving = this.moving();
    const resting = now - this.lastActivity > REST_AFTER_MS && !this.speaking;
    const cap = this.software ? Math.min(SOFTWARE_FPS, this.maxFps) : this.maxFps;
    const fps = resting ? Math.min(RESTING_FPS, cap) : cap;
    const due = this.lastFrame + 1000 / fps;
    // Under the frame-rate cap (a little slack for vsync jitter): wait until the frame is due.
    if (moving && now < due - 3) {
      this.requestFrame(due - now);
      return;
    }
    this.lastFrame = now;
    const settled = this.frame();
    if (moving) this.requestFrame(1000 / fps);
    else if (!settled || this.reactionLive(now)) this.requestFrame();
  }

  private reactionLive(now: number): boolean {
    return this.reaction !== null && now - this.reaction.at < REACTION_MS;
  }

  /** Draws one frame; true when every expression has reached its target (nothing left to ease). */
  private frame(): boolean {
    const now = performance.now();
    const dt = Math.min(this.clock.getDelta(), 1 / 15);
    const moving = this.moving();
    const t = now / 1000;
    const targets = new Map(this.emotionTargets);
    const reaction = this.reactionLive(now) ? this.reaction : null;
    if (reaction) {
      // A short rise and fall: surprise at a problem, a smile when it is fixed.
      const k = (now - reaction.at) / REACTION_MS;
      const pulse = Math.sin(Math.PI * Math.min(1, k * 1.3)) * (k < 1 ? 1 : 0);
      const name = reaction.kind === 'error' ? 'surprised' : 'happy';
      if (this.hasExpression(name)) targets.set(name, Math.max(targets.get(name) ?? 0, pulse));
    }
    targets.set('blink', this.blinkClosed ? 1 : 0);
    const open = OPENNESS[this.mouthShape];
    for (const v of VISEMES) targets.set(v, v === this.viseme ? open : 0);
    let settled = true;
    for (const name of new Set([...targets.keys(), ...this.weights.keys()])) {
      const goal = targets.get(name) ?? 0;
      const cur = this.weights.get(name) ?? 0;
      // Eyes and mouth are quick, emotions ease in over a few hundred ms; by time, not per frame,
      // so a lower frame rate still opens and shuts the mouth with each syllable. Without motion: jump.
      const tau = name === 'blink' ? 0.02 : VISEMES.includes(name as Viseme) ? 0.035 : 0.15;
      const rate = !moving ? 1 : 1 - Math.exp(-dt / tau);
      let next = cur + (goal - cur) * rate;
      if (Math.abs(goal - next) < 0.01) next = goal;
      else settled = false;
      this.weights.set(name, next);
      this.setExpression(name, next);
    }
    if (this.vrm) {
      if (moving) this.pose(t, reaction ? { kind: reaction.kind, k: (now - reaction.at) / REACTION_MS } : null);
      else this.restPose();
      this.vrm.update(moving ? dt : 0);
    }
    this.renderer.render(this.scene, this.camera);
    const info: FrameInfo = {
      emotion: this.emotion,
      blink: this.weights.get('blink') ?? 0,
      mouth: Math.max(...VISEMES.map((v) => this.weights.get(v) ?? 0)),
      viseme: open > 0 ? this.viseme : null,
      reaction: reaction?.kind ?? null,
      lookingAtCursor: moving && this.pointer !== null && now - this.pointer.at < CURSOR_HOLD_MS,
      ms: performance.now() - now,
    };
    this.host.dispatchEvent(new CustomEvent('avatarframe', { detail: info, bubbles: true }));
    return settled;
  }

  private setExpression(name: string, weight: number): void {
    if (this.expressions) {
      if (this.expressions.getExpression(name)) this.expressions.setValue(name, weight);
      return;
    }
    for (const m of this.morphs) {
      const i = m.dict[name];
      if (i !== undefined) m.influences[i] = weight;
    }
  }

  /**
   * Sets a normalized bone's rotation as for a VRM 1.0 model. A VRM 0.x rig faces the other way
   * (three-vrm turns the whole scene round), so its x and z rotations are mirrored.
   */
  private rotate(name: VRMHumanBoneName, x: number, y: number, z: number): void {
    const node = this.vrm?.humanoid?.getNormalizedBoneNode(name);
    if (!node) return;
    if (this.vrm?.meta?.metaVersion === '0') node.rotation.set(-x, y, -z);
    else node.rotation.set(x, y, z);
  }

  /** Arms down, still: the pose with reduced motion. */
  private restPose(): void {
    if (!this.vrm?.humanoid) return;
    this.rotate('leftUpperArm', 0, 0, -1.2);
    this.rotate('rightUpperArm', 0, 0, 1.2);
    if (this.vrm?.lookAt) this.lookTarget.position.set(0, this.headY, 5);
  }

  /**
   * Idle motion big enough to read at 200 px: breathing (chest and shoulders, 4 s), a slow weight
   * shift (hips sway, 9 s), the head drifting on two incommensurate sines, eyes on the cursor
   * while it moves (then wandering), and the reaction's head movement on top.
   */
  private pose(t: number, reaction: { kind: AvatarReaction; k: number } | null): void {
    if (!this.vrm?.humanoid) return;
    const breath = Math.sin((t * Math.PI * 2) / 4);
    const sway = Math.sin((t * Math.PI * 2) / 9);
    this.rotate('hips', 0, sway * 0.03, sway * 0.025);
    this.rotate('spine', breath * 0.015, 0, -sway * 0.02);
    this.rotate('chest', breath * 0.025, 0, 0);
    this.rotate('leftUpperArm', 0, 0, -1.2 + breath * 0.03);
    this.rotate('rightUpperArm', 0, 0, 1.2 - breath * 0.03);
    this.rotate('leftLowerArm', 0, -0.15, 0);
    this.rotate('rightLowerArm', 0, 0.15, 0);
    let yaw = Math.sin(t * 0.53) * 0.07 + Math.sin(t * 0.21) * 0.05;
    let pitch = Math.sin(t * 0.37) * 0.04 + breath * 0.01;
    let roll = Math.sin(t * 0.29) * 0.04;
    // Eyes: on the cursor for a few seconds after it moved, otherwise a slow wander.
    const now = performance.now();
    if (this.pointer && now - this.pointer.at < CURSOR_HOLD_MS) {
      const r = this.canvas.getBoundingClientRect();
      const nx = ((this.pointer.x - r.left) / Math.max(1, r.width)) * 2 - 1;
      const ny = ((this.pointer.y - r.top) / Math.max(1, r.height)) * 2 - 1;
      this.lookTarget.position.set(nx * 0.6, this.headY + 0.1 - ny * 0.4, this.camera.position.z);
      yaw += THREE.MathUtils.clamp(nx, -1.5, 1.5) * 0.12;
      pitch += THREE.MathUtils.clamp(ny, -1.5, 1.5) * 0.06;
    } else {
      this.lookTarget.position.set(Math.sin(t * 0.31) * 0.25, this.headY + 0.1 + Math.sin(t * 0.43) * 0.08, this.camera.position.z);
    }
    if (reaction) {
      const env = Math.sin(Math.PI * Math.min(1, reaction.k));
      if (reaction.kind === 'error') {
        pitch -= env * 0.12;
        roll += env * 0.06;
      } else {
        pitch += Math.sin(reaction.k * Math.PI * 4) * env * 0.12;
      }
    }
    this.rotate('neck', pitch * 0.4, yaw * 0.4, roll * 0.4);
    this.rotate('head', pitch * 0.6, yaw * 0.6, roll * 0.6);
  }
}
