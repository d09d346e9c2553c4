// Voice (issue 6) as VS Code sees it: the `alisa.voice.*` settings go to the companion
// (`voice.configure`) on every connection and every change, with the active character's own
// voice when it has one (re-sent when the character changes); the three commands mute/unmute,
// start/stop listening, and stop her speaking; and the companion's latest VoiceStatus (from
// `voice.state` events and configure results) is kept for the status bar.
//
// Mute is a setting (`alisa.voice.muted`), so it survives restarts. The panel's mute button asks
// the companion directly; the change it causes is written back to the setting (see
// muteToPersist), so both stay the same.
//
// Push to talk: VS Code keybindings have no key-up, so Ctrl+Alt+T toggles (press once to start
// listening, again to stop). The panel's mic button can be held instead.
import * as vscode from 'vscode';
import type { VoiceConfigure, VoiceStatus } from '../../protocol/voice';
import type { CompanionManager } from '../companion-manager';
import { readVoiceSettings } from '../settings';
import { muteToPersist, VOICE_COMMANDS, voiceCommandAction, voiceConfigureParams } from './voice-logic';

export class VoiceController implements vscode.Disposable {
  private settings = readVoiceSettings();
  private current: VoiceStatus | null = null;
  /** Only the newest configure result counts (settings can change faster than the companion answers). */
  private seq = 0;
  private inFlight = 0;
  /** This connection's first configure has been answered: its statuses reflect the settings. */
  private configured = false;
  private characterId: number | null = null;
  private readonly changed = new vscode.EventEmitter<VoiceStatus | null>();
  /** The status changed (null: unknown, e.g. the companion is not connected). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alisa.voice')) this.onSettingsChanged();
      }),
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.configure();
        else {
          this.configured = false;
          this.characterId = null;
          this.setStatus(null);
        }
      }),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'voice.state') this.setStatus(e.status);
        else if (e.type === 'voice.transcript') {
          const action = voiceCommandAction(e.command);
          if (action) void vscode.commands.executeCommand(action).then(undefined, (err: unknown) => manager.log.error(`voice command "${e.command}" failed: ${String(err)}`));
        }
        // Another character may have another voice.
        else if (e.type === 'status' && this.configured && e.status.characterId !== this.characterId) void this.configure();
      }),
      vscode.commands.registerCommand(VOICE_COMMANDS.toggleMute, () => this.toggleMute()),
      vscode.commands.registerCommand(VOICE_COMMANDS.pushToTalk, () => this.pushToTalk()),
      vscode.commands.registerCommand(VOICE_COMMANDS.stop, () => this.stopSpeaking()),
    );
    if (manager.connected) void this.configure();
  }

  /** The companion's latest voice status; null while unknown. */
  get status(): VoiceStatus | null {
    return this.current;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  // ------------------------------------------------------------------ commands

  /** "Mute/Unmute Alisa's Voice": flips the setting (the change handler tells the companion). */
  async toggleMute(): Promise<void> {
    const muted = !(this.current?.muted ?? this.settings.muted);
    await writeMuted(muted);
    vscode.window.setStatusBarMessage(muted ? "$(mute) Alisa's voice is muted" : "$(unmute) Alisa's voice is on", 3000);
  }

  /** "Push to Talk": starts listening, or stops if she listens (a toggle: keybindings have no key-up). */
  async pushToTalk(): Promise<void> {
    if (!this.manager.connected) {
      void vscode.window.showInformationMessage('Alisa is not running yet, so she cannot listen.');
      return;
    }
    const action = this.current?.listening ? 'stop' : 'start';
    try {
      const { listening } = await this.manager.request('voice.listen', { action });
      if (this.current) this.setStatus({ ...this.current, listening });
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa cannot listen: ${(err as Error).message}`);
    }
  }

  /** "Stop Speaking": silences her now (the panel stops on the `speech.end` that follows). */
  async stopSpeaking(): Promise<void> {
    if (!this.manager.connected) return;
    try {
      await this.manager.request('voice.stop', {});
    } catch (err) {
      this.manager.log.warn(`voice.stop failed: ${(err as Error).message}`);
    }
  }

  // ------------------------------------------------------------------ companion

  private onSettingsChanged(): void {
    const before = this.settings;
    this.settings = readVoiceSettings();
    if (JSON.stringify(before) === JSON.stringify(this.settings)) return;
    if (this.manager.connected) void this.configure();
  }

  /** Sends the settings (with the active character's voice, if it has one) to the companion. */
  private async configure(): Promise<void> {
    const seq = ++this.seq;
    this.inFlight++;
    try {
      const voice = await this.characterVoice();
      const status = await this.manager.request('voice.configure', voiceConfigureParams(this.settings, voice) satisfies VoiceConfigure);
      if (seq === this.seq) {
        this.configured = true;
        this.setStatus(status);
      }
    } catch (err) {
      // An older companion without voice, or a lost connection: not the user's problem now.
      this.manager.log.warn(`voice.configure failed: ${(err as Error).message}`);
    } finally {
      this.inFlight--;
    }
  }

  /** The active character's own voice, or null (none set, or the list cannot be read). */
  private async characterVoice(): Promise<string | null> {
    try {
      const { characters, activeId } = await this.manager.request('character.list', {});
      this.characterId = activeId;
      return characters.find((c) => c.id === activeId)?.voice ?? null;
    } catch {
      this.characterId = this.manager.status?.characterId ?? null;
      return null;
    }
  }

  private setStatus(status: VoiceStatus | null): void {
    this.current = status;
    this.changed.fire(status);
    const persist = muteToPersist(this.settings.muted, status, this.configured, this.inFlight);
    if (persist !== null) {
      // The panel's button changed it: keep it (the change handler then finds nothing new to send).
      this.settings = { ...this.settings, muted: persist };
      void writeMuted(persist);
    }
  }
}

/** Writes `alisa.voice.muted` where it takes effect: the workspace's value if it has one, else the user's. */
async function writeMuted(muted: boolean): Promise<void> {
  const config = vscode.workspace.getConfiguration('alisa');
  const i = config.inspect<boolean>('voice.muted');
  const target =
    i?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : i?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  try {
    await config.update('voice.muted', muted, target);
  } catch {
    // A read-only settings file: the companion still has the mute for this session.
  }
}

/** For the status bar: `$(unmute)`/`$(mute)` and `$(record) Listening…`. */
export type VoiceSource = Pick<VoiceController, 'status' | 'onDidChange'>;
