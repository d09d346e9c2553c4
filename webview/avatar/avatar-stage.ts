// The one place in the panel that shows her: the built-in SVG (AvatarView, always bound to the
// inlined art, the light default and the fallback), a sprite set or a 3D model, chosen by an
// AvatarSource. The panel talks to the stage only; the stage forwards every call to the renderer on
// screen and replays the current emotion and speech to a new one. When a renderer cannot start
// (no WebGL, a broken or missing file, its script not loading) the SVG stays and a notice in the
// stage says why.
//
// Renderers other than the SVG come from factories: the 3D renderer lives in a script of its own
// (dist/avatar-vrm.js, three.js and three-vrm), loaded on first use beside the page's script with
// its nonce; the sprite renderer is registered with `setFactory('sprites', …)`.
import type { AvatarKind, AvatarReaction, AvatarSource, Emotion } from '../../protocol';
import type { AvatarRenderer, RendererFactory } from './avatar-renderer';
import { AvatarView, type AvatarViewOptions } from './avatar-view';

export const AVATAR_MAX_FPS_DEFAULT = 30;

declare global {
  interface Window {
    __alisaVrmRenderer?: (factory: RendererFactory) => void;
  }
}

let vrmScript: { win: Window; url: string; nonce: string } | null = null;
let vrmFactory: Promise<RendererFactory> | null = null;

/** Where the 3D renderer's script is: beside the page's own script, allowed by the same nonce (main.ts). */
export function setVrmScript(win: Window, pageScriptUrl: string, nonce: string): void {
  vrmScript = { win, url: new URL('avatar-vrm.js', pageScriptUrl).href, nonce };
  vrmFactory = null;
}

/** Loads dist/avatar-vrm.js once; it hands over its factory through `window.__alisaVrmRenderer`. */
function loadVrmFactory(): Promise<RendererFactory> {
  if (vrmFactory) return vrmFactory;
  const s = vrmScript;
  if (!s) return Promise.reject(new Error('the 3D renderer is not part of this page'));
  vrmFactory = new Promise<RendererFactory>((resolve, reject) => {
    const script = s.win.document.createElement('script');
    script.nonce = s.nonce;
    script.async = true;
    script.src = s.url;
    s.win.__alisaVrmRenderer = resolve;
    script.addEventListener('error', () => reject(new Error('the 3D renderer could not be loaded')), { once: true });
    s.win.document.head.append(script);
  });
  // A failed load may be retried with the next source.
  vrmFactory.catch(() => {
    vrmFactory = null;
  });
  return vrmFactory;
}

/** True when this page can make a WebGL context (off in some remote sessions and by policy). */
export function webglAvailable(doc: Document): boolean {
  try {
    const canvas = doc.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return false;
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return true;
  } catch {
    return false;
  }
}

/** The same model and files, whatever the expression mapping. */
function sameModel(a: AvatarSource, b: AvatarSource): boolean {
  const { expressionMap: _a, ...x } = a;
  const { expressionMap: _b, ...y } = b;
  return JSON.stringify(x) === JSON.stringify(y);
}

export interface AvatarStageOptions extends AvatarViewOptions {
  /** Frame-rate cap of the 3D avatar (`alisa.avatar.maxFps`). */
  maxFps?: number;
}

