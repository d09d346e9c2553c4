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
import { detailsOf, showWithDetails } from '../error-details';
import { FeatureSync, SyncedFeature } from '../feature-sync';
import { readVoiceSettings } from '../settings';
import { muteToPersist, VOICE_COMMANDS, voiceCommandAction, voiceConfigureParams, type VoiceSettings } from './voice-logic';

/** Written where it takes effect: the workspace's value if it has one, else the user's. */
const MUTED_KEY = 'voice.muted';

export class VoiceController extends SyncedFeature<VoiceSettings, 'voice.configure', 'voice.state'> {
  private characterId: number | null = null;
  protected readonly sync: FeatureSync<VoiceSettings, 'voice.configure', 'voice.state'>;

  constructor(private readonly manager: CompanionManager) {
    super();
    this.sync = new FeatureSync(manager, {
      section: 'alisa.voice',
      read: readVoiceSettings,
      configure: 'voice.configure',
      stateEvent: 'voice.state',
      // The settings, with the active character's voice if it has one (the settings as they are once that is known).
      params: async () => {
        const voice = await this.characterVoice();
        return voiceConfigureParams(this.settings, voice) satisfies VoiceConfigure;
      },
      onDisconnected: () => (this.characterId = null),
      onStatus: (status) => this.onStatus(status),
    });
    this.disposables.push(
      this.sync,
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'voice.transcript') {
          const action = voiceCommandAction(e.command);
          if (action)
            void vscode.commands
              .executeCommand(action)
              .then(undefined, (err: unknown) => manager.log.error(`voice command "${e.command}" failed: ${String(err)}`));
        }
        // Another character may have another voice.
        else if (e.type === 'status' && this.sync.configured && e.status.characterId !== this.characterId) void this.sync.configure();
      }),
      vscode.commands.registerCommand(VOICE_COMMANDS.toggleMute, () => this.toggleMute()),
      vscode.commands.registerCommand(VOICE_COMMANDS.pushToTalk, () => this.pushToTalk()),
      vscode.commands.registerCommand(VOICE_COMMANDS.stop, () => this.stopSpeaking()),
    );
  }

  // ------------------------------------------------------------------ commands

  /** "Mute/Unmute Alisa's Voice": flips the setting (the change handler tells the companion). */
  toggleMute(): Promise<void> {
    return this.flipSetting(MUTED_KEY, this.status?.muted ?? this.settings.muted, (muted) =>
      muted ? "$(mute) Alisa's voice is muted" : "$(unmute) Alisa's voice is on",
    );
  }

  /** "Push to Talk": starts listening, or stops if she listens (a toggle: keybindings have no key-up). */
  async pushToTalk(): Promise<void> {
    if (!this.manager.connected) {
      void vscode.window.showInformationMessage('Alisa is not running yet, so she cannot listen.');
      return;
    }
    const action = this.status?.listening ? 'stop' : 'start';
    try {
      const { listening } = await this.manager.request('voice.listen', { action });
      const current = this.status;
      if (current) this.sync.setStatus({ ...current, listening });
    } catch (err) {
      // One sentence of what happened, one of what to do; the recorders' exit lines under "Details".
      void showWithDetails('warning', (err as Error).message, detailsOf(err), this.manager.log);
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

  /** The panel's button changed the mute: kept in the setting. */
  private onStatus(status: VoiceStatus | null): void {
    this.keepSetting('muted', MUTED_KEY, muteToPersist(this.settings.muted, status, this.sync.configured, this.sync.inFlight));
  }
}
