// Idle talk (issue 7) as VS Code sees it: `alisa.idle.doNotDisturb` and `alisa.idle.chattiness`
// go to the companion (`idle.configure`) on every connection and every change; "Do Not Disturb
// On/Off" flips the setting; the companion's latest IdleStatus (from `idle.state` events and
// configure results) is kept for the status bar. The panel's Do-not-disturb toggle asks the
// companion directly; the change it causes is written back to the setting (doNotDisturbToPersist),
// so both stay the same, as the voice mute does.
import * as vscode from 'vscode';
import type { IdleStatus } from '../../protocol/rhythm';
import type { CompanionManager } from '../companion-manager';
import { FeatureSync, SyncedFeature } from '../feature-sync';
import { readIdleSettings } from '../settings';
import { doNotDisturbToPersist, idleConfigureParams, RHYTHM_COMMANDS, type IdleSettings } from './rhythm-logic';

/** Written where it takes effect: the workspace's value if it has one, else the user's. */
const DND_KEY = 'idle.doNotDisturb';

export class IdleController extends SyncedFeature<IdleSettings, 'idle.configure', 'idle.state'> {
  protected readonly sync: FeatureSync<IdleSettings, 'idle.configure', 'idle.state'>;

  constructor(manager: CompanionManager) {
    super();
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

  /** "Do Not Disturb On/Off": flips the setting (the change handler tells the companion). */
  toggleDoNotDisturb(): Promise<void> {
    return this.flipSetting(DND_KEY, this.status?.doNotDisturb ?? this.settings.doNotDisturb, (on) =>
      on ? '$(bell-slash) Do not disturb: Alisa will not speak up on her own' : '$(bell) Alisa may speak up again',
    );
  }

  /** The panel's toggle changed it: kept in the setting. */
  private onStatus(status: IdleStatus | null): void {
    this.keepSetting('doNotDisturb', DND_KEY, doNotDisturbToPersist(this.settings.doNotDisturb, status, this.sync.configured, this.sync.inFlight));
  }
}
