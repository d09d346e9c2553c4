// One pipeline for every reply, whoever asked (the JSON socket, the legacy socket, later the
// idle loop): commit the user's message, build the prompt, stream through the emotion filter,
// persist the reply as it grows, and report everything as protocol events.
//
// Durability: the user's message is committed before generation starts. The reply row is
// created, empty and 'streaming', before generation starts (so a crash or kill before the first
// token still leaves a trace) and its text is flushed every FLUSH_INTERVAL_MS, so a crash loses
// at most that much; at the next start such rows become 'interrupted'. A cancelled reply keeps
// its text and is marked 'interrupted'; a reply that failed before saying anything leaves no row
// (the user's message and the reply.error say it all).
import { randomUUID } from 'node:crypto';
import type { ClientWorkspace, CompanionEvent, Emotion, Mode, Params, Result } from '../../protocol';
import { EMOTIONS, MODES } from '../../protocol';
import { AlisaError, toAlisaError } from '../errors';
import type { ChatTurn, GenerateRequest, LlmProvider, ProviderRegistry } from '../llm';
import { retryWhileLocked, type MemoryStore } from '../memory';
import { wellFormed } from '../memory/validate';
import { DEFAULT_CHARACTER, EmotionStream, systemPrompt, userTurn } from '../persona';
import { chooseWindow, type HistoryTurn } from './prompt-window';
import type { EventHub, EventListener, ReplyOrigin } from '../events';
import type { CompanionState } from '../state';
import type { ContextStore } from '../context/context-store';

const FLUSH_INTERVAL_MS = 500;
/**
 * After the first token (sent at once), tokens are gathered for up to this long into one event:
 * half a display frame, invisible in the UI, and it keeps a fast model's hundreds of events a
 * second from costing socket writes and JSON work on every token (measured: 0.85-0.99 of raw
 * throughput without batching, 0.93-0.98 with it, on stories260K at ~900 tokens/s).
 */
const TOKEN_BATCH_MS = 8;
/** How many earlier messages are read from the database before trimming to the token budget. */
const HISTORY_FETCH = 200;
/** Tokens a chat format adds around a turn (role markers), counted on top of the text's own. */
const TURN_OVERHEAD_TOKENS = 4;
/** A turn longer than this many characters per token of room is taken not to fit (not tokenized). */
const MAX_CHARS_PER_TOKEN = 16;
/** Turns remembered as the model saw them, and token counts, per message (bounded). */
const RENDERED_MAX = 4096;

export interface ChatSettings {
  historyTokens: number;
  maxReplyTokens: number;
  temperature: number;
  promptStyle: 'full' | 'compact';
  emotionGrammar: boolean;
}

export type { ReplyOrigin } from '../events';
export type ChatEventListener = EventListener;

/** Constraints on a reply's shape, passed through to the provider. */
type ReplyFormat = Pick<GenerateRequest, 'requireCodeBlock'>;

interface ActiveReply {
  replyId: string;
  sessionId: number;
  controller: AbortController;
  done: Promise<void>;
}

export class ChatService {
  /** Each turn as the model saw it (context and emotion tag included), by message id. */
  private readonly rendered = new BoundedMap<number, string>(RENDERED_MAX);
  /** Tokens of each rendered turn, by 'x'|'e' (exact or estimated) + message id. */
  private readonly tokenCounts = new BoundedMap<string, number>(RENDERED_MAX * 2);
  /** Tokens of the system messages last used (they change only with the mode, character or patterns). */
  private readonly systemTokens = new BoundedMap<string, number>(8);
  /** Each session's prompt window anchor (see prompt-window.ts). */
  private readonly anchors = new BoundedMap<number, number | null>(256);
  private active = new Map<string, ActiveReply>();
  /**
   * Sessions a request that names none must not land in: the legacy clients' own session (see
   * legacy/legacy-session.ts). Spontaneous speech may still go to it when it is the latest.
   */
  isReservedSession: (sessionId: number) => boolean = () => false;

  constructor(
    private readonly deps: {
      memory: () => MemoryStore;
      registry: ProviderRegistry;
      state: CompanionState;
      context: ContextStore;
      settings: ChatSettings;
      /** The process's event hub (events.ts): replies are published there. */
      events: EventHub;
    },
  ) {}

  /** The hub's listeners (for services that follow replies). */
  onEvent(listener: ChatEventListener): () => void {
    return this.deps.events.onEvent(listener);
  }

  /** Publishes on the process's event hub. */
  emit(event: CompanionEvent, origin: ReplyOrigin | null = null): void {
    this.deps.events.emit(event, origin);
  }

