// The help commands (explain an error, explain the last terminal failure, fix a diagnostic),
// the lightbulb actions, the proposal documents and their Apply / Discard / Revert commands
// (proposal-controller.ts), and the chat view's "Fix" button.
import * as vscode from 'vscode';
import type { HelpTarget } from '../../protocol/context';
import type { Awareness } from '../awareness/awareness';
import { toRawDiagnostic } from '../awareness/vscode-diagnostics';
import { readExcludeGlobs, sendablePathOf } from '../awareness/workspace-privacy';
import { CHAT_VIEW_ID } from '../chat-view-provider';
import type { CompanionManager } from '../companion-manager';
import { AlisaCodeActions, HELP_COMMANDS } from './code-actions';
import { FixFlow } from './fix-flow';
import { FixRecorder } from './fix-recorder';
import { buildExplainParams, buildTerminalExplainParams, findDiagnostic } from './help-request';
import { PROPOSAL_COMMANDS, ProposalController } from './proposal-controller';
import { PROPOSAL_SCHEME, ProposalProvider } from './proposal-provider';
import { RevertLedger } from './revert-ledger';
import { applyCodeToFile } from './apply-code';

interface HelpDeps {
  manager: CompanionManager;
  awareness: Awareness;
  /** Reveals the chat on the session where a reply the editor asked for streams. */
  showSession: (sessionId: number) => Promise<void>;
}

export class HelpCommands implements vscode.Disposable {
  private readonly proposals = new ProposalProvider();
  private readonly controller: ProposalController;
  private readonly fixFlow: FixFlow;
  private readonly disposables: vscode.Disposable[];
  /** Her edits in this window, newest last: fixes and proposed edits alike ("Revert Alisa's Last Change"). */
  readonly ledger = new RevertLedger();

