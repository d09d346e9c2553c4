// The original Python Alisa's text protocol, so its overlay, voice and vision clients work
// unchanged. Old clients cannot send a token, so this endpoint is off unless the user enables
// it; it listens on 127.0.0.1 only and refuses foreign browser Origins like the main server.
//
// Client -> server frames (raw text):
//   anything else                 chat; the reply streams to every legacy client
//   {"message": "..."}            chat (the JSON form some old clients send)
//   /mode <name>                  -> [MODE CHANGED], [END] to the sender
//   [SPEECH_START] / [SPEECH_END] relayed to the other legacy clients
// Server -> client, besides: [SPEECH_START] to every legacy client when Alisa starts speaking
// an utterance, [SPEECH_END] to the same clients when it ends (speech.start / speech.end;
// drives the avatar's mouth).
//   [VISION_FACE]<state>          presence
//   [VISION_DESKTOP]task|app|filecat|has_error|offer_text|window|text
//   [VISION_SCREEN]window | text
// Server -> client: reply text frames, [EMOTION]<name>, [END]; [ERROR] then [END] to the
// requester when generation fails. Unlike the seed: no emotion tag ever appears in the text
// frames, keep-alive is WebSocket pings (not empty frames), and every reply ends with [END].
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ChatService } from '../chat/chat-service';
import { PRESENCE_STATES, type ContextStore, type Presence } from '../context/context-store';
import { toAlisaError } from '../errors';
import type { MemoryStore } from '../memory';
import { checkHostAndOrigin } from '../server/auth';
import { json } from '../server/companion-server';

const MAX_FRAME = 64 * 1024;
const PING_INTERVAL_MS = 20_000;

export interface LegacyServerDeps {
  chat: ChatService;
  context: ContextStore;
  memory: () => MemoryStore;
  historyTokens: number;
  version: string;
  log: (line: string) => void;
}

export class LegacyServer {
  private readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  private readonly clients = new Map<WebSocket, string>();
  /** Legacy clients that have received text of a reply (they are owed its [END]). */
  private readonly audience = new Map<string, Set<WebSocket>>();
  /** Legacy clients told that Alisa started speaking an utterance (they are owed its end). */
  private readonly speechAudience = new Map<string, Set<WebSocket>>();
  private boundPort = 0;
  private nextId = 1;
  private pingTimer: NodeJS.Timeout | null = null;
  private unsubscribe: () => void;

