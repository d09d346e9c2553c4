// The JSON protocol on one WebSocket connection. Every frame is checked in this order: size,
// rate, binary, JSON, envelope schema, hello, method, params. Each failure answers with a typed
// `error` frame and the connection lives on (only a protocol-version mismatch closes it, after
// saying why).
import type { WebSocket, RawData } from 'ws';
import type * as z from 'zod';
import {
  ClientMessage,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  methods,
  type ClientWorkspace,
  type CompanionMessage,
  type ErrorInfo,
  type MethodName,
} from '../../protocol';
import { toAlisaError } from '../errors';
import { RateLimiter } from './rate-limit';
import { guardedSend, HELLO_TIMEOUT_MS, type SendOutcome } from './backpressure';
import type { Handlers, CompanionCore, RequestContext } from './request-handlers';

const CLOSE_PROTOCOL_MISMATCH = 4001;
const CLOSE_HELLO_TIMEOUT = 1008;

/** Events a slow consumer may miss: each is superseded (reply.end carries the whole text). */
const DROPPABLE: ReadonlySet<string> = new Set(['reply.token', 'speech.chunk']);

interface JsonSocketOptions {
  clientId: string;
  rateLimit: number;
  log: (line: string) => void;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export class JsonSocket {
  private helloDone = false;
  /** The workspace the client said it works in (hello); null: none, it sees every session. */
  private workspace: ClientWorkspace | null = null;
  private client: string | null = null;
  /** Set by the server: told once the client has said hello. */
  afterHello: (() => void) | null = null;
  private readonly limiter: RateLimiter;
  private helloTimer: NodeJS.Timeout | null;
  private dropped = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly core: CompanionCore,
    private readonly handlers: Handlers,
    private readonly opts: JsonSocketOptions,
  ) {
    this.limiter = new RateLimiter(opts.rateLimit);
    ws.on('message', (data, isBinary) => void this.onFrame(data, isBinary));
    // An upgraded socket that never says hello holds a connection slot: it gets HELLO_TIMEOUT_MS.
    this.helloTimer = setTimeout(() => {
      opts.log(`client ${opts.clientId} closed: no hello within ${HELLO_TIMEOUT_MS / 1000} s`);
      ws.close(CLOSE_HELLO_TIMEOUT, `no hello within ${HELLO_TIMEOUT_MS / 1000} s`);
    }, HELLO_TIMEOUT_MS);
    this.helloTimer.unref();
    ws.once('close', () => this.clearHelloTimer());
  }

  private clearHelloTimer(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }

  get ready(): boolean {
    return this.helloDone;
  }

  get clientId(): string {
    return this.opts.clientId;
  }

  /** What the client called itself in hello ('alisa-vscode/0.1.0' for a VS Code window), or null before. */
  get clientName(): string | null {
    return this.client;
  }

  /** Sends unless the client is too far behind (see backpressure.ts): droppable events are dropped, and a client past the hard limit is closed. */
  send(message: CompanionMessage): SendOutcome {
    if (this.ws.readyState !== this.ws.OPEN) return 'closed';
    const outcome = guardedSend(this.ws, JSON.stringify(message), {
      droppable: DROPPABLE.has(message.type),
      onClose: (reason) => this.opts.log(`client ${this.opts.clientId} closed: ${reason}${this.dropped ? `; ${this.dropped} event(s) dropped before` : ''}`),
    });
    if (outcome === 'dropped' && this.dropped++ === 0) this.opts.log(`client ${this.opts.clientId} is not keeping up: dropping its token and speech events`);
    return outcome;
  }

  private fail(id: string | number | null, error: ErrorInfo): void {
    this.send({ type: 'error', id, error });
  }

