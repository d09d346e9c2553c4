// Alisa's hands in VS Code (issue 16): this window tells the companion which editor actions it
// runs, its folders and whether the workspace is trusted (`action.register`, again whenever they
// change); runs the editor actions the companion sends it (`action.exec` -> `action.complete`);
// shows the companion's questions (`action.ask`) as modals, one at a time (Allow / Always Allow in
// This Workspace / Deny; closing it denies; "always" is offered only when the companion allows
// it); sends `alisa.actions.*` settings (`action.configure`); and gives the palette "Alisa: Run an
// Action…", "Alisa: Show Action Audit Log", "Alisa: Clear Action Audit Log" and "Alisa: Forget
// Always-Allowed Actions".
import * as vscode from 'vscode';
import {
  ACTIONS,
  ACTION_NAMES,
  type ActionAskInfo,
  type ActionExecEvent,
  type ActionName,
  type ActionOutcome,
  type ActionPolicyStatus,
} from '../../protocol/actions';
import type { CompanionManager } from '../companion-manager';
import { FeatureSync } from '../feature-sync';
import type { RevertLedger } from '../help/revert-ledger';
import { ACTION_COMMANDS, ALLOW, ALWAYS_ALLOW, askText, auditMarkdown, CLEAR_AUDIT, decisionFor, DENY, readRules } from './action-logic';
import { ActionFailure, EDITOR_ACTIONS, runEditorAction, workspaceRoots } from './editor-actions';
import { realPathOf } from '../../common/workspace-path';

interface ActionSettings {
  enabled: boolean;
  rules: ReturnType<typeof readRules>;
  perMinute: number;
}

function readSettings(): ActionSettings {
  const c = vscode.workspace.getConfiguration('alisa.actions');
  const perMinute = c.get<number>('perMinute', 10);
  return {
    enabled: c.get<boolean>('enabled', true) !== false,
    rules: readRules(c.get('policy')),
    perMinute: Number.isInteger(perMinute) && perMinute >= 1 && perMinute <= 600 ? perMinute : 10,
  };
}

