// Alisa's one status bar item: how she is doing at a glance (starting, downloading or loading the
// model with a percentage, ready, or what went wrong), with an icon for each feature the user
// must see (the camera open, the screen read, listening, muted, Do not disturb: status-menu.ts
// decides which). A click opens a menu: the chat, one action per feature (pause the camera, mute,
// stop listening...), the logs and the settings. The features' own commands stay in the command
// palette and keybindings; the menu runs the same ones.
import * as vscode from 'vscode';
import { joinSentences } from '../common/sentences';
import type { ModelState } from '../protocol/common';
import type { ScreenStatus } from '../protocol/screen';
import type { CompanionManager } from './companion-manager';
import { screenStatusLook } from './screen/screen-logic';
import type { VoiceStatus } from '../protocol/voice';
import { voiceListeningLook, voiceMuteLook } from './voice/voice-logic';
import type { IdleStatus, PresenceStatus } from '../protocol/rhythm';
import { idleStatusLook, presenceStatusLook } from './rhythm/rhythm-logic';
import { combineLook, menuEntries, type Indicator, type MainLook } from './status-menu';

/** The command a click on the item runs. */
export const STATUS_MENU_COMMAND = 'alisa.statusMenu';

interface Source<T> {
  readonly status: T | null;
  readonly onDidChange: vscode.Event<T | null>;
}

/** The features the item shows; each is optional (a test, or a build without it). */
export interface StatusSources {
  screen?: Source<ScreenStatus>;
  voice?: Source<VoiceStatus>;
  presence?: Source<PresenceStatus>;
  idle?: Source<IdleStatus>;
}

type Look = MainLook;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alisa.status', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly manager: Pick<CompanionManager, 'state' | 'status' | 'modelConfigured' | 'onDidChangeState' | 'onDidReceiveEvent'>,
    private readonly sources: StatusSources = {},
  ) {
    this.item.name = 'Alisa';
    this.item.command = STATUS_MENU_COMMAND;
    this.disposables.push(
      this.item,
      manager.onDidChangeState(() => this.render()),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'status') this.render();
      }),
      vscode.commands.registerCommand(STATUS_MENU_COMMAND, () => this.showMenu()),
    );
    for (const source of Object.values(sources) as Array<Source<unknown>>) this.disposables.push(source.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  /** What each feature shows now, in the item's order. */
  indicators(): Indicator[] {
    const s = this.sources;
    const voice = s.voice?.status ?? null;
    return [
      { id: 'camera', look: s.presence ? presenceStatusLook(s.presence.status) : null },
      { id: 'screen', look: s.screen ? screenStatusLook(s.screen.status) : null },
      { id: 'listening', look: s.voice ? voiceListeningLook(voice) : null },
      { id: 'voice', look: s.voice ? voiceMuteLook(voice) : null },
      { id: 'doNotDisturb', look: s.idle ? idleStatusLook(s.idle.status) : null },
    ];
  }

  /** The menu behind the item: a quick pick whose choice runs its command. */
  async showMenu(): Promise<void> {
    const entries = menuEntries({ failed: this.manager.state.state === 'failed' }, this.indicators());
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({ label: e.label, ...(e.detail ? { detail: e.detail } : {}), entry: e })),
      { title: 'Alisa', placeHolder: this.look().tooltip },
    );
    if (picked) await vscode.commands.executeCommand(picked.entry.command, ...(picked.entry.args ?? []));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private render(): void {
    const look = combineLook(this.look(), this.indicators());
    this.item.text = look.text;
    this.item.tooltip = [...look.tooltip, 'Click for the chat and her controls.'].join('\n');
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
  }

  private look(): Look {
    const s = this.manager.state;
    switch (s.state) {
      case 'starting':
      case 'connecting':
        return { text: '$(loading~spin) Alisa', tooltip: s.message ?? 'Starting Alisa…' };
      case 'restarting':
        return { text: '$(sync~spin) Alisa', tooltip: s.message ?? 'Restarting Alisa…', background: 'warning' };
      case 'failed':
        return { text: '$(error) Alisa', tooltip: joinSentences(s.message, s.error?.action), background: 'error' };
      case 'stopped':
        return { text: '$(circle-slash) Alisa', tooltip: s.message ?? 'Alisa is stopped.' };
      case 'ready':
        return this.modelLook(this.manager.status?.model ?? null);
    }
  }

  private modelLook(model: ModelState | null): Look {
    const percent = model?.progress != null ? ` ${Math.round(model.progress * 100)}%` : '';
    const name = model?.model ?? 'the model';
    switch (model?.state) {
      case 'downloading':
        return { text: `$(cloud-download) Alisa${percent}`, tooltip: `Downloading ${name}${percent}. It resumes where it stopped if interrupted.` };
      case 'loading':
        return { text: `$(loading~spin) Alisa${percent}`, tooltip: `Loading ${name}${percent}…` };
      case 'error':
        return {
          text: '$(warning) Alisa',
          tooltip: joinSentences(model.error?.message, model.error?.action) || 'The model could not be loaded.',
          background: 'warning',
        };
      case 'ready':
        return { text: '$(comment-discussion) Alisa', tooltip: `Alisa is ready (${name}${model.provider ? `, ${model.provider}` : ''}).` };
      default:
        return this.manager.modelConfigured
          ? { text: '$(comment-discussion) Alisa', tooltip: 'Alisa is running; the model loads with the first message.' }
          : { text: '$(circle-large-outline) Alisa', tooltip: 'Alisa needs a language model: choose a GGUF file or download the recommended one.' };
    }
  }
}
