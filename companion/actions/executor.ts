// The one executor (issue 16): every action, whoever asks for it (a slash command, the palette, a
// voice command, a legacy client's trigger phrase, a tool call of the model), goes through `run`:
//   1. the action must exist and its arguments pass its schema (protocol/actions.ts);
//   2. checks that refuse before anyone is asked: a VS Code window must be attached for editor
//      actions, paths must resolve (links included) inside the workspace or the notes folder, the
//      command must pass the blocklist, desktop actions must work on this platform, the audit log
//      must be writable;
//   3. the policy (policy.ts): run, ask or refuse; at most `perMinute` actions a minute;
//   4. a question to the user (`action.ask`, or the legacy client's yes/no) that expires after
//      60 s; "always allow" is remembered per workspace and action;
//   5. the action runs: here (notes, the desktop) or in the asking window (`action.exec`, answered
//      by `action.complete`);
//   6. the outcome goes to the audit log and to every client (`action.done`), and back to the caller.
import path from 'node:path';
import type { ClientWorkspace, CompanionEvent } from '../../protocol';
import {
  ACTIONS,
  type ActionAskInfo,
  type ActionDecision,
  type ActionName,
  type ActionOutcome,
  type ActionPolicyStatus,
  type ActionSource,
  type ActionStatus,
  isActionName,
  type Risk,
} from '../../protocol/actions';
import { resolveInside } from '../../common/workspace-path';
import type { ReplyOrigin } from '../events';
import type { MemoryStore } from '../memory';
import { refuseCommand } from './command-safety';
import { auditSummary, describeAction } from './describe';
import { DESKTOP_ACTIONS, type DesktopAction, type DesktopDriver } from './desktop';
import { readInside, writeNote } from './notes';
import { ActionRateLimit, DEFAULT_POLICY, decide, mergeRules, type PolicySettings } from './policy';

export const ASK_TIMEOUT_MS = 60_000;
/** How long an editor action may take in the window before the companion stops waiting (run_in_terminal: its own timeout plus this). */
const EXEC_MARGIN_MS = 30_000;

export interface ActionCall {
  action: string;
  args: unknown;
  source: ActionSource;
  /** Where the instruction came from when it was not the user's own words. */
  provenance?: string | null;
  /** The client that asked (null: the companion itself). */
  clientId: string | null;
  workspace: ClientWorkspace | null;
  /** The reply whose tool call this is. */
  replyId?: string | null;
  /** Confirmation through another channel (the legacy client's yes/no) instead of `action.ask`. */
  confirm?: (ask: ActionAskInfo) => Promise<ActionDecision | 'expired'>;
}

interface EditorWindow {
  clientId: string;
  workspace: string | null;
  actions: Set<string>;
  roots: string[];
  trusted: boolean;
}

interface PendingAsk {
  info: ActionAskInfo;
  resolve: (d: ActionDecision | 'expired') => void;
  timer: NodeJS.Timeout;
}

interface PendingExec {
  clientId: string;
  resolve: (r: { ok: true; result: Record<string, unknown> } | { ok: false; error: string }) => void;
  timer: NodeJS.Timeout;
}

/**
 * Tools that are not built in (the MCP servers the user lists): they join the registry under
 * their own names (`mcp_<server>_<tool>`) and go through the same policy, questions and audit.
 */
export interface ExternalTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (as the server declared it). */
  inputSchema: Record<string, unknown>;
  risk: Risk;
  /** Who provides it, for the question and the audit ("MCP server files"). */
  origin: string;
}

export interface ToolProvider {
  tools(): ExternalTool[];
  /** Null when the arguments are valid; otherwise why not. */
  checkArgs(name: string, args: Record<string, unknown>): string | null;
  call(name: string, args: Record<string, unknown>): Promise<{ text: string }>;
}

export interface ActionExecutorDeps {
  memory(): MemoryStore;
  emit(event: CompanionEvent, origin?: ReplyOrigin | null): void;
  desktop: DesktopDriver;
  notesDir: string;
  log(line: string): void;
  askTimeoutMs?: number;
  settings?: Partial<PolicySettings>;
  now?: () => number;
}

