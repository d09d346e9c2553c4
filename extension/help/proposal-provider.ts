// Read-only documents on the `alisa-proposal` scheme: the proposed file shown on the right of
// the diff editor. Content lives in memory until the proposal is applied or discarded.
import * as vscode from 'vscode';

export const PROPOSAL_SCHEME = 'alisa-proposal';

export class ProposalProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private seq = 0;

  /** A new proposal document for `relPath` (the same file name, so it gets the same language). */
  add(relPath: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: '/' + relPath.replace(/^\/+/, ''), query: `v${++this.seq}` });
    this.contents.set(uri.toString(), text);
    return uri;
  }

  remove(uri: vscode.Uri): void {
    this.contents.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.contents.clear();
    this.changed.dispose();
  }
}