  constructor(
    private readonly port: number,
    private readonly deps: LegacyServerDeps,
  ) {
    this.http = http.createServer((req, res) => {
      const failure = checkHostAndOrigin(req, this.boundPort, []);
      if (failure) return json(res, failure.status, { detail: failure.reason });
      const route = `${req.method} ${new URL(req.url ?? '/', 'http://127.0.0.1').pathname}`;
      try {
        if (route === 'GET /') return json(res, 200, { status: 'ok', name: 'Alisa', version: deps.version });
        if (route === 'GET /history/summary') {
          const s = deps.memory().summary(undefined, deps.historyTokens);
          return json(res, 200, { messages: s.messages, turns: s.turns, estimated_tokens: s.estimatedTokens, max_tokens: s.maxTokens });
        }
        if (route === 'POST /history/clear') {
          deps.memory().clear();
          return json(res, 200, { status: 'cleared' });
        }
        return json(res, 404, { detail: 'Not Found' });
      } catch (err) {
        const e = toAlisaError(err);
        return json(res, 503, { detail: e.message, code: e.code });
      }
    });
    this.http.on('upgrade', (req: IncomingMessage, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const failure = path === '/ws/chat' ? checkHostAndOrigin(req, this.boundPort, []) : { status: 404, reason: 'Use /ws/chat.' };
      if (failure) {
        deps.log(`legacy: refused websocket: ${failure.reason}`);
        socket.end(`HTTP/1.1 ${failure.status} Refused\r\nConnection: close\r\n\r\n${failure.reason}\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
    this.unsubscribe = deps.chat.onEvent((event, origin) => {
      switch (event.type) {
        case 'reply.token':
          this.sendReplyText(event.replyId, event.text);
          break;
        case 'reply.end':
          this.finishReply(event.replyId, [`[EMOTION]${event.emotion}`, '[END]']);
          break;
        case 'speech.start': {
          const listeners = new Set(this.clients.keys());
          this.speechAudience.set(event.utteranceId, listeners);
          for (const ws of listeners) this.sendTo(ws, '[SPEECH_START]');
          break;
        }
        case 'speech.end': {
          // Only to those told it started: a client that connected mid-utterance gets no stray end.
          for (const ws of this.speechAudience.get(event.utteranceId) ?? []) this.sendTo(ws, '[SPEECH_END]');
          this.speechAudience.delete(event.utteranceId);
          break;
        }
        case 'reply.error': {
          const requester = origin ? this.clientById(origin.clientId) : undefined;
          if (requester) this.sendTo(requester, '[ERROR]');
          this.finishReply(event.replyId, ['[END]'], requester);
          break;
        }
      }
    });
  }

  get actualPort(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.port, '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.http.address() as AddressInfo).port;
    this.pingTimer = setInterval(() => {
      for (const ws of this.clients.keys()) ws.ping();
    }, PING_INTERVAL_MS);
    this.pingTimer.unref();
    return this.boundPort;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const ws of this.clients.keys()) ws.close(1001);
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private clientById(id: string): WebSocket | undefined {
    for (const [ws, cid] of this.clients) if (cid === id) return ws;
    return undefined;
  }

  private sendTo(ws: WebSocket, frame: string): void {
    if (ws.readyState === ws.OPEN) ws.send(frame);
  }

  private sendReplyText(replyId: string, text: string): void {
    let audience = this.audience.get(replyId);
    if (!audience) this.audience.set(replyId, (audience = new Set()));
    for (const ws of this.clients.keys()) {
      audience.add(ws);
      this.sendTo(ws, text);
    }
  }

  /** Terminates a reply for everyone who saw part of it (and for `also`, the requester). */
  private finishReply(replyId: string, frames: string[], also?: WebSocket): void {
    const audience = this.audience.get(replyId) ?? new Set<WebSocket>();
    this.audience.delete(replyId);
    const targets = frames[0] === '[END]' ? audience : new Set(this.clients.keys());
    if (also) targets.add(also);
    for (const ws of targets) for (const f of frames) this.sendTo(ws, f);
  }

  private onConnection(ws: WebSocket): void {
    const id = `legacy-${this.nextId++}`;
    this.clients.set(ws, id);
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', (err) => this.deps.log(`legacy websocket error: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onText(ws, id, data.toString());
    });
  }

  private onText(ws: WebSocket, clientId: string, raw: string): void {
    const { chat, context } = this.deps;
    if (raw === '[SPEECH_START]' || raw === '[SPEECH_END]') {
      for (const other of this.clients.keys()) if (other !== ws) this.sendTo(other, raw);
      return;
    }
    if (raw.startsWith('[VISION_FACE]')) {
      const state = raw.slice('[VISION_FACE]'.length).trim().toLowerCase();
      if ((PRESENCE_STATES as readonly string[]).includes(state)) context.setPresence(state as Presence);
      return;
    }
    if (raw.startsWith('[VISION_DESKTOP]')) {
      const f = raw.slice('[VISION_DESKTOP]'.length).split('|');
      // The last field is screen text and may itself contain '|': it takes the rest.
      context.setDesktop({
        task: f[0] ?? '',
        app: f[1] ?? '',
        fileCategory: f[2] ?? '',
        hasError: f[3] === 'True',
        offerText: f[4] ?? '',
        window: f[5] ?? '',
        text: f.slice(6).join('|'),
      });
      return;
    }
    if (raw.startsWith('[VISION_SCREEN]')) {
      const body = raw.slice('[VISION_SCREEN]'.length);
      const cut = body.indexOf(' | ');
      context.setScreen(cut === -1 ? body : body.slice(0, cut), cut === -1 ? '' : body.slice(cut + 3));
      return;
    }
    let text = raw;
    if (raw.startsWith('{')) {
      try {
        const parsed = JSON.parse(raw) as { message?: unknown };
        if (typeof parsed.message === 'string') text = parsed.message;
      } catch {
        // Not JSON after all: ordinary chat text.
      }
    }
    text = text.trim();
    if (text === '') return;
    try {
      const result = chat.send({ text }, { clientId });
      if (result.replyId === null) {
        this.sendTo(ws, '[MODE CHANGED]');
        this.sendTo(ws, '[END]');
      }
    } catch (err) {
      this.deps.log(`legacy: ${toAlisaError(err).message}`);
      this.sendTo(ws, '[ERROR]');
      this.sendTo(ws, '[END]');
    }
  }
}