/** An action that did not run, as its outcome. */
class Stop extends Error {
  constructor(
    readonly status: Exclude<ActionStatus, 'done'>,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** An action that did not run (a Stop), or failed while running (any other error), as its outcome. */
function stoppedOutcome(callId: string, action: string, err: unknown): ActionOutcome {
  const stop = err instanceof Stop ? err : new Stop('failed', err instanceof Error ? err.message : String(err));
  return { callId, action, status: stop.status, result: null, reason: stop.reason };
}

export class ActionExecutor {
  private settings: PolicySettings;
  private readonly limit: ActionRateLimit;
  private readonly windows = new Map<string, EditorWindow>();
  private readonly asks = new Map<string, PendingAsk>();
  private readonly execs = new Map<string, PendingExec>();
  private nextCall = 1;
  private readonly providers: ToolProvider[] = [];
  private readonly now: () => number;
  readonly askTimeoutMs: number;

  constructor(private readonly deps: ActionExecutorDeps) {
    this.settings = { ...DEFAULT_POLICY, ...deps.settings, rules: mergeRules(DEFAULT_POLICY.rules, deps.settings?.rules) };
    this.now = deps.now ?? Date.now;
    this.limit = new ActionRateLimit(this.settings.perMinute, this.now);
    this.askTimeoutMs = deps.askTimeoutMs ?? ASK_TIMEOUT_MS;
  }

  // ---- windows, settings, answers ----------------------------------------------------------

  /** Adds tools from outside (an MCP client): they run through the same policy. */
  addProvider(provider: ToolProvider): void {
    this.providers.push(provider);
  }

  /** What the model may be offered now, without the database: on or off, the rules, whether the desktop works here. */
  offering(): { enabled: boolean; rules: PolicySettings['rules']; desktop: boolean } {
    return { enabled: this.settings.enabled, rules: this.settings.rules, desktop: this.deps.desktop.unavailable() === null };
  }

  /** Some attached VS Code window runs this editor action. */
  windowOffers(action: string): boolean {
    for (const w of this.windows.values()) if (w.actions.has(action)) return true;
    return false;
  }

  /** Every external tool known now. */
  externalTools(): ExternalTool[] {
    return this.providers.flatMap((p) => p.tools());
  }

  private externalTool(name: string): { tool: ExternalTool; provider: ToolProvider } | null {
    for (const provider of this.providers) {
      const tool = provider.tools().find((t) => t.name === name);
      if (tool) return { tool, provider };
    }
    return null;
  }

  /** A VS Code window offers its editor actions, folders and trust (again on every change). */
  register(clientId: string, workspace: ClientWorkspace | null, reg: { actions: string[]; roots: string[]; trusted: boolean }): ActionPolicyStatus {
    this.windows.set(clientId, { clientId, workspace: workspace?.id ?? null, actions: new Set(reg.actions), roots: reg.roots, trusted: reg.trusted });
    return this.status();
  }

  /** Clients that left: their questions stay (another window may answer), their editor actions fail now. */
  forgetClientsExcept(connected: ReadonlySet<string>): void {
    for (const id of [...this.windows.keys()]) if (!connected.has(id)) this.windows.delete(id);
    for (const [callId, p] of this.execs) {
      if (connected.has(p.clientId)) continue;
      this.execs.delete(callId);
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: 'The VS Code window that was running it closed.' });
    }
  }

  configure(p: {
    enabled?: boolean;
    rules?: Partial<Record<string, 'allow' | 'ask' | 'deny'>>;
    perMinute?: number;
    forgetAlwaysAllowed?: boolean;
  }): ActionPolicyStatus {
    if (p.enabled !== undefined) this.settings.enabled = p.enabled;
    if (p.rules) this.settings.rules = mergeRules(this.settings.rules, p.rules);
    if (p.perMinute !== undefined) this.settings.perMinute = this.limit.perMinute = p.perMinute;
    if (p.forgetAlwaysAllowed) this.deps.memory().forgetAlwaysAllowed();
    const status = this.status();
    this.deps.emit({ type: 'action.state', status });
    return status;
  }

  status(): ActionPolicyStatus {
    let alwaysAllowed: Array<{ workspace: string; action: string }> = [];
    try {
      alwaysAllowed = this.deps.memory().alwaysAllowed();
    } catch {
      // The database is down: nothing is always allowed while it is.
    }
    const reason = this.deps.desktop.unavailable();
    return {
      enabled: this.settings.enabled,
      rules: { ...this.settings.rules },
      perMinute: this.settings.perMinute,
      askTimeoutMs: this.askTimeoutMs,
      alwaysAllowed,
      desktop: { available: reason === null, reason },
      notesDir: this.deps.notesDir,
    };
  }

