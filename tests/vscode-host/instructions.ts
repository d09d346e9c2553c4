// Workspace instructions (issue 17) in a real extension host: the setting's default, and
// "Alisa: Open Workspace Instructions" opening the first folder's `.alisa/instructions.md` in an
// editor (when it exists: creating one asks in a modal, which needs a click). That the files reach
// the prompt is tested against the real companion in tests/workspace-instructions.test.ts.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

type Test = (name: string, fn: () => Promise<void>) => void;

export function registerInstructionsTests(test: Test): void {
  test('instructions: on by default; the command opens .alisa/instructions.md of the workspace', async () => {
    assert.equal(vscode.workspace.getConfiguration('alisa.instructions').get('enabled'), true);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const dir = path.join(folder.uri.fsPath, '.alisa');
    const file = path.join(dir, 'instructions.md');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, 'Answer in haiku in this workspace.\n');
    try {
      const opened = await vscode.commands.executeCommand<vscode.Uri | undefined>('alisa.openWorkspaceInstructions');
      assert.equal(opened?.fsPath, file);
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor, 'an editor is open');
      assert.equal(editor.document.uri.fsPath, file);
      assert.match(editor.document.getText(), /haiku/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
