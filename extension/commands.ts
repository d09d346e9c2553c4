// Every `alisa.*` command, and the webview's `ui.action`s mapped onto them. Handlers stay thin:
// model flows live in model-setup.ts, the companion in companion-manager.ts, the chat view in
// chat-view-provider.ts. A failing command tells the user why instead of failing silently.
import os from 'node:os';
import * as vscode from 'vscode';
import type { UiAction } from '../protocol/webview';
import type { ChatViewProvider } from './chat-view-provider';
import { CHAT_VIEW_ID } from './chat-view-provider';
import { explainFileMessage, selectionMessage } from './code-message';
import type { CompanionManager } from './companion-manager';
import type { ModelSetup } from './model-setup';
import { API_KEY_SECRET, STT_KEY_SECRET } from './settings';
import { setVoiceApiKey } from './voice/voice-keys';
import { CARD_COMMANDS } from './characters/character-card-commands';
import { AVATAR_COMMANDS } from './avatars/avatar-commands';

export const COMMANDS = {
  openChat: 'alisa.openChat',
  newSession: 'alisa.newSession',
  askAboutSelection: 'alisa.askAboutSelection',
  explainFile: 'alisa.explainFile',
  searchMemory: 'alisa.searchMemory',
  showMemories: 'alisa.showMemories',
  chooseModelFile: 'alisa.chooseModelFile',
  downloadRecommendedModel: 'alisa.downloadRecommendedModel',
  cancelModelDownload: 'alisa.cancelModelDownload',
  restartCompanion: 'alisa.restartCompanion',
  showLogs: 'alisa.showLogs',
  openSettings: 'alisa.openSettings',
  clearHistory: 'alisa.clearHistory',
  exportHistory: 'alisa.exportHistory',
  setApiKey: 'alisa.setApiKey',
  setSttApiKey: 'alisa.setSttApiKey',
  setVoiceApiKey: 'alisa.setVoiceApiKey',
  copyOpenAiKey: 'alisa.copyOpenAiKey',
} as const;

/** What each button of the webview does in VS Code. */
const UI_ACTION_COMMANDS: Record<UiAction, string> = {
  chooseModelFile: COMMANDS.chooseModelFile,
  downloadModel: COMMANDS.downloadRecommendedModel,
  cancelDownload: COMMANDS.cancelModelDownload,
  openSettings: COMMANDS.openSettings,
  showLogs: COMMANDS.showLogs,
  restartCompanion: COMMANDS.restartCompanion,
  setApiKey: COMMANDS.setApiKey,
  importCharacterCard: CARD_COMMANDS.importCard,
  exportCharacterCard: CARD_COMMANDS.exportCard,
  importAvatar: AVATAR_COMMANDS.importAvatar,
};

export function runUiAction(action: UiAction): void {
  void vscode.commands.executeCommand(UI_ACTION_COMMANDS[action]);
}

interface CommandDeps {
  context: vscode.ExtensionContext;
  manager: CompanionManager;
  view: ChatViewProvider;
  models: ModelSetup;
}

export function registerCommands({ context, manager, view, models }: CommandDeps): vscode.Disposable[] {
  const handlers: Record<(typeof COMMANDS)[keyof typeof COMMANDS], () => unknown> = {
    [COMMANDS.openChat]: () => vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`),
    [COMMANDS.newSession]: () => view.postCommand({ type: 'host.command', command: 'newSession' }),
    [COMMANDS.askAboutSelection]: () => askAboutSelection(view),
    [COMMANDS.explainFile]: () => explainFile(view),
    [COMMANDS.searchMemory]: () => searchMemory(view),
    [COMMANDS.showMemories]: () => view.postCommand({ type: 'host.command', command: 'showMemories' }),
    [COMMANDS.chooseModelFile]: () => models.chooseModelFile(),
    [COMMANDS.downloadRecommendedModel]: () => models.downloadRecommendedModel(),
    [COMMANDS.cancelModelDownload]: () => models.cancelDownload(),
    [COMMANDS.restartCompanion]: () => manager.restart(),
    [COMMANDS.showLogs]: () => manager.log.show(),
    [COMMANDS.openSettings]: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`),
    [COMMANDS.clearHistory]: () => clearHistory(manager),
    [COMMANDS.exportHistory]: () => exportHistory(manager),
    [COMMANDS.setApiKey]: () => setApiKey(context, manager),
    [COMMANDS.setSttApiKey]: () => setApiKey(context, manager, STT_KEY_SECRET, 'API key for the transcription server (alisa.voice.sttEndpoint)'),
    [COMMANDS.setVoiceApiKey]: () => setVoiceApiKey(context.secrets),
    [COMMANDS.copyOpenAiKey]: () => copyOpenAiKey(manager),
  };
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        await handler();
      } catch (err) {
        manager.log.error(`${id} failed: ${(err as Error).stack ?? String(err)}`);
        void vscode.window.showErrorMessage((err as Error).message);
      }
    }),
  );
}

