// The VS Code side of Alisa. This file only wires the parts together:
//   CompanionManager  - runs and supervises the companion process (companion-manager.ts)
//   ChatViewProvider  - the sidebar webview and its relay to the companion (chat-view-provider.ts)
//   StatusBar         - Alisa's state at a glance (status-bar.ts)
//   ModelSetup        - choosing or downloading a model, first-run prompt (model-setup.ts)
//   commands          - every alisa.* command (commands.ts)
//   Awareness         - what the user is doing and what broke, sent as context.update (awareness/)
//   HelpCommands      - explain/fix commands, the lightbulb actions and the fix preview (help/)
//   ScreenController  - screen understanding: settings to the companion, its commands (screen/)
//   VoiceController   - voice: settings to the companion, mute / push-to-talk / stop (voice/)
//   VoiceSetup        - Alisa's local voice: download it or choose one, and the offer (voice/)
//   PresenceController, IdleController, RhythmCommands - webcam presence, idle talk and Do not
//                       disturb, what she has learned about the user (rhythm/)
//   NetworkController - alisa.network to the companion, its questions as modals, "Show Network
//                       Activity" (network/)
//   ActionController  - Alisa's hands: the editor actions this window runs, the questions before
//                       an action as modals, the audit log, alisa.actions.* (actions/)
//   CodeIndexController - the workspace's folders and changed files to the companion's codebase
//                       index, its progress, "Ask About the Codebase" (code-index/)
//   CharacterCardCommands - "Import / Export Character Card…": SillyTavern cards (characters/)
//   AvatarCommands    - "Import Avatar…", "Choose Avatar…": the avatar store (avatars/)
//
// Activation must stay cheap: nothing here spawns or waits. The companion starts right after
// activate() returns (its Node check and spawn are asynchronous), and deactivate() waits for it
// to stop.
import * as vscode from 'vscode';
import { CHAT_VIEW_ID, ChatViewProvider } from './chat-view-provider';
import { Awareness } from './awareness/awareness';
import { registerCommands, runUiAction } from './commands';
import { CompanionManager } from './companion-manager';
import { HelpCommands } from './help/help-commands';
import { RecapSettingsSync } from './recap-settings';
import { ModelSetup } from './model-setup';
import { ScreenController } from './screen/screen-controller';
import { IdleController } from './rhythm/idle-controller';
import { PresenceController } from './rhythm/presence-controller';
import { RhythmCommands } from './rhythm/rhythm-commands';
import { StatusBar } from './status-bar';
import { VoiceController } from './voice/voice-controller';
import { VoiceSetup } from './voice/voice-setup';
import { NetworkController } from './network/network-controller';
import { ActionController } from './actions/action-controller';
import { WorkspaceInstructionsController } from './workspace-instructions';
import { CodeIndexController } from './code-index/code-index-controller';
import { CharacterCardCommands } from './characters/character-card-commands';
import { AvatarCommands } from './avatars/avatar-commands';
import { Mentions } from './mentions/mentions';
import type { ContextUpdate } from '../protocol/context';

let manager: CompanionManager | null = null;

/**
 * Alisa's public API: what `activate()` returns, i.e. `vscode.extensions.getExtension('alisa-dev.alisa').exports`.
 * Kept minimal; the extension-host tests use it to observe awareness.
 */
export interface AlisaApi {
  /** Called with every awareness update a watcher emits (already privacy-filtered, before coalescing). */
  onContextUpdate(listener: (update: ContextUpdate) => void): vscode.Disposable;
}

export function activate(context: vscode.ExtensionContext): AlisaApi {
  const log = vscode.window.createOutputChannel('Alisa', { log: true });
  manager = new CompanionManager(context, log);
  const view = new ChatViewProvider(context.extensionUri, manager, runUiAction);
  // @-mentions (issue 17): the panel's completion, attachments read in this window, source links.
  const mentions = new Mentions();
  view.mentions = mentions;
  context.subscriptions.push(mentions);
  const models = new ModelSetup(manager);
  const awareness = new Awareness(manager);
  const screen = new ScreenController(manager);
  const voice = new VoiceController(manager);
  const presence = new PresenceController(manager);
  const idle = new IdleController(manager);
  const help = new HelpCommands({
    manager,
    awareness,
    showSession: (sessionId) => view.postCommand({ type: 'host.command', command: 'showSession', sessionId }),
  });
  view.onFix = (offerId, target) => void help.fixOffer(offerId, target);
  view.onApplyCode = (code) => void help.applyCode(code);
  context.subscriptions.push(
    log,
    view,
    models,
    new StatusBar(manager, { screen, voice, presence, idle }),
    screen,
    voice,
    new VoiceSetup(manager),
    presence,
    idle,
    new RhythmCommands(manager),
    new NetworkController(manager),
    new ActionController(manager, help.ledger),
    new WorkspaceInstructionsController(manager),
    new RecapSettingsSync(manager),
    new CodeIndexController(manager, view),
    new CharacterCardCommands(manager, view),
    new AvatarCommands(manager),
    awareness,
    help,
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, view),
    ...registerCommands({ context, manager, view, models }),
  );
  const started = manager;
  setImmediate(() => void started.applySettings());
  return { onContextUpdate: (listener) => awareness.onDidEmit(listener) };
}

export async function deactivate(): Promise<void> {
  const m = manager;
  manager = null;
  await m?.dispose();
}
