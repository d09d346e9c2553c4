// Webcam presence (issue 7) as VS Code sees it: the `alisa.presence.*` settings go to the
// companion (`presence.configure`) on every connection and every change; the two commands turn it
// on/off and pause/resume it; whether the editor window has focus goes along too (only while
// presence is on), so the companion releases the camera while VS Code has been in the background
// a while (EDITOR_AWAY_MS) and opens it again when the user comes back. The companion's latest
// PresenceStatus (from `presence.state` events and configure results) is kept for the status bar;
// a camera error after the user turned it on is told once, with what to do.
//
// The camera itself is the companion's: frames never reach the extension. The pause belongs to
// this window like the screen's: not a setting, but it survives a companion restart. A pause from
// the panel (which talks to the companion directly) is learnt from the status it causes.
import * as vscode from 'vscode';
import type { PresenceConfigure, PresenceStatus } from '../../protocol/rhythm';
import type { CompanionManager } from '../companion-manager';
import { showWithDetails } from '../error-details';
import { FeatureSync } from '../feature-sync';
import { readPresenceSettings } from '../settings';
import { EDITOR_AWAY_MS, errorText, presenceConfigureParams, PresenceErrorNotifier, RHYTHM_COMMANDS, type PresenceSettings } from './rhythm-logic';

export class PresenceController implements vscode.Disposable {
  /** Paused (true) or resumed (false) by the user in this window; null: never touched. */
  private userPaused: boolean | null = null;
  /** What the companion was told about the editor's focus (false only after EDITOR_AWAY_MS in the background). */
  private editorFocused = true;
  private awayTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly notifier = new PresenceErrorNotifier();
  private readonly sync: FeatureSync<PresenceSettings, 'presence.configure', 'presence.state'>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly manager: CompanionManager,
    private readonly awayMs = EDITOR_AWAY_MS,
  ) {
    this.editorFocused = vscode.window.state?.focused ?? true;
    this.sync = new FeatureSync(manager, {
      section: 'alisa.presence',
      read: readPresenceSettings,
      configure: 'presence.configure',
      stateEvent: 'presence.state',
      // The settings, this window's pause, the editor's focus.
      params: (settings) => presenceConfigureParams(settings, this.userPaused, this.editorFocused),
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
      vscode.window.onDidChangeWindowState((s) => this.onWindowState(s.focused)),
      vscode.commands.registerCommand(RHYTHM_COMMANDS.presenceToggle, () => this.toggle()),
      vscode.commands.registerCommand(RHYTHM_COMMANDS.presencePause, () => this.togglePause()),
      { dispose: () => this.clearAwayTimer() },
    );
  }

  /** The companion's latest presence status; null while unknown. */
  get status(): PresenceStatus | null {
    return this.sync.status;
  }

  /** The status changed (null: unknown, e.g. the companion is not connected). */
  get onDidChange(): vscode.Event<PresenceStatus | null> {
    return this.sync.onDidChange;
  }

  private get settings(): PresenceSettings {
    return this.sync.settings;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ------------------------------------------------------------------ commands

  /** "Turn Webcam Presence On/Off": flips the user setting (the change handler does the rest). */
  async toggle(): Promise<void> {
    const on = !this.settings.enabled;
    await vscode.workspace.getConfiguration('alisa').update('presence.enabled', on, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(on ? '$(device-camera) Webcam presence is on' : 'Webcam presence is off: the camera is closed', 3000);
  }

  /** "Pause/Resume Webcam Presence": closes or reopens the camera without touching the setting. */
  async togglePause(): Promise<void> {
    if (!this.settings.enabled) {
      const turnOn = 'Turn On';
      const choice = await vscode.window.showInformationMessage('Webcam presence is off, so there is nothing to pause.', turnOn);
      if (choice === turnOn) await this.toggle();
      return;
    }
    const paused = !(this.userPaused ?? this.status?.paused ?? false);
    this.userPaused = paused;
    vscode.window.setStatusBarMessage(paused ? 'Webcam presence paused: the camera is closed' : '$(device-camera) Webcam presence resumed', 3000);
    if (!this.manager.connected) return; // sent with the next connection
    await this.sync.send({ paused } satisfies PresenceConfigure);
  }

  // ------------------------------------------------------------------ editor focus

  private onWindowState(focused: boolean): void {
    if (focused) {
      this.clearAwayTimer();
      if (this.editorFocused) return;
      this.editorFocused = true;
      this.sendFocus();
      return;
    }
    if (!this.editorFocused || this.awayTimer) return;
    // A quick look at another window keeps the camera; a long one releases it.
    this.awayTimer = setTimeout(() => {
      this.awayTimer = null;
      this.editorFocused = false;
      this.sendFocus();
    }, this.awayMs);
  }

  private sendFocus(): void {
    if (this.settings.enabled && this.manager.connected) void this.sync.send({ editorFocused: this.editorFocused });
  }

  private clearAwayTimer(): void {
    if (this.awayTimer) clearTimeout(this.awayTimer);
    this.awayTimer = null;
  }

  // ------------------------------------------------------------------ companion

  private onStatus(status: PresenceStatus | null): void {
    if (status?.enabled) this.userPaused = status.paused;
    const error = this.settings.enabled ? this.notifier.check(status) : null;
    if (error) void this.tellError(errorText(error), error.details);
  }

  private async tellError(text: string, details?: string): Promise<void> {
    const retry = 'Retry';
    const off = 'Turn Off';
    const choice = await showWithDetails('warning', `Alisa cannot use the camera: ${text}`, details, this.manager.log, retry, off);
    if (choice === retry) {
      this.notifier.arm();
      if (this.manager.connected) await this.sync.send({ ...presenceConfigureParams(this.settings, this.userPaused, this.editorFocused), enabled: true });
    }
    if (choice === off) await vscode.workspace.getConfiguration('alisa').update('presence.enabled', false, vscode.ConfigurationTarget.Global);
  }
}
