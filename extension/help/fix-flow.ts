// "Ask Alisa to fix": sends `fix.propose` with the lines around the diagnostic, shows the chat
// (where her reply streams), takes the last code block of the finished reply, checks it still fits
// the file, and hands it to the ProposalController, which shows it as a diff with Apply and
// Discard where the diff is (proposal-controller.ts). Nothing is changed here; if the file changed
// under the excerpt meanwhile, she says so instead of guessing.
import { posix } from 'node:path';
import * as vscode from 'vscode';
import { sendablePathOf } from '../awareness/workspace-privacy';
import { toRawDiagnostic } from '../awareness/vscode-diagnostics';
import type { CompanionManager } from '../companion-manager';
import { restoreSecrets } from '../../common/privacy/restore';
import type { SignedDiagnostic } from '../../common/fix-signature';
import { applyProposal, extractLastCodeBlock, notCleanMessage } from './code-block';
import { buildFixParams } from './help-request';
import type { ProposalOpener } from './proposal-controller';
import { regionProposal } from './proposal-model';
import { ReplyWaiter } from './reply-waiter';

/** The longest a fix reply may take (a small local model can be slow). */
const REPLY_TIMEOUT_MS = 10 * 60_000;

export class FixFlow {
  constructor(
    private readonly manager: CompanionManager,
    private readonly proposals: ProposalOpener,
    private readonly showSession: (sessionId: number) => Promise<void>,
  ) {}

  async run(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<void> {
    const document = await vscode.workspace.openTextDocument(uri);
    const path = sendablePathOf(uri);
    const name = posix.basename(uri.path);
    if (path === null) {
      void vscode.window.showInformationMessage(
        `Alisa does not read ${name}: it is outside the workspace or matches alisa.privacy.excludeGlobs, so she cannot propose a fix for it.`,
      );
      return;
    }
    const params = buildFixParams({
      path,
      language: document.languageId,
      text: document.getText(),
      diagnostic: toRawDiagnostic(diagnostic, (u) => sendablePathOf(u)),
    });

    const waiter = new ReplyWaiter(this.manager.onDidReceiveEvent);
    try {
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Alisa is looking at ${name}…` }, async () => {
        const { replyId, sessionId } = await this.manager.request('fix.propose', params);
        void this.showSession(sessionId);
        return waiter.wait(replyId, REPLY_TIMEOUT_MS);
      });
      if (outcome.type === 'timeout') {
        void vscode.window.showWarningMessage(`Alisa did not finish her fix for ${name} in time. Her reply so far is in the chat.`);
        return;
      }
      if (outcome.type === 'reply.error') {
        void vscode.window.showErrorMessage(
          `Alisa could not propose a fix for ${name}: ${outcome.error.message}${outcome.error.action ? ` ${outcome.error.action}` : ''}`,
        );
        return;
      }
      const block = extractLastCodeBlock(outcome.text);
      if (!block) {
        void vscode.window.showInformationMessage(
          `Alisa's reply has no code block, so there is no fix to preview for ${name}. Her explanation is in the chat.`,
        );
        return;
      }
      const code = typeof diagnostic.code === 'object' && diagnostic.code !== null ? diagnostic.code.value : diagnostic.code;
      const fixOf = { source: diagnostic.source ?? null, code: code ?? null, message: diagnostic.message };
      await this.preview(uri, path, name, params.excerpt, params.excerptStartLine, block.code, fixOf);
    } finally {
      waiter.dispose();
    }
  }

  private async preview(uri: vscode.Uri, path: string, name: string, excerpt: string, startLine: number, code: string, fixOf: SignedDiagnostic): Promise<void> {
    const current = await vscode.workspace.openTextDocument(uri);
    // The companion saw the excerpt with its secrets redacted: where the proposal keeps a
    // `[REDACTED:kind]` marker, the user's own value goes back (never the marker into the file).
    const restored = restoreSecrets(code, excerpt);
    if (restored === null) {
      void vscode.window.showWarningMessage(
        `Alisa's proposal for ${name} touches a secret she never saw (it was redacted), so it cannot be applied as is. Her reply is in the chat; edit that line by hand.`,
      );
      return;
    }
    code = restored;
    const result = applyProposal(current.getText(), excerpt, startLine, code);
    if (!result.ok) {
      void vscode.window.showWarningMessage(notCleanMessage(name, result.reason));
      return;
    }
    if (!result.changed) {
      void vscode.window.showInformationMessage(`Alisa's proposal leaves ${name} as it is: there is nothing to apply.`);
      return;
    }
    const { edit } = result;
    await this.proposals.open({
      uri,
      path,
      name,
      languageId: current.languageId,
      region: regionProposal(current.getText(), edit.startLine, edit.lineCount, edit.newText),
      fixOf,
    });
  }
}