  private async onFrame(data: RawData, isBinary: boolean): Promise<void> {
    // A client being closed (slow consumer, hello timeout) gets no more work done for it.
    if (this.ws.readyState !== this.ws.OPEN) return;
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    if (size > MAX_FRAME_BYTES) {
      // Not parsed; the request's id is answered when it opens the frame (as our clients write it), so the sender learns at once.
      return this.fail(leadingRequestId(data), { code: 'frame_too_large', message: `The message is ${size} bytes; the limit is ${MAX_FRAME_BYTES}.` });
    }
    if (!this.limiter.take()) {
      return this.fail(null, { code: 'rate_limited', message: 'Too many messages too quickly; this one was dropped.', action: 'Slow down and send it again.' });
    }
    if (isBinary) return this.fail(null, { code: 'bad_message', message: 'Binary frames are not part of the protocol; send JSON text.' });
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch (err) {
      return this.fail(null, { code: 'bad_json', message: `The message is not valid JSON (${(err as Error).message}).` });
    }
    const parsed = ClientMessage.safeParse(json);
    const id = idOf(json);
    if (!parsed.success) {
      return this.fail(id, { code: 'bad_message', message: `Not a message of the Alisa protocol: ${describeIssues(parsed.error)}.` });
    }
    const msg = parsed.data;
    if (msg.type === 'hello') {
      // Remembered for every later request (see RequestContext); a mismatch closes the socket anyway.
      this.workspace = msg.workspace && msg.workspace.id !== '' ? msg.workspace : null;
      return this.onHello(msg.protocolVersion, msg.client);
    }
    if (!this.helloDone) {
      return this.fail(msg.id, { code: 'hello_required', message: 'Send hello with the protocol version first.' });
    }
    if (!Object.hasOwn(methods, msg.method)) {
      return this.fail(msg.id, { code: 'unknown_method', message: `There is no method "${msg.method}".` });
    }
    const method = msg.method as MethodName;
    const params = methods[method].params.safeParse(msg.params ?? {});
    if (!params.success) {
      return this.fail(msg.id, { code: 'invalid_argument', message: `Bad parameters for ${method}: ${describeIssues(params.error)}.` });
    }
    try {
      const handler = this.handlers[method] as (p: unknown, ctx: RequestContext) => unknown;
      const result = await handler(params.data, { clientId: this.opts.clientId, workspace: this.workspace });
      this.send({ type: 'response', id: msg.id, result });
    } catch (err) {
      const error = toAlisaError(err);
      if (error.code === 'internal') this.opts.log(`request ${method} failed: ${error.stack ?? error.message}`);
      this.fail(msg.id, error.toInfo());
    }
  }

  private onHello(version: number, client: string): void {
    if (version !== PROTOCOL_VERSION) {
      const newer = version > PROTOCOL_VERSION ? 'client' : 'companion';
      this.fail(null, {
        code: 'protocol_mismatch',
        message: `The ${newer} is newer: the companion speaks protocol ${PROTOCOL_VERSION}, "${client}" speaks ${version}.`,
        action: 'Update or reinstall Alisa so that the extension and the companion come from the same version.',
      });
      this.ws.close(CLOSE_PROTOCOL_MISMATCH, 'protocol version mismatch');
      return;
    }
    this.helloDone = true;
    this.client = client;
    this.clearHelloTimer();
    this.afterHello?.();
    this.opts.log(`client ${this.opts.clientId} (${client}) connected`);
    this.send({ type: 'welcome', protocolVersion: PROTOCOL_VERSION, status: this.core.status() });
  }
}

function idOf(json: unknown): string | number | null {
  if (json && typeof json === 'object' && 'id' in json) {
    const id = (json as { id: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return null;
}

/** `{"type":"request","id":…` at the very start of a frame: its id (a short string or an integer), else null. */
function leadingRequestId(data: RawData): string | number | null {
  const first = Array.isArray(data) ? data[0] : data instanceof ArrayBuffer ? Buffer.from(data) : data;
  if (!first) return null;
  const head = first.subarray(0, 160).toString('latin1');
  const m = /^\{"type":"request","id":(?:"([A-Za-z0-9_.:-]{1,100})"|(\d{1,15}))[,}]/.exec(head);
  if (!m) return null;
  return m[1] !== undefined ? m[1] : Number(m[2]);
}
