// Workspace instructions (issue 17): `.alisa/instructions.md` and `AGENTS.md` at the root of each
// workspace folder (first folder first) go to the companion as `workspace.instructions` on every
// connection and, watched, whenever they change (debounced); the companion puts them in the
// system message of replies in this workspace's chats. Off per folder with
// `alisa.instructions.enabled`; files matching `alisa.privacy.excludeGlobs` are never read; nothing
// is read in Restricted Mode (a cloned repository's AGENTS.md is not the user's word until the
// workspace is trusted). Capping and redaction are instructions-logic.ts's. Also the command
// "Alisa: Open Workspace Instructions", which opens the file (or creates it, after asking).
import * as vscode from 'vscode';
import type { InstructionFile } from '../protocol/instructions';
import type { CompanionManager } from './companion-manager';
import { type FoundFile, INSTRUCTIONS_FILE, INSTRUCTIONS_TEMPLATE, prepareInstructions, readableFiles } from './instructions-logic';
import { readExcludeGlobs } from './awareness/workspace-privacy';
import { Debounced } from '../common/debounce';

export const OPEN_INSTRUCTIONS_COMMAND = 'alisa.openWorkspaceInstructions';
const SECTION = 'alisa.instructions';
const DEBOUNCE_MS = 500;
/** Files larger than this are read only in part (the caps keep far less). */
const MAX_READ_BYTES = 256 * 1024;

export class WorkspaceInstructionsController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly pending = new Debounced(DEBOUNCE_MS, () => void this.send());
  /** What this connection last got (JSON); null: nothing yet, send whatever there is. */
  private lastSent: string | null = null;
  /** Only the newest send counts. */
  private seq = 0;

  constructor(private readonly manager: CompanionManager) {
    this.disposables.push(
      manager.onDidChangeState((s) => {
        this.lastSent = null;
        if (s.state === 'ready') void this.send();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION) || e.affectsConfiguration('alisa.privacy.excludeGlobs')) this.schedule();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watch();
        this.schedule();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule()),
      vscode.commands.registerCommand(OPEN_INSTRUCTIONS_COMMAND, () => this.open()),
    );
    this.watch();
    if (manager.connected) void this.send();
  }

  dispose(): void {
    this.pending.cancel();
    for (const d of [...this.watchers.splice(0), ...this.disposables.splice(0)]) d.dispose();
  }

  /** Watches the instruction files of every folder (created, changed, deleted). */
  private watch(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '{.alisa/instructions.md,AGENTS.md}'));
      watcher.onDidCreate(() => this.schedule());
      watcher.onDidChange(() => this.schedule());
      watcher.onDidDelete(() => this.schedule());
      this.watchers.push(watcher);
    }
  }

  private schedule(): void {
    this.pending.schedule();
  }

  /** Reads the files and sends them when connected and they differ from what this connection has. */
  private async send(): Promise<void> {
    if (!this.manager.connected) return;
    const seq = ++this.seq;
    const files = await this.read();
    const json = JSON.stringify(files);
    if (seq !== this.seq || json === this.lastSent) return;
    try {
      const result = await this.manager.request('workspace.instructions', { files });
      if (seq === this.seq) this.lastSent = json;
      this.manager.log.info(`workspace instructions: ${files.map((f) => f.path).join(', ') || 'none'} (${result.chars} characters)`);
    } catch (err) {
      // An older companion without the method, or a lost connection (the next one sends again).
      this.manager.log.warn(`workspace.instructions failed: ${(err as Error).message}`);
    }
  }

  /** The files as they are now, ready to send (none in Restricted Mode). */
  private async read(): Promise<InstructionFile[]> {
    if (!vscode.workspace.isTrusted) return [];
    const folders = vscode.workspace.workspaceFolders ?? [];
    const globs = readExcludeGlobs();
    const found: FoundFile[] = [];
    for (const folder of folders) {
      if (vscode.workspace.getConfiguration(SECTION, folder.uri).get<boolean>('enabled', true) === false) continue;
      for (const relPath of readableFiles(globs)) {
        const text = await readText(vscode.Uri.joinPath(folder.uri, relPath));
        if (text !== null) found.push({ relPath, text, ...(folders.length > 1 ? { folderName: folder.name } : {}) });
      }
    }
    return prepareInstructions(found, { globs });
  }

  /** Opens the first folder's (or the chosen folder's) `.alisa/instructions.md`; creates it after asking. */
  private async open(): Promise<vscode.Uri | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const folder = folders.length > 1 ? await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Whose instructions for Alisa?' }) : folders[0];
    if (!folder) {
      if (folders.length === 0) void vscode.window.showInformationMessage('Open a folder first: workspace instructions live in its .alisa/instructions.md.');
      return undefined;
    }
    const uri = vscode.Uri.joinPath(folder.uri, INSTRUCTIONS_FILE);
    if (!(await exists(uri))) {
      const create = 'Create';
      const answer = await vscode.window.showInformationMessage(
        `Create ${INSTRUCTIONS_FILE} in ${folder.name}?`,
        { modal: true, detail: 'Alisa reads it in every chat of this workspace. Write there what she should know or do here.' },
        create,
      );
      if (answer !== create) return undefined;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(INSTRUCTIONS_TEMPLATE));
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    return uri;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The file's text (its start, when large); null when it is missing, a folder, or unreadable. */
async function readText(uri: vscode.Uri): Promise<string | null> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) return null;
    const bytes = await vscode.workspace.fs.readFile(uri);
    return new TextDecoder().decode(bytes.subarray(0, MAX_READ_BYTES));
  } catch {
    return null;
  }
}
