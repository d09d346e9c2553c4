// The embedded model's context sequences, shared by everything that generates (chat, help, idle
// talk, /v1). Each sequence keeps the tokens it last evaluated, so a request goes preferably to
// the sequence that last served the same conversation (its `key`: a chat session), where the
// prompt cache still matches; otherwise to the free sequence unused the longest. With several
// sequences, a /v1 request no longer queues behind a chat reply, and switching between a few
// sessions no longer re-evaluates each one's whole prompt. Waiters are served in arrival order; a
// waiter whose signal aborts leaves at once (null).

interface Slot<T> {
  value: T;
  busy: boolean;
  key: string | null;
  lastUsed: number;
}

interface Waiter<T> {
  key: string | null;
  resolve: (lease: Lease<T> | null) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Lease<T> {
  value: T;
  /** Index of the slot (for logs and tests). */
  index: number;
  /** True when the slot last served the same key (its cache likely matches). */
  reused: boolean;
  release(): void;
}

export class SlotPool<T> {
  private readonly slots: Slot<T>[];
  private readonly waiters: Waiter<T>[] = [];
  private clock = 0;

  constructor(values: readonly T[]) {
    if (values.length === 0) throw new Error('a slot pool needs at least one slot');
    this.slots = values.map((value) => ({ value, busy: false, key: null, lastUsed: 0 }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Every slot's value. */
  values(): T[] {
    return this.slots.map((s) => s.value);
  }

  /** Slots in use now. */
  get busy(): number {
    return this.slots.filter((s) => s.busy).length;
  }

  /** Waits for a slot; null when `signal` aborted first. */
  acquire(key: string | null, signal?: AbortSignal): Promise<Lease<T> | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (this.waiters.length === 0) {
      const lease = this.take(key);
      if (lease) return Promise.resolve(lease);
    }
    return new Promise((resolve) => {
      const waiter: Waiter<T> = { key, resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(null);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Every slot, once free (for shutting down): resolves with a function that frees them all. */
  async drain(): Promise<() => void> {
    const leases: Lease<T>[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const lease = await this.acquire(null);
      if (lease) leases.push(lease);
    }
    return () => leases.forEach((l) => l.release());
  }

  private take(key: string | null): Lease<T> | null {
    let best = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i]!;
      if (s.busy) continue;
      if (key !== null && s.key === key) {
        best = i;
        break;
      }
      if (best < 0 || s.lastUsed < this.slots[best]!.lastUsed) best = i;
    }
    if (best < 0) return null;
    const slot = this.slots[best]!;
    const reused = key !== null && slot.key === key;
    slot.busy = true;
    slot.key = key;
    slot.lastUsed = ++this.clock;
    let released = false;
    return {
      value: slot.value,
      index: best,
      reused,
      release: () => {
        if (released) return;
        released = true;
        slot.busy = false;
        slot.lastUsed = ++this.clock;
        this.next();
      },
    };
  }

  private next(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0]!;
      const lease = this.take(waiter.key);
      if (!lease) return;
      this.waiters.shift();
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(lease);
    }
  }
}
