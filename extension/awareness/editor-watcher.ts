// The active editor: which file, what is visible and selected, the text around the cursor, and
// whether the user is typing (a change in the last 2.5 s; help waits while they type).
import * as vscode from 'vscode';
import type { ContextUpdate, EditorContext } from '../../protocol/context';
import { splitLines, textAroundCursor } from './excerpt';
import { capHead } from './privacy';
import { toRange } from './vscode-diagnostics';
import { sendablePathOf } from './workspace-privacy';

const TYPING_WINDOW_MS = 2500;
const SNAPSHOT_DEBOUNCE_MS = 300;

export class EditorWatcher implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshotTimer: ReturnType<typeof setTimeout> | null = null;
  private typing = false;

  constructor(private readonly emit: (u: ContextUpdate) => void) {
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor(() => this.scheduleSnapshot(0)),
      vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && this.scheduleSnapshot()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => e.textEditor === vscode.window.activeTextEditor && this.scheduleSnapshot()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0 || e.document !== vscode.window.activeTextEditor?.document) return;
        this.setTyping(true);
        if (this.typingTimer) clearTimeout(this.typingTimer);
        this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_WINDOW_MS);
        this.scheduleSnapshot();
      }),
    ];
    this.scheduleSnapshot(0);
  }

  private setTyping(typing: boolean): void {
    if (typing === this.typing) return;
    this.typing = typing;
    this.emit({ typing });
  }

  private scheduleSnapshot(ms = SNAPSHOT_DEBOUNCE_MS): void {
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = null;
      this.emit({ editor: snapshotEditor(vscode.window.activeTextEditor) });
    }, ms);
  }

  dispose(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Null when there is no editor, or its file may not be sent. */
function snapshotEditor(editor: vscode.TextEditor | undefined): EditorContext | null {
  if (!editor) return null;
  const path = sendablePathOf(editor.document.uri);
  if (path === null) return null;
  const around = textAroundCursor(splitLines(editor.document.getText()), editor.selection.active.line);
  const visible = editor.visibleRanges[0];
  return {
    path: capHead(path, 500),
    language: capHead(editor.document.languageId, 50),
    visibleRange: visible ? toRange(visible) : null,
    selection: toRange(editor.selection),
    text: around.text,
    textStartLine: around.startLine,
  };
}
