// The window's side of the codebase index (issue 17). On every connection (and when the folders,
// the trust, or the `alisa.codeIndex.*`, privacy or exclude settings change) it sends the
// workspace's folders as `codeIndex.build`: the companion re-reads only what changed since its
// last pass. A FileSystemWatcher batches changed paths (debounced) into `codeIndex.update`. A pass
// shows as window progress (the status bar), or as a cancellable notification when the user asked
// for it or it has many files to read. Nothing is indexed in Restricted Mode (a cloned repository
// is not the user's code until trusted) or with `alisa.codeIndex.enabled` off. Also the commands
// "Alisa: Ask About the Codebase…" (a chat message with an `@codebase` attachment, through the
// panel like any message) and "Alisa: Rebuild Codebase Index".
import * as vscode from 'vscode';
import type { CodeIndexStatus } from '../../protocol/code-index';
import type { ChatViewProvider } from '../chat-view-provider';
import type { CompanionManager } from '../companion-manager';
import { readExcludeGlobs } from '../awareness/workspace-privacy';
import { Debounced } from '../../common/debounce';
import { changedPaths, excludeGlobsOf, progressText, uniqueNames } from './code-index-logic';

export const ASK_CODEBASE_COMMAND = 'alisa.askCodebase';
export const REBUILD_CODE_INDEX_COMMAND = 'alisa.rebuildCodeIndex';
const SECTION = 'alisa.codeIndex';
const UPDATE_DEBOUNCE_MS = 1000;
const BUILD_DEBOUNCE_MS = 500;
/** Paths in one codeIndex.update (the protocol's bound); more at once is sent as a new build. */
const UPDATE_MAX = 5000;
/** A pass reading at least this many files shows a cancellable notification, not just the status bar. */
const NOTIFY_FILES = 2000;

interface ShownPass {
  done: () => void;
  report: (message: string, increment: number) => void;
  lastDone: number;
}

