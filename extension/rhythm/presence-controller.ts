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
import type { FeatureSync } from '../feature-sync';
import { PausableFeature } from '../pausable-feature';
import { readPresenceSettings } from '../settings';
import { EDITOR_AWAY_MS, presenceConfigureParams, RHYTHM_COMMANDS, type PresenceSettings } from './rhythm-logic';

export class PresenceController extends PausableFeature<PresenceSettings, 'presence.configure', 'presence.state'> {
  /** What the companion was told about the editor's focus (false only after EDITOR_AWAY_MS in the background). */
  private editorFocused = true;
  private awayTimer: ReturnType<typeof setTimeout> | null = null;
  protected readonly sync: FeatureSync<PresenceSettings, 'presence.configure', 'presence.state'>;

  constructor(
    manager: CompanionManager,
    private readonly awayMs = EDITOR_AWAY_MS,
  ) {
    super(manager, {
      enabledSetting: 'presence.enabled',
      on: '$(device-camera) Webcam presence is on',
      off: 'Webcam presence is off: the camera is closed',
      paused: 'Webcam presence paused: the camera is closed',
      resumed: '$(device-camera) Webcam presence resumed',
      nothingToPause: 'Webcam presence is off, so there is nothing to pause.',
      cannot: 'Alisa cannot use the camera',
    });
    this.editorFocused = vscode.window.state?.focused ?? true;
    // Sends the settings, this window's pause, the editor's focus.
    this.sync = this.createSync({
      section: 'alisa.presence',
      read: readPresenceSettings,
      configure: 'presence.configure',
      stateEvent: 'presence.state',
      learnPause: (status) => {
        if (status?.enabled) this.userPaused = status.paused;
      },
    });
    this.disposables.push(
      this.sync,
      vscode.window.onDidChangeWindowState((s) => this.onWindowState(s.focused)),
      vscode.commands.registerCommand(RHYTHM_COMMANDS.presenceToggle, () => this.toggle()),
      vscode.commands.registerCommand(RHYTHM_COMMANDS.presencePause, () => this.togglePause()),
      { dispose: () => this.clearAwayTimer() },
    );
  }

  protected pausedIn(status: PresenceStatus | null): boolean {
    return status?.paused ?? false;
  }

  protected paramsFor(settings: PresenceSettings): PresenceConfigure {
    return presenceConfigureParams(settings, this.userPaused, this.editorFocused);
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
}
