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
import type { FeatureSync } from '../feature-sync';
import { PausableFeature } from '../pausable-feature';
import { readScreenSettings } from '../settings';
import { SCREEN_COMMANDS, screenConfigureParams, type ScreenSettings } from './screen-logic';

export class ScreenController extends PausableFeature<ScreenSettings, 'screen.configure', 'screen.state'> {
  protected readonly sync: FeatureSync<ScreenSettings, 'screen.configure', 'screen.state'>;

  constructor(manager: CompanionManager) {
    super(manager, {
      enabledSetting: 'screen.enabled',
      on: '$(eye) Screen understanding is on',
      off: '$(eye-closed) Screen understanding is off',
      paused: '$(eye-closed) Screen understanding paused',
      resumed: '$(eye) Screen understanding resumed',
      nothingToPause: 'Screen understanding is off, so there is nothing to pause.',
      cannot: 'Alisa cannot read your screen',
    });
    // Sends the settings and this window's pause.
    this.sync = this.createSync({
      section: 'alisa.screen',
      read: readScreenSettings,
      configure: 'screen.configure',
      stateEvent: 'screen.state',
      learnPause: (status) => {
        if (status) this.userPaused = status.pausedReason === 'user';
      },
    });
    this.disposables.push(
      this.sync,
      vscode.commands.registerCommand(SCREEN_COMMANDS.toggle, () => this.toggle()),
      vscode.commands.registerCommand(SCREEN_COMMANDS.pause, () => this.togglePause()),
    );
  }

  protected pausedIn(status: ScreenStatus | null): boolean {
    return status?.pausedReason === 'user';
  }

  protected paramsFor(settings: ScreenSettings): ScreenConfigure {
    return screenConfigureParams(settings, this.userPaused);
  }
}
