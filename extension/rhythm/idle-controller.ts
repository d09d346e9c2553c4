// Idle talk (issue 7) as VS Code sees it: `alisa.idle.doNotDisturb` and `alisa.idle.chattiness`
// go to the companion (`idle.configure`) on every connection and every change; "Do Not Disturb
// On/Off" flips the setting; the companion's latest IdleStatus (from `idle.state` events and
// configure results) is kept for the status bar. The panel's Do-not-disturb toggle asks the
// companion directly; the change it causes is written back to the setting (doNotDisturbToPersist),
// so both stay the same, as the voice mute does.
import * as vscode from 'vscode';
import type { IdleStatus } from '../../protocol/rhythm';
import type { CompanionManager } from '../companion-manager';
import { FeatureSync } from '../feature-sync';
import { readIdleSettings, settingTarget } from '../settings';
import { doNotDisturbToPersist, idleConfigureParams, RHYTHM_COMMANDS, type IdleSettings } from './rhythm-logic';

export class IdleController implements vscode.Disposable {
  private readonly sync: FeatureSync<IdleSettings, 'idle.configure', 'idle.state'>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(manager: CompanionManager) {
    this.sync = new FeatureSync(manager, {
      section: 'alisa.idle',
      read: readIdleSettings,
      configure: 'idle.configure',
      stateEvent: 'idle.state',
      params: idleConfigureParams,
      onStatus: (status) => this.onStatus(status),
    });
    this.disposables.push(
      this.sync,
      vscode.commands.registerCommand(RHYTHM_COMMANDS.toggleDoNotDisturb, () => this.toggleDoNotDisturb()),
    );
  }

  /** The companion's latest idle status; null while unknown. */
  get status(): IdleStatus | null {
    return this.sync.status;
  }

  /** The status changed (null: unknown, e.g. the companion is not connected). */
  get onDidChange(): vscode.Event<IdleStatus | null> {
    return this.sync.onDidChange;
  }

  private get settings(): IdleSettings {
    return this.sync.settings;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** "Do Not Disturb On/Off": flips the setting (the change handler tells the companion). */
  async toggleDoNotDisturb(): Promise<void> {
    const on = !(this.status?.doNotDisturb ?? this.settings.doNotDisturb);
    await writeDoNotDisturb(on);
    vscode.window.setStatusBarMessage(on ? '$(bell-slash) Do not disturb: Alisa will not speak up on her own' : '$(bell) Alisa may speak up again', 3000);
  }

  private onStatus(status: IdleStatus | null): void {
    const persist = doNotDisturbToPersist(this.settings.doNotDisturb, status, this.sync.configured, this.sync.inFlight);
    if (persist !== null) {
      // The panel's toggle changed it: keep it (the change handler then finds nothing new to send).
      this.sync.settings = { ...this.settings, doNotDisturb: persist };
      void writeDoNotDisturb(persist);
    }
  }
}

/** Writes `alisa.idle.doNotDisturb` where it takes effect: the workspace's value if it has one, else the user's. */
async function writeDoNotDisturb(on: boolean): Promise<void> {
  const config = vscode.workspace.getConfiguration('alisa');
  const target = settingTarget(config, 'idle.doNotDisturb');
  try {
    await config.update('idle.doNotDisturb', on, target);
  } catch {
    // A read-only settings file: the companion still has it for this session.
  }
}
