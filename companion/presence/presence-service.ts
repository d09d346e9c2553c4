// Webcam presence (issue 7), the service: off by default; when on, ffmpeg reads one frame every
// 1.5 s, the face model says "no face / looking at the screen / turned away", the state machine
// turns that into present / absent / focused / distracted, and only changes are reported
// (`presence.state` events and the context store).
//
// The camera is open (ffmpeg running, `active: true`) only while presence is enabled, not
// paused, and the editor has not been without focus for `releaseAfterMs` (60 s). Frames are
// never stored: the latest one lives in memory until it has been analysed; frames arriving
// while one is analysed replace each other. A camera that cannot work (no ffmpeg, no device,
// no face model) puts a camera_unavailable error in the status; nothing else is affected.
//
// CPU: the face model is the cost (~60-90 ms a frame). A frame that shows the same picture as the
// last analysed one (samePicture: sensor noise aside) gets that frame's observation again without
// the model, up to MAX_REUSE times in a row; a steady user is also looked at half as often.
import type { CompanionEvent, PresenceConfigure, PresenceStatus } from '../../protocol';
import type { Presence } from '../context/context-store';
import { AlisaError, toAlisaError } from '../errors';
import { loadFaceDetector, type FaceDetector } from './face-detector';
import { FRAME_BYTES, FRAME_HEIGHT, FRAME_WIDTH, frameSignature, FrameSource, samePicture, SIGNATURE_BLOCKS } from './frames';
import { attentionOf, PresenceMachine, type PresenceThresholds } from './state-machine';

interface PresenceContext {
  setPresence(state: Presence): void;
  presence?: { state: Presence; at: number } | null;
}

export interface PresenceServiceDeps {
  context: PresenceContext;
  emit: (e: CompanionEvent) => void;
  log?: (line: string) => void;
  now?: () => number;
  options?: Partial<PresenceOptions>;
  /** The face model (tests may inject one; default: human, loaded on first enable). */
  detector?: () => Promise<FaceDetector>;
}

export interface PresenceOptions {
  /** Analysed frames per second: 2/3 is one frame every 1.5 s. */
  fps: number;
  /** Frame rate of an image-sequence input (default: `fps`). */
  sequenceFps?: number;
  /** The editor lost focus this long ago: release the camera. */
  releaseAfterMs: number;
  ffmpegPath: string;
  thresholds: Partial<PresenceThresholds>;
  /**
   * Skip the face model for a frame that barely differs from the last analysed one (the same
   * observation holds): on by default; off only to measure what it saves (the bench).
   */
  changeGate: boolean;
}

export const DEFAULT_PRESENCE_OPTIONS: PresenceOptions = { fps: 2 / 3, releaseAfterMs: 60_000, ffmpegPath: 'ffmpeg', thresholds: {}, changeGate: true };

/** How long `configure` waits for the camera's first frame before answering. */
const OPEN_WAIT_MS = 5000;

/** Analyses in a row agreeing with the state before the rate halves. */
const STEADY_AFTER = 8;

/** At most this many frames in a row reuse an observation (samePicture): then the model looks again. */
const MAX_REUSE = 8;

export class PresenceService {
  private enabled = false;
  private paused = false;
  private input = 'default';
  private editorFocused = true;
  private unfocusedTimer: NodeJS.Timeout | null = null;
  private released = false;
  private error: AlisaError | null = null;
  private source: FrameSource | null = null;
  private detector: FaceDetector | null = null;
  private readonly machine: PresenceMachine;
  private readonly opts: PresenceOptions;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  /** The frame waiting to be analysed (one buffer, overwritten by newer frames). */
  private pending: Buffer | null = null;
  private analysing = false;
  private generation = 0;
  private lastSent = '';
  private firstFrame: (() => void) | null = null;
  /** Per-frame analysis times, for the logs and the bench. */
  readonly stats = { frames: 0, analysed: 0, dropped: 0, skipped: 0, unchanged: 0, totalMs: 0, loadMs: null as number | null };
  /** The last analysed frame's signature and observation, and how often it was reused since. */
  private lastSignature: Uint16Array | null = null;
  private lastObservation: Parameters<PresenceMachine['observe']>[0] | null = null;
  private reused = 0;
  private readonly signature = new Uint16Array(SIGNATURE_BLOCKS);
  /** Analyses in a row that agreed with the current state (a steady user is looked at half as often). */
  private steady = 0;

