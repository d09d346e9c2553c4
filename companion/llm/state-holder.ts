// A provider's ModelState plus its listeners. Listeners are isolated: one that throws cannot stop
// the others or break the provider that emitted the change.
import type { ModelState } from '../../protocol';

export class StateHolder {
  private current: ModelState;
  private readonly listeners = new Set<(s: ModelState) => void>();

  constructor(initial: ModelState) {
    this.current = initial;
  }

  get(): ModelState {
    return this.current;
  }

  /** Replaces fields and notifies listeners (only when something actually changed). */
  set(patch: Partial<ModelState>): void {
    const next: ModelState = { ...this.current, ...patch };
    if (sameState(next, this.current)) return;
    this.current = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next);
      } catch {
        // A broken listener must not break model loading or generation.
      }
    }
  }

  subscribe(listener: (s: ModelState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  clear(): void {
    this.listeners.clear();
  }
}

function sameState(a: ModelState, b: ModelState): boolean {
  return (
    a.provider === b.provider &&
    a.state === b.state &&
    a.model === b.model &&
    a.progress === b.progress &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message &&
    a.error?.action === b.error?.action &&
    (a.download ?? null) === (b.download ?? null)
  );
}
