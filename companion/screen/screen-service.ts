// Screen understanding, the loop: capture, skip what did not change, OCR what did, redact,
// understand, and hand the result to the context (and so to the one help-offer policy).
//
// Rules:
// - Off until `configure({ enabled: true })`; a user pause stops capture until resumed.
// - Sampling follows the user (seed-behaviour.md): every `activeMs` (8 s) while they are present
//   and focused (webcam presence, or without one: the screen changed in the last 2 minutes),
//   every `idleMs` (20 s) otherwise, and no capture at all while presence says they are away
//   (checked every `awayPollMs`). A screen that stays the same is looked at 2x, then 4x less often.
// - A frame that matches the previous one (64x36 cells, mean pixel difference per cell) costs a
//   capture and a comparison, no OCR. A frame of an excluded window (password managers by default) is dropped unread.
// - Frames live only in memory, only until analysed; the kept text is redacted and bounded.
// - Capture or OCR that cannot work stops the loop with a clear error in the status; turning
//   the feature on again retries.
import type { CompanionEvent, ScreenConfigure, ScreenStatus } from '../../protocol';
import type { ContextStore } from '../context/context-store';
import { toAlisaError, type AlisaError } from '../errors';
import { analyzeFrame, type FrameAnalysis } from './analyze';
import { activeWindow, captureScreen, checkCapture, type ActiveWindow, type Frame } from './capture';
import { frameDiff } from './frame-diff';
import type { Gray } from './image';
import { OcrEngine } from './ocr';
import { DEFAULT_EXCLUDED_WINDOWS } from '../../protocol/screen';
import { isExcludedWindow } from './windows';

interface ScreenTiming {
  activeMs: number;
  idleMs: number;
  awayPollMs: number;
  /** The screen changed this recently: the user counts as present without a webcam. */
  recentChangeMs: number;
}

export const DEFAULT_SCREEN_TIMING: ScreenTiming = { activeMs: 8000, idleMs: 20_000, awayPollMs: 5000, recentChangeMs: 120_000 };

interface ScreenServiceDeps {
  context: ContextStore;
  emit: (e: CompanionEvent) => void;
  now?: () => number;
  log?: (line: string) => void;
  timing?: Partial<ScreenTiming>;
  /** Platform seams (tests use the real ones under Xvfb; `--image` replaces capture). */
  check?: () => Promise<AlisaError | null>;
  capture?: () => Promise<Frame>;
  window?: () => Promise<ActiveWindow | null>;
  ocr?: OcrEngine;
}

type SampleOutcome = 'recognized' | 'unchanged' | 'excluded' | 'skipped' | 'failed';

/**
 * When to look next: null means the user is away (do not capture, just check again later). A
 * screen that stays the same is looked at less often: twice the period after 4 unchanged frames
 * in a row, four times after 8; any change resets it.
 */
export function nextInterval(
  input: { presence: string | null; lastChangeAt: number | null; now: number; unchangedStreak?: number },
  t: ScreenTiming = DEFAULT_SCREEN_TIMING,
): number | null {
  if (input.presence === 'absent') return null;
  let base = t.idleMs;
  if (input.presence === 'present' || input.presence === 'focused') base = t.activeMs;
  else if (input.presence === null && input.lastChangeAt !== null && input.now - input.lastChangeAt < t.recentChangeMs) base = t.activeMs;
  const streak = input.unchangedStreak ?? 0;
  return base * (streak >= 8 ? 4 : streak >= 4 ? 2 : 1);
}

export class ScreenService {
  private readonly now: () => number;
  private readonly timing: ScreenTiming;
  private readonly ocr: OcrEngine;
  private enabled = false;
  private userPaused = false;
  private away = false;
  private excluded: string[] = [...DEFAULT_EXCLUDED_WINDOWS];
  private error: AlisaError | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SampleOutcome> | null = null;
  /** The last frame read, in memory only: compared cell by cell with the next one. */
  private prevFrame: Gray | null = null;
  private prevRaw: Buffer | null = null;
  private unchangedStreak = 0;
  private lastChangeAt: number | null = null;
  private interval: number | null = null;
  private last: FrameAnalysis | null = null;
  private lastCaptureAt: number | null = null;
  private lastStatusKey = '';
  private generation = 0;
  private readonly counts = { captured: 0, unchanged: 0, recognized: 0, excluded: 0, redactions: 0 };

  constructor(private readonly deps: ScreenServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.timing = { ...DEFAULT_SCREEN_TIMING, ...deps.timing };
    this.ocr = deps.ocr ?? new OcrEngine({ logger: deps.log });
  }

  status(): ScreenStatus {
    const active = this.enabled && !this.userPaused && !this.away && this.error === null;
    return {
      enabled: this.enabled,
      paused: this.userPaused || this.away,
      pausedReason: this.userPaused ? 'user' : this.away ? 'away' : null,
      active,
      error: this.error?.toInfo() ?? null,
      intervalMs: active ? this.interval : null,
      app: this.last?.app ?? null,
      task: this.last?.task ?? null,
      hasError: (this.last?.errors.length ?? 0) > 0,
      lastCaptureAt: this.lastCaptureAt,
      lastOcrMs: this.last ? Math.round(this.last.timings.ocrMs) : null,
      counts: { ...this.counts },
    };
  }

