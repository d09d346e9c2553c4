// One fake `vscode` module for the extension's unit tests (they run in Node, outside VS Code; the
// real VS Code is covered by the e2e tests in tests/e2e/). It fakes only the API surface: no
// editor, no extension host. What the extension does through it is recorded (settings written,
// dialogs shown, status bar items, progress, edits applied, documents opened), and the user's
// side is scripted: `answers` click the dialogs' buttons, `files` are what documents hold, and
// `setWindowFocused` / `configChanged` play the editor. Only what the tests use is here; its
// shapes follow @types/vscode (checked where the API is not overloaded), and every function is a
// vi.fn, so a test may also assert on its calls.
//
//   import { fake } from './helpers/fake-vscode';
//   vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));
//
// `fake` is one per test file (vitest loads modules anew for each file); `fake.reset()` in a
// beforeEach starts every test from no settings, no records and a focused window.
import type * as vscode from 'vscode';
import { vi } from 'vitest';

export class EventEmitter<T> implements vscode.EventEmitter<T> {
  private listeners: Array<(e: T) => unknown> = [];
  event: vscode.Event<T> = (listener, thisArgs?, disposables?) => {
    const l = (e: T) => listener.call(thisArgs, e);
    this.listeners.push(l);
    const d = { dispose: () => void (this.listeners = this.listeners.filter((x) => x !== l)) };
    disposables?.push(d);
    return d;
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri implements vscode.Uri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query = '',
    readonly fragment = '',
  ) {}
  static file(p: string): Uri {
    return new Uri('file', '', p);
  }
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme, c.authority ?? '', c.path ?? '', c.query ?? '', c.fragment ?? '');
  }
  static joinPath(u: Uri, ...parts: string[]): Uri {
    return new Uri(u.scheme, u.authority, [u.path, ...parts].join('/'));
  }
  get fsPath(): string {
    return this.path;
  }
  with(change: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(
      change.scheme ?? this.scheme,
      change.authority ?? this.authority,
      change.path ?? this.path,
      change.query ?? this.query,
      change.fragment ?? this.fragment,
    );
  }
  toString(): string {
    return `${this.scheme}://${this.authority}${this.path}${this.query ? '?' + this.query : ''}${this.fragment ? '#' + this.fragment : ''}`;
  }
  toJSON(): unknown {
    return { scheme: this.scheme, authority: this.authority, path: this.path, query: this.query, fragment: this.fragment };
  }
}

/** A position and a range as data (vscode's have methods the tests never need). */
export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number);
  constructor(start: Position, end: Position);
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === 'number' ? new Position(a, b as number) : a;
    this.end = typeof a === 'number' ? new Position(c!, d!) : (b as Position);
  }
}

export class ThemeColor implements vscode.ThemeColor {
  constructor(readonly id: string) {}
}

/** An edit the extension made, once applied with `workspace.applyEdit`. */
export interface AppliedEdit {
  uri: Uri;
  range: Range;
  text: string;
}

export class WorkspaceEdit {
  readonly replacements: AppliedEdit[] = [];
  replace(uri: Uri, range: Range, text: string): void {
    this.replacements.push({ uri, range, text });
  }
}

