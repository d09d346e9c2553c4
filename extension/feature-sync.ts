// What the screen, voice, presence and idle controllers share: a feature's `alisa.<feature>.*`
// settings go to the companion as `<feature>.configure` on every connection and every change; the
// companion's latest status (from `<feature>.state` events and configure results; only the newest
// configure answer counts, as settings can change faster than the companion answers) is kept and
// announced for the status bar; it is cleared (null) when the connection goes. What each feature
// does beyond that (a pause kept per window, a mute written back to the setting, ...) stays in its
// controller, told through the hooks.
import * as vscode from 'vscode';
import type { CompanionEvent, MethodName, Params, Result } from '../protocol/messages';
import type { CompanionManager } from './companion-manager';
import { writeSettingWhereEffective } from './settings';

/** An event that carries a feature's status (`screen.state`, `voice.state`, ...). */
type StateEvent = Extract<CompanionEvent, { status: unknown }>;
export type StateEventType = StateEvent['type'];

interface FeatureSyncOptions<S, M extends MethodName, E extends StateEventType> {
  /** The settings section that concerns the feature, e.g. `alisa.screen`. */
  section: string;
  /** Reads the feature's settings (compared as JSON: an unchanged read sends nothing). */
  read: () => S;
  /** The configure method, e.g. `screen.configure`; its result is the status. */
  configure: M;
  /** The event that carries the status, e.g. `screen.state`. */
  stateEvent: E;
  /** What `configure` sends, given the settings as they are now (may wait for something, e.g. the character's voice). */
  params: (settings: S) => Params<M> | Promise<Params<M>>;
  /** The settings changed (called before they are sent). */
  onSettingsChanged?: (before: S, after: S) => void;
  /** The connection went (called before the status is cleared). */
  onDisconnected?: () => void;
  /** A new status (or null) was kept and announced. */
  onStatus?: (status: Result<M> | null) => void;
}

export class FeatureSync<S, M extends MethodName, E extends StateEventType> implements vscode.Disposable {
  /** The feature's settings as last read (a controller may adopt a value the companion changed). */
  settings: S;
  private current: Result<M> | null = null;
  /** Only the newest configure result counts. */
  private seq = 0;
  private pending = 0;
  private answered = false;
  private readonly changed = new vscode.EventEmitter<Result<M> | null>();
  /** The status changed (null: unknown, e.g. the companion is not connected). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly manager: CompanionManager,
    private readonly options: FeatureSyncOptions<S, M, E>,
  ) {
    this.settings = options.read();
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(options.section)) this.onSettingsChanged();
      }),
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.configure();
        else {
          this.answered = false;
          options.onDisconnected?.();
          this.setStatus(null);
        }
      }),
      manager.onDidReceiveEvent((e) => {
        if (e.type === options.stateEvent) this.setStatus((e as StateEvent).status as Result<M>);
      }),
    );
    if (manager.connected) void this.configure();
  }

  /** The companion's latest status; null while unknown. */
  get status(): Result<M> | null {
    return this.current;
  }

  /** This connection's first configure has been answered: its statuses reflect the settings. */
  get configured(): boolean {
    return this.answered;
  }

  /** How many configure requests await their answer. */
  get inFlight(): number {
    return this.pending;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Sends the settings (as `params()` has them) to the companion. */
  configure(): Promise<void> {
    return this.send(() => this.options.params(this.settings));
  }

  /** Sends `params` (or what the function gives) to the companion; the newest answer becomes the status. */
  async send(params: Params<M> | (() => Params<M> | Promise<Params<M>>)): Promise<void> {
    const seq = ++this.seq;
    this.pending++;
    try {
      const value = typeof params === 'function' ? params() : params;
      const status = await this.manager.request(this.options.configure, value instanceof Promise ? await value : value);
      if (seq === this.seq) {
        this.answered = true;
        this.setStatus(status);
      }
    } catch (err) {
      // An older companion without the feature, or a lost connection: not the user's problem now.
      this.manager.log.warn(`${this.options.configure} failed: ${(err as Error).message}`);
    } finally {
      this.pending--;
    }
  }

  /** Keeps and announces a status (null: unknown). */
  setStatus(status: Result<M> | null): void {
    this.current = status;
    this.changed.fire(status);
    this.options.onStatus?.(status);
  }

  private onSettingsChanged(): void {
    const before = this.settings;
    this.settings = this.options.read();
    if (JSON.stringify(before) === JSON.stringify(this.settings)) return;
    this.options.onSettingsChanged?.(before, this.settings);
    if (this.manager.connected) void this.configure();
  }
}

/**
 * A controller built on a FeatureSync (screen, camera, voice, idle): it shows the sync's status
 * and its changes, and disposes what it registered (the sync among them).
 */
export abstract class SyncedFeature<S, M extends MethodName, E extends StateEventType> implements vscode.Disposable {
  protected abstract readonly sync: FeatureSync<S, M, E>;
  protected readonly disposables: vscode.Disposable[] = [];

  /** The companion's latest status; null while unknown. */
  get status(): Result<M> | null {
    return this.sync.status;
  }

  /** The status changed (null: unknown, e.g. the companion is not connected). */
  get onDidChange(): vscode.Event<Result<M> | null> {
    return this.sync.onDidChange;
  }

  protected get settings(): S {
    return this.sync.settings;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /**
   * "… On/Off" for a setting the panel can change too (mute, Do not disturb): writes the flipped
   * value to `alisa.<key>` where it takes effect (the change handler tells the companion) and says so.
   */
  protected async flipSetting(key: string, current: boolean, says: (on: boolean) => string): Promise<void> {
    const on = !current;
    await writeSettingWhereEffective(key, on);
    vscode.window.setStatusBarMessage(says(on), 3000);
  }

  /**
   * The panel changed the setting's value through the companion (`persist`; null: nothing to
   * keep): it is adopted in the settings (the change handler then finds nothing new to send) and
   * written to `alisa.<key>`, so both stay the same.
   */
  protected keepSetting<K extends keyof S>(field: K, key: string, persist: S[K] | null): void {
    if (persist === null) return;
    this.sync.settings = { ...this.settings, [field]: persist };
    void writeSettingWhereEffective(key, persist);
  }
}
