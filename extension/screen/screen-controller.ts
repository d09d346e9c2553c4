// Screen understanding as VS Code sees it: the `alisa.screen.*` settings go to the companion
// (`screen.configure`) on every connection and every change, the two commands turn it on/off and
// pause/resume it, and the companion's latest ScreenStatus (from `screen.state` events and
// configure results) is kept for the status bar. A capture error after the user turned it on is
// told once, with what to do.
//
// The pause belongs to this window: it is not a setting, but it survives a companion restart
// (the next connection sends it again). A pause from the chat view (which talks to the companion
// directly) is learnt from the status it causes.
import * as vscode from 'vscode';
import type { ScreenConfigure, ScreenStatus } from '../../protocol/screen';
import type { CompanionManager } from '../companion-manager';
import { showWithDetails } from '../error-details';
import { FeatureSync } from '../feature-sync';
import { readScreenSettings } from '../settings';
import { errorText, SCREEN_COMMANDS, screenConfigureParams, ScreenErrorNotifier, type ScreenSettings } from './screen-logic';

export class ScreenController implements vscode.Disposable {
  /** Paused (true) or resumed (false) by the user in this window; null: never touched. */
  private userPaused: boolean | null = null;
  private readonly notifier = new ScreenErrorNotifier();
  private readonly sync: FeatureSync<ScreenSettings, 'screen.configure', 'screen.state'>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.sync = new FeatureSync(manager, {
      section: 'alisa.screen',
      read: readScreenSettings,
      configure: 'screen.configure',
      stateEvent: 'screen.state',
      // The settings and this window's pause.
      params: (settings) => screenConfigureParams(settings, this.userPaused),
      onSettingsChanged: (before, after) => {
        if (after.enabled && !before.enabled) {
          // Turning it on means on: a pause from before does not linger, and an error is news again.
          this.userPaused = false;
          this.notifier.arm();
        }
      },
      onStatus: (status) => this.onStatus(status),
    });
    this.disposables.push(
      this.sync,
      vscode.commands.registerCommand(SCREEN_COMMANDS.toggle, () => this.toggle()),
      vscode.commands.registerCommand(SCREEN_COMMANDS.pause, () => this.togglePause()),
    );
  }

  /** The companion's latest screen status; null while unknown. */
  get status(): ScreenStatus | null {
    return this.sync.status;
  }

  /** The status changed (null: unknown, e.g. the companion is not connected). */
  get onDidChange(): vscode.Event<ScreenStatus | null> {
    return this.sync.onDidChange;
  }

  private get settings(): ScreenSettings {
    return this.sync.settings;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ------------------------------------------------------------------ commands

  /** "Turn Screen Understanding On/Off": flips the user setting (the change handler does the rest). */
  async toggle(): Promise<void> {
    const on = !this.settings.enabled;
    await vscode.workspace.getConfiguration('alisa').update('screen.enabled', on, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(on ? '$(eye) Screen understanding is on' : '$(eye-closed) Screen understanding is off', 3000);
  }

  /** "Pause/Resume Screen Understanding": stops or restarts capture without touching the setting. */
  async togglePause(): Promise<void> {
    if (!this.settings.enabled) {
      const turnOn = 'Turn On';
      const choice = await vscode.window.showInformationMessage('Screen understanding is off, so there is nothing to pause.', turnOn);
      if (choice === turnOn) await this.toggle();
      return;
    }
    const paused = !(this.userPaused ?? this.status?.pausedReason === 'user');
    this.userPaused = paused;
    vscode.window.setStatusBarMessage(paused ? '$(eye-closed) Screen understanding paused' : '$(eye) Screen understanding resumed', 3000);
    if (!this.manager.connected) return; // sent with the next connection
    await this.sync.send({ paused } satisfies ScreenConfigure);
  }

  // ------------------------------------------------------------------ companion

  private onStatus(status: ScreenStatus | null): void {
    if (status) this.userPaused = status.pausedReason === 'user';
    const error = this.settings.enabled ? this.notifier.check(status) : null;
    if (error) void this.tellError(errorText(error), error.details);
  }

  private async tellError(text: string, details?: string): Promise<void> {
    const retry = 'Retry';
    const off = 'Turn Off';
    const choice = await showWithDetails('warning', `Alisa cannot read your screen: ${text}`, details, this.manager.log, retry, off);
    if (choice === retry) {
      this.notifier.arm();
      if (this.manager.connected) await this.sync.send({ ...screenConfigureParams(this.settings, this.userPaused), enabled: true });
    }
    if (choice === off) await vscode.workspace.getConfiguration('alisa').update('screen.enabled', false, vscode.ConfigurationTarget.Global);
  }
}