  constructor(private readonly deps: HelpDeps) {
    this.controller = new ProposalController(this.proposals, this.ledger, (line) => deps.manager.log.info(line));
    this.fixFlow = new FixFlow(deps.manager, this.controller, (sessionId) => deps.showSession(sessionId));
    const recorder = new FixRecorder({
      diagnostics: vscode.languages,
      request: (method, params) => deps.manager.request(method, params),
      enabled: () => vscode.workspace.getConfiguration('alisa').get<boolean>('memory.rememberFixes', true) !== false,
      log: (line) => deps.manager.log.info(line),
    });
    const guard =
      (id: string, fn: (...args: unknown[]) => Promise<void>) =>
      async (...args: unknown[]) => {
        try {
          await fn(...args);
        } catch (err) {
          deps.manager.log.error(`${id} failed: ${(err as Error).stack ?? String(err)}`);
          void vscode.window.showErrorMessage((err as Error).message);
        }
      };
    this.disposables = [
      recorder,
      this.controller.onDidApply((fix) => void recorder.onApplied(fix)),
      deps.awareness.onDidEmit((u) => u.terminalFailure && recorder.onCommandFailed(u.terminalFailure)),
      deps.awareness.onCommandSucceeded((commandLine) => void recorder.onCommandSucceeded(commandLine)),
      this.proposals,
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this.proposals),
      // One registration for both schemes: two would each be asked and list every action twice.
      vscode.languages.registerCodeActionsProvider([{ scheme: 'file' }, { scheme: 'vscode-remote' }], new AlisaCodeActions(), {
        providedCodeActionKinds: AlisaCodeActions.kinds,
      }),
      vscode.commands.registerCommand(
        HELP_COMMANDS.explainError,
        guard(HELP_COMMANDS.explainError, (uri, d) => this.explainError(uri, d)),
      ),
      vscode.commands.registerCommand(
        HELP_COMMANDS.explainTerminalFailure,
        guard(HELP_COMMANDS.explainTerminalFailure, () => this.explainTerminalFailure()),
      ),
      vscode.commands.registerCommand(
        HELP_COMMANDS.fixDiagnostic,
        guard(HELP_COMMANDS.fixDiagnostic, (uri, d) => this.fixDiagnostic(uri, d)),
      ),
      this.controller,
      vscode.commands.registerCommand(
        PROPOSAL_COMMANDS.apply,
        guard(PROPOSAL_COMMANDS.apply, (uri) => this.controller.applyAll(uri)),
      ),
      vscode.commands.registerCommand(
        PROPOSAL_COMMANDS.discard,
        guard(PROPOSAL_COMMANDS.discard, (uri) => this.controller.discardAll(uri)),
      ),
      vscode.commands.registerCommand(
        PROPOSAL_COMMANDS.applyHunk,
        guard(PROPOSAL_COMMANDS.applyHunk, (key, gen, i) => this.controller.applyHunk(key, gen, i)),
      ),
      vscode.commands.registerCommand(
        PROPOSAL_COMMANDS.discardHunk,
        guard(PROPOSAL_COMMANDS.discardHunk, (key, gen, i) => this.controller.discardHunk(key, gen, i)),
      ),
      vscode.commands.registerCommand(
        PROPOSAL_COMMANDS.revertLastChange,
        guard(PROPOSAL_COMMANDS.revertLastChange, () => this.controller.revertLast()),
      ),
      vscode.commands.registerCommand(
        PROPOSAL_COMMANDS.revertChange,
        guard(PROPOSAL_COMMANDS.revertChange, () => this.controller.revertChosen()),
      ),
    ];
  }

  /** "Apply…" on a code block in the chat view. */
  async applyCode(code: string): Promise<void> {
    try {
      await applyCodeToFile(code, this.controller);
    } catch (err) {
      this.deps.manager.log.error(`applying code failed: ${(err as Error).stack ?? String(err)}`);
      void vscode.window.showErrorMessage(`Alisa could not show the code as a diff: ${(err as Error).message}`);
    }
  }

  /** "Fix" on a help offer in the chat view. */
  async fixOffer(offerId: string, target: HelpTarget): Promise<void> {
    try {
      if (target.kind === 'diagnostic' && target.path) {
        const uri = await findWorkspaceFile(target.path);
        if (uri) {
          const diagnostic = findDiagnostic(vscode.languages.getDiagnostics(uri), target);
          if (diagnostic) return await this.fixFlow.run(uri, diagnostic);
          void vscode.window.showInformationMessage(`The problem Alisa offered to fix is gone from ${target.path}.`);
          return;
        }
      }
      // Not a diagnostic in a file (a terminal failure, a debugger stop): her fix goes to the chat.
      const { sessionId } = await this.deps.manager.request('help.respond', { offerId, response: 'fix' });
      if (sessionId !== null) await this.deps.showSession(sessionId);
      else await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    } catch (err) {
      this.deps.manager.log.error(`fix from offer ${offerId} failed: ${(err as Error).stack ?? String(err)}`);
      void vscode.window.showErrorMessage((err as Error).message);
    }
  }

  private async fixDiagnostic(uri: unknown, diagnostic: unknown): Promise<void> {
    const at = uri instanceof vscode.Uri && diagnostic instanceof vscode.Diagnostic ? { uri, diagnostic } : diagnosticAtCursor();
    if (!at) {
      void vscode.window.showInformationMessage('Put the cursor on an error first, then ask Alisa to fix it.');
      return;
    }
    await this.fixFlow.run(at.uri, at.diagnostic);
  }

  private async explainError(uri: unknown, diagnostic: unknown): Promise<void> {
    const at = uri instanceof vscode.Uri && diagnostic instanceof vscode.Diagnostic ? { uri, diagnostic } : diagnosticAtCursor();
    if (!at) {
      void vscode.window.showInformationMessage(
        'There is no error or warning at the cursor. Put the cursor on a squiggly line, then run "Alisa: Explain This Error".',
      );
      return;
    }
    const globs = readExcludeGlobs();
    const path = sendablePathOf(at.uri, globs);
    if (path === null) {
      void vscode.window.showInformationMessage('Alisa does not read this file: it is outside the workspace or matches alisa.privacy.excludeGlobs.');
      return;
    }
    const document = await vscode.workspace.openTextDocument(at.uri);
    const params = buildExplainParams({
      path,
      language: document.languageId,
      text: document.getText(),
      diagnostic: toRawDiagnostic(at.diagnostic, (u) => sendablePathOf(u, globs)),
    });
    const { sessionId } = await this.deps.manager.request('help.explain', params);
    await this.deps.showSession(sessionId);
  }

  private async explainTerminalFailure(): Promise<void> {
    const failure = this.deps.awareness.lastTerminalFailure;
    if (!failure) {
      void vscode.window.showInformationMessage(
        'Alisa has not seen a failed terminal command yet. She sees commands run in a terminal with shell integration (bash, zsh, fish, PowerShell) while alisa.awareness.enabled is on.',
      );
      return;
    }
    const { sessionId } = await this.deps.manager.request('help.explain', buildTerminalExplainParams(failure));
    await this.deps.showSession(sessionId);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The most severe diagnostic under the cursor of the active editor. */
function diagnosticAtCursor(): { uri: vscode.Uri; diagnostic: vscode.Diagnostic } | null {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return null;
  const uri = editor.document.uri;
  const pos = editor.selection.active;
  const here = vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.range.contains(pos) || d.range.start.line === pos.line)
    .sort((a, b) => a.severity - b.severity);
  return here[0] ? { uri, diagnostic: here[0] } : null;
}

/** The file `relPath` in one of the workspace folders, if it exists. */
async function findWorkspaceFile(relPath: string): Promise<vscode.Uri | null> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, relPath);
    try {
      await vscode.workspace.fs.stat(uri);
      return uri;
    } catch {
      // not in this folder
    }
  }
  return null;
}