export class AvatarStage implements AvatarRenderer {
  /** The built-in SVG: always there, shown whenever nothing else is. */
  readonly svg: AvatarView;
  private renderer: AvatarRenderer | null = null;
  private host: HTMLElement | null = null;
  private notice: HTMLElement | null = null;
  private source: AvatarSource | null = null;
  /** The source the renderer on screen was made from (null: the SVG). */
  private shownSource: AvatarSource | null = null;
  private generation = 0;
  private maxFps: number;
  private readonly factories: Partial<Record<AvatarKind, RendererFactory>> = {};
  private emotion: Emotion = 'neutral';
  private speaking = false;
  private voice = false;
  private shown = true;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: AvatarStageOptions = {},
  ) {
    this.svg = new AvatarView(root, opts);
    this.emotion = this.svg.currentEmotion;
    this.maxFps = opts.maxFps ?? AVATAR_MAX_FPS_DEFAULT;
    const vrm: RendererFactory = async (host, source, o) => (await loadVrmFactory())(host, source, o);
    this.factories.vrm = vrm;
    this.factories.gltf = vrm;
    root.setAttribute('data-renderer', 'svg');
  }

  /** Adds (or replaces) the renderer for a kind: the sprite set's renderer registers here. */
  setFactory(kind: Exclude<AvatarKind, 'svg'>, factory: RendererFactory): void {
    this.factories[kind] = factory;
  }

  get currentEmotion(): Emotion {
    return this.emotion;
  }

  /** What is on screen: 'svg', or the kind of the source that loaded. */
  get kind(): AvatarKind {
    return this.renderer && this.source ? this.source.kind : 'svg';
  }

  /**
   * Shows `source` (null or an SVG source: the built-in avatar). Settles when it shows or when the
   * stage fell back to the SVG; a newer call wins over one still loading.
   */
  async setSource(source: AvatarSource | null): Promise<void> {
    // Only the expression mapping changed (the user is adjusting it) and nothing else is loading:
    // the model on screen takes it at once rather than loading again.
    const shown = this.shownSource;
    if (source && shown && this.source === shown && this.renderer?.setExpressionMap && sameModel(source, shown)) {
      this.source = this.shownSource = source;
      this.renderer.setExpressionMap(source.expressionMap);
      return;
    }
    const gen = ++this.generation;
    this.source = source;
    this.clearNotice();
    if (!source || source.kind === 'svg') {
      this.swap(null, null);
      return;
    }
    const factory = this.factories[source.kind];
    if (!factory) return this.fallback(source, 'this kind of avatar cannot be shown in this build');
    if ((source.kind === 'vrm' || source.kind === 'gltf') && !webglAvailable(this.root.ownerDocument)) {
      return this.fallback(source, '3D graphics (WebGL) are turned off or not supported here');
    }
    const host = this.root.ownerDocument.createElement('div');
    host.className = 'avatar-renderer';
    host.hidden = true;
    this.root.append(host);
    this.root.setAttribute('aria-busy', 'true');
    try {
      const renderer = await factory(host, source, { maxFps: this.maxFps, name: this.opts.name ?? 'Alisa' });
      if (gen !== this.generation) {
        renderer.dispose();
        host.remove();
        return;
      }
      this.swap(renderer, host);
    } catch (err) {
      host.remove();
      if (gen !== this.generation) return;
      this.fallback(source, err instanceof Error ? err.message : String(err));
    } finally {
      if (gen === this.generation) this.root.removeAttribute('aria-busy');
    }
  }

  setEmotion(emotion: Emotion): void {
    this.emotion = emotion;
    this.svg.setEmotion(emotion);
    this.renderer?.setEmotion(emotion);
  }

  setSpeaking(speaking: boolean): void {
    this.speaking = speaking;
    this.svg.setSpeaking(speaking);
    this.renderer?.setSpeaking(speaking);
  }

  setVoice(active: boolean): void {
    this.voice = active;
    this.svg.setVoice(active);
    this.renderer?.setVoice(active);
  }

  setAudioLevel(level: number): void {
    (this.renderer ?? this.svg).setAudioLevel(level);
  }

  setShown(shown: boolean): void {
    this.shown = shown;
    this.svg.setShown(shown && !this.renderer);
    this.renderer?.setShown(shown);
  }

  wake(): void {
    (this.renderer ?? this.svg).wake();
  }

  react(kind: AvatarReaction): void {
    (this.renderer ?? this.svg).react(kind);
  }

  /** The 3D avatar's frame-rate cap (HostState.avatarMaxFps, from `alisa.avatar.maxFps`). */
  setMaxFps(fps: number): void {
    this.maxFps = fps;
    this.renderer?.setMaxFps?.(fps);
  }

  dispose(): void {
    this.generation++;
    this.swap(null, null);
    this.svg.dispose();
  }

  private swap(renderer: AvatarRenderer | null, host: HTMLElement | null): void {
    this.renderer?.dispose();
    this.host?.remove();
    this.renderer = renderer;
    this.host = host;
    this.shownSource = renderer ? this.source : null;
    if (renderer && host) {
      host.hidden = false;
      renderer.setEmotion(this.emotion);
      renderer.setSpeaking(this.speaking);
      renderer.setVoice(this.voice);
      renderer.setShown(this.shown);
    }
    this.root.setAttribute('data-renderer', renderer && this.source ? this.source.kind : 'svg');
    // The SVG rests (no timers, no animation) while another renderer draws her.
    this.svg.setShown(this.shown && !renderer);
  }

  private fallback(source: AvatarSource, why: string): void {
    this.swap(null, null);
    this.showNotice(`Showing the built-in avatar: “${source.name}” could not be shown because ${why}.`);
  }

  private showNotice(text: string): void {
    this.clearNotice();
    const doc = this.root.ownerDocument;
    const p = doc.createElement('p');
    p.className = 'avatar-notice';
    p.setAttribute('role', 'status');
    const span = doc.createElement('span');
    span.textContent = text;
    const close = doc.createElement('button');
    close.type = 'button';
    close.className = 'avatar-notice-close';
    close.textContent = '×';
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', () => this.clearNotice());
    p.append(span, close);
    // Beside the avatar, not in it: the avatar is an image to screen readers and may be a small circle.
    this.root.after(p);
    this.notice = p;
  }

  private clearNotice(): void {
    this.notice?.remove();
    this.notice = null;
  }
}
