// Read-only documents on the `alisa-proposal` scheme: the proposed file shown on the right of
// the diff editor. A content provider's documents are read-only and never saved, and are not
// workspace files; content lives in memory until the proposal is applied or discarded, and
// `update` refreshes an open one (after a single hunk is applied or discarded, or the file
// changed elsewhere). What keeps language servers from checking it is its language, see
// proposal-languages.ts.
import * as vscode from 'vscode';

export const PROPOSAL_SCHEME = 'alisa-proposal';

export class ProposalProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private seq = 0;

  /** A new proposal document for `relPath` (the same file name, so its tab and tooltip name the file). */
  add(relPath: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: '/' + relPath.replace(/^\/+/, ''), query: `v${++this.seq}` });
    this.contents.set(uri.toString(), text);
    return uri;
  }

  /** New content for an open proposal document (no-op once it is removed or when unchanged). */
  update(uri: vscode.Uri, text: string): void {
    const key = uri.toString();
    if (!this.contents.has(key) || this.contents.get(key) === text) return;
    this.contents.set(key, text);
    this.changed.fire(uri);
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
