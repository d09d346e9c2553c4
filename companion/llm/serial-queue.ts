// One-at-a-time access to a shared resource (the embedded model's single context sequence).
// Turns are granted in call order. A caller whose signal aborts while it waits gives up its turn
// at once (it gets `null`), but the chain keeps its place so ordering never breaks and a release
// is never issued while an earlier holder still runs.

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Callers currently waiting or holding a turn. */
  get pending(): number {
    return this.waiting;
  }

  /**
   * Waits for this caller's turn. Resolves with a release function to call exactly once when done,
   * or with `null` if `signal` aborted before the turn came (nothing to release then).
   */
  acquire(signal?: AbortSignal): Promise<(() => void) | null> {
    const previous = this.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Invariant: `tail` never rejects, so one failed holder cannot wedge the queue.
    this.tail = previous.then(() => mine);
    this.waiting++;
    let released = false;
    const releaseOnce = () => {
      if (released) return;
      released = true;
      this.waiting--;
      release();
    };

    return new Promise((resolve) => {
      const onAbort = () => {
        resolve(null);
        // Pass the turn on only after the previous holder is done.
        void previous.then(releaseOnce);
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      void previous.then(() => {
        signal?.removeEventListener('abort', onAbort);
        // Aborted while waiting: onAbort already resolved null and scheduled the release.
        if (signal?.aborted) return;
        resolve(releaseOnce);
      });
    });
  }

  /** Runs `task` in its turn; returns `null` without running it if `signal` aborted while waiting. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<{ value: T } | null> {
    const release = await this.acquire(signal);
    if (!release) return null;
    try {
      return { value: await task() };
    } finally {
      release();
    }
  }
}
