// HTTP and WebSocket on 127.0.0.1 only. Every request passes `authorize` (Host, Origin, token
// and its scope) before anything else happens. The control token opens every route; the API key
// (for other tools) only /v1/*. Routes:
//   GET  /, /ui/*                 the chat UI for a browser (public; the token stays in the URL fragment)
//   GET  /health                  version, model state, database state
//   GET  /v1/models               OpenAI-compatible, backed by the active model
//   POST /v1/chat/completions     OpenAI-compatible, streaming or not
//   GET  /avatars/<id>/<file>     a stored avatar's file, for the browser UI (avatars/avatar-route.ts)
//   POST /avatars/import          a model uploaded by the browser UI (the same checks as avatar.import)
//   WS   /ws                      the JSON protocol of `protocol/`
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ALISA_SUBPROTOCOL, HARD_MAX_FRAME_BYTES, type CompanionEvent } from '../../protocol';
import type { ProviderRegistry } from '../llm';
import { authorize, checkHostAndOrigin, type Scope } from './auth';
import { isUiRoute, serveUi } from './ui-routes';
import { JsonSocket } from './json-socket';
import { HEADERS_TIMEOUT_MS, LogThrottle, MAX_CONNECTIONS, MAX_HTTP_CONNECTIONS, refuseUpgrade, REQUEST_TIMEOUT_MS, listenOnLoopback } from './backpressure';
import { handleChatCompletions, handleModels } from './openai-routes';
import { createHandlers, type CompanionCore } from './request-handlers';
import { handleAvatarRoute, isAvatarRoute } from '../avatars/avatar-route';
import { refreshAvatarAfter } from '../avatars/avatar-handlers';

/** A client that misses two pings in a row is gone. */
const PING_INTERVAL_MS = 15_000;
/** The client name (prefix) VS Code windows say in hello; see extension/companion-manager.ts. */
const WINDOW_CLIENT = 'alisa-vscode';

interface CompanionServerOptions {
  port: number;
  token: string;
  /** The key of the OpenAI-compatible API: accepted on /v1/* only. */
  apiKey?: string | null;
  rateLimit: number;
  allowedOrigins: string[];
  version: string;
  log: (line: string) => void;
  /** WebSocket connections at once (default MAX_CONNECTIONS); more are refused with 503. */
  maxConnections?: number;
}

