// What Alisa knows of the user's work: the watchers (diagnostics, editor, terminal, debugger)
// feed one coalescer that sends `context.update` at most once a second, only with what changed.
// `alisa.awareness.enabled` turns all of it off (and on) live; `alisa.privacy.excludeGlobs` is
// read on every snapshot.
import * as vscode from 'vscode';
import type { ContextUpdate, TerminalFailure } from '../../protocol/context';
import type { CompanionManager } from '../companion-manager';
import { ContextCoalescer } from './coalescer';
import { DebugWatcher } from './debug-watcher';
import { DiagnosticsWatcher } from './diagnostics-watcher';
import { EditorWatcher } from './editor-watcher';
import { TerminalWatcher } from './terminal-watcher';
import { awarenessEnabled } from './workspace-privacy';

export class Awareness implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private coalescer: ContextCoalescer | null = null;
  private terminal: TerminalWatcher | null = null;
  private readonly subscriptions: vscode.Disposable[];
  /** Kept even while awareness is off: the command "Explain Last Terminal Failure" uses it. */
  private lastFailure: TerminalFailure | null = null;
  /** The last send error logged (the same one is not logged every second). */
  private lastError: string | null = null;
  private readonly emitted = new vscode.EventEmitter<ContextUpdate>();
  /** Every update a watcher emits, before coalescing (for the extension's API: tests observe it). */
  readonly onDidEmit = this.emitted.event;
  private readonly succeeded = new vscode.EventEmitter<string>();
  /** A terminal command ended with exit code 0 (its command line). */
  readonly onCommandSucceeded = this.succeeded.event;

  constructor(private readonly manager: CompanionManager) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alisa.awareness.enabled')) this.apply();
        else if (e.affectsConfiguration('alisa.help.focusMode')) this.coalescer?.update({ focusMode: focusModeOn() });
        // New exclusions take effect at once: resend everything through the new filter.
        else if (e.affectsConfiguration('alisa.privacy.excludeGlobs') && this.coalescer) this.restart();
      }),
      manager.onDidChangeState((s) => {
        // A (re)started companion knows nothing: the next snapshot carries everything.
        if (s.state !== 'ready') return;
        if (this.coalescer) this.restart();
      }),
    ];
    this.apply();
  }

  get lastTerminalFailure(): TerminalFailure | null {
    return this.terminal?.lastFailure ?? this.lastFailure;
  }

  private apply(): void {
    const enabled = awarenessEnabled();
    if (enabled && !this.coalescer) this.start();
    if (!enabled && this.coalescer) this.stop();
  }

  private restart(): void {
    this.stop();
    this.start();
  }

  private start(): void {
    const coalescer = new ContextCoalescer((u) => this.send(u), undefined, undefined, { log: (m) => this.manager.log.warn(m) });
    this.coalescer = coalescer;
    const emit = (u: ContextUpdate) => {
      coalescer.update(u);
      this.emitted.fire(u);
    };
    this.terminal = new TerminalWatcher(
      emit,
      (f) => (this.lastFailure = f),
      (commandLine) => {
        emit({ terminalSuccess: { commandLine, at: Date.now() } });
        this.succeeded.fire(commandLine);
      },
    );
    this.watchers = [new DiagnosticsWatcher(emit), new EditorWatcher(emit), this.terminal, new DebugWatcher(emit)];
    emit({ focusMode: focusModeOn() });
  }

  private stop(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
    this.coalescer?.dispose();
    this.coalescer = null;
    this.terminal = null;
  }

  private async send(update: ContextUpdate): Promise<void> {
    if (!this.manager.connected) throw new Error('not connected'); // kept; resent after the next change
    try {
      await this.manager.request('context.update', update);
      this.lastError = null;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.manager.log.warn(`context.update failed: ${message}`);
      this.lastError = message;
      throw err;
    }
  }

  dispose(): void {
    this.stop();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.emitted.dispose();
    this.succeeded.dispose();
  }
}

/** Focus mode: help offers come three times less often (the companion's policy). */
function focusModeOn(): boolean {
  return vscode.workspace.getConfiguration('alisa').get<boolean>('help.focusMode', false);
}
