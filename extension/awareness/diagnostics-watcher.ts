// Problems as the companion sees them: on every diagnostics change (debounced) and when the active
// editor changes, a bounded snapshot of the errors and warnings of every workspace file that may
// be sent: the active file and the files whose problems changed lately first, with the source
// lines around each error, then counts per file, and what was left out (diagnostics-budget.ts).
import * as vscode from 'vscode';
import type { ContextUpdate } from '../../protocol/context';
import { buildDiagnosticsSnapshot, type DiagnosticsFields, type DiagnosticsSource } from './diagnostics-budget';
import { SEVERITY, toRawDiagnostic } from './vscode-diagnostics';
import { readExcludeGlobs, sendablePathOf } from './workspace-privacy';

const DIAGNOSTICS_DEBOUNCE_MS = 750;
/** How many files whose problems changed are remembered for ranking. */
const RECENT_FILES = 100;
/** A diagnostics change touching more files than this is a bulk refresh, not a sign of recent work. */
const BULK_CHANGE = 20;
/** Sendable paths remembered at most (past it, the memory starts over). */
const PATHS_KEPT = 100_000;

export class DiagnosticsWatcher implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** URIs the user edited or whose problems changed alone lately, most recent first. */
  private recent: string[] = [];
  /**
   * Each URI's sendable path (null: not sendable), kept between snapshots: the privacy filter
   * costs ~6 µs a file, 12 ms an update at 2,000 files. The exclude globs do not change under a
   * watcher (a change restarts awareness); the workspace folders clear it.
   */
  private readonly paths = new Map<string, string | null>();

  constructor(private readonly emit: (u: ContextUpdate) => void) {
    this.subscriptions = [
      vscode.languages.onDidChangeDiagnostics((e) => {
        // A few files at a time: the language server answering an edit. A bulk refresh (a build
        // task's problem matcher) says nothing about what the user works on.
        if (e.uris.length <= BULK_CHANGE) this.noteChanged(e.uris);
        this.schedule();
      }),
      // The files the user edits are the most recent of all.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.recent[0] !== e.document.uri.toString()) this.noteChanged([e.document.uri]);
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.paths.clear();
        this.schedule();
      }),
    ];
    this.schedule();
  }

  private noteChanged(uris: readonly vscode.Uri[]): void {
    const fresh = uris.map((u) => u.toString());
    const seen = new Set(fresh);
    this.recent = [...fresh, ...this.recent.filter((u) => !seen.has(u))].slice(0, RECENT_FILES);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.paths.size > PATHS_KEPT) this.paths.clear();
      this.emit(snapshotDiagnostics(this.recent, this.paths));
    }, DIAGNOSTICS_DEBOUNCE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}

/**
 * The current diagnostics of sendable files, bounded. `recent`: URIs whose problems changed lately,
 * most recent first; `known`: sendable paths by URI from earlier snapshots (read and filled).
 */
function snapshotDiagnostics(recent: readonly string[] = [], known: Map<string, string | null> = new Map()): DiagnosticsFields {
  const globs = readExcludeGlobs();
  const pathOf = (uri: vscode.Uri) => sendablePathOf(uri, globs);
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  const sources: Array<DiagnosticsSource<vscode.Diagnostic>> = [];
  const paths = new Map<string, string>();
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    if (diagnostics.length === 0) continue;
    const key = uri.toString();
    let path = known.get(key);
    if (path === undefined) {
      path = pathOf(uri);
      known.set(key, path);
    }
    if (path === null) continue;
    paths.set(key, path);
    const doc = open.get(key);
    sources.push({ path, language: doc?.languageId ?? null, text: () => (doc ? doc.getText() : null), diagnostics });
  }
  const activeUri = vscode.window.activeTextEditor?.document.uri.toString();
  return buildDiagnosticsSnapshot(sources, {
    active: (activeUri && paths.get(activeUri)) ?? null,
    recent: recent.flatMap((u) => paths.get(u) ?? []),
    severity: (d) => SEVERITY[d.severity] ?? 'error',
    toRaw: (d) => toRawDiagnostic(d, pathOf),
  });
}