export class CodeIndexController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly changed = new Set<string>();
  private readonly updates = new Debounced(UPDATE_DEBOUNCE_MS, () => void this.sendUpdates());
  private readonly builds = new Debounced(BUILD_DEBOUNCE_MS, () => void this.sendBuild(false));
  /** The workspace id the companion files this window's index under (from the last build's answer). */
  private workspace: string | null = null;
  private shown: ShownPass | null = null;
  /** The next pass was asked for by the user: it shows as a notification. */
  private userAsked = false;
  private lastError: string | null = null;
  private lastRebuilt: string | null = null;
  /** Told when the running pass ends (the rebuild command answers with it). */
  private readonly passWaiters: Array<(s: CodeIndexStatus) => void> = [];

  constructor(
    private readonly manager: CompanionManager,
    private readonly view: ChatViewProvider,
  ) {
    this.disposables.push(
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.sendBuild(false);
        else this.endShown();
      }),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'codeIndex.progress' && e.workspace === this.workspace) this.onProgress(e);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (['alisa.codeIndex', 'alisa.privacy.excludeGlobs', 'files.exclude', 'search.exclude'].some((k) => e.affectsConfiguration(k))) this.builds.schedule();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watch();
        this.builds.schedule();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.watch();
        this.builds.schedule();
      }),
      vscode.commands.registerCommand(ASK_CODEBASE_COMMAND, (question?: unknown) => this.ask(typeof question === 'string' ? question : undefined)),
      vscode.commands.registerCommand(REBUILD_CODE_INDEX_COMMAND, () => this.rebuild()),
    );
    this.watch();
    if (manager.connected) void this.sendBuild(false);
  }

  dispose(): void {
    this.updates.cancel();
    this.builds.cancel();
    this.endShown();
    for (const d of [...this.watchers.splice(0), ...this.disposables.splice(0)]) d.dispose();
  }

  private enabled(): boolean {
    return vscode.workspace.isTrusted && vscode.workspace.getConfiguration(SECTION).get<boolean>('enabled', true) !== false;
  }

  /** The folders on this machine's disk (a remote or virtual folder is not the companion's to read). */
  private folders(): Array<{ path: string; name: string }> {
    return uniqueNames((vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => ({ path: f.uri.fsPath, name: f.name })));
  }

  /** Watches every file of every folder; changes are batched into codeIndex.update. */
  private watch(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
    if (!this.enabled()) return;
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
      const note = (uri: vscode.Uri) => {
        this.changed.add(uri.fsPath);
        this.updates.schedule();
      };
      watcher.onDidCreate(note);
      watcher.onDidChange(note);
      watcher.onDidDelete(note);
      this.watchers.push(watcher);
    }
  }

  private async sendBuild(rebuild: boolean): Promise<boolean> {
    if (!this.manager.connected) return false;
    const folders = this.folders();
    if (!this.enabled() || folders.length === 0) return false;
    const config = vscode.workspace.getConfiguration(SECTION);
    const maxFileSizeKb = config.get<number>('maxFileSizeKb', 512);
    try {
      const status = await this.manager.request('codeIndex.build', {
        folders,
        privacyGlobs: readExcludeGlobs(),
        excludeGlobs: excludeGlobsOf(vscode.workspace.getConfiguration('files').get('exclude'), vscode.workspace.getConfiguration('search').get('exclude')),
        ...(Number.isInteger(maxFileSizeKb) && maxFileSizeKb >= 1 && maxFileSizeKb <= 10_240 ? { maxFileSizeKb } : {}),
        ...(rebuild ? { rebuild: true } : {}),
        ...(config.get<boolean>('embeddings', false) === true ? { embeddings: true } : {}),
      });
      this.workspace = status.workspace;
      return true;
    } catch (err) {
      // An older companion without the method, or a lost connection (the next one sends again).
      this.manager.log.warn(`codeIndex.build failed: ${(err as Error).message}`);
      return false;
    }
  }

  private async sendUpdates(): Promise<void> {
    const paths = changedPaths(this.changed);
    this.changed.clear();
    if (paths.length === 0 || !this.manager.connected || !this.enabled()) return;
    // A branch switch or a generator touching thousands of files: one pass compares them all.
    if (paths.length > UPDATE_MAX) {
      await this.sendBuild(false);
      return;
    }
    try {
      await this.manager.request('codeIndex.update', { paths });
    } catch (err) {
      this.manager.log.warn(`codeIndex.update failed: ${(err as Error).message}`);
    }
  }

  private onProgress(s: CodeIndexStatus): void {
    if (s.state === 'ready' || s.state === 'error' || s.state === 'cancelled') for (const w of this.passWaiters.splice(0)) w(s);
    if (s.rebuilt && s.state === 'ready' && s.rebuilt !== this.lastRebuilt) {
      // Said once: the index is a cache, nothing of the user's was lost, but a search may have found less meanwhile.
      this.lastRebuilt = s.rebuilt;
      this.manager.log.warn(`code index: ${s.rebuilt}`);
      void vscode.window.showInformationMessage(s.rebuilt);
    }
    if (s.state === 'indexing') {
      if (!this.shown && s.filesTotal > 0) this.show(s);
      const shown = this.shown;
      if (shown) {
        const increment = s.filesTotal > 0 ? ((s.filesDone - shown.lastDone) / s.filesTotal) * 100 : 0;
        shown.lastDone = s.filesDone;
        shown.report(progressText(s), increment);
      }
      return;
    }
    if (s.state === 'scanning') return;
    this.endShown();
    this.userAsked = false;
    if (s.state === 'error' && s.error) {
      // Said once per distinct failure; every pass after it logs it.
      this.manager.log.warn(`code index: ${s.error.message}`);
      if (s.error.message !== this.lastError) {
        this.lastError = s.error.message;
        const text = `Alisa could not index the codebase: ${s.error.message}${s.error.action ? ` ${s.error.action}` : ''}`;
        void vscode.window.showWarningMessage(text, 'Rebuild').then((pick) => {
          if (pick) void this.rebuild();
        });
      }
    } else if (s.state === 'ready') {
      this.lastError = null;
      this.manager.log.info(`code index: ready, ${progressText(s)}`);
    }
  }

  private show(first: CodeIndexStatus): void {
    const notify = this.userAsked || first.filesTotal >= NOTIFY_FILES;
    let done = () => {};
    let report: ShownPass['report'] = () => {};
    const ended = new Promise<void>((resolve) => (done = resolve));
    this.shown = { done: () => done(), report: (m, i) => report(m, i), lastDone: 0 };
    void vscode.window.withProgress(
      {
        location: notify ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: notify ? 'Alisa: indexing the codebase' : 'Alisa: indexing',
        cancellable: notify,
      },
      (progress, token) => {
        report = (message, increment) => progress.report({ message, increment });
        token.onCancellationRequested(() => void this.manager.request('codeIndex.cancel', {}).catch(() => {}));
        return ended;
      },
    );
  }

  private endShown(): void {
    this.shown?.done();
    this.shown = null;
  }

  /** Rebuilds the index; answers with the status the pass ended in (undefined: not started, the user was told why). */
  private async rebuild(): Promise<CodeIndexStatus | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage('Alisa indexes no code in Restricted Mode. Trust this workspace first.');
      return;
    }
    if (vscode.workspace.getConfiguration(SECTION).get<boolean>('enabled', true) === false) {
      void vscode.window.showInformationMessage('The codebase index is off (alisa.codeIndex.enabled).', 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'alisa.codeIndex');
      });
      return;
    }
    if (this.folders().length === 0) {
      void vscode.window.showInformationMessage('Open a folder first: Alisa indexes the folders of the workspace.');
      return;
    }
    if (!this.manager.connected) {
      void vscode.window.showInformationMessage('Alisa is not connected yet; the index is built as soon as she is.');
      return;
    }
    this.userAsked = true;
    const ended = new Promise<CodeIndexStatus>((resolve) => this.passWaiters.push(resolve));
    if (!(await this.sendBuild(true))) {
      this.userAsked = false;
      void vscode.window.showWarningMessage('Alisa could not start the codebase index: see "Alisa: Show Logs".');
      return undefined;
    }
    return ended;
  }

  /** Asks the question (given, or typed in an input box) in the panel with an `@codebase` attachment: the companion retrieves the chunks and cites them. */
  private async ask(given?: string): Promise<void> {
    if (!this.enabled()) {
      void vscode.window.showInformationMessage(
        vscode.workspace.isTrusted
          ? 'The codebase index is off (alisa.codeIndex.enabled).'
          : 'Alisa indexes no code in Restricted Mode. Trust this workspace first.',
      );
      return;
    }
    if (this.folders().length === 0) {
      void vscode.window.showInformationMessage('Open a folder first: Alisa answers from the code of the workspace.');
      return;
    }
    const question =
      given ??
      (await vscode.window.showInputBox({
        title: 'Ask Alisa about the codebase',
        prompt: 'She searches the workspace for the code that matters and cites it.',
        placeHolder: 'e.g. where are user sessions validated?',
        validateInput: (v) => (v.length > 2000 ? 'At most 2,000 characters.' : null),
      }));
    if (!question?.trim()) return;
    await this.view.postCommand({
      type: 'host.command',
      command: 'send',
      text: question.trim(),
      attachments: [{ kind: 'codebase', label: '@codebase', text: '' }],
    });
  }
}