  constructor(private readonly deps: PresenceServiceDeps) {
    this.opts = { ...DEFAULT_PRESENCE_OPTIONS, ...deps.options };
    this.machine = new PresenceMachine(this.opts.thresholds);
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? (() => {});
  }

  status(): PresenceStatus {
    return {
      enabled: this.enabled,
      active: this.source?.running ?? false,
      paused: this.paused,
      state: this.machine.state,
      input: this.input,
      error: this.error?.toInfo() ?? null,
    };
  }

  /** The ffmpeg process id while the camera is open (tests and the bench). */
  get ffmpegPid(): number | undefined {
    return this.source?.pid;
  }

  async configure(p: PresenceConfigure): Promise<PresenceStatus> {
    let restart = false;
    if (p.input !== undefined && p.input.trim() !== this.input) {
      this.input = p.input.trim() || 'default';
      restart = true;
    }
    if (p.enabled !== undefined && p.enabled !== this.enabled) {
      this.enabled = p.enabled;
      restart = true;
    }
    if (p.paused !== undefined) this.paused = p.paused;
    if (p.editorFocused !== undefined && p.editorFocused !== this.editorFocused) {
      this.editorFocused = p.editorFocused;
      this.clearUnfocusedTimer();
      if (p.editorFocused) this.released = false;
      else {
        this.unfocusedTimer = setTimeout(() => {
          this.unfocusedTimer = null;
          this.released = true;
          void this.apply(false);
        }, this.opts.releaseAfterMs);
        this.unfocusedTimer.unref?.();
      }
    }
    // Turning it on again (or changing the input) retries after an error.
    if (restart) this.error = null;
    await this.apply(restart);
    return this.status();
  }

  async stop(): Promise<void> {
    this.clearUnfocusedTimer();
    this.enabled = false;
    await this.closeCamera();
  }

  private get wanted(): boolean {
    return this.enabled && !this.paused && !this.released;
  }

  private async apply(restart: boolean): Promise<void> {
    if (!this.wanted || restart) await this.closeCamera();
    if (this.wanted && !this.source && !this.error) await this.openCamera();
    this.changed();
  }

