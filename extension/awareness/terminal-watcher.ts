// Failed terminal commands, through shell integration: the command line, its exit code and the
// tail of its output (read while it runs). Terminals without shell integration report nothing.
import { LIMITS } from './limits';
import * as vscode from 'vscode';
import type { ContextUpdate, TerminalFailure } from '../../protocol/context';
import { capHead } from './privacy';
import { OutputTail } from './terminal-output';
import { sendablePathOf } from './workspace-privacy';

/** How long the end of a command waits for its output stream to drain. */
const DRAIN_MS = 500;
const MAX_TRACKED = 20;

export class TerminalWatcher implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];
  private readonly reading = new Map<vscode.TerminalShellExecution, { tail: OutputTail; done: Promise<void> }>();
  private last: TerminalFailure | null = null;

  constructor(
    private readonly emit: (u: ContextUpdate) => void,
    private readonly onFailure: (f: TerminalFailure) => void = () => {},
    /** A command ended with exit code 0 (the memory of fixes: a failing command that now succeeds). */
    private readonly onSuccess: (commandLine: string) => void = () => {},
  ) {
    this.subscriptions = [
      vscode.window.onDidStartTerminalShellExecution((e) => this.onStart(e.execution)),
      vscode.window.onDidEndTerminalShellExecution((e) => void this.onEnd(e.execution, e.exitCode)),
    ];
  }

  /** The last failure seen (for "Explain Last Terminal Failure"). */
  get lastFailure(): TerminalFailure | null {
    return this.last;
  }

  private onStart(execution: vscode.TerminalShellExecution): void {
    const tail = new OutputTail();
    const done = (async () => {
      try {
        for await (const chunk of execution.read()) tail.push(chunk);
      } catch {
        // The stream ends with the terminal; what was read is kept.
      }
    })();
    this.reading.set(execution, { tail, done });
    if (this.reading.size > MAX_TRACKED) this.reading.delete(this.reading.keys().next().value!);
  }

  private async onEnd(execution: vscode.TerminalShellExecution, exitCode: number | undefined): Promise<void> {
    const entry = this.reading.get(execution);
    this.reading.delete(execution);
    if (exitCode === 0) this.onSuccess(capHead(execution.commandLine.value, LIMITS.commandLine));
    if (exitCode === undefined || exitCode === 0) return;
    if (entry) await Promise.race([entry.done, new Promise((r) => setTimeout(r, DRAIN_MS))]);
    const cwd = execution.cwd ? sendablePathOf(execution.cwd) : null;
    const failure: TerminalFailure = {
      commandLine: capHead(execution.commandLine.value, LIMITS.commandLine),
      exitCode,
      output: entry ? entry.tail.value() || null : null,
      cwd: cwd === null ? null : capHead(cwd, LIMITS.path),
      at: Date.now(),
    };
    this.last = failure;
    this.onFailure(failure);
    this.emit({ terminalFailure: failure });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.reading.clear();
  }
}
