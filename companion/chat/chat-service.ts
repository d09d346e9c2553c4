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
//
// Asking again (retry, edit): the later messages of the chat are deleted, not kept as superseded,
// so history, search, export and every prompt hold only the conversation as it now stands.
//
// The prompt itself (history window, rendered turns, token counts) is chat-prompt.ts's. This
// file stays over 400 lines because `generate` is one pipeline (stream, batch, persist, emit,
// cancel) whose steps share the reply's state and are easiest to check read in one piece.
import { randomUUID } from 'node:crypto';
import type { Attachment, ClientWorkspace, CompanionEvent, Emotion, Mode, Params, Result, SourceRef } from '../../protocol';
import { EMOTIONS, MODES } from '../../protocol';
import { AlisaError, toAlisaError } from '../errors';
import type { GenerateRequest, ProviderRegistry } from '../llm';
import type { GenerateResult, ToolCall, ToolSpec } from '../llm/types';
import { retryWhileLocked, type MemoryStore } from '../memory';
import { wellFormed } from '../memory/validate';
import { EmotionStream } from '../persona';
import { ChatPrompt, type ChatPromptDeps } from './chat-prompt';
import { checkAttachments, prepareAttachments, refsOf } from './attachments';
import type { CodebaseRetriever } from '../code-index/retriever';
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

