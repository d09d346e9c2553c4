// The original Python Alisa's text protocol, so its overlay, voice and vision clients work
// unchanged. Old clients cannot send a token, so this endpoint is off unless the user enables
// it; it listens on 127.0.0.1 only and refuses foreign browser Origins like the main server.
//
// What it exposes (any local process can connect): chat in the legacy session (legacy-session.ts)
// and its summary, Alisa's spontaneous remarks, help offers for errors the legacy vision client
// reported, and feeding vision context. Never another session's replies, never deletion.
//
// Client -> server frames (raw text):
//   anything else                 chat in the legacy session; the reply streams to the sender
//                                 and every other legacy client (a message sent while a legacy
//                                 reply streams is answered after it, in turn)
//   {"message": "..."}            chat (the JSON form some old clients send)
//   /mode <name>                  -> [MODE CHANGED], [END] to the sender
//   [SPEECH_START] / [SPEECH_END] relayed to the other legacy clients
//   [VISION_FACE]<state>          presence
//   [VISION_DESKTOP]task|app|filecat|has_error|offer_text|window|text   (legacy-vision.ts)
//   [VISION_SCREEN]window | text
// Server -> client: reply text frames, [EMOTION]<name>, [END]; [ERROR] then [END] to the
// requester when generation fails. Unsolicited, each complete and terminated: spontaneous
// remarks, and help offers for a [VISION_DESKTOP] error (text, [EMOTION]x, [END]); a client in
// the middle of a reply gets them after its [END]. Her own [SPEECH_START]/[SPEECH_END] (from
// speaking with the companion's voice, whatever she says: timing only, no text) only with
// `speechFrames` (--legacy-speech-frames), for the overlay's mouth: old text clients would print
// them as reply text.
// Unlike the seed: no emotion tag ever appears in the text frames, keep-alive is WebSocket
// pings (not empty frames), and every reply ends with [END].
import http, { type IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CompanionEvent } from '../../protocol';
import type { ChatService, ReplyOrigin } from '../chat/chat-service';
import { errorKey } from '../context/activity-fuser';
import { PRESENCE_STATES, type ContextStore, type Presence } from '../context/context-store';
import { toAlisaError } from '../errors';
import { checkHostAndOrigin } from '../server/auth';
import { json } from '../server/companion-server';
import {
  guardedSend,
  HEADERS_TIMEOUT_MS,
  LogThrottle,
  MAX_CONNECTIONS,
  MAX_HTTP_CONNECTIONS,
  refuseUpgrade,
  REQUEST_TIMEOUT_MS,
  listenOnLoopback,
} from '../server/backpressure';
import type { LegacySession } from './legacy-session';
import { parseVisionDesktop, parseVisionScreen } from './legacy-vision';
import type { ActionExecutor } from '../actions/executor';
import { isNo, isYes, outcomeFrames, parseTrigger, PendingQuestion, type Trigger } from './legacy-actions';

const MAX_FRAME = 64 * 1024;
const PING_INTERVAL_MS = 20_000;
/** Unsolicited utterances held for a client while a reply streams to it. */
const MAX_WAITING = 20;
/** Legacy messages held while a legacy reply streams (they are answered in turn). */
const MAX_PENDING = 10;
/** Errors reported by legacy vision whose help offers go to legacy clients. */
const MAX_OFFER_KEYS = 50;
const MODE_COMMAND = /^\/mode(?:\s+(\S+))?\s*$/i;

interface LegacyServerDeps {
  chat: ChatService;
  context: ContextStore;
  session: LegacySession;
  historyTokens: number;
  /** Send her own speech frames ([SPEECH_START]/[SPEECH_END]) to legacy clients. */
  speechFrames: boolean;
  version: string;
  log: (line: string) => void;
  /** The original's spoken actions ("take note: ...", "open firefox", yes/no): through the one executor. */
  actions?: ActionExecutor;
}

interface LegacyClient {
  ws: WebSocket;
  id: string;
  /** The reply streaming to this client; unsolicited utterances wait for its [END]. */
  streaming: string | null;
  waiting: string[][];
  /** The action question this client may answer with yes or no. */
  question: PendingQuestion;
}

