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
import { readScreenSettings } from '../settings';
import { errorText, SCREEN_COMMANDS, screenConfigureParams, ScreenErrorNotifier } from './screen-logic';

export class ScreenController implements vscode.Disposable {
  private settings = readScreenSettings();
  /** Paused (true) or resumed (false) by the user in this window; null: never touched. */
  private userPaused: boolean | null = null;
  private current: ScreenStatus | null = null;
  private readonly notifier = new ScreenErrorNotifier();
  /** Only the newest configure result counts (settings can change faster than the companion answers). */
  private seq = 0;
  private readonly changed = new vscode.EventEmitter<ScreenStatus | null>();
  /** The status changed (null: unknown, e.g. the companion is not connected). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alisa.screen')) this.onSettingsChanged();
      }),
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.configure();
        else this.setStatus(null);
      }),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'screen.state') this.setStatus(e.status);
      }),
      vscode.commands.registerCommand(SCREEN_COMMANDS.toggle, () => this.toggle()),
      vscode.commands.registerCommand(SCREEN_COMMANDS.pause, () => this.togglePause()),
    );
    if (manager.connected) void this.configure();
  }

  /** The companion's latest screen status; null while unknown. */
  get status(): ScreenStatus | null {
    return this.current;
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
    const paused = !(this.userPaused ?? this.current?.pausedReason === 'user');
    this.userPaused = paused;
    vscode.window.setStatusBarMessage(paused ? '$(eye-closed) Screen understanding paused' : '$(eye) Screen understanding resumed', 3000);
    if (!this.manager.connected) return; // sent with the next connection
    await this.send({ paused });
  }

  // ------------------------------------------------------------------ companion

  private onSettingsChanged(): void {
    const before = this.settings;
    this.settings = readScreenSettings();
    if (JSON.stringify(before) === JSON.stringify(this.settings)) return;
    if (this.settings.enabled && !before.enabled) {
      // Turning it on means on: a pause from before does not linger, and an error is news again.
      this.userPaused = false;
      this.notifier.arm();
    }
    if (this.manager.connected) void this.configure();
  }

  /** Sends the settings (and this window's pause) to the companion. */
  private configure(): Promise<void> {
    return this.send(screenConfigureParams(this.settings, this.userPaused));
  }

  private async send(params: ScreenConfigure): Promise<void> {
    const seq = ++this.seq;
    try {
      const status = await this.manager.request('screen.configure', params);
      if (seq === this.seq) this.setStatus(status);
    } catch (err) {
      // An older companion without screen understanding, or a lost connection: not the user's problem now.
      this.manager.log.warn(`screen.configure failed: ${(err as Error).message}`);
    }
  }

  private setStatus(status: ScreenStatus | null): void {
    this.current = status;
    if (status) this.userPaused = status.pausedReason === 'user';
    this.changed.fire(status);
    const error = this.settings.enabled ? this.notifier.check(status) : null;
    if (error) void this.tellError(errorText(error));
  }

  private async tellError(text: string): Promise<void> {
    const retry = 'Retry';
    const off = 'Turn Off';
    const choice = await vscode.window.showWarningMessage(`Alisa cannot read your screen: ${text}`, retry, off);
    if (choice === retry) {
      this.notifier.arm();
      if (this.manager.connected) await this.send({ ...screenConfigureParams(this.settings, this.userPaused), enabled: true });
    }
    if (choice === off) await vscode.workspace.getConfiguration('alisa').update('screen.enabled', false, vscode.ConfigurationTarget.Global);
  }
}
