// The memory of fixes that worked, the editor's half (issue 17): when one of her proposals is
// applied, it waits (bounded, on the diagnostics change events of that file, never a sleep) for
// the error it fixed to go away; when it does, with no new error in the file, it sends
// `memories.recordFix` with the error's signature (common/fix-signature.ts, the same the
// companion computes for its offers) and the change in a few words. A command that failed, and
// succeeds after one of her changes was applied, is recorded the same way (its error line's
// signature, that change). Nothing is recorded for a file outside the workspace or matching the
// privacy globs (her proposals never touch one), and secrets are redacted from what is sent.
import type * as vscode from 'vscode';
import { diagnosticSignature, errorLineOf, failureSignature, shortErrorText, type SignedDiagnostic } from '../../common/fix-signature';
import { redactSecrets } from '../../common/privacy/redact';
import type { Params } from '../../protocol';
import type { TerminalFailure } from '../../protocol/context';
import { describeChange } from './fix-change';

/** How long an applied fix waits for its diagnostic to go away (a slow language server may take a while). */
export const FIX_SETTLE_MS = 20_000;
/** A command that succeeds this long after her change no longer says anything about it. */
const COMMAND_FIX_WINDOW_MS = 30 * 60_000;
const MAX_FAILURES = 20;
const MAX_APPLIED = 20;

/** Where diagnostics come from: vscode.languages in the extension. */
export interface DiagnosticsSource {
  getDiagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  onDidChangeDiagnostics: vscode.Event<{ readonly uris: readonly vscode.Uri[] }>;
}

/** One of her changes as it landed in a file. */
export interface AppliedFix {
  uri: vscode.Uri;
  /** Workspace-relative path (sendable: not excluded by the privacy globs). */
  path: string;
  oldText: string;
  newText: string;
  /** The diagnostic it was proposed for (FixFlow); absent for code applied from the chat. */
  fixOf?: SignedDiagnostic;
  /** The file's diagnostics just before the edit. */
  before: readonly vscode.Diagnostic[];
}

export type FixOutcome = 'recorded' | 'still-there' | 'no-change' | 'off' | 'failed';

interface RecorderDeps {
  diagnostics: DiagnosticsSource;
  request: (method: 'memories.recordFix', params: Params<'memories.recordFix'>) => Promise<unknown>;
  /** alisa.memory.rememberFixes (read at each fix; default on). */
  enabled?: () => boolean;
  now?: () => number;
  settleMs?: number;
  log?: (line: string) => void;
}

const ERROR = 0; // vscode.DiagnosticSeverity.Error, without importing vscode at run time (tests run this with a stand-in).
const errors = (list: readonly vscode.Diagnostic[]) => list.filter((d) => d.severity === ERROR);
const count = (list: readonly vscode.Diagnostic[], signature: string) => errors(list).filter((d) => signatureOf(d) === signature).length;

function signatureOf(d: vscode.Diagnostic): string {
  const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return diagnosticSignature({ source: d.source ?? null, code: code ?? null, message: d.message });
}

export class FixRecorder implements vscode.Disposable {
  private readonly now: () => number;
  private readonly failures = new Map<string, TerminalFailure>();
  private readonly applied: Array<AppliedFix & { at: number }> = [];
  private readonly waits = new Set<() => void>();

  constructor(private readonly deps: RecorderDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * A change of hers landed. For a fix of a diagnostic: resolves when the diagnostic went away
   * (recorded), or when the wait ended with it still there.
   */
  async onApplied(fix: AppliedFix): Promise<FixOutcome> {
    this.applied.push({ ...fix, at: this.now() });
    if (this.applied.length > MAX_APPLIED) this.applied.shift();
    if (!fix.fixOf) return 'no-change';
    const change = describeChange(fix.oldText, fix.newText);
    if (!change) return 'no-change';
    const signature = diagnosticSignature(fix.fixOf);
    const before = count(fix.before, signature);
    // Already gone when this change landed (fixed by hand, or by an earlier hunk of the same
    // proposal, which was recorded): nothing of this change to remember.
    if (before === 0) return 'no-change';
    const beforeErrors = errors(fix.before).length;
    const gone = await this.waitForDiagnostics(fix.uri, (list) => count(list, signature) < before && errors(list).length < beforeErrors);
    if (!gone) return 'still-there';
    return this.record({
      signature,
      kind: 'diagnostic',
      error: shortErrorText(redactSecrets(fix.fixOf.message).text, 200),
      path: fix.path,
      summary: change.summary,
      ...(change.diff ? { diff: change.diff } : {}),
    });
  }

  /** A command failed (awareness): kept, by its command line, for a later success. */
  onCommandFailed(f: TerminalFailure): void {
    this.failures.delete(f.commandLine);
    this.failures.set(f.commandLine, f);
    if (this.failures.size > MAX_FAILURES) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A command succeeded: if it failed before one of her changes, that change fixed it. */
  async onCommandSucceeded(commandLine: string): Promise<FixOutcome> {
    const failure = this.failures.get(commandLine);
    if (!failure) return 'no-change';
    this.failures.delete(commandLine);
    const now = this.now();
    const fix = [...this.applied].reverse().find((a) => a.at >= failure.at && now - a.at < COMMAND_FIX_WINDOW_MS);
    const change = fix ? describeChange(fix.oldText, fix.newText) : null;
    if (!fix || !change) return 'no-change';
    const line = errorLineOf(failure.output) ?? `\`${failure.commandLine}\` exited with code ${failure.exitCode}`;
    return this.record({
      signature: failureSignature(failure),
      kind: 'terminal',
      error: shortErrorText(redactSecrets(line).text, 200),
      path: fix.path,
      summary: change.summary,
      ...(change.diff ? { diff: change.diff } : {}),
    });
  }

  private async record(params: Params<'memories.recordFix'>): Promise<FixOutcome> {
    if (this.deps.enabled && !this.deps.enabled()) return 'off';
    try {
      await this.deps.request('memories.recordFix', params);
      return 'recorded';
    } catch (err) {
      // Not worth a notification: the fix itself worked; only the memory of it is lost.
      this.deps.log?.(`could not remember the fix in ${params.path}: ${(err as Error).message}`);
      return 'failed';
    }
  }

  /** True when `ok` holds for the file's diagnostics at a change event within the wait; false when the wait ends first. */
  private waitForDiagnostics(uri: vscode.Uri, ok: (list: readonly vscode.Diagnostic[]) => boolean): Promise<boolean> {
    const key = uri.toString();
    return new Promise<boolean>((resolve) => {
      let done = false;
      const finish = (result: boolean) => {
        if (done) return;
        done = true;
        sub.dispose();
        clearTimeout(timer);
        this.waits.delete(stop);
        resolve(result);
      };
      const stop = () => finish(false);
      const sub = this.deps.diagnostics.onDidChangeDiagnostics((e) => {
        if (e.uris.some((u) => u.toString() === key) && ok(this.deps.diagnostics.getDiagnostics(uri))) finish(true);
      });
      const timer = setTimeout(stop, this.deps.settleMs ?? FIX_SETTLE_MS);
      this.waits.add(stop);
      // A fast language server may have answered already (the list before the edit cannot pass: its count did not drop).
      if (ok(this.deps.diagnostics.getDiagnostics(uri))) finish(true);
    });
  }

  dispose(): void {
    for (const stop of [...this.waits]) stop();
  }
}