interface LegacyReply {
  /** Legacy clients connected when it started: they get all of it. */
  audience: Set<LegacyClient>;
  requester: LegacyClient;
  /** Those who got some of its text (owed an [END] even when it fails). */
  gotText: Set<LegacyClient>;
}

export class LegacyServer {
  private readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  private readonly clients = new Map<WebSocket, LegacyClient>();
  /** Replies to legacy clients' messages (the only replies shown here), by reply id. */
  private readonly replies = new Map<string, LegacyReply>();
  /** Legacy messages waiting for the streaming legacy reply to end. */
  private readonly pending: Array<{ client: LegacyClient; text: string }> = [];
  /** Spontaneous remarks under way (reply.end has no `spontaneous` flag; its reply.start has). */
  private readonly spontaneous = new Set<string>();
  private readonly offerKeys = new Set<string>();
  /** Legacy clients told that Alisa started speaking an utterance (they are owed its end). */
  private readonly speechAudience = new Map<string, Set<LegacyClient>>();
  private boundPort = 0;
  private nextId = 1;
  private pingTimer: NodeJS.Timeout | null = null;
  private unsubscribe: () => void;
  private readonly refusals: LogThrottle;

  constructor(
    private readonly port: number,
    private readonly deps: LegacyServerDeps,
  ) {
    this.refusals = new LogThrottle(deps.log);
    this.http = http.createServer(
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
      (req, res) => {
        const failure = checkHostAndOrigin(req, this.boundPort, []);
        if (failure) return json(res, failure.status, { detail: failure.reason });
        const route = `${req.method} ${new URL(req.url ?? '/', 'http://127.0.0.1').pathname}`;
        try {
          if (route === 'GET /') return json(res, 200, { status: 'Alisa online', name: 'Alisa', version: deps.version });
          if (route === 'GET /history/summary') {
            const s = deps.session.summary(deps.historyTokens);
            return json(res, 200, { messages: s.messages, turns: s.turns, estimated_tokens: s.estimatedTokens, max_tokens: s.maxTokens });
          }
          if (route === 'POST /history/clear') {
            // As in the original: the short-term buffer only. Deleting history is the panel's,
            // with the user's confirmation.
            deps.session.resetBuffer();
            return json(res, 200, { status: 'History cleared' });
          }
          return json(res, 404, { detail: 'Not Found' });
        } catch (err) {
          const e = toAlisaError(err);
          return json(res, 503, { detail: e.message, code: e.code });
        }
      },
    );
    this.http.on('upgrade', (req: IncomingMessage, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const failure = path === '/ws/chat' ? checkHostAndOrigin(req, this.boundPort, []) : { status: 404, reason: 'Use /ws/chat.' };
      if (failure) {
        this.refusals.line(`refused-${failure.status}`, `legacy: refused websocket: ${failure.reason}`);
        return refuseUpgrade(socket, failure.status, failure.reason);
      }
      if (this.clients.size >= MAX_CONNECTIONS) {
        const reason = `Too many legacy connections (${MAX_CONNECTIONS}).`;
        this.refusals.line('full', `legacy: refused websocket: ${reason}`);
        return refuseUpgrade(socket, 503, reason);
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
    this.http.maxConnections = MAX_HTTP_CONNECTIONS;
    this.unsubscribe = deps.chat.onEvent((event, origin) => this.onChatEvent(event, origin));
  }

  get actualPort(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    this.boundPort = await listenOnLoopback(this.http, this.port);
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

  // ---- what legacy clients are shown -----------------------------------------------------

  private onChatEvent(event: CompanionEvent, origin: ReplyOrigin | null): void {
    switch (event.type) {
      case 'reply.start': {
        // Only replies to a legacy client's message stream here; replies to the panel, /ws or
        // help requests never do. Spontaneous remarks are sent whole at their end.
        if (event.spontaneous) {
          this.spontaneous.add(event.replyId);
          break;
        }
        const requester = origin ? this.clientById(origin.clientId) : undefined;
        if (!requester) break;
        const audience = new Set(this.clients.values());
        for (const c of audience) c.streaming = event.replyId;
        this.replies.set(event.replyId, { audience, requester, gotText: new Set() });
        break;
      }
      case 'reply.token': {
        const reply = this.replies.get(event.replyId);
        if (!reply) break;
        for (const c of reply.audience) {
          reply.gotText.add(c);
          this.sendTo(c, event.text);
        }
        break;
      }
      case 'reply.end': {
        const reply = this.replies.get(event.replyId);
        if (reply) {
          this.replies.delete(event.replyId);
          for (const c of reply.audience) {
            this.sendTo(c, `[EMOTION]${event.emotion}`);
            this.sendTo(c, '[END]');
            this.doneStreaming(c, event.replyId);
          }
          this.answerPending();
        } else if (this.spontaneous.delete(event.replyId)) {
          this.deliverToAll([event.text, `[EMOTION]${event.emotion}`, '[END]']);
        }
        break;
      }
      case 'reply.error': {
        const reply = this.replies.get(event.replyId);
        if (!reply) break;
        this.replies.delete(event.replyId);
        for (const c of reply.audience) {
          if (c === reply.requester) {
            this.sendTo(c, '[ERROR]');
            this.sendTo(c, '[END]');
          } else if (reply.gotText.has(c)) {
            this.sendTo(c, '[END]');
          }
          this.doneStreaming(c, event.replyId);
        }
        this.answerPending();
        break;
      }
      case 'help.offer':
        // Offers for errors a legacy vision client reported, as the seed streamed them; offers
        // about the editor or the companion's own screen reading stay in the panel.
        if (this.offerKeys.has(errorKey(event.target))) this.deliverToAll([event.text, `[EMOTION]${event.emotion}`, '[END]']);
        break;
      case 'speech.start': {
        if (!this.deps.speechFrames) break;
        const listeners = new Set(this.clients.values());
        this.speechAudience.set(event.utteranceId, listeners);
        for (const c of listeners) this.sendTo(c, '[SPEECH_START]');
        break;
      }
      case 'speech.end': {
        // Only to those told it started: a client that connected mid-utterance gets no stray end.
        for (const c of this.speechAudience.get(event.utteranceId) ?? []) this.sendTo(c, '[SPEECH_END]');
        this.speechAudience.delete(event.utteranceId);
        break;
      }
    }
  }

  private clientById(id: string): LegacyClient | undefined {
    for (const c of this.clients.values()) if (c.id === id) return c;
    return undefined;
  }

  /** Legacy frames are all needed (tokens are the reply's text): a client too far behind is closed (see backpressure.ts). */
  private sendTo(c: LegacyClient, frame: string): void {
    guardedSend(c.ws, frame, { droppable: false, onClose: (reason) => this.deps.log(`legacy: client ${c.id} closed: ${reason}`) });
  }

  /** Complete frames for `c` (ending in [END]): now, or after the [END] of the reply streaming to it. */
  private deliver(c: LegacyClient, frames: string[]): void {
    if (c.streaming === null) {
      for (const f of frames) this.sendTo(c, f);
      return;
    }
    c.waiting.push(frames);
    if (c.waiting.length > MAX_WAITING) c.waiting.shift();
  }

  private deliverToAll(frames: string[]): void {
    for (const c of this.clients.values()) this.deliver(c, frames);
  }

  private doneStreaming(c: LegacyClient, replyId: string): void {
    if (c.streaming !== replyId) return;
    c.streaming = null;
    for (const frames of c.waiting.splice(0)) for (const f of frames) this.sendTo(c, f);
  }

  // ---- what legacy clients send ------------------------------------------------------------

  private onConnection(ws: WebSocket): void {
    const client: LegacyClient = { ws, id: `legacy-${this.nextId++}`, streaming: null, waiting: [], question: new PendingQuestion() };
    this.clients.set(ws, client);
    ws.on('close', () => {
      this.clients.delete(ws);
      client.question.answer('expired');
    });
    ws.on('error', (err) => this.deps.log(`legacy websocket error: ${err.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onText(client, data.toString());
    });
  }

  private onText(client: LegacyClient, raw: string): void {
    const { chat, context } = this.deps;
    if (raw === '[SPEECH_START]' || raw === '[SPEECH_END]') {
      for (const other of this.clients.values()) if (other !== client) this.sendTo(other, raw);
      return;
    }
    if (raw.startsWith('[VISION_FACE]')) {
      const state = raw.slice('[VISION_FACE]'.length).trim().toLowerCase();
      if ((PRESENCE_STATES as readonly string[]).includes(state)) context.setPresence(state as Presence);
      return;
    }
    if (raw.startsWith('[VISION_DESKTOP]')) {
      const parsed = parseVisionDesktop(raw.slice('[VISION_DESKTOP]'.length));
      if (!parsed) return;
      if (parsed.redactions > 0) this.deps.log(`legacy: redacted ${parsed.redactions} secret(s) from desktop context`);
      context.setDesktop(parsed.desktop);
      for (const e of parsed.desktop.screenErrors ?? [])
        this.rememberOfferKey(errorKey({ kind: 'screen', path: null, range: null, message: e.message, code: e.kind }));
      return;
    }
    if (raw.startsWith('[VISION_SCREEN]')) {
      const parsed = parseVisionScreen(raw.slice('[VISION_SCREEN]'.length));
      if (parsed.redactions > 0) this.deps.log(`legacy: redacted ${parsed.redactions} secret(s) from screen context`);
      context.setScreen(parsed.window, parsed.text);
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
    const mode = MODE_COMMAND.exec(text);
    if (mode) {
      try {
        chat.setModeByName(mode[1] ?? '');
        this.deliver(client, ['[MODE CHANGED]', '[END]']);
      } catch (err) {
        this.deps.log(`legacy: ${toAlisaError(err).message}`);
        this.deliver(client, ['[ERROR]', '[END]']);
      }
      return;
    }
    if (client.question.open && (isYes(text) || isNo(text))) {
      client.question.answer(isYes(text) ? 'allow' : 'deny');
      return;
    }
    const trigger = this.deps.actions ? parseTrigger(text) : null;
    if (trigger) {
      void this.runAction(client, trigger);
      return;
    }
    if (this.replies.size > 0 || this.pending.length > 0) {
      // A legacy reply is streaming to every legacy client: this message is answered after it,
      // in turn, rather than refused in the middle of it.
      if (this.pending.length >= MAX_PENDING) this.deliver(client, ['[ERROR]', '[END]']);
      else this.pending.push({ client, text });
      return;
    }
    this.startChat(client, text);
  }

  /** A trigger phrase: the action runs through the executor; the question and the result are frames, the result to every legacy client. */
  private async runAction(client: LegacyClient, trigger: Trigger): Promise<void> {
    const outcome = await this.deps.actions!.run({
      action: trigger.action,
      args: trigger.args,
      source: 'legacy',
      clientId: client.id,
      workspace: null,
      confirm: (info) => client.question.ask(info, (frames) => this.deliver(client, frames)),
    });
    this.deliverToAll(outcomeFrames(outcome));
  }

  private startChat(client: LegacyClient, text: string): void {
    try {
      this.deps.chat.send({ text, sessionId: this.deps.session.ensure() }, { clientId: client.id });
    } catch (err) {
      this.deps.log(`legacy: ${toAlisaError(err).message}`);
      this.deliver(client, ['[ERROR]', '[END]']);
    }
  }

  /** The next held message, once the reply that ended has left the chat pipeline. */
  private answerPending(): void {
    setImmediate(() => {
      while (this.replies.size === 0 && this.pending.length > 0) {
        const next = this.pending.shift()!;
        if (next.client.ws.readyState !== next.client.ws.OPEN) continue;
        this.startChat(next.client, next.text);
      }
    });
  }

  private rememberOfferKey(key: string): void {
    this.offerKeys.delete(key);
    this.offerKeys.add(key);
    if (this.offerKeys.size > MAX_OFFER_KEYS) this.offerKeys.delete(this.offerKeys.values().next().value!);
  }
}