// ------------------------------------------------------------------ editor -> chat

function codeSource(editor: vscode.TextEditor, text: string) {
  return { path: vscode.workspace.asRelativePath(editor.document.uri, false), language: editor.document.languageId, text };
}

async function askAboutSelection(view: ChatViewProvider): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  if (!editor || !text.trim()) {
    void vscode.window.showInformationMessage('Select some code in the editor first, then run "Alisa: Ask About Selection".');
    return;
  }
  await view.postCommand({ type: 'host.command', command: 'send', text: selectionMessage(codeSource(editor, text)) });
}

async function explainFile(view: ChatViewProvider): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open the file you want explained in the editor, then run "Alisa: Explain This File".');
    return;
  }
  const text = editor.document.getText();
  if (!text.trim()) {
    void vscode.window.showInformationMessage(`${vscode.workspace.asRelativePath(editor.document.uri, false)} is empty: there is nothing to explain.`);
    return;
  }
  await view.postCommand({ type: 'host.command', command: 'send', text: explainFileMessage(codeSource(editor, text)) });
}

async function searchMemory(view: ChatViewProvider): Promise<void> {
  const query = await vscode.window.showInputBox({
    title: "Search Alisa's memory",
    prompt: 'Words from anything you and Alisa have said',
    placeHolder: 'e.g. sqlite migration',
    validateInput: (v) => (v.length > 500 ? 'At most 500 characters.' : null),
  });
  if (!query?.trim()) return;
  await view.postCommand({ type: 'host.command', command: 'showSearch', query: query.trim() });
}

// ------------------------------------------------------------------ history

async function clearHistory(manager: CompanionManager): Promise<void> {
  const confirm = 'Delete All';
  const choice = await vscode.window.showWarningMessage(
    "Delete all of Alisa's chat history?",
    { modal: true, detail: 'Every chat session and message is removed from this machine. This cannot be undone; export the history first if you want a copy.' },
    confirm,
  );
  if (choice !== confirm) return;
  await manager.request('history.clear', { confirm: true });
  void vscode.window.showInformationMessage("Alisa's chat history was deleted.");
}

async function exportHistory(manager: CompanionManager): Promise<void> {
  const formats = [
    { label: 'Markdown', description: 'easy to read', format: 'markdown' as const, ext: 'md' },
    { label: 'JSON', description: 'every field, for other tools', format: 'json' as const, ext: 'json' },
  ];
  const pick = await vscode.window.showQuickPick(formats, { title: "Export Alisa's chat history as…" });
  if (!pick) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const date = new Date().toISOString().slice(0, 10);
  const target = await vscode.window.showSaveDialog({
    title: "Export Alisa's chat history",
    defaultUri: vscode.Uri.joinPath(folder, `alisa-history-${date}.${pick.ext}`),
    filters: { [pick.label]: [pick.ext] },
    saveLabel: 'Export',
  });
  if (!target) return;
  const { content } = await manager.request('history.export', { format: pick.format });
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
  const open = 'Open';
  const choice = await vscode.window.showInformationMessage(`Exported the chat history to ${target.fsPath}.`, open);
  if (choice === open) await vscode.window.showTextDocument(target);
}

// ------------------------------------------------------------------ settings

async function setApiKey(
  context: vscode.ExtensionContext,
  manager: CompanionManager,
  secret = API_KEY_SECRET,
  title = 'API key for the OpenAI-compatible server (alisa.llm.endpoint)',
): Promise<void> {
  const key = await vscode.window.showInputBox({
    title,
    prompt: "Kept in VS Code's secret storage, never in settings. Leave empty to remove the stored key.",
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  if (key.trim()) await context.secrets.store(secret, key.trim());
  else await context.secrets.delete(secret);
  void vscode.window.showInformationMessage(
    key.trim() ? 'The API key was saved; Alisa restarts to use it.' : 'The stored API key was removed; Alisa restarts without it.',
  );
  await manager.applySettings();
}

/**
 * "Copy API Key for Other Tools": the key of Alisa's own OpenAI-compatible API (/v1 only), for
 * other tools to chat with her model. Not alisa.setApiKey, which stores the key of a remote server
 * Alisa talks to; and not the control token, which stays with the extension and the panel.
 */
async function copyOpenAiKey(manager: CompanionManager): Promise<void> {
  const { baseUrl, key } = await manager.openAiAccess();
  await vscode.env.clipboard.writeText(key);
  const copyUrl = 'Copy Base URL';
  const choice = await vscode.window.showInformationMessage(
    `Alisa's API key is on the clipboard. Other tools use it as their OpenAI API key with the base URL ${baseUrl} (this port holds while this companion runs). The key opens only the chat API (/v1), nothing else, and stays the same across restarts.`,
    copyUrl,
  );
  if (choice === copyUrl) await vscode.env.clipboard.writeText(baseUrl);
}