  /** The user's answer to `action.ask`; false for an unknown or expired question. */
  decide(id: string, decision: ActionDecision): boolean {
    const ask = this.asks.get(id);
    if (!ask) return false;
    if (decision === 'always' && !ask.info.canAlwaysAllow) decision = 'allow';
    ask.resolve(decision);
    return true;
  }

  /** The window's answer to `action.exec`. */
  complete(callId: string, clientId: string, answer: { ok: boolean; result?: Record<string, unknown>; error?: string }): boolean {
    const p = this.execs.get(callId);
    if (!p || p.clientId !== clientId) return false;
    this.execs.delete(callId);
    clearTimeout(p.timer);
    p.resolve(answer.ok ? { ok: true, result: answer.result ?? {} } : { ok: false, error: answer.error ?? 'The action failed.' });
    return true;
  }

  /** Questions still open (a window that connects late shows them). */
  pendingAsks(): ActionAskInfo[] {
    return [...this.asks.values()].map((a) => a.info);
  }

  dispose(): void {
    for (const a of this.asks.values()) a.resolve('expired');
    for (const [id, p] of this.execs) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: 'Alisa is stopping.' });
      this.execs.delete(id);
    }
  }

  // ---- running -------------------------------------------------------------------------------

  run(call: ActionCall): Promise<ActionOutcome> {
    return this.start(call).done;
  }

  /** Starts an action; its call id is known at once (a slash command answers with it), its outcome later. */
  start(call: ActionCall): { callId: string; done: Promise<ActionOutcome> } {
    const callId = `act-${this.nextCall++}`;
    return { callId, done: this.perform(callId, call) };
  }

  private async perform(callId: string, call: ActionCall): Promise<ActionOutcome> {
    const name = call.action;
    const known = isActionName(name) ? name : null;
    const risk: Risk = known ? ACTIONS[known].risk : 'read';
    const raw = (call.args && typeof call.args === 'object' ? call.args : {}) as Record<string, unknown>;
    let title = known ? describeAction(known, raw).title : name;
    let detail = '';
    let outcome: ActionOutcome;
    const external = known ? null : this.externalTool(name);
    if (external) return this.performExternal(callId, call, external.tool, external.provider, raw);
    try {
      if (!known) throw new Stop('refused', `Alisa has no action called "${name}".`);
      const parsed = ACTIONS[known].args.safeParse(call.args ?? {});
      if (!parsed.success)
        throw new Stop(
          'refused',
          `The arguments of ${name} are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}.`,
        );
      const args = parsed.data as Record<string, unknown>;
      const window = this.windowFor(call, known);
      ({ title, detail } = describeAction(known, args, {
        folder: window?.roots[0] ?? null,
        notesDir: known === 'write_note' ? this.notesFolder(args, window) : this.deps.notesDir,
      }));
      this.precheck(known, args, window);
      // A proposed edit asks in the editor itself: the user sees the diff and applies it or not.
      await this.gate(call, callId, known, risk, title, detail, window ? window.trusted : true, known !== 'propose_edit');
      const result = await this.execute(callId, known, args, window);
      outcome = { callId, action: known, status: 'done', result, reason: null };
    } catch (err) {
      outcome = stoppedOutcome(callId, name, err);
    }
    return this.finish(call, risk, title, detail, outcome);
  }

  /** Every outcome, whatever came of it: into the audit log and to every client. */
  private finish(call: ActionCall, risk: Risk, title: string, detail: string, outcome: ActionOutcome): ActionOutcome {
    this.audit(call, risk, title, detail, outcome);
    this.deps.emit({ type: 'action.done', outcome, source: call.source, replyId: call.replyId ?? null, title });
    return outcome;
  }

  /** An external (MCP) tool: its schema, the policy by its risk, a question, the call, the audit. */
  private async performExternal(
    callId: string,
    call: ActionCall,
    tool: ExternalTool,
    provider: ToolProvider,
    args: Record<string, unknown>,
  ): Promise<ActionOutcome> {
    const title = `Use ${tool.name} (${tool.origin})`;
    const detail = JSON.stringify(args, null, 2);
    let outcome: ActionOutcome;
    try {
      const bad = provider.checkArgs(tool.name, args);
      if (bad) throw new Stop('refused', `The arguments of ${tool.name} are not valid: ${bad}`);
      const window = call.clientId ? this.windows.get(call.clientId) : undefined;
      await this.gate(call, callId, tool.name, tool.risk, title, detail, window ? window.trusted : true, true);
      const result = await provider.call(tool.name, args);
      outcome = { callId, action: tool.name, status: 'done', result, reason: null };
    } catch (err) {
      outcome = stoppedOutcome(callId, tool.name, err);
    }
    return this.finish(call, tool.risk, title, detail, outcome);
  }

  /** The policy, the rate limit and the question: returns when the action may run, throws a Stop otherwise. */
  private async gate(
    call: ActionCall,
    callId: string,
    name: string,
    risk: Risk,
    title: string,
    detail: string,
    trusted: boolean,
    mayAsk: boolean,
  ): Promise<void> {
    const memory = this.auditable();
    const workspaceKey = call.workspace?.id ?? '';
    const verdict = decide(this.settings, { action: name, risk, source: call.source, trusted, alwaysAllowed: memory.isAlwaysAllowed(workspaceKey, name) });
    if (verdict.kind === 'refuse') throw new Stop('refused', verdict.reason);
    const slot = this.limit.take();
    if (!slot.ok)
      throw new Stop(
        'refused',
        `Alisa has already acted ${this.settings.perMinute} times this minute (the limit "alisa.actions.perMinute"); try again in ${Math.ceil(slot.retryInMs / 1000)} s.`,
      );
    if (verdict.kind !== 'ask' || !mayAsk) return;
    const decision = await this.ask(call, callId, name, risk, title, detail, verdict.canAlwaysAllow);
    if (decision === 'expired') throw new Stop('expired', `Nobody answered within ${Math.round(this.askTimeoutMs / 1000)} s, so Alisa did not do it.`);
    if (decision === 'deny') throw new Stop('denied', 'You said no.');
    if (decision === 'always') memory.alwaysAllow(workspaceKey, name);
  }

  /** The window that runs an editor action for this caller: its own, else one of the same workspace. */
  private windowFor(call: ActionCall, action: ActionName): EditorWindow | null {
    const own = call.clientId ? this.windows.get(call.clientId) : undefined;
    if (own) return own;
    const ws = call.workspace?.id ?? null;
    for (const w of this.windows.values()) if (ws !== null && w.workspace === ws && w.actions.has(action)) return w;
    return null;
  }

  private precheck(action: ActionName, args: Record<string, unknown>, window: EditorWindow | null): void {
    const spec = ACTIONS[action];
    if (spec.runs === 'editor') {
      // Without a window, a legacy client may still read a note (the notes folder is all it may read).
      const companionRead = action === 'read_file' && !window;
      if (!companionRead && !window?.actions.has(action)) throw new Stop('refused', `${action} needs a VS Code window with Alisa open on the workspace.`);
    }
    if (typeof args.path === 'string') {
      const inside = window ? resolveInside(window.roots, args.path) : resolveInside([this.deps.notesDir], args.path, 'the notes folder');
      if (!inside.ok) throw new Stop('refused', inside.reason);
    }
    if (action === 'run_in_terminal') {
      const why = refuseCommand(String(args.command));
      if (why) throw new Stop('refused', why);
    }
    if ((DESKTOP_ACTIONS as readonly string[]).includes(action)) {
      const why = this.deps.desktop.unavailable();
      if (why) throw new Stop('refused', `Desktop actions do not work here (${this.deps.desktop.platform}): ${why}`);
    }
  }

  /** Where a note goes: the user's notes folder, or the workspace's `.alisa/notes` (which needs a window on it). */
  private notesFolder(args: Record<string, unknown>, window: EditorWindow | null): string {
    if (args.place !== 'workspace') return this.deps.notesDir;
    const root = window?.roots[0];
    if (!root) throw new Stop('refused', 'A note in the workspace needs a VS Code window with a folder open; without one, write it into the notes folder.');
    return path.join(root, '.alisa', 'notes');
  }

  /** Non-read actions need the audit log: an action nobody could account for does not run. */
  private auditable(): MemoryStore {
    try {
      return this.deps.memory();
    } catch (err) {
      throw new Stop('refused', `The audit log cannot be written (${err instanceof Error ? err.message : String(err)}), so Alisa does not act.`);
    }
  }

  private ask(
    call: ActionCall,
    callId: string,
    action: string,
    risk: Risk,
    title: string,
    detail: string,
    canAlwaysAllow: boolean,
  ): Promise<ActionDecision | 'expired'> {
    const info: ActionAskInfo = {
      id: `ask-${callId}`,
      callId,
      action,
      risk,
      title,
      detail,
      source: call.source,
      provenance:
        call.provenance ?? (call.source === 'model' ? "the model's reply (it may repeat what it read on the screen, in a file or a tool's result)" : null),
      canAlwaysAllow,
      replyId: call.replyId ?? null,
      expiresAt: this.now() + this.askTimeoutMs,
    };
    if (call.confirm) return call.confirm(info);
    // The asking window answers; without one, every window that registered may (the browser UI and other clients cannot).
    const own = call.clientId !== null && this.windows.has(call.clientId);
    if (!own && this.windows.size === 0) throw new Stop('refused', 'Nobody can confirm it: open the Alisa panel in VS Code, where she asks before she acts.');
    return new Promise((resolve) => {
      const done = (d: ActionDecision | 'expired') => {
        if (!this.asks.has(info.id)) return;
        this.asks.delete(info.id);
        clearTimeout(timer);
        this.deps.emit({ type: 'action.askDone', id: info.id, decision: d });
        resolve(d);
      };
      const timer = setTimeout(() => done('expired'), this.askTimeoutMs);
      timer.unref?.();
      this.asks.set(info.id, { info, resolve: done, timer });
      this.deps.emit({ type: 'action.ask', ...info }, own ? { clientId: call.clientId!, only: true } : null);
    });
  }

  private async execute(callId: string, action: ActionName, args: Record<string, unknown>, window: EditorWindow | null): Promise<Record<string, unknown>> {
    if (action === 'write_note') {
      const file = writeNote(this.notesFolder(args, window), String(args.text), args.title as string | undefined, new Date(this.now()));
      return { text: `Wrote the note ${file}.`, path: file };
    }
    if (action === 'read_file' && !window) return { text: readInside([this.deps.notesDir], String(args.path), 'the notes folder') };
    if ((DESKTOP_ACTIONS as readonly string[]).includes(action)) {
      return { text: await this.deps.desktop.run(action as DesktopAction, args as never) };
    }
    if (!window) throw new Stop('refused', 'No VS Code window can run it.');
    const timeoutMs = (typeof args.timeoutMs === 'number' ? args.timeoutMs : 60_000) + EXEC_MARGIN_MS;
    const answer = await new Promise<{ ok: true; result: Record<string, unknown> } | { ok: false; error: string }>((resolve) => {
      const timer = setTimeout(() => {
        this.execs.delete(callId);
        resolve({ ok: false, error: `VS Code did not finish it within ${Math.round(timeoutMs / 1000)} s.` });
      }, timeoutMs);
      timer.unref?.();
      this.execs.set(callId, { clientId: window.clientId, resolve, timer });
      this.deps.emit({ type: 'action.exec', callId, action, args, deadline: this.now() + timeoutMs }, { clientId: window.clientId, only: true });
    });
    if (!answer.ok) throw new Stop('failed', answer.error);
    const checked = ACTIONS[action].result.safeParse(answer.result);
    if (!checked.success) throw new Stop('failed', `VS Code answered ${action} with a result Alisa cannot read.`);
    return checked.data as Record<string, unknown>;
  }

  private audit(call: ActionCall, risk: Risk, title: string, detail: string, outcome: ActionOutcome): void {
    try {
      this.deps.memory().recordAction({
        action: outcome.action,
        risk,
        source: call.source,
        provenance: call.provenance ?? null,
        summary: auditSummary(title, detail),
        status: outcome.status,
        reason: outcome.reason,
        workspace: call.workspace?.id ?? null,
        at: this.now(),
      });
    } catch (err) {
      this.deps.log(`actions: the audit log could not record ${outcome.action} (${outcome.status}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
