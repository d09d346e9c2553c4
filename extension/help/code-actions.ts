// The lightbulb: "Ask Alisa to fix" and "Ask Alisa to explain" on every diagnostic under the
// cursor, except in files Alisa may not read.
import * as vscode from 'vscode';
import { sendablePathOf } from '../awareness/workspace-privacy';

export const HELP_COMMANDS = {
  explainError: 'alisa.explainError',
  explainTerminalFailure: 'alisa.explainTerminalFailure',
  fixDiagnostic: 'alisa.fixDiagnostic',
} as const;

export class AlisaCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.diagnostics.length === 0 || sendablePathOf(document.uri) === null) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const short = diagnostic.message.split('\n')[0]!.slice(0, 60);
      const fix = new vscode.CodeAction('Ask Alisa to fix', vscode.CodeActionKind.QuickFix);
      fix.diagnostics = [diagnostic];
      fix.command = { command: HELP_COMMANDS.fixDiagnostic, title: 'Ask Alisa to fix', tooltip: short, arguments: [document.uri, diagnostic] };
      const explain = new vscode.CodeAction('Ask Alisa to explain', vscode.CodeActionKind.QuickFix);
      explain.diagnostics = [diagnostic];
      explain.command = { command: HELP_COMMANDS.explainError, title: 'Ask Alisa to explain', tooltip: short, arguments: [document.uri, diagnostic] };
      actions.push(fix, explain);
    }
    return actions;
  }
}
