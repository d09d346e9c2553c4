// What Alisa's face shows, derived from the companion's events: her emotion and whether she is
// speaking. The emotion changes the moment `reply.emotion` arrives (before any text); `reply.end`
// confirms the final one. Some time after the last reply ends she relaxes to her resting face,
// so an old mood does not stick for hours. She speaks from the first token to the end.
import type { CompanionMessage, Emotion } from '../../protocol';
import { realTimers, type Timers } from '../util/timers';

export interface FaceState {
  emotion: Emotion;
  speaking: boolean;
}

interface EmotionStateOptions {
  onChange: (state: FaceState) => void;
  timers?: Timers;
  /** How long the last reply's emotion stays after it ends. */
  restAfterMs?: number;
  resting?: Emotion;
}

const DEFAULT_REST_AFTER_MS = 45_000;

export class EmotionState {
  private state: FaceState;
  /** Replies that have started and not ended, and those among them that have produced text. */
  private readonly active = new Set<string>();
  private readonly talking = new Set<string>();
  private restTimer: unknown = null;
  private readonly timers: Timers;

  constructor(private readonly opts: EmotionStateOptions) {
    this.timers = opts.timers ?? realTimers;
    this.state = { emotion: opts.resting ?? 'neutral', speaking: false };
  }

  get emotion(): Emotion {
    return this.state.emotion;
  }

  get speaking(): boolean {
    return this.state.speaking;
  }

  apply(event: CompanionMessage): void {
    switch (event.type) {
      case 'reply.start':
        this.cancelRest();
        this.active.add(event.replyId);
        return;
      case 'reply.emotion':
        this.cancelRest();
        this.set({ emotion: event.emotion });
        return;
      case 'reply.token':
        if (event.text === '') return;
        this.cancelRest();
        this.active.add(event.replyId);
        this.talking.add(event.replyId);
        this.set({ speaking: true });
        return;
      case 'reply.end':
        this.finish(event.replyId, event.emotion);
        return;
      case 'reply.error':
        // A failure (not a stop by the user) saddens her a little.
        this.finish(event.replyId, event.error.code === 'cancelled' ? this.state.emotion : 'sad');
        return;
      default:
        return;
    }
  }

  /** The connection is gone: whatever was streaming has stopped. */
  reset(): void {
    this.active.clear();
    this.talking.clear();
    this.set({ speaking: false });
    this.scheduleRest();
  }

  dispose(): void {
    this.cancelRest();
  }

  private finish(replyId: string, emotion: Emotion): void {
    this.active.delete(replyId);
    this.talking.delete(replyId);
    this.set({ emotion, speaking: this.talking.size > 0 });
    if (this.active.size === 0) this.scheduleRest();
  }

  private set(patch: Partial<FaceState>): void {
    const next = { ...this.state, ...patch };
    if (next.emotion === this.state.emotion && next.speaking === this.state.speaking) return;
    this.state = next;
    this.opts.onChange({ ...next });
  }

  private scheduleRest(): void {
    this.cancelRest();
    const resting = this.opts.resting ?? 'neutral';
    this.restTimer = this.timers.setTimeout(() => {
      this.restTimer = null;
      this.set({ emotion: resting });
    }, this.opts.restAfterMs ?? DEFAULT_REST_AFTER_MS);
  }

  private cancelRest(): void {
    if (this.restTimer !== null) this.timers.clearTimeout(this.restTimer);
    this.restTimer = null;
  }
}
