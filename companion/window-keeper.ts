// One companion serves every VS Code window of the user: the first window starts it, the others
// attach to it (extension/companion-attach.ts). So the companion does not end with the window that
// started it while other windows still use it. When its parent is gone (the window closed, its
// extension host killed, its log pipe broken):
//   - no other window is connected: it stops at once, as before (no orphans);
//   - other windows are connected: it keeps serving them, and stops once none has been connected
//     for `graceMs` (a window that reloads comes back within that time and finds it still there).
// Browser tabs and other tools do not keep it alive: they never started it.

interface WindowKeeperOptions {
  /** VS Code windows connected now. */
  windows(): number;
  /** Subscribes to connections and disconnections; returns the unsubscribe. */
  onClientsChanged(listener: () => void): () => void;
  stop(why: string): void;
  log(line: string): void;
  /** How long an orphaned companion waits for a window after the last one left. */
  graceMs: number;
  /**
   * How long to let the parent's own connection close before counting (its socket and its death
   * are noticed by different parts of the event loop).
   */
  settleMs?: number;
}

export const DEFAULT_ORPHAN_GRACE_MS = 10_000;
const DEFAULT_SETTLE_MS = 300;

export class WindowKeeper {
  private orphaned = false;
  private graceTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: WindowKeeperOptions) {}

  /** True once the parent is gone and other windows keep the companion. */
  get adopted(): boolean {
    return this.unsubscribe !== null;
  }

  /** The parent window is gone (or its pipes are): stop, or keep serving the other windows. */
  parentGone(why: string): void {
    if (this.orphaned) return;
    this.orphaned = true;
    setTimeout(() => {
      const n = this.opts.windows();
      if (n === 0) {
        this.opts.stop(why);
        return;
      }
      this.opts.log(`${why}; ${n} other VS Code window${n === 1 ? '' : 's'} still use${n === 1 ? 's' : ''} this companion, so it keeps running for them`);
      this.unsubscribe = this.opts.onClientsChanged(() => this.check());
      this.check();
    }, this.opts.settleMs ?? DEFAULT_SETTLE_MS);
  }

  dispose(): void {
    this.unsubscribe?.();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  private check(): void {
    if (this.opts.windows() > 0) {
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.graceTimer = null;
      return;
    }
    if (this.graceTimer) return;
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      if (this.opts.windows() === 0) this.opts.stop('no VS Code window uses the companion any more');
    }, this.opts.graceMs);
  }
}