  private async openCamera(): Promise<void> {
    const gen = ++this.generation;
    try {
      if (!this.detector) {
        this.detector = await (this.deps.detector ?? (() => loadFaceDetector(this.log)))();
        this.stats.loadMs = this.detector.loadMs;
      }
      if (gen !== this.generation || !this.wanted) return;
      const source = new FrameSource(
        { input: this.input, fps: this.opts.fps, ffmpegPath: this.opts.ffmpegPath, ...(this.opts.sequenceFps ? { sequenceFps: this.opts.sequenceFps } : {}) },
        (rgb) => this.onFrame(gen, rgb),
        (err) => this.onExit(gen, err),
      );
      source.start();
      this.source = source;
      this.log(`presence: camera open (${this.input})`);
      // Answer once the first frame arrived or ffmpeg failed (or after a while: a slow camera).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          if (this.firstFrame === done) this.firstFrame = null;
          resolve();
        };
        const timer = setTimeout(done, OPEN_WAIT_MS);
        timer.unref?.();
        this.firstFrame = done;
      });
    } catch (err) {
      if (gen !== this.generation) return;
      this.fail(toAlisaError(err, 'camera_unavailable'));
    }
  }

  private async closeCamera(): Promise<void> {
    this.generation++;
    this.steady = 0;
    this.lastSignature = this.lastObservation = null;
    this.reused = 0;
    const source = this.source;
    this.source = null;
    this.pending = null;
    this.firstFrame?.();
    this.machine.reset();
    if (this.deps.context.presence !== undefined) this.deps.context.presence = null;
    if (source) {
      await source.stop();
      this.log('presence: camera released');
    }
  }

  private fail(err: AlisaError): void {
    this.error = err;
    this.log(`presence: ${err.message}`);
    this.machine.reset();
    this.changed();
  }

  private onExit(gen: number, err: AlisaError | null): void {
    this.firstFrame?.();
    if (gen !== this.generation) return;
    this.source = null;
    this.pending = null;
    if (err) this.fail(err);
    else this.changed();
  }

  private onFrame(gen: number, rgb: Buffer): void {
    if (gen !== this.generation) return;
    this.stats.frames++;
    this.firstFrame?.();
    if (this.analysing) {
      // Keep only the latest frame while the previous one is analysed.
      if (this.pending) this.stats.dropped++;
      this.pending ??= Buffer.alloc(FRAME_BYTES);
      rgb.copy(this.pending);
      return;
    }
    // Steady (the last STEADY_AFTER analyses all agreed with the state): every other frame is
    // enough; the first disagreeing analysis brings back the full rate.
    if (this.steady >= STEADY_AFTER && this.stats.frames % 2 === 0) {
      this.stats.skipped++;
      return;
    }
    // The same picture as the last analysed frame: the same observation, without the model.
    if (this.opts.changeGate && this.lastSignature && this.lastObservation && this.reused < MAX_REUSE) {
      if (samePicture(frameSignature(rgb, this.signature), this.lastSignature)) {
        this.reused++;
        this.stats.unchanged++;
        this.observe(this.lastObservation);
        return;
      }
    }
    const frame = Buffer.from(rgb);
    void this.analyse(gen, frame);
  }

  /** One observation into the state machine; a change is reported. */
  private observe(o: Parameters<PresenceMachine['observe']>[0]): void {
    const changed = this.machine.observe(o, this.now());
    this.steady = !changed && this.agrees(o) ? this.steady + 1 : 0;
    if (changed) {
      this.deps.context.setPresence(changed);
      this.changed();
    }
  }

  /** Whether an observation agrees with the current state (nothing is building up to a change). */
  private agrees(o: Parameters<PresenceMachine['observe']>[0]): boolean {
    const a = attentionOf(o, this.machine.thresholds.yawAway);
    switch (this.machine.state) {
      case 'absent':
        return a === 'none';
      case 'focused':
        return a === 'toward';
      case 'distracted':
        return a === 'away';
      case 'present':
        return a !== 'none';
      default:
        return false;
    }
  }

  private async analyse(gen: number, frame: Buffer): Promise<void> {
    const detector = this.detector;
    if (!detector) return;
    this.analysing = true;
    try {
      let next: Buffer | null = frame;
      while (next && gen === this.generation) {
        const analysed = next;
        const r = await detector.detect(analysed, FRAME_WIDTH, FRAME_HEIGHT);
        this.stats.analysed++;
        this.stats.totalMs += r.ms;
        if (gen !== this.generation) break;
        if (this.opts.changeGate) {
          this.lastSignature = frameSignature(analysed, this.lastSignature ?? undefined);
          this.lastObservation = r.observation;
          this.reused = 0;
        }
        this.observe(r.observation);
        // Take the frame that came in meanwhile, if any (copied out, so the slot can refill).
        next = this.pending ? Buffer.from(this.pending) : null;
        this.pending = null;
      }
    } catch (err) {
      if (gen === this.generation) {
        await this.closeCamera();
        this.fail(
          new AlisaError(
            'camera_unavailable',
            `The face model failed: ${err instanceof Error ? err.message : String(err)}`,
            "Turn presence off and on again; if it keeps failing, reinstall Alisa's dependencies.",
            { cause: err },
          ),
        );
      }
    } finally {
      this.analysing = false;
    }
  }

  private clearUnfocusedTimer(): void {
    if (this.unfocusedTimer) clearTimeout(this.unfocusedTimer);
    this.unfocusedTimer = null;
  }

  /** Sends the status when anything in it changed. */
  private changed(): void {
    const status = this.status();
    const key = JSON.stringify(status);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.deps.emit({ type: 'presence.state', status });
  }
}
