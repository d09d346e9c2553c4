// What every avatar renderer does, whatever draws her: the built-in SVG (avatar-view.ts), a sprite
// set (one PNG per emotion) or a 3D model (vrm/vrm-renderer.ts). The stage (avatar-stage.ts) holds
// one of them and forwards the panel's calls; a renderer that cannot start throws from its factory
// and the stage falls back to the SVG with a notice saying why.
import type { AvatarReaction, AvatarSource, Emotion } from '../../protocol';

export type { AvatarReaction };

export interface AvatarRenderer {
  setEmotion(emotion: Emotion): void;
  /** True while reply text streams (or the voice plays). */
  setSpeaking(speaking: boolean): void;
  /** Her voice is under way: the mouth follows the audio levels only. */
  setVoice(active: boolean): void;
  /** Voice output level 0..1 (the audio envelope, webview/audio/envelope.ts). */
  setAudioLevel(level: number): void;
  /** Folded away in the layout: stop moving (and drawing) as if the page were hidden. */
  setShown(shown: boolean): void;
  /** Something happened that she would notice: she moves again after resting. */
  wake(): void;
  react(kind: AvatarReaction): void;
  /** A new frame-rate cap (`alisa.avatar.maxFps`), for renderers that draw frames themselves. */
  setMaxFps?(fps: number): void;
  /** A new emotion -> expression mapping for the model on screen (AvatarSource.expressionMap), applied without loading it again. */
  setExpressionMap?(map: AvatarSource['expressionMap']): void;
  dispose(): void;
}

export interface RendererOptions {
  /** Frame-rate cap while she moves (the 3D renderer; `alisa.avatar.maxFps`). */
  maxFps: number;
  name: string;
}

/**
 * Makes a renderer for `source` inside `host` (an empty element the stage made for it). Rejects
 * with an Error whose message says, in words for the user, why the avatar cannot be shown.
 */
export type RendererFactory = (host: HTMLElement, source: AvatarSource, opts: RendererOptions) => Promise<AvatarRenderer>;