/** A status bar item as the extension left it; `visible` says whether show() or hide() came last. */
export class StatusBarItem implements vscode.StatusBarItem {
  name: string | undefined = undefined;
  text = '';
  tooltip: string | vscode.MarkdownString | undefined = undefined;
  color: string | vscode.ThemeColor | undefined = undefined;
  backgroundColor: vscode.ThemeColor | undefined = undefined;
  command: string | vscode.Command | undefined = undefined;
  accessibilityInformation: vscode.AccessibilityInformation | undefined = undefined;
  visible = false;
  disposed = false;
  constructor(
    readonly id: string,
    readonly alignment: vscode.StatusBarAlignment,
    readonly priority: number | undefined,
  ) {}
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** A text document: an untitled one holds its content, a file's reads `fake.files` (live, as an open document follows its file). */
export class TextDocument {
  constructor(
    readonly uri: Uri,
    readonly languageId: string,
    private readonly read: () => string,
  ) {}
  getText(): string {
    return this.read();
  }
  get lineCount(): number {
    return this.read().split('\n').length;
  }
  lineAt(line: number): { lineNumber: number; text: string } {
    return { lineNumber: line, text: this.read().split('\n')[line] ?? '' };
  }
}

const LANGUAGES: Record<string, string> = { ts: 'typescript', tsx: 'typescriptreact', js: 'javascript', py: 'python', md: 'markdown', json: 'json' };

export type DialogKind = 'info' | 'warning' | 'error';
type DialogItem = string | vscode.MessageItem;

/** A message the extension showed: its text, options (modal, detail) and buttons. */
export interface Dialog {
  kind: DialogKind;
  message: string;
  options: vscode.MessageOptions | undefined;
  buttons: string[];
}

/** What the user clicks: the next answer queued, or the first whose `match` fits the message (undefined: dismissed). */
export type Answer = string | undefined | { match: RegExp; answer: string | undefined };

export interface ConfigUpdate {
  key: string;
  value: unknown;
  target: vscode.ConfigurationTarget | boolean | null | undefined;
}

/** vscode's enums, value for value (`import type` brings their types, not their values). */
type EnumValues<E> = { readonly [K in keyof E]: E[K] };

const GLOBAL = 1; // vscode.ConfigurationTarget.Global

export class FakeVscode {
  /** User settings and workspace settings, by full key (`alisa.voice.muted`); a workspace value wins. */
  readonly config: Record<string, unknown> = {};
  readonly workspaceConfig: Record<string, unknown> = {};
  /** Every `update` of a setting, in order. */
  readonly updates: ConfigUpdate[] = [];
  readonly configChanged = new EventEmitter<vscode.ConfigurationChangeEvent>();
  readonly windowStateChanged = new EventEmitter<vscode.WindowState>();
  /** The registered commands, by id. */
  readonly commands = new Map<string, (...args: any[]) => unknown>();
  readonly items: StatusBarItem[] = [];
  readonly statusBarMessages: string[] = [];
  readonly dialogs: Dialog[] = [];
  readonly answers: Answer[] = [];
  /** A dialog with no answer: dismissed at once, or left open until `release()` (as a modal the user has not answered yet). */
  unanswered: 'dismiss' | 'wait' = 'dismiss';
  private readonly open: Array<(answer: string | undefined) => void> = [];
  /** Every `withProgress` report; `cancel` fires the cancellation the user asks for. */
  readonly progress: Array<{ message?: string; increment?: number }> = [];
  readonly cancel = new EventEmitter<void>();
  readonly quickPicks: Array<{ items: string[]; options: vscode.QuickPickOptions | undefined }> = [];
  /** Which item `showQuickPick` picks (undefined: dismissed). */
  quickPickIndex: number | undefined = 0;
  readonly openDialogs: Array<vscode.OpenDialogOptions | undefined> = [];
  openDialogResult: Array<{ fsPath: string }> | undefined = undefined;
  /** Files on disk, by fsPath, for `openTextDocument(uri)`. */
  readonly files = new Map<string, string>();
  /** The untitled documents opened with content (`openTextDocument({ language, content })`), as asked. */
  readonly documents: Array<{ language?: string; content?: string }> = [];
  /** The edits applied with `workspace.applyEdit`, in order. */
  readonly edits: AppliedEdit[] = [];

  /** The module the extension imports as `vscode`. */
  readonly api = this.build();

  /** A clean slate for the next test (listeners stay: the code under test subscribed to them). */
  reset(): void {
    for (const k of Object.keys(this.config)) delete this.config[k];
    for (const k of Object.keys(this.workspaceConfig)) delete this.workspaceConfig[k];
    for (const list of [
      this.updates,
      this.items,
      this.statusBarMessages,
      this.dialogs,
      this.answers,
      this.open,
      this.progress,
      this.quickPicks,
      this.openDialogs,
      this.documents,
      this.edits,
    ])
      list.length = 0;
    this.commands.clear();
    this.files.clear();
    this.unanswered = 'dismiss';
    this.quickPickIndex = 0;
    this.openDialogResult = undefined;
    this.api.workspace.workspaceFolders = undefined;
    this.api.window.state = { focused: true, active: true };
  }

  /** The user answers the oldest dialog still open (see `unanswered`). */
  release(answer: string | undefined): void {
    this.open.shift()?.(answer);
  }

  /** The editor window gains or loses the focus. */
  setWindowFocused(focused: boolean): void {
    this.api.window.state = { focused, active: focused };
    this.windowStateChanged.fire(this.api.window.state);
  }

  /** Opens `paths` as the workspace's folders. */
  setWorkspaceFolders(paths: string[]): void {
    this.api.workspace.workspaceFolders = paths.map((p, index) => ({ uri: Uri.file(p), name: p.slice(p.lastIndexOf('/') + 1), index }));
  }

  private dialog(kind: DialogKind) {
    return (message: string, ...rest: Array<vscode.MessageOptions | DialogItem>): Promise<string | undefined> => {
      const options = typeof rest[0] === 'object' && rest[0] !== null && !('title' in rest[0]) ? (rest.shift() as vscode.MessageOptions) : undefined;
      const buttons = (rest as DialogItem[]).map((b) => (typeof b === 'string' ? b : b.title));
      this.dialogs.push({ kind, message, options, buttons });
      const i = this.answers.findIndex((a) => typeof a !== 'object' || a.match.test(message));
      if (i >= 0) {
        const a = this.answers.splice(i, 1)[0];
        return Promise.resolve(typeof a === 'object' ? a.answer : a);
      }
      if (this.unanswered === 'dismiss') return Promise.resolve(undefined);
      return new Promise((resolve) => this.open.push(resolve));
    };
  }

