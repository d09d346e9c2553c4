// The client side of the companion protocol, independent of the transport: the extension drives
// it over the `ws` package, the browser host over the browser's WebSocket, tests over either.
// It sends `hello`, matches responses to requests by id, and hands every other message to
// `onMessage`. Requests made before the welcome wait for it.
import { PROTOCOL_VERSION, type ErrorInfo, type Status } from './common';
import { CompanionMessage, type ClientWorkspace, type Hello, type MethodName, type Params, type Result } from './messages';

/** Requests that take as long as the user and the work they start take; never timed out here. */
const UNTIMED_METHODS = new Set(['action.run']);

export class RpcError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'RpcError';
  }
}

export interface RpcTransport {
  send(data: string): void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export class RpcClient {
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private welcomed = false;
  private waitingForWelcome: Array<() => void> = [];
  /** Every companion message that is not a response to one of our requests. */
  onMessage: (message: CompanionMessage) => void = () => {};
  /** The companion's status from its welcome. */
  status: Status | null = null;

  constructor(
    private readonly transport: RpcTransport,
    /** `workspace`: said in hello (see Hello.workspace); absent or null for none. */
    private readonly opts: { client: string; timeoutMs?: number; workspace?: ClientWorkspace | null },
  ) {}

  /** Call once the transport is open. */
  hello(): void {
    const hello: Hello = { type: 'hello', protocolVersion: PROTOCOL_VERSION, client: this.opts.client };
    if (this.opts.workspace) hello.workspace = this.opts.workspace;
    this.transport.send(JSON.stringify(hello));
  }

  /** Feed every frame received from the companion here. */
  receive(data: string): void {
    let parsed: CompanionMessage;
    try {
      parsed = CompanionMessage.parse(JSON.parse(data));
    } catch {
      return; // A frame we do not understand cannot be acted on; the companion validated its own.
    }
    if (parsed.type === 'welcome') {
      this.welcomed = true;
      this.status = parsed.status;
      for (const go of this.waitingForWelcome.splice(0)) go();
    }
    if ((parsed.type === 'response' || parsed.type === 'error') && parsed.id !== null) {
      const p = this.pending.get(String(parsed.id));
      if (p) {
        this.pending.delete(String(parsed.id));
        if (p.timer) clearTimeout(p.timer);
        if (parsed.type === 'response') p.resolve(parsed.result);
        else p.reject(new RpcError(parsed.error));
        return;
      }
    }
    this.onMessage(parsed);
  }

  async request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    if (!this.welcomed) await new Promise<void>((resolve) => this.waitingForWelcome.push(resolve));
    return this.sendRequest(`c${this.nextId++}`, method, params) as Promise<Result<M>>;
  }

  /** Forwards a request envelope as is (the webview's, through its host) and resolves with the reply frame. */
  async forward(id: string | number, method: string, params: unknown): Promise<CompanionMessage> {
    if (!this.welcomed) await new Promise<void>((resolve) => this.waitingForWelcome.push(resolve));
    const key = `f${this.nextId++}`;
    return new Promise((resolve) => {
      const timer = this.timer(key, method, (err) => resolve({ type: 'error', id, error: err.info }));
      this.pending.set(key, {
        resolve: (result) => resolve({ type: 'response', id, result }),
        reject: (err) => resolve({ type: 'error', id, error: (err as RpcError).info ?? { code: 'internal', message: err.message } }),
        timer,
      });
      this.transport.send(JSON.stringify({ type: 'request', id: key, method, params }));
    });
  }

  /** The connection is gone: every waiting request fails with a clear error. */
  close(reason: string): void {
    this.welcomed = false;
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(
        new RpcError({ code: 'internal', message: `The connection to Alisa closed (${reason}).`, action: 'It restarts by itself; try again in a moment.' }),
      );
      this.pending.delete(id);
    }
  }

  private sendRequest(id: string, method: string, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.timer(id, method, reject);
      this.pending.set(id, { resolve, reject, timer });
      this.transport.send(JSON.stringify({ type: 'request', id, method, params }));
    });
  }

  private timer(id: string, method: string, fail: (err: RpcError) => void): ReturnType<typeof setTimeout> | null {
    // An action waits for the user's answer (up to 60 s) and then runs (a command: its own timeout):
    // the companion answers it in every case, and the connection closing fails it.
    const ms = UNTIMED_METHODS.has(method) ? 0 : (this.opts.timeoutMs ?? 30_000);
    if (ms <= 0) return null;
    return setTimeout(() => {
      this.pending.delete(id);
      fail(new RpcError({ code: 'internal', message: `Alisa did not answer within ${Math.round(ms / 1000)} s.` }));
    }, ms);
  }
}