  /** Replies still streaming (for shutdown and tests). */
  activeReplies(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Starts a reply and returns as soon as the user's message is committed. `/mode <name>`
   * switches the mode instead.
   */
  send(params: Params<'chat.send'>, origin: ReplyOrigin | null): Result<'chat.send'> {
    const memory = this.deps.memory();
    const session = this.resolveSession(memory, params.sessionId, { workspace: origin?.workspace });
    const command = /^\/mode(?:\s+(\S+))?\s*$/i.exec(params.text.trim());
    if (command) {
      const mode = this.setModeByName(command[1] ?? '');
      return { replyId: null, sessionId: session.id, userMessageId: null, mode };
    }
    return this.begin(memory, session.id, { shownText: params.text, promptText: params.text, maxTokens: params.maxTokens }, origin);
  }

  /**
   * Starts a reply whose stored (and shown) user message differs from what the model is asked:
   * help requests store a short line ("Fix: … (src/a.ts:3)") but send the full prompt with the
   * code. Same pipeline as `send`. `format: 'code-block'` makes the reply one fenced block.
   */
  startReply(
    params: {
      shownText: string;
      promptText: string;
      sessionId?: number;
      format?: 'code-block';
      /** For 'code-block': the fence's language and the block's bounds (see GenerateRequest). */
      language?: string;
      maxLines?: number;
      maxLineLength?: number;
      maxTokens?: number;
      /** The requester's workspace, for a request naming no session (see `send`). */
      workspace?: ClientWorkspace | null;
    },
    origin: ReplyOrigin | null = null,
  ): { replyId: string; sessionId: number; userMessageId: number } {
    const memory = this.deps.memory();
    const session = this.resolveSession(memory, params.sessionId, { workspace: params.workspace ?? origin?.workspace });
    const format: ReplyFormat | undefined =
      params.format === 'code-block'
        ? {
            requireCodeBlock: {
              language: params.language ?? '',
              ...(params.maxLines ? { maxLines: params.maxLines } : {}),
              ...(params.maxLineLength ? { maxLineLength: params.maxLineLength } : {}),
            },
          }
        : undefined;
    return this.begin(memory, session.id, { shownText: params.shownText, promptText: params.promptText, maxTokens: params.maxTokens, format }, origin);
  }

  private begin(
    memory: MemoryStore,
    sessionId: number,
    p: { shownText: string; promptText: string; maxTokens?: number; format?: ReplyFormat },
    origin: ReplyOrigin | null,
  ): { replyId: string; sessionId: number; userMessageId: number } {
    for (const reply of this.active.values()) {
      if (reply.sessionId === sessionId) {
        throw new AlisaError('busy', 'Alisa is still answering in this chat.', 'Wait for the reply to finish, or stop it first.');
      }
    }
    const userMessage = memory.addMessage({ sessionId, role: 'user', text: p.shownText });
    const replyId = randomUUID();
    const controller = new AbortController();
    const reply: ActiveReply = { replyId, sessionId, controller, done: Promise.resolve() };
    this.active.set(replyId, reply);
    const startedAt = performance.now();
    this.emit({ type: 'reply.start', replyId, sessionId, userMessageId: userMessage.id, spontaneous: false }, origin);
    reply.done = this.generate(reply, userMessage.id, p.promptText, p.maxTokens, startedAt, origin, p.format).finally(() => this.active.delete(replyId));
    return { replyId, sessionId, userMessageId: userMessage.id };
  }

  /**
   * Spontaneous speech (the idle loop): she says something unasked. The model's answer is
   * generated first and shaped by `shape` (e.g. 1-2 sentences, no question); when nothing usable
   * comes back after `attempts` tries, `fallback` is said instead. Only then is it sent, as one
   * complete message: reply.start (spontaneous, no user message), reply.emotion, reply.token,
   * reply.end, and stored as a spontaneous assistant message. Nothing is sent (null) when a reply
   * is already streaming in the session or the model fails: nobody is left owed an end.
   */
  async speakUnprompted(params: {
    instruction: string;
    emotion: Emotion;
    shape: (text: string) => string;
    fallback: () => string;
    sessionId?: number;
    maxTokens?: number;
    attempts?: number;
  }): Promise<{ replyId: string; sessionId: number; messageId: number; text: string } | null> {
    const memory = this.deps.memory();
    // Nobody asked, so no workspace: the most recent session of all (created when there is none).
    const session = this.resolveSession(memory, params.sessionId, { allowReserved: true });
    for (const reply of this.active.values()) if (reply.sessionId === session.id) return null;
    const replyId = randomUUID();
    const controller = new AbortController();
    let release!: () => void;
    const reply: ActiveReply = { replyId, sessionId: session.id, controller, done: new Promise<void>((r) => (release = r)) };
    this.active.set(replyId, reply);
    const startedAt = performance.now();
    try {
      const provider = await this.deps.registry.active();
      let text = '';
      let promptTokens = 0;
      let completionTokens = 0;
      const lastId = memory.listMessages(session.id, { limit: 1 })[0]?.id;
      for (let i = 0; i < (params.attempts ?? 2) && text === ''; i++) {
        if (controller.signal.aborted) return null;
        let raw = '';
        const stream = new EmotionStream({ onEmotion: () => {}, onText: (t) => (raw += t) });
        const maxTokens = params.maxTokens ?? Math.min(80, this.deps.settings.maxReplyTokens);
        // The instruction is no message of the session: not remembered as one.
        const messages = this.prompt(memory, provider, session.id, (lastId ?? 0) + 1, params.instruction, maxTokens, false);
        const result = await provider.generate({
          messages,
          maxTokens,
          cacheKey: `session:${session.id}`,
          temperature: this.deps.settings.temperature,
          signal: controller.signal,
          onText: (chunk) => stream.push(chunk),
        });
        stream.finish();
        if (result.stopReason === 'cancelled') return null;
        promptTokens += result.promptTokens;
        completionTokens += result.completionTokens;
        text = params.shape(raw);
      }
      if (controller.signal.aborted) return null;
      if (text === '') text = params.fallback();
      const emotion = params.emotion;
      const message = memory.addMessage({ sessionId: session.id, role: 'assistant', text, status: 'complete', emotion, spontaneous: true, promptTokens, completionTokens });
      this.emit({ type: 'reply.start', replyId, sessionId: session.id, userMessageId: null, spontaneous: true });
      this.emit({ type: 'reply.emotion', replyId, emotion });
      this.emit({ type: 'reply.token', replyId, text });
      const totalMs = round(performance.now() - startedAt);
      this.emit({
        type: 'reply.end',
        replyId,
        sessionId: session.id,
        messageId: message.id,
        text,
        emotion,
        interrupted: false,
        tokens: { prompt: promptTokens, completion: completionTokens },
        timings: { firstTokenMs: totalMs, totalMs, tokensPerSecond: null },
        provider: provider.id,
      });
      return { replyId, sessionId: session.id, messageId: message.id, text };
    } catch {
      // Nothing was sent: a failed utterance is simply not said.
      return null;
    } finally {
      this.active.delete(replyId);
      release();
    }
  }

  cancel(replyId: string): boolean {
    const reply = this.active.get(replyId);
    if (!reply) return false;
    reply.controller.abort(new AlisaError('cancelled', 'The reply was stopped.'));
    return true;
  }

  /** Cancels every reply and waits until each is persisted. */
  async shutdown(): Promise<void> {
    const pending = [...this.active.values()];
    for (const r of pending) r.controller.abort(new AlisaError('cancelled', 'Alisa is shutting down.'));
    await Promise.allSettled(pending.map((r) => r.done));
  }

  setModeByName(name: string): Mode {
    const mode = name.toLowerCase();
    if (!(MODES as readonly string[]).includes(mode)) {
      throw new AlisaError('invalid_argument', `There is no mode "${name}".`, `Use one of: ${MODES.join(', ')}.`);
    }
    this.deps.state.setMode(mode as Mode);
    this.emit({ type: 'mode.changed', mode: mode as Mode });
    return mode as Mode;
  }

  /**
   * The session a request goes to: the one it names; else, for a client with a workspace, that
   * workspace's most recent session (never one tied to no workspace or to another), created in it
   * when it has none; else the most recent session other than the legacy clients' own (unless
   * `allowReserved`), created when there is none. A created session is announced.
   */
  private resolveSession(memory: MemoryStore, sessionId: number | undefined, opts: { allowReserved?: boolean; workspace?: ClientWorkspace | null } = {}) {
    if (sessionId !== undefined) {
      const s = memory.getSession(sessionId);
      if (!s) throw new AlisaError('not_found', `There is no chat session ${sessionId}.`, 'Pick a session from the list or start a new one.');
      return s;
    }
    const create = (workspace: ClientWorkspace | null) => {
      const s = memory.createSession(undefined, this.deps.state.characterId, workspace);
      this.emit({ type: 'sessions.changed', session: s });
      return s;
    };
    const workspace = opts.workspace ?? null;
    // The legacy clients' session is tied to no workspace, so it is never a workspace's own.
    if (workspace) return memory.latestSession(workspace.id) ?? create(workspace);
    const latest = memory.latestSession();
    if (!opts.allowReserved && latest && this.isReservedSession(latest.id)) {
      return memory.listSessions().find((s) => !this.isReservedSession(s.id)) ?? create(null);
    }
    return latest ?? create(null);
  }

  private async generate(
    reply: ActiveReply,
    userMessageId: number,
    userText: string,
    maxTokens: number | undefined,
    startedAt: number,
    origin: ReplyOrigin | null,
    format?: ReplyFormat,
  ): Promise<void> {
    const { replyId, sessionId, controller } = reply;
    const memory = this.deps.memory();
    let messageId: number | null = null;
    let firstTokenAt: number | null = null;
    let dirty = false;
    let providerId = 'none';
    const flush = (status: 'streaming' | 'complete' | 'interrupted', extra: { emotion?: Emotion; promptTokens?: number; completionTokens?: number } = {}) => {
      // The model's text, stored: a lone surrogate from a server (or a pair not complete yet) is
      // stored as U+FFFD, since the store refuses lone surrogates (see memory/validate.ts).
      const text = wellFormed(stream.cleanText);
      if (messageId === null) {
        if (text === '' && status !== 'complete') return;
        messageId = memory.addMessage({ sessionId, role: 'assistant', text, status, emotion: stream.currentEmotion, ...extra }).id;
      } else {
        memory.updateMessage(messageId, { text, status, emotion: stream.currentEmotion, ...extra });
      }
      dirty = false;
    };
    const stream = new EmotionStream({
      onEmotion: (emotion) => this.emit({ type: 'reply.emotion', replyId, emotion }, origin),
      onText: (text) => {
        dirty = true;
        firstTokenAt ??= performance.now();
        unsent += text;
        if (!sendScheduled) {
          sendScheduled = true;
          if (rowCreated) setTimeout(sendTokens, TOKEN_BATCH_MS);
          else setImmediate(sendTokens);
        }
      },
    });
    // Token events leave on a later turn of the event loop, not inside the model's callback:
    // node-llama-cpp's generation loop runs on this thread, so work done in the callback delays the
    // next token, while work done here overlaps with the native evaluation of the next token.
    let unsent = '';
    let sendScheduled = false;
    let rowCreated = false;
    const sendTokens = () => {
      sendScheduled = false;
      if (unsent === '') return;
      const text = unsent;
      unsent = '';
      if (!rowCreated) {
        rowCreated = true;
        // The reply row exists before anyone has seen its first token; later text is flushed
        // periodically.
        try {
          flush('streaming');
        } catch {
          // Retried by the periodic flush.
        }
      }
      this.emit({ type: 'reply.token', replyId, text }, origin);
    };
    // The placeholder: 'streaming' and empty until the first token (see Durability above).
    try {
      messageId = memory.addMessage({ sessionId, role: 'assistant', text: '', status: 'streaming' }).id;
    } catch {
      // A locked database: the first token's flush creates the row instead.
    }
    const timer = setInterval(() => {
      if (dirty) {
        try {
          flush('streaming');
        } catch {
          // A locked database mid-stream: the next flush or the final write tries again.
        }
      }
    }, FLUSH_INTERVAL_MS);
    try {
      const provider = await this.deps.registry.active();
      providerId = provider.id;
      if (controller.signal.aborted) throw controller.signal.reason;
      const replyTokens = maxTokens ?? this.deps.settings.maxReplyTokens;
      const messages = this.prompt(memory, provider, sessionId, userMessageId, userText, replyTokens);
      const result = await provider.generate({
        messages,
        maxTokens: replyTokens,
        cacheKey: `session:${sessionId}`,
        temperature: this.deps.settings.temperature,
        signal: controller.signal,
        onText: (chunk) => stream.push(chunk),
        ...(this.deps.settings.emotionGrammar ? { requireEmotionTag: EMOTIONS } : {}),
        ...(format ?? {}),
      });
      const { emotion, text } = stream.finish();
      sendTokens();
      const interrupted = result.stopReason === 'cancelled';
      // As generated (emotion tag included): how the next prompt renders this reply.
      const renderedReply = result.text;
      const tokens = { prompt: result.promptTokens, completion: result.completionTokens, ...(result.evaluatedTokens !== undefined ? { evaluated: result.evaluatedTokens } : {}) };
      // The finished reply must be stored: a lock held by another process is waited out
      // between turns of the event loop (memory/retry.ts), never inside SQLite's busy wait.
      await retryWhileLocked(() => flush(interrupted ? 'interrupted' : 'complete', { emotion, promptTokens: tokens.prompt, completionTokens: tokens.completion }));
      if (messageId !== null && renderedReply.trim() !== '') this.rendered.set(messageId, renderedReply);
      const endAt = performance.now();
      const genSeconds = (endAt - (firstTokenAt ?? startedAt)) / 1000;
      this.emit(
        {
          type: 'reply.end',
          replyId,
          sessionId,
          messageId: messageId!,
          text,
          emotion,
          interrupted,
          tokens,
          timings: {
            firstTokenMs: firstTokenAt === null ? null : round(firstTokenAt - startedAt),
            totalMs: round(endAt - startedAt),
            tokensPerSecond: genSeconds > 0 && tokens.completion > 0 ? round(tokens.completion / genSeconds) : null,
          },
          provider: providerId,
        },
        origin,
      );
    } catch (err) {
      const error = toAlisaError(err, 'llm_failed');
      stream.finish();
      sendTokens();
      try {
        if (messageId !== null && stream.cleanText === '' && !controller.signal.aborted) {
          // Failed before saying anything (no model, a server down): no empty reply row is kept.
          memory.deleteMessage(messageId);
          messageId = null;
        } else {
          flush('interrupted');
        }
      } catch {
        // Already reported below; the user's message is committed regardless.
      }
      this.emit({ type: 'reply.error', replyId, sessionId, error: error.toInfo(), messageId }, origin);
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * The prompt for a reply, laid out for the model's prompt cache (see persona/prompt-builder.ts and
   * prompt-window.ts): a stable system message, the session's window of earlier turns rendered as
   * the model saw them, then this moment's context with the user's message.
   */
  private prompt(memory: MemoryStore, provider: LlmProvider, sessionId: number, userMessageId: number, userText: string, maxTokens: number, remember = true): ChatTurn[] {
    const style = this.deps.settings.promptStyle;
    const history: HistoryTurn[] = memory
      .listMessages(sessionId, { limit: HISTORY_FETCH, beforeId: userMessageId })
      .filter((m) => m.text.trim() !== '' && m.role !== 'system')
      .map((m) => ({ id: m.id, role: m.role as 'user' | 'assistant', content: this.rendered.get(m.id) ?? (m.role === 'assistant' && m.emotion && style !== 'compact' ? `<emotion=${m.emotion}> ${m.text}` : m.text) }));
    const character = memory.getCharacter(this.deps.state.characterId);
    const system = systemPrompt({ persona: character?.systemPrompt ?? DEFAULT_CHARACTER.systemPrompt, mode: this.deps.state.mode, patterns: this.deps.context.learnedLines(), style });
    const user = userTurn(userText, this.deps.context.passiveContextLines(), style);
    // Later prompts render this message exactly as now, context included (the cache matches).
    if (remember) this.rendered.set(userMessageId, user);
    const exact = provider.exactTokenCount;
    const cost = (turn: HistoryTurn, room: number): number => {
      const key = `${exact ? 'x' : 'e'}${turn.id}`;
      const known = this.tokenCounts.get(key);
      if (known !== undefined) return known;
      // Too long to fit at MAX_CHARS_PER_TOKEN characters a token: left out untokenized.
      if (turn.content.length > (Math.max(0, room) + 1) * MAX_CHARS_PER_TOKEN) return Infinity;
      const n = provider.countTokens(turn.content) + TURN_OVERHEAD_TOKENS;
      this.tokenCounts.set(key, n);
      return n;
    };
    // Within what the model can evaluate as given: beyond it the provider would drop turns itself.
    let budget = this.deps.settings.historyTokens;
    const providerBudget = provider.promptTokenBudget?.(maxTokens) ?? null;
    if (providerBudget !== null) {
      // The system message is the same turn after turn: counted once per text.
      const systemKey = `${exact ? 'x' : 'e'}${system}`;
      let systemTokens = this.systemTokens.get(systemKey);
      if (systemTokens === undefined) this.systemTokens.set(systemKey, (systemTokens = provider.countTokens(system)));
      const fixed = systemTokens + provider.countTokens(user) + 2 * TURN_OVERHEAD_TOKENS;
      budget = Math.min(budget, Math.floor((providerBudget - fixed) * 0.97) - 8);
    }
    const window = chooseWindow(history, { budget, anchorId: this.anchors.get(sessionId) ?? null, cost });
    this.anchors.set(sessionId, window.anchorId);
    return [{ role: 'system', content: system }, ...window.turns.map(({ role, content }) => ({ role, content })), { role: 'user', content: user }];
  }
}

/** A Map that forgets its oldest entries past `max` (insertion order). */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value!);
    return this;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