  private configuration(section = ''): vscode.WorkspaceConfiguration {
    const full = (key: string) => (section ? `${section}.${key}` : key);
    const value = (key: string) => {
      const k = full(key);
      return k in this.workspaceConfig ? this.workspaceConfig[k] : this.config[k];
    };
    const configuration = {
      get: (key: string, fallback?: unknown) => {
        const v = value(key);
        return v === undefined ? fallback : v;
      },
      has: (key: string) => value(key) !== undefined,
      inspect: (key: string) => ({ key: full(key), globalValue: this.config[full(key)], workspaceValue: this.workspaceConfig[full(key)] }),
      update: async (key: string, v: unknown, target?: vscode.ConfigurationTarget | boolean | null) => {
        const k = full(key);
        this.updates.push({ key: k, value: v, target });
        if (target === GLOBAL || target === true) this.config[k] = v;
        else this.workspaceConfig[k] = v;
        this.configChanged.fire({ affectsConfiguration: (s: string) => k === s || k.startsWith(`${s}.`) });
      },
    };
    return configuration as vscode.WorkspaceConfiguration;
  }

  private build() {
    const workspace = {
      workspaceFolders: undefined as vscode.WorkspaceFolder[] | undefined,
      onDidChangeConfiguration: this.configChanged.event,
      getConfiguration: vi.fn((section?: string) => this.configuration(section)),
      openTextDocument: vi.fn(async (what: Uri | { language?: string; content?: string }): Promise<TextDocument> => {
        if (what instanceof Uri) {
          const path = what.fsPath;
          if (!this.files.has(path)) throw new Error(`cannot open ${what.toString()}: no such file`);
          return new TextDocument(what, LANGUAGES[path.slice(path.lastIndexOf('.') + 1)] ?? 'plaintext', () => this.files.get(path) ?? '');
        }
        this.documents.push(what);
        const content = what.content ?? '';
        return new TextDocument(new Uri('untitled', '', `Untitled-${this.documents.length}`), what.language ?? 'plaintext', () => content);
      }),
      applyEdit: vi.fn(async (edit: WorkspaceEdit) => {
        this.edits.push(...edit.replacements);
        return true;
      }),
    };
    const window = {
      state: { focused: true, active: true } as vscode.WindowState,
      onDidChangeWindowState: this.windowStateChanged.event,
      showInformationMessage: vi.fn(this.dialog('info')),
      showWarningMessage: vi.fn(this.dialog('warning')),
      showErrorMessage: vi.fn(this.dialog('error')),
      setStatusBarMessage: vi.fn((text: string, _hideAfter?: number | Thenable<unknown>): vscode.Disposable => {
        this.statusBarMessages.push(text);
        return { dispose: () => undefined };
      }),
      createStatusBarItem: vi.fn((id: string, alignment: vscode.StatusBarAlignment = 1, priority?: number) => {
        const item = new StatusBarItem(id, alignment, priority);
        this.items.push(item);
        return item;
      }),
      showQuickPick: vi.fn(async <T extends vscode.QuickPickItem>(items: readonly T[], options?: vscode.QuickPickOptions) => {
        this.quickPicks.push({ items: items.map((i) => i.label), options });
        return this.quickPickIndex === undefined ? undefined : items[this.quickPickIndex];
      }),
      showOpenDialog: vi.fn(async (options?: vscode.OpenDialogOptions) => {
        this.openDialogs.push(options);
        return this.openDialogResult;
      }),
      showTextDocument: vi.fn(async (_document: TextDocument, _options?: vscode.TextDocumentShowOptions) => undefined),
      withProgress: vi.fn(
        async <R>(
          _options: vscode.ProgressOptions,
          task: (
            progress: vscode.Progress<{ message?: string; increment?: number }>,
            token: Pick<vscode.CancellationToken, 'onCancellationRequested'>,
          ) => Thenable<R>,
        ): Promise<R> => task({ report: (v) => void this.progress.push(v) }, { onCancellationRequested: this.cancel.event }),
      ),
    };
    const commands = {
      registerCommand: vi.fn((id: string, fn: (...args: any[]) => unknown): vscode.Disposable => {
        this.commands.set(id, fn);
        return { dispose: () => void this.commands.delete(id) };
      }),
      executeCommand: vi.fn(async (id: string, ...args: unknown[]): Promise<unknown> => this.commands.get(id)?.(...args)),
    };
    return {
      EventEmitter,
      Uri,
      Position,
      Range,
      ThemeColor,
      WorkspaceEdit,
      ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 } satisfies EnumValues<typeof vscode.ConfigurationTarget>,
      StatusBarAlignment: { Left: 1, Right: 2 } satisfies EnumValues<typeof vscode.StatusBarAlignment>,
      ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 } satisfies EnumValues<typeof vscode.ProgressLocation>,
      DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 } satisfies EnumValues<typeof vscode.DiagnosticSeverity>,
      workspace,
      window,
      commands,
    };
  }
}

export const fake = new FakeVscode();
