// The background model work of memory (issue 17): the fact extractor (extractor.ts) and the
// summaries of older chats (session-summarizer.ts) share one discipline. One job at a time, never
// while a chat reply streams (a queued job waits; a reply that starts stops the running one, which
// is tried once more), only with a model ready, and at most `perHour` jobs in any hour. Nothing
// here may disturb the chat: failures are the subclass's to log and drop.
import { ActionRateLimit } from '../actions/policy';
import type { LlmProvider } from '../llm';

const BUSY_RETRY_MS = 250;
const HOUR_MS = 3_600_000;

export interface BackgroundQueueDeps {
  /** The provider to ask, if one is ready now (null: none; the job is dropped). */
  readyProvider: () => LlmProvider | null;
  /** True while a chat reply streams (jobs wait). */
  replying: () => boolean;
  log?: (line: string) => void;
  now?: () => number;
}

export abstract class BackgroundModelQueue<J extends { tries: number }> {
  protected readonly queue: J[] = [];
  private readonly perHour: ActionRateLimit;
  private running: AbortController | null = null;
  private retry: NodeJS.Timeout | null = null;
  /** The job under way, if any (for tests). */
  current: Promise<void> | null = null;

  constructor(
    private readonly queueDeps: BackgroundQueueDeps,
    perHour: number,
  ) {
    this.perHour = new ActionRateLimit(perHour, () => (queueDeps.now ?? Date.now)(), HOUR_MS);
  }

  /** Runs one job; true when a reply stopped it before the model answered (it may be tried again). */
  protected abstract run(provider: LlmProvider, job: J, signal: AbortSignal): Promise<boolean>;
  /** The log line when the hourly limit drops the queue. */
  protected abstract limitReached(job: J): string;
  /** False: the job is no longer worth doing (checked just before it runs). */
  protected wanted(_job: J): boolean {
    return true;
  }

  /** A reply started: the job under way stops (and is tried again after). */
  protected interrupt(): void {
    this.running?.abort();
  }

  protected stopAll(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.running?.abort();
  }

  protected schedule(ms: number): void {
    if (this.retry || this.running || this.queue.length === 0) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.drain();
    }, ms);
    this.retry.unref();
  }

  private drain(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queueDeps.replying()) return this.schedule(BUSY_RETRY_MS);
    const job = this.queue.shift()!;
    const provider = this.queueDeps.readyProvider();
    if (!provider || !this.wanted(job)) return this.drain();
    if (!this.perHour.take().ok) {
      this.queueDeps.log?.(this.limitReached(job));
      this.queue.length = 0;
      return;
    }
    const controller = new AbortController();
    this.running = controller;
    this.current = this.run(provider, job, controller.signal).then((cancelled) => {
      this.running = null;
      this.current = null;
      if (cancelled && job.tries < 1) this.queue.unshift({ ...job, tries: job.tries + 1 });
      this.schedule(0);
    });
  }
}
