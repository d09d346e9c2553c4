// Idle talk (issue 7) as VS Code sees it: `alisa.idle.doNotDisturb` and `alisa.idle.chattiness`
// go to the companion (`idle.configure`) on every connection and every change; "Do Not Disturb
// On/Off" flips the setting; the companion's latest IdleStatus (from `idle.state` events and
// configure results) is kept for the status bar. The panel's Do-not-disturb toggle asks the
// companion directly; the change it causes is written back to the setting (doNotDisturbToPersist),
// so both stay the same, as the voice mute does.
import * as vscode from 'vscode';
import type { IdleStatus } from '../../protocol/rhythm';
import type { CompanionManager } from '../companion-manager';
import { readIdleSettings } from '../settings';
import { doNotDisturbToPersist, idleConfigureParams, RHYTHM_COMMANDS } from './rhythm-logic';

export class IdleController implements vscode.Disposable {
  private settings = readIdleSettings();
  private current: IdleStatus | null = null;
  private seq = 0;
  private inFlight = 0;
  /** This connection's first configure has been answered: its statuses reflect the settings. */
  private configured = false;
  private readonly changed = new vscode.EventEmitter<IdleStatus | null>();
  /** The status changed (null: unknown, e.g. the companion is not connected). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alisa.idle')) this.onSettingsChanged();
      }),
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.configure();
        else {
          this.configured = false;
          this.setStatus(null);
        }
      }),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'idle.state') this.setStatus(e.status);
      }),
      vscode.commands.registerCommand(RHYTHM_COMMANDS.toggleDoNotDisturb, () => this.toggleDoNotDisturb()),
    );
    if (manager.connected) void this.configure();
  }

  /** The companion's latest idle status; null while unknown. */
  get status(): IdleStatus | null {
    return this.current;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** "Do Not Disturb On/Off": flips the setting (the change handler tells the companion). */
  async toggleDoNotDisturb(): Promise<void> {
    const on = !(this.current?.doNotDisturb ?? this.settings.doNotDisturb);
    await writeDoNotDisturb(on);
    vscode.window.setStatusBarMessage(on ? '$(bell-slash) Do not disturb: Alisa will not speak up on her own' : '$(bell) Alisa may speak up again', 3000);
  }

  private onSettingsChanged(): void {
    const before = this.settings;
    this.settings = readIdleSettings();
    if (JSON.stringify(before) === JSON.stringify(this.settings)) return;
    if (this.manager.connected) void this.configure();
  }

  private async configure(): Promise<void> {
    const seq = ++this.seq;
    this.inFlight++;
    try {
      const status = await this.manager.request('idle.configure', idleConfigureParams(this.settings));
      if (seq === this.seq) {
        this.configured = true;
        this.setStatus(status);
      }
    } catch (err) {
      // An older companion without idle talk, or a lost connection: not the user's problem now.
      this.manager.log.warn(`idle.configure failed: ${(err as Error).message}`);
    } finally {
      this.inFlight--;
    }
  }

  private setStatus(status: IdleStatus | null): void {
    this.current = status;
    this.changed.fire(status);
    const persist = doNotDisturbToPersist(this.settings.doNotDisturb, status, this.configured, this.inFlight);
    if (persist !== null) {
      // The panel's toggle changed it: keep it (the change handler then finds nothing new to send).
      this.settings = { ...this.settings, doNotDisturb: persist };
      void writeDoNotDisturb(persist);
    }
  }
}

/** Writes `alisa.idle.doNotDisturb` where it takes effect: the workspace's value if it has one, else the user's. */
async function writeDoNotDisturb(on: boolean): Promise<void> {
  const config = vscode.workspace.getConfiguration('alisa');
  const i = config.inspect<boolean>('idle.doNotDisturb');
  const target =
    i?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : i?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  try {
    await config.update('idle.doNotDisturb', on, target);
  } catch {
    // A read-only settings file: the companion still has it for this session.
  }
}

/** For the status bar: the Do-not-disturb item. */
export type IdleSource = Pick<IdleController, 'status' | 'onDidChange'>;