export class ActionController implements vscode.Disposable {
  private readonly sync: FeatureSync<ActionSettings, 'action.configure', 'action.state'>;
  private readonly questions: ActionAskInfo[] = [];
  private asking = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly manager: CompanionManager,
    private readonly ledger: RevertLedger,
  ) {
    this.sync = new FeatureSync(manager, {
      section: 'alisa.actions',
      read: readSettings,
      configure: 'action.configure',
      stateEvent: 'action.state',
      params: (s) => ({ enabled: s.enabled, rules: s.rules, perMinute: s.perMinute }),
    });
    this.disposables.push(
      this.sync,
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.register();
        else this.questions.length = 0;
      }),
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'action.exec') void this.exec(e);
        else if (e.type === 'action.ask') this.onAsk(e);
        else if (e.type === 'action.askDone') this.onDone(e.id);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.register()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.register()),
      vscode.commands.registerCommand(ACTION_COMMANDS.run, (action?: string, args?: Record<string, unknown>) => this.runCommand(action, args)),
      vscode.commands.registerCommand(ACTION_COMMANDS.showAudit, () => this.showAudit()),
      vscode.commands.registerCommand(ACTION_COMMANDS.clearAudit, () => this.clearAudit()),
      vscode.commands.registerCommand(ACTION_COMMANDS.forgetAllowed, () => this.forgetAllowed()),
    );
    if (manager.connected) void this.register();
  }

  get status(): ActionPolicyStatus | null {
    return this.sync.status;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** What this window offers; sent on every connection and whenever folders or trust change. */
  private async register(): Promise<void> {
    if (!this.manager.connected) return;
    try {
      await this.manager.request('action.register', {
        actions: [...EDITOR_ACTIONS],
        roots: workspaceRoots().map((r) => realPathOf(r)),
        trusted: vscode.workspace.isTrusted,
      });
    } catch (err) {
      this.manager.log.warn(`action.register failed: ${(err as Error).message}`);
    }
  }

  private async exec(e: ActionExecEvent): Promise<void> {
    let answer: { callId: string; ok: boolean; result?: Record<string, unknown>; error?: string };
    try {
      if (!(EDITOR_ACTIONS as readonly string[]).includes(e.action)) throw new ActionFailure(`This window does not run ${e.action}.`);
      const result = await runEditorAction(e.action as ActionName, e.args as never, { ledger: this.ledger, log: (l) => this.manager.log.info(l) });
      answer = { callId: e.callId, ok: true, result };
    } catch (err) {
      answer = { callId: e.callId, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    try {
      await this.manager.request('action.complete', answer);
    } catch (err) {
      this.manager.log.warn(`action.complete failed: ${(err as Error).message}`);
    }
  }

  private onAsk(ask: ActionAskInfo): void {
    this.questions.push(ask);
    void this.askNext();
  }

  private onDone(id: string): void {
    const i = this.questions.findIndex((q) => q.id === id);
    if (i >= 0) this.questions.splice(i, 1);
  }

  /** One modal at a time, oldest question first; an expired one is skipped. */
  private async askNext(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      for (;;) {
        const ask = this.questions.shift();
        if (!ask) return;
        if (ask.expiresAt <= Date.now()) continue;
        const { message, detail } = askText(ask);
        const buttons = ask.canAlwaysAllow ? [ALLOW, ALWAYS_ALLOW, DENY] : [ALLOW, DENY];
        const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, ...buttons);
        try {
          await this.manager.request('action.decide', { id: ask.id, decision: decisionFor(choice) });
        } catch (err) {
          this.manager.log.warn(`action.decide failed: ${(err as Error).message}`);
        }
      }
    } finally {
      this.asking = false;
    }
  }

  /** "Alisa: Run an Action…", or `executeCommand('alisa.actions.run', name, args)`: answers the outcome. */
  async runCommand(action?: string, args?: Record<string, unknown>): Promise<ActionOutcome | undefined> {
    if (!this.manager.connected) {
      void vscode.window.showInformationMessage('Alisa is not running yet. Try again when she is.');
      return undefined;
    }
    let name = action;
    let params = args;
    if (!name) {
      const pick = await vscode.window.showQuickPick(
        ACTION_NAMES.map((n) => ({ label: n, detail: ACTIONS[n].description })),
        { title: 'Alisa: Run an Action', placeHolder: 'What should Alisa do? (she asks before anything but reading)' },
      );
      if (!pick) return undefined;
      name = pick.label;
      params = await this.askArgs(name as ActionName);
      if (!params) return undefined;
    }
    let outcome: ActionOutcome;
    try {
      outcome = await this.manager.request('action.run', { action: name, args: params ?? {}, source: 'user' });
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa could not run ${name}: ${(err as Error).message}`);
      return undefined;
    }
    if (!action) this.report(outcome);
    return outcome;
  }

  /** Asks for each argument the action's schema declares (text boxes; empty optional ones are left out). */
  private async askArgs(name: ActionName): Promise<Record<string, unknown> | undefined> {
    const shape = (ACTIONS[name].args as unknown as { shape: Record<string, { isOptional(): boolean; def?: { type?: string } }> }).shape;
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(shape)) {
      const value = await vscode.window.showInputBox({
        title: `${name}: ${key}`,
        prompt: schema.isOptional() ? '(optional)' : undefined,
        ignoreFocusOut: true,
      });
      if (value === undefined) return undefined;
      if (value === '' && schema.isOptional()) continue;
      out[key] = /^\d+$/.test(value) && ['line', 'startLine', 'endLine', 'x', 'y', 'amount', 'timeoutMs'].includes(key) ? Number(value) : value;
    }
    return out;
  }

  private report(o: ActionOutcome): void {
    if (o.status === 'done') {
      const text = String(o.result?.text ?? 'Done.');
      if (text.length > 200 || text.includes('\n'))
        void vscode.workspace.openTextDocument({ content: text, language: 'plaintext' }).then((d) => vscode.window.showTextDocument(d, { preview: true }));
      else vscode.window.setStatusBarMessage(`$(check) Alisa: ${text}`, 5000);
    } else if (o.status !== 'denied') {
      void vscode.window.showWarningMessage(`Alisa did not ${o.action}: ${o.reason ?? o.status}`);
    }
  }

  async showAudit(): Promise<void> {
    if (!this.manager.connected) {
      void vscode.window.showInformationMessage('Alisa is not running yet. Try again when she is.');
      return;
    }
    try {
      const { entries } = await this.manager.request('action.audit', { limit: 500 });
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: auditMarkdown(entries) });
      await vscode.window.showTextDocument(doc, { preview: true });
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa cannot show her audit log: ${(err as Error).message}`);
    }
  }

  async clearAudit(): Promise<void> {
    // Never the default button: closing the modal keeps the log.
    const choice = await vscode.window.showWarningMessage(
      'Clear the log of every action Alisa took or was refused?',
      { modal: true, detail: 'This cannot be undone.' },
      CLEAR_AUDIT,
    );
    if (choice !== CLEAR_AUDIT) return;
    try {
      const { removed } = await this.manager.request('action.clearAudit', { confirm: true });
      vscode.window.setStatusBarMessage(`$(check) Alisa cleared ${removed} audit entr${removed === 1 ? 'y' : 'ies'}`, 3000);
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa could not clear her audit log: ${(err as Error).message}`);
    }
  }

  async forgetAllowed(): Promise<void> {
    try {
      await this.sync.send({ forgetAlwaysAllowed: true });
      vscode.window.setStatusBarMessage('$(check) Alisa asks again before every action she was always allowed', 3000);
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa could not forget: ${(err as Error).message}`);
    }
  }
}
