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
import { FeatureSync, SyncedFeature, type StateEventType } from './feature-sync';
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

export abstract class PausableFeature<S extends { enabled: boolean }, M extends MethodName, E extends StateEventType> extends SyncedFeature<S, M, E> {
  /** Paused (true) or resumed (false) by the user in this window; null: never touched. */
  protected userPaused: boolean | null = null;
  protected readonly notifier = new FeatureErrorNotifier();

  constructor(
    protected readonly manager: CompanionManager,
    private readonly words: PausableWords,
  ) {
    super();
  }

  /** Whether a status says the user paused it. */
  protected abstract pausedIn(status: Result<M> | null): boolean;
  /** What configure sends for these settings (and this window's state). */
  protected abstract paramsFor(settings: S): Params<M>;

  /**
   * The feature's FeatureSync, wired to this class: configure sends `paramsFor` the settings it is
   * given (this.sync is not assigned yet when the first send happens), turning it on clears a
   * pause, and each status says whether the user paused it (`learnPause`) and tells a new error.
   */
  protected createSync(options: {
    section: string;
    read: () => S;
    configure: M;
    stateEvent: E;
    learnPause: (status: Result<M> | null) => void;
  }): FeatureSync<S, M, E> {
    const { learnPause, ...sync } = options;
    return new FeatureSync(this.manager, {
      ...sync,
      params: (settings) => this.paramsFor(settings),
      onSettingsChanged: (before, after) => this.settingsChanged(before, after),
      onStatus: (status) => {
        learnPause(status);
        this.tellNewError(status);
      },
    });
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
  private tellNewError(status: Result<M> | null): void {
    const error = this.settings.enabled ? this.notifier.check(status as { enabled: boolean; error?: ErrorInfo | null } | null) : null;
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
