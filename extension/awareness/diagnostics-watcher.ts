// Problems as the companion sees them: on every diagnostics change (debounced), the errors and
// warnings of every workspace file that may be sent, with the source lines around each error.
import { LIMITS } from './limits';
import * as vscode from 'vscode';
import type { ContextUpdate, FileDiagnostics } from '../../protocol/context';
import { buildFileDiagnostics } from './excerpt';
import { toRawDiagnostic } from './vscode-diagnostics';
import { readExcludeGlobs, sendablePathOf } from './workspace-privacy';

export const DIAGNOSTICS_DEBOUNCE_MS = 750;

export class DiagnosticsWatcher implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly emit: (u: ContextUpdate) => void) {
    this.subscription = vscode.languages.onDidChangeDiagnostics(() => this.schedule());
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.emit({ diagnostics: snapshotDiagnostics() });
    }, DIAGNOSTICS_DEBOUNCE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
  }
}

/** The current diagnostics of sendable files, files with errors first, capped. */
export function snapshotDiagnostics(): FileDiagnostics[] {
  const globs = readExcludeGlobs();
  const pathOf = (uri: vscode.Uri) => sendablePathOf(uri, globs);
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  const files: FileDiagnostics[] = [];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    if (diagnostics.length === 0) continue;
    const path = pathOf(uri);
    if (path === null) continue;
    const doc = open.get(uri.toString());
    const file = buildFileDiagnostics({
      path,
      language: doc?.languageId ?? null,
      text: doc ? doc.getText() : null,
      diagnostics: diagnostics.map((d) => toRawDiagnostic(d, pathOf)),
    });
    if (file) files.push(file);
  }
  const errors = (f: FileDiagnostics) => f.diagnostics.filter((d) => d.severity === 'error').length;
  return files.sort((a, b) => errors(b) - errors(a)).slice(0, LIMITS.files);
}