interface ChatSettings {
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

/** What the model is asked for a user message (its text, or a help request's full prompt). */
interface AskedReply {
  promptText: string;
  maxTokens?: number;
  format?: ReplyFormat;
  /** `/do ...`: the model must choose one action for the request (then it answers about the result). */
  toolChoice?: 'required';
  /** What the user attached with @-mentions (checked and redacted: attachments.ts). */
  attachments?: Attachment[];
  /** The character whose persona answers, for this reply only (the waifu API's character_id); absent: the active one. */
  characterId?: number;
}

/** How many rounds of tool calls one reply may make before it must answer in words. */
export const MAX_TOOL_ROUNDS = 4;

/** What the chat needs of Alisa's actions to let the model call them (set by app.ts). */
export interface ToolRunner {
  /** The tools the model may call now. */
  specs(): ToolSpec[];
  /** Whether this provider gets tools on ordinary replies (`alisa.actions.modelTools`); `/do` always does. */
  offerTo(providerId: string): boolean;
  /** Runs one call through the executor as the model's (it asks the user unless it only reads); answers what the model reads back. */
  run(call: ToolCall, ctx: { replyId: string; origin: ReplyOrigin | null; provenance: string }): Promise<string>;
}

/** Help requests remembered with their full prompt, so that a retry asks the same (bounded). */
const ASKED_MAX = 64;

interface ActiveReply {
  replyId: string;
  sessionId: number;
  controller: AbortController;
  done: Promise<void>;
}

export class ChatService {
  /** Builds each reply's prompt and remembers how earlier turns were rendered (chat-prompt.ts). */
  private readonly prompts: ChatPrompt;
  private active = new Map<string, ActiveReply>();
  /** Replies asked with more than the stored text (help requests), by user message id. */
  private readonly asked = new Map<number, AskedReply>();
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
      /** Each workspace's instructions, for the prompt (chat-prompt.ts). */
      instructions?: ChatPromptDeps['instructions'];
      /** Long-term memory's recall for each reply's prompt (memory-recall/). */
      recall?: ChatPromptDeps['recall'];
      /** Before the prompt: the message's vector for hybrid recall (bounded in time; memory-recall/memory-vectors.ts). */
      prepareRecall?: (text: string) => Promise<void>;
      /** The codebase index, for `@codebase` (code-index/); absent: such a mention says it was not used. */
      codebase?: CodebaseRetriever;
    },
  ) {
    this.prompts = new ChatPrompt(deps);
  }

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
  /** Set by app.ts: the model's tools (Alisa's actions through the one executor); null: no tools. */
  toolRunner: ToolRunner | null = null;

  /** Set by app.ts: a slash command naming an action (`/run npm test`) starts it and answers which; null: not one. */
  actionCommand: ((text: string, origin: ReplyOrigin | null) => { callId: string; name: string } | null) | null = null;

  /** Set by app.ts: the user's committed message, for long-term memory ("remember that ..."); never stops the reply. */
  memoryHook: ((text: string, origin: ReplyOrigin | null, userMessageId: number) => void) | null = null;

  send(params: Params<'chat.send'>, origin: ReplyOrigin | null): Result<'chat.send'> {
    // Before anything is stored: a message whose attachments are refused is not sent at all.
    const attachments = checkAttachments(params.attachments);
    const memory = this.deps.memory();
    const session = this.resolveSession(memory, params.sessionId, { workspace: origin?.workspace });
    const command = /^\/mode(?:\s+(\S+))?\s*$/i.exec(params.text.trim());
    if (command) {
      const mode = this.setModeByName(command[1] ?? '');
      return { replyId: null, sessionId: session.id, userMessageId: null, mode };
    }
    const action = this.actionCommand?.(params.text, origin);
    if (action) return { replyId: null, sessionId: session.id, userMessageId: null, action };
    const ask = /^\/do\s+([\s\S]+)$/i.exec(params.text.trim());
    if (ask && this.toolRunner)
      return this.begin(
        memory,
        session.id,
        { shownText: params.text, promptText: ask[1]!, maxTokens: params.maxTokens, toolChoice: 'required', attachments },
        origin,
      );
    const started = this.begin(memory, session.id, { shownText: params.text, promptText: params.text, maxTokens: params.maxTokens, attachments }, origin);
    // Before the reply's prompt is built (after an await in generate): a memory taken from this
    // message is already there.
    try {
      this.memoryHook?.(params.text, origin, started.userMessageId);
    } catch {
      // Long-term memory never stops a reply.
    }
    return started;
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
      /** Answer as this character (for this reply only: the active character does not change). */
      characterId?: number;
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
    return this.begin(
      memory,
      session.id,
      { shownText: params.shownText, promptText: params.promptText, maxTokens: params.maxTokens, format, characterId: params.characterId },
      origin,
    );
  }

  /**
   * Asks again for the reply to the user's message `userMessageId` (its reply failed, was stopped,
   * or never came because the companion stopped): the replies after it are deleted, so the failed
   * one never reaches a prompt, and a new reply streams. Only a chat's last question can be
   * retried (no later message of the user's is lost). A help request asked in this run is asked
   * again with its full prompt.
   */
  retry(userMessageId: number, origin: ReplyOrigin | null): Result<'chat.retry'> {
    const memory = this.deps.memory();
    const message = memory.getMessage(userMessageId);
    if (!message) throw new AlisaError('not_found', 'That message no longer exists.', 'Reload the chat, then ask again.');
    this.ensureIdle(message.sessionId);
    const { removed } = memory.rewindTo(userMessageId, { onlyReplies: true });
    this.prompts.rewind(message.sessionId, userMessageId, removed);
    for (const id of removed) this.asked.delete(id);
    const asked = this.asked.get(userMessageId) ?? { promptText: message.text };
    const started = this.launch(message.sessionId, userMessageId, asked, origin);
    return { ...started, removedMessageIds: removed };
  }

  /**
   * The user rewrote her message `messageId`: its text is replaced (stored as typed, as chat.send
   * stores it), every later message of its chat is deleted, and a new reply streams.
   */
  edit(messageId: number, text: string, origin: ReplyOrigin | null): Result<'chat.edit'> {
    const memory = this.deps.memory();
    const message = memory.getMessage(messageId);
    if (!message) throw new AlisaError('not_found', 'That message no longer exists.', 'Reload the chat, then edit it again.');
    this.ensureIdle(message.sessionId);
    const { removed } = memory.rewindTo(messageId, { text });
    // The rewritten message is asked without the attachments it had (their text was never stored): its chips go.
    if (message.sources?.length) memory.setMessageSources(messageId, []);
    this.prompts.rewind(message.sessionId, messageId, [messageId, ...removed]);
    // SQLite may give a deleted message's id to a new one: nothing of theirs may stay keyed by it.
    for (const id of [messageId, ...removed]) this.asked.delete(id);
    const started = this.launch(message.sessionId, messageId, { promptText: text }, origin);
    return { ...started, removedMessageIds: removed };
  }

  private ensureIdle(sessionId: number): void {
    for (const reply of this.active.values()) {
      if (reply.sessionId === sessionId) {
        throw new AlisaError('busy', 'Alisa is still answering in this chat.', 'Wait for the reply to finish, or stop it first.');
      }
    }
  }

  private begin(
    memory: MemoryStore,
    sessionId: number,
    p: AskedReply & { shownText: string },
    origin: ReplyOrigin | null,
  ): { replyId: string; sessionId: number; userMessageId: number } {
    this.ensureIdle(sessionId);
    const userMessage = memory.addMessage({ sessionId, role: 'user', text: p.shownText });
    // Its chips, for the history (the attachments' text is never stored).
    if (p.attachments?.length) memory.setMessageSources(userMessage.id, refsOf(p.attachments));
    // What the model was asked, when it differs from what is stored (help requests, attachments): for a retry.
    if (p.promptText !== p.shownText || p.format || p.maxTokens !== undefined || p.toolChoice || p.attachments?.length || p.characterId !== undefined) {
      this.asked.set(userMessage.id, {
        promptText: p.promptText,
        maxTokens: p.maxTokens,
        format: p.format,
        toolChoice: p.toolChoice,
        attachments: p.attachments,
        characterId: p.characterId,
      });
      if (this.asked.size > ASKED_MAX) this.asked.delete(this.asked.keys().next().value!);
    }
    return this.launch(sessionId, userMessage.id, p, origin);
  }

  /** Starts the reply to the stored user message `userMessageId`. */
  private launch(
    sessionId: number,
    userMessageId: number,
    p: AskedReply,
    origin: ReplyOrigin | null,
  ): { replyId: string; sessionId: number; userMessageId: number } {
    const replyId = randomUUID();
    const controller = new AbortController();
    const reply: ActiveReply = { replyId, sessionId, controller, done: Promise.resolve() };
    this.active.set(replyId, reply);
    const startedAt = performance.now();
    this.emit({ type: 'reply.start', replyId, sessionId, userMessageId, spontaneous: false }, origin);
    reply.done = this.generate(
      reply,
      userMessageId,
      p.promptText,
      p.maxTokens,
      startedAt,
      origin,
      p.format,
      p.toolChoice,
      p.attachments,
      p.characterId,
    ).finally(() => this.active.delete(replyId));
    return { replyId, sessionId, userMessageId };
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
    /** The workspace it is about (its latest chat); absent: nobody asked, the most recent session of all. */
    workspace?: ClientWorkspace | null;
    maxTokens?: number;
    attempts?: number;
  }): Promise<{ replyId: string; sessionId: number; messageId: number; text: string } | null> {
    const memory = this.deps.memory();
    // Nobody asked, so no workspace unless given: the most recent session (created when there is none).
    const session = this.resolveSession(memory, params.sessionId, { allowReserved: true, workspace: params.workspace ?? null });
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
        const messages = this.prompts.build(memory, provider, session.id, (lastId ?? 0) + 1, params.instruction, maxTokens, false);
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
      const message = memory.addMessage({
        sessionId: session.id,
        role: 'assistant',
        text,
        status: 'complete',
        emotion,
        spontaneous: true,
        promptTokens,
        completionTokens,
      });
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
    toolChoice?: 'required',
    attachments: readonly Attachment[] = [],
    characterId?: number,
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
      // The attachments (`@codebase` asks the index first), fitted into the turn by the prompt.
      const prepared = attachments.length
        ? await prepareAttachments(attachments, {
            query: userText,
            workspace: origin?.workspace?.id ?? memory.getSession(sessionId)?.workspace ?? null,
            codebase: this.deps.codebase,
            signal: controller.signal,
          })
        : null;
      const attached: { items: NonNullable<typeof prepared>['items']; sources?: SourceRef[] } | undefined = prepared ? { items: prepared.items } : undefined;
      await this.deps.prepareRecall?.(userText);
      if (controller.signal.aborted) throw controller.signal.reason;
      const messages = this.prompts.build(
        memory,
        provider,
        sessionId,
        userMessageId,
        userText,
        replyTokens,
        true,
        origin?.workspace?.id,
        attached,
        characterId,
      );
      // What went into the prompt, then what the user should know (an @codebase without an index).
      const sources: SourceRef[] = [...(attached?.sources ?? []), ...(prepared?.notes ?? [])];
      const runner = this.toolRunner;
      const tools = runner && !format && (toolChoice === 'required' || runner.offerTo(provider.id)) ? runner.specs() : undefined;
      let result: GenerateResult | null = null;
      let promptTokens = 0;
      let completionTokens = 0;
      const used: string[] = [];
      for (let round = 0; ; round++) {
        result = await provider.generate({
          messages,
          maxTokens: replyTokens,
          cacheKey: `session:${sessionId}`,
          temperature: this.deps.settings.temperature,
          signal: controller.signal,
          onText: (chunk) => stream.push(chunk),
          ...(this.deps.settings.emotionGrammar && !tools ? { requireEmotionTag: EMOTIONS } : {}),
          ...(format ?? {}),
          ...(tools ? { tools, toolChoice: round === 0 && toolChoice === 'required' ? ('required' as const) : ('auto' as const) } : {}),
        });
        promptTokens += result.promptTokens;
        completionTokens += result.completionTokens;
        const calls = result.toolCalls ?? [];
        if (!runner || calls.length === 0 || result.stopReason === 'cancelled' || round >= MAX_TOOL_ROUNDS) break;
        // The calls and their results join the prompt; the model continues from them.
        messages.push({ role: 'assistant', content: result.text, toolCalls: calls });
        for (const call of calls) {
          const provenance = used.length
            ? `the model's reply, after reading the result of ${used.join(', ')} (text in a result may be trying to make her do this)`
            : "the model's reply to your message (it may repeat what it read of your editor, terminal or screen)";
          const text = await runner.run(call, { replyId, origin, provenance });
          messages.push({ role: 'tool', content: text, toolCallId: call.id, name: call.name });
          used.push(call.name);
        }
        if (controller.signal.aborted) break;
      }
      result = { ...result!, promptTokens, completionTokens };
      const { emotion, text } = stream.finish();
      sendTokens();
      const interrupted = result.stopReason === 'cancelled';
      // As generated (emotion tag included): how the next prompt renders this reply.
      const renderedReply = result.text;
      const tokens = {
        prompt: result.promptTokens,
        completion: result.completionTokens,
        ...(result.evaluatedTokens !== undefined ? { evaluated: result.evaluatedTokens } : {}),
      };
      // The finished reply must be stored: a lock held by another process is waited out
      // between turns of the event loop (memory/retry.ts), never inside SQLite's busy wait.
      await retryWhileLocked(() =>
        flush(interrupted ? 'interrupted' : 'complete', { emotion, promptTokens: tokens.prompt, completionTokens: tokens.completion }),
      );
      if (messageId !== null && renderedReply.trim() !== '') this.prompts.rememberReply(messageId, renderedReply);
      if (messageId !== null && sources.length > 0) {
        const id = messageId;
        await retryWhileLocked(() => memory.setMessageSources(id, sources));
      }
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
          ...(sources.length > 0 ? { sources } : {}),
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
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
