// What the screen and the camera controllers share: a feature that observes the user, turned on
// and off by its `alisa.<feature>.enabled` setting and paused per window (not a setting, but kept
// across a companion restart: the next connection sends it again). Its commands (on/off,
// pause/resume) say what they did in the status bar; its capture error is told once, with Retry
// and Turn Off. Each controller says its words and how its status shows a pause; the settings
// sync itself is FeatureSync's.
import * as vscode from 'vscode';
import type { ErrorInfo } from '../protocol';
import type { MethodName, Params, Result } from '../protocol/messages';
import type { CompanionManager } from './companion-manager';
import { showWithDetails } from './error-details';
import { FeatureErrorNotifier } from './feature-error-notifier';
import type { FeatureSync, StateEventType } from './feature-sync';
import { errorText } from '../common/sentences';

export interface PausableWords {
  /** The setting that turns it on, under `alisa.` (e.g. `screen.enabled`). */
  enabledSetting: string;
  /** Status bar messages after the commands. */
  on: string;
  off: string;
  paused: string;
  resumed: string;
  /** The pause command while the feature is off. */
  nothingToPause: string;
  /** The start of its error notification ("Alisa cannot read your screen"). */
  cannot: string;
}

export abstract class PausableFeature<S extends { enabled: boolean }, M extends MethodName, E extends StateEventType> implements vscode.Disposable {
  /** Paused (true) or resumed (false) by the user in this window; null: never touched. */
  protected userPaused: boolean | null = null;
  protected readonly notifier = new FeatureErrorNotifier();
  protected abstract readonly sync: FeatureSync<S, M, E>;
  protected readonly disposables: vscode.Disposable[] = [];

  constructor(
    protected readonly manager: CompanionManager,
    private readonly words: PausableWords,
  ) {}

  /** Whether a status says the user paused it. */
  protected abstract pausedIn(status: Result<M> | null): boolean;
  /** What configure sends for these settings (and this window's state). */
  protected abstract paramsFor(settings: S): Params<M>;

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

  /** Turning it on means on: a pause from before does not linger, and an error is news again. */
  protected settingsChanged(before: S, after: S): void {
    if (after.enabled && !before.enabled) {
      this.userPaused = false;
      this.notifier.arm();
    }
  }

  /** "Turn ... On/Off": flips the user setting (the change handler does the rest). */
  async toggle(): Promise<void> {
    const on = !this.settings.enabled;
    await vscode.workspace.getConfiguration('alisa').update(this.words.enabledSetting, on, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(on ? this.words.on : this.words.off, 3000);
  }

  /** "Pause/Resume ...": stops or restarts it without touching the setting. */
  async togglePause(): Promise<void> {
    if (!this.settings.enabled) {
      const turnOn = 'Turn On';
      const choice = await vscode.window.showInformationMessage(this.words.nothingToPause, turnOn);
      if (choice === turnOn) await this.toggle();
      return;
    }
    const paused = !(this.userPaused ?? this.pausedIn(this.status));
    this.userPaused = paused;
    vscode.window.setStatusBarMessage(paused ? this.words.paused : this.words.resumed, 3000);
    if (!this.manager.connected) return; // sent with the next connection
    await this.sync.send({ paused } as Params<M>);
  }

  /** A new status: an error after the user turned it on is told once. */
  protected tellNewError(status: (Result<M> & { enabled: boolean; error?: ErrorInfo | null }) | null): void {
    const error = this.settings.enabled ? this.notifier.check(status) : null;
    if (error) void this.tellError(error);
  }

  private async tellError(error: ErrorInfo): Promise<void> {
    const retry = 'Retry';
    const off = 'Turn Off';
    const choice = await showWithDetails('warning', `${this.words.cannot}: ${errorText(error)}`, error.details, this.manager.log, retry, off);
    if (choice === retry) {
      this.notifier.arm();
      if (this.manager.connected) await this.sync.send({ ...this.paramsFor(this.settings), enabled: true });
    }
    if (choice === off) await vscode.workspace.getConfiguration('alisa').update(this.words.enabledSetting, false, vscode.ConfigurationTarget.Global);
  }
}
