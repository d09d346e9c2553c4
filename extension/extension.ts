// The VS Code side of Alisa. This file only wires parts together; the parts (companion manager,
// sidebar view, commands, status bar) arrive with the extension work (issue 3).
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Nothing is contributed yet: the companion runs on its own (`npm start`).
}

export function deactivate(): void {}
