// "Apply…" on a code block in her reply: the same diff flow as her fixes (proposal-controller.ts),
// for code the user picks from the chat. The user chooses where it goes: the selection in the
// active editor (whole lines), the whole active file, or another file of the workspace; the
// proposal opens as a diff with Apply / Discard and per-change CodeLens, so nothing changes
// without a click, and an applied change is one undo step that "Revert Alisa's Last Change" can
// take back. A `[REDACTED:kind]` marker in her code gets the user's value back from the target's
// text, or the apply is refused (the marker never reaches a file); files outside the workspace
// or excluded by alisa.privacy.excludeGlobs are refused.
import { posix } from 'node:path';
import * as vscode from 'vscode';
import { restoreSecrets } from '../../common/privacy/restore';
import { sendablePathOf } from '../awareness/workspace-privacy';
import type { ProposalOpener } from './proposal-controller';
import { regionProposal } from './proposal-model';

/** The lines a code block replaces in `text`: the selection's whole lines, or the whole file. */
export function targetLines(text: string, selection: { start: number; end: number; endCharacter: number } | null): { start: number; count: number } {
  // The whole file keeps its final newline (the code block has none).
  const lineCount = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (!selection) return { start: 0, count: lineCount };
  // A selection that ends at the start of a line does not take that line.
  const end = selection.endCharacter === 0 && selection.end > selection.start ? selection.end - 1 : selection.end;
  return { start: selection.start, count: end - selection.start + 1 };
}

/** The code as it goes into a file: one trailing newline less than a fenced block carries. */
export function codeForFile(code: string): string {
  return code.replace(/\r\n/g, '\n').replace(/\n$/, '');
}

type Choice = { label: string; description?: string; target: 'selection' | 'file' | 'other' };

export async function applyCodeToFile(code: string, proposals: ProposalOpener): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const active = editor && sendablePathOf(editor.document.uri) !== null ? editor : undefined;
  const choices: Choice[] = [];
  if (active) {
    const name = posix.basename(active.document.uri.path);
    if (!active.selection.isEmpty) choices.push({ label: `$(selection) The selected lines of ${name}`, target: 'selection' });
    choices.push({ label: `$(file) All of ${name}`, description: 'the diff shows every change; apply the ones you want', target: 'file' });
  }
  choices.push({ label: '$(folder-opened) Another file…', target: 'other' });
  const picked =
    choices.length === 1
      ? choices[0]
      : await vscode.window.showQuickPick(choices, { title: 'Apply Alisa’s code to…', placeHolder: 'Nothing changes until you click Apply in the diff' });
  if (!picked) return;
  let uri: vscode.Uri;
  let selection: { start: number; end: number; endCharacter: number } | null = null;
  if (picked.target === 'other') {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Apply Here', ...(folder ? { defaultUri: folder } : {}) });
    if (!files?.[0]) return;
    uri = files[0];
  } else {
    uri = active!.document.uri;
    if (picked.target === 'selection')
      selection = { start: active!.selection.start.line, end: active!.selection.end.line, endCharacter: active!.selection.end.character };
  }
  const path = sendablePathOf(uri);
  const name = posix.basename(uri.path);
  if (path === null) {
    void vscode.window.showWarningMessage(
      `Alisa does not change ${name}: it is outside the workspace or matches alisa.privacy.excludeGlobs. Pick a file of this workspace.`,
    );
    return;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const text = document.getText();
  const restored = restoreSecrets(codeForFile(code), text);
  if (restored === null) {
    void vscode.window.showWarningMessage(
      `This code keeps a secret Alisa never saw (it was redacted), and ${name} has no value for it. Copy the code and fill that line in by hand.`,
    );
    return;
  }
  const { start, count } = targetLines(text.replace(/\r\n/g, '\n'), selection);
  const region = regionProposal(text, start, count, restored);
  if (region.oldLines.join('\n') === region.newLines.join('\n')) {
    void vscode.window.showInformationMessage(`${name} already holds this code: there is nothing to apply.`);
    return;
  }
  await proposals.open({ uri, path, name, languageId: document.languageId, region });
}