export class CompanionServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<JsonSocket>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private pingTimer: NodeJS.Timeout | null = null;
  private nextClient = 1;
  private boundPort = 0;
  /** Upgrades accepted but not yet open, so that a burst cannot pass the cap. */
  private pendingUpgrades = 0;
  private readonly clientListeners = new Set<() => void>();
  private readonly refusals: LogThrottle;

  constructor(
    private readonly core: CompanionCore,
    private readonly registry: ProviderRegistry,
    private readonly opts: CompanionServerOptions,
  ) {
    const handlers = refreshAvatarAfter(createHandlers(core), core.avatars);
    this.refusals = new LogThrottle(opts.log);
    // A socket that never sends a whole request head (or body) is closed with 408; the checks run
    // every second instead of Node's default 30 s.
    this.http = http.createServer(
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
      (req, res) => void this.onRequest(req, res),
    );
    this.http.maxConnections = MAX_HTTP_CONNECTIONS;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: HARD_MAX_FRAME_BYTES,
      // Browsers that pass the token as a subprotocol also offer `alisa.v1`; we answer with that
      // one and never echo the token back.
      handleProtocols: (protocols) => (protocols.has(ALISA_SUBPROTOCOL) ? ALISA_SUBPROTOCOL : false),
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.wss.on('connection', (ws) => {
      const socket = new JsonSocket(ws, core, handlers, { clientId: `ws-${this.nextClient++}`, rateLimit: opts.rateLimit, log: opts.log });
      this.sockets.add(socket);
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      ws.on('close', () => {
        this.sockets.delete(socket);
        if (socket.clientName !== null) this.emitClients();
      });
      socket.afterHello = () => this.emitClients();
      ws.on('error', (err) => opts.log(`websocket error: ${err.message}`));
    });
    core.events.onEvent((event, origin) => (origin?.only ? this.sendTo(origin.clientId, event) : this.broadcast(event)));
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    this.boundPort = await listenOnLoopback(this.http, this.opts.port);
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pingTimer.unref();
    return this.boundPort;
  }

  broadcast(event: CompanionEvent): void {
    for (const s of this.sockets) if (s.ready) s.send(event);
  }

  /** One client only (gone: nobody). */
  sendTo(clientId: string, event: CompanionEvent): void {
    for (const s of this.sockets) if (s.ready && s.clientId === clientId) s.send(event);
  }

  /** The ids of the clients connected now. */
  clientIds(): Set<string> {
    const ids = new Set<string>();
    for (const s of this.sockets) if (s.ws.readyState === s.ws.OPEN) ids.add(s.clientId);
    return ids;
  }

  /** Clients that said hello and hear events (the network gate asks only when someone can answer). */
  clientCount(): number {
    let n = 0;
    for (const s of this.sockets) if (s.ready && s.ws.readyState === s.ws.OPEN) n++;
    return n;
  }

  /** VS Code windows connected (clients whose hello named them `alisa-vscode…`): they keep an orphaned companion alive. */
  windowCount(): number {
    let n = 0;
    for (const s of this.sockets) if (s.ready && s.clientName?.startsWith(WINDOW_CLIENT) && s.ws.readyState === s.ws.OPEN) n++;
    return n;
  }

  /** Called whenever a client has said hello or gone. */
  onClientsChanged(listener: () => void): () => void {
    this.clientListeners.add(listener);
    return () => this.clientListeners.delete(listener);
  }

  private emitClients(): void {
    for (const l of [...this.clientListeners]) l();
  }

  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const s of this.sockets) s.ws.close(1001, 'Alisa is shutting down');
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private ping(): void {
    for (const s of this.sockets) {
      if (this.alive.get(s.ws) === false) {
        s.ws.terminate();
        continue;
      }
      this.alive.set(s.ws, false);
      s.ws.ping();
    }
  }

  private auth(req: IncomingMessage, scope: Scope = 'control') {
    return authorize(req, { port: this.boundPort, token: this.opts.token, apiKey: this.opts.apiKey ?? null, extraOrigins: this.opts.allowedOrigins, scope });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const failure = path === '/ws' ? this.auth(req) : { status: 404 as const, reason: `No WebSocket endpoint at ${path}; use /ws.` };
    if (failure) {
      // At most one line per 10 s and status (with a count): a refused client retrying in a loop cannot fill the log.
      this.refusals.line(`refused-${failure.status}`, `refused websocket: ${failure.reason}`);
      return refuseUpgrade(socket, failure.status, failure.reason);
    }
    const max = this.opts.maxConnections ?? MAX_CONNECTIONS;
    if (this.sockets.size + this.pendingUpgrades >= max) {
      const reason = `Too many connections (${max}); close another Alisa window or tool and try again.`;
      this.refusals.line('full', `refused websocket: ${reason}`);
      return refuseUpgrade(socket, 503, reason);
    }
    this.pendingUpgrades++;
    let settled = false;
    const settle = () => {
      if (!settled) this.pendingUpgrades--;
      settled = true;
    };
    socket.once('close', settle);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      this.wss.emit('connection', ws, req);
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (isUiRoute(req.method, pathname)) {
      const hostOrigin = checkHostAndOrigin(req, this.boundPort, this.opts.allowedOrigins);
      if (hostOrigin) return json(res, hostOrigin.status, { error: { message: hostOrigin.reason, code: 'forbidden' } });
      return serveUi(pathname, this.boundPort, res);
    }
    // /v1/* is the API key's scope (and the control token's); everything else is control only.
    const failure = this.auth(req, pathname === '/v1' || pathname.startsWith('/v1/') ? 'api' : 'control');
    if (failure) return json(res, failure.status, { error: { message: failure.reason, code: failure.status === 401 ? 'unauthorized' : 'forbidden' } });
    const path = pathname;
    const route = `${req.method} ${path}`;
    switch (route) {
      case 'GET /health':
        return json(res, 200, { ok: true, ...this.core.status() });
      case 'GET /v1/models':
        return handleModels(res, this.registry);
      case 'POST /v1/chat/completions':
        return handleChatCompletions(req, res, this.registry);
      default:
        if (isAvatarRoute(path) && this.core.avatars) return handleAvatarRoute(this.core.avatars, req, path, res);
        return json(res, 404, { error: { message: `No route ${route}.`, code: 'not_found' } });
    }
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