  /** The last understood frame (redacted), for the CLI and tests. */
  lastAnalysis(): FrameAnalysis | null {
    return this.last;
  }

  async configure(p: ScreenConfigure): Promise<ScreenStatus> {
    if (p.excludedWindows) this.excluded = p.excludedWindows.filter((s) => s.trim() !== '');
    if (p.paused !== undefined) this.userPaused = p.paused;
    if (p.enabled !== undefined && p.enabled !== this.enabled) {
      this.enabled = p.enabled;
      if (!p.enabled) this.forget();
    }
    // Turning it on (again) retries; off, there is nothing to be wrong.
    if (p.enabled !== undefined) this.error = null;
    this.stopLoop();
    if (this.enabled && !this.userPaused) {
      const problem = await (this.deps.check ?? checkCapture)();
      if (problem) {
        this.error = problem;
        this.deps.log?.(`screen: ${problem.message}`);
      } else {
        this.schedule(0);
      }
    } else if (!this.enabled) {
      void this.ocr.stop();
    }
    this.emitStatus(true);
    return this.status();
  }

  /** Stops capture and frees the OCR worker (companion shutdown). */
  async stop(): Promise<void> {
    this.enabled = false;
    this.stopLoop();
    await this.running?.catch(() => {});
    await this.ocr.stop();
  }

  /** One capture, analysed if it changed. The loop calls it; tests may too. */
  sample(): Promise<SampleOutcome> {
    if (this.running) return this.running;
    this.running = this.sampleNow().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sampleNow(): Promise<SampleOutcome> {
    if (!this.enabled || this.userPaused || this.error) return 'skipped';
    const generation = this.generation;
    try {
      const frame = await (this.deps.capture ?? captureScreen)();
      if (generation !== this.generation) return 'skipped'; // turned off meanwhile: drop the frame
      this.counts.captured++;
      this.lastCaptureAt = this.now();
      // The same bytes as last time: nothing to decode, compare or ask about (a static screen
      // costs one capture; the window title is only looked up when the pixels changed).
      if (this.prevRaw && frame.raw.equals(this.prevRaw)) return this.unchanged();
      const win = await (this.deps.window ?? activeWindow)().catch(() => null);
      if (generation !== this.generation) return 'skipped';
      const title = win?.title ?? null;
      if (isExcludedWindow(title, this.excluded) || isExcludedWindow(win?.appClass ?? null, this.excluded)) {
        this.counts.excluded++;
        this.prevFrame = null; // whatever shows next is read afresh
        this.prevRaw = null;
        return 'excluded';
      }
      const sameTitle = title === (this.last?.window ?? null);
      const image = frame.decode();
      this.prevRaw = frame.raw;
      // Full frames, not thumbnails: block means miss text replaced by text of the same density.
      if (this.prevFrame && sameTitle && !frameDiff(this.prevFrame, image).changed) return this.unchanged();
      this.prevFrame = image;
      this.unchangedStreak = 0;
      this.lastChangeAt = this.now();
      const analysis = await analyzeFrame(image, title, this.ocr, win?.appClass ?? null);
      if (generation !== this.generation) return 'skipped';
      this.counts.recognized++;
      this.counts.redactions += analysis.redactions;
      this.last = analysis;
      this.deps.context.setDesktop({
        task: analysis.task,
        app: analysis.app,
        fileCategory: analysis.fileCategory ?? '',
        hasError: analysis.errors.length > 0,
        offerText: '',
        window: analysis.window ?? '',
        text: analysis.text,
        screenErrors: analysis.offerWorthy ? analysis.errors.map((e) => ({ kind: e.kind, message: e.line, context: e.context })) : [],
      });
      return 'recognized';
    } catch (err) {
      const e = toAlisaError(err, 'screen_unavailable');
      this.error = e;
      this.deps.log?.(`screen: ${e.message}`);
      this.stopLoop();
      return 'failed';
    } finally {
      this.emitStatus(false);
    }
  }

  private unchanged(): SampleOutcome {
    this.counts.unchanged++;
    this.unchangedStreak++;
    return 'unchanged';
  }

  private schedule(ms: number): void {
    const generation = this.generation;
    this.timer = setTimeout(() => void this.tick(generation), ms);
    this.timer.unref();
  }

  private async tick(generation: number): Promise<void> {
    if (generation !== this.generation || !this.enabled || this.userPaused || this.error) return;
    const presence = this.deps.context.presence?.state ?? null;
    const interval = nextInterval({ presence, lastChangeAt: this.lastChangeAt, now: this.now(), unchangedStreak: this.unchangedStreak }, this.timing);
    this.away = interval === null;
    this.interval = interval;
    if (!this.away) await this.sample();
    this.emitStatus(false);
    if (generation === this.generation && this.enabled && !this.userPaused && !this.error) this.schedule(interval ?? this.timing.awayPollMs);
  }

  private stopLoop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.away = false;
  }

  /** Turned off: nothing seen is kept. */
  private forget(): void {
    this.prevFrame = null;
    this.prevRaw = null;
    this.unchangedStreak = 0;
    this.last = null;
    this.lastChangeAt = null;
    this.deps.context.clearScreen();
  }

  private emitStatus(force: boolean): void {
    const s = this.status();
    const key = JSON.stringify({ ...s, counts: null, lastCaptureAt: null, lastOcrMs: null });
    if (!force && key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.deps.emit({ type: 'screen.state', status: s });
  }
}
