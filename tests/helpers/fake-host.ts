// One fake webview Host (webview/host/host.ts) for the webview tests: the extension's side of the
// panel, answering requests as the companion would. A test subclasses it and overrides `answer`
// (or passes an answer table). Every answer is checked against the result schema its method
// declares in protocol/: a fake that drifts from the contract fails the test run loudly, so the
// webview is never tested against answers the companion cannot give. A slow companion: methods in
// `late` are answered only at `flush()`.
import {
  methods,
  type CompanionMessage,
  type ErrorInfo,
  type HostState,
  type HostToWebview,
  type MethodName,
  type Status,
  type WebviewToHost,
} from '../../protocol';
import type { Host } from '../../webview/host/host';

/** A companion with its model and database ready (what `status.get` answers in most panel tests). */
export const READY_STATUS: Status = {
  version: '0.1.0',
  protocolVersion: 1,
  model: { provider: 'embedded', state: 'ready', model: 'm.gguf', progress: null, error: null },
  providers: [],
  database: { state: 'ready', path: '/d', error: null },
  mode: 'teasing',
  characterId: 1,
};

export type Answers = Partial<Record<MethodName, (params: any) => unknown>>;

export class FakeHost implements Host {
  sent: WebviewToHost[] = [];
  state: unknown;
  /** Methods whose answers wait until flush() (a slow companion). */
  late = new Set<MethodName>();
  /** The buttons host.state offers (ready() and connection()). */
  actions: HostState['actions'];
  private readonly listeners: Array<(m: HostToWebview) => void> = [];
  private readonly waiting: Array<() => void> = [];

  constructor(
    public kind: 'vscode' | 'browser' = 'vscode',
    opts: { state?: unknown; answers?: Answers; actions?: HostState['actions'] } = {},
  ) {
    this.state = opts.state;
    this.answers = opts.answers ?? {};
    this.actions = opts.actions ?? [];
  }

  /** Per-method answers; a method with none gets `unknown_method`, as from the companion. */
  answers: Answers;

  /** The result for a request not in the table; undefined: the method is unknown here. Throw an ErrorInfo to refuse. */
  answer(_method: string, _params: any): unknown {
    return undefined;
  }

  send(msg: WebviewToHost): void {
    this.sent.push(msg);
    if (msg.type !== 'request') return;
    let reply: CompanionMessage;
    try {
      // A method in the table is answered with what its entry gives (even nothing); else answer().
      const entry = this.answers[msg.method as MethodName];
      const result = entry ? (entry(msg.params) ?? null) : this.answer(msg.method, msg.params);
      if (result === undefined) reply = { type: 'error', id: msg.id, error: { code: 'unknown_method', message: `No ${msg.method} here.` } };
      else {
        const schema = (methods as Record<string, { result: { safeParse(v: unknown): { success: boolean; error?: { message: string } } } }>)[msg.method]
          ?.result;
        const checked = schema?.safeParse(result);
        if (checked && !checked.success)
          this.breach(new Error(`the fake host's answer to ${msg.method} breaks its declared result: ${checked.error!.message.slice(0, 500)}`));
        reply = { type: 'response', id: msg.id, result };
      }
    } catch (error) {
      reply = { type: 'error', id: msg.id, error: error as ErrorInfo }; // an answer may refuse, as the companion does
    }
    if (this.late.has(msg.method as MethodName)) this.waiting.push(() => this.emit(reply));
    else queueMicrotask(() => this.emit(reply));
  }

  /** Sends the answers held back for `late` methods, in order. */
  flush(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  /** An answer that breaks the contract: thrown where nothing can catch it, so the test run fails. */
  protected breach(problem: Error): void {
    queueMicrotask(() => {
      throw problem;
    });
  }

  onMessage(cb: (m: HostToWebview) => void): void {
    this.listeners.push(cb);
  }

  getState<T>(): T | undefined {
    return this.state as T | undefined;
  }

  setState<T>(s: T): void {
    this.state = s;
  }

  emit(m: HostToWebview): void {
    for (const l of this.listeners) l(m);
  }

  /** The requests of one method the webview sent, in order. */
  requests(method: MethodName) {
    return this.sent.filter((m): m is Extract<WebviewToHost, { type: 'request' }> => m.type === 'request' && m.method === method);
  }

  /** The host says the companion is ready (as the extension does once connected). */
  ready(): void {
    this.connection('ready');
  }

  /** The host says how the connection to the companion is (connecting, restarting, failed...). */
  connection(connection: HostState['connection'], message: string | null = null, error: ErrorInfo | null = null): void {
    this.emit({ type: 'host.state', host: this.kind, connection, message, error, modelConfigured: true, actions: this.actions });
  }
}
