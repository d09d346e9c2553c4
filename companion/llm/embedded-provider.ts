// The model inside the companion process: llama.cpp through node-llama-cpp.
//
// Lifecycle: none -> (downloading) -> loading -> ready, or -> error. `ensureReady` shares one
// attempt between concurrent callers and forgets a failed attempt, so the next call retries (the
// user may have fixed the file or come online). Nothing here may crash the process: every failure
// of node-llama-cpp becomes an AlisaError and an 'error' state.
//
// Generation: one context with `parallel` sequences (default 2), each with its own LlamaChat; a
// request takes a free one, preferably the one that last served its conversation (slot-pool.ts),
// so a /v1 request does not queue behind a chat reply and the prompt cache of a few sessions
// survives switching between them. More requests than sequences wait in arrival order (a waiter
// whose signal aborts leaves at once with 'cancelled').
//
// It stays over 400 lines on purpose: loading, generating and disposing share the loaded model,
// its context and the slot pool, and their failure paths (each mapped to an AlisaError at the
// bottom of the file) are easiest to check side by side; the pieces that stand alone already
// live beside it (chat-history, gguf-check, model-source, slot-pool, state-holder).
import path from 'node:path';
import type { ChatHistoryItem, Llama, LlamaChat, LlamaContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { nodeLlama } from './node-llama';
import { AlisaError, toAlisaError } from '../errors';
import { countPromptTokens, fitTurnsToContext, PromptTooLongError, promptWindow, toChatHistory } from './chat-history';
import { checkGgufFile, MODEL_INVALID_ACTION, modelDisplayName } from './gguf-check';
import { getRuntime, logMark, logSince, type GpuSetting } from './llama-runtime';
import type { DownloadPlan, ModelState } from '../../protocol';
import { describePlan, downloadPlan, lacksDisk } from './download-plan';
import { downloadModel, findDownloadedModel, isRemoteModel, type DownloadTimeouts } from './model-source';
import { SlotPool } from './slot-pool';
import { StateHolder } from './state-holder';
import { defaultThreads } from './threads';
import type { ChatTurn, GenerateRequest, GenerateResult, LlmProvider, ToolSpec } from './types';
import { requiredCallSchema, toGbnfSchema } from './tool-schema';

export interface EmbeddedOptions {
  /** Registry id; default 'embedded' (set another to register two embedded models). */
  id?: string;
  /** A GGUF file path, or an 'hf:' / 'https:' URI downloaded into `modelsDir`. */
  model: string;
  /** Where downloads go (and where an already downloaded model is found offline). */
  modelsDir: string;
  /** Default: min(the model's training context, 4096). */
  contextSize?: number;
  /** Default: defaultThreads() (every core but one, see threads.ts). */
  threads?: number;
  /**
   * Sequences generating side by side (llama-server's --parallel), each with its own prompt cache
   * and its own share of memory (one context's worth of KV cache each). Default 2: the chat and
   * one other (a /v1 client, another session). Falls back to 1 when memory is short.
   */
  parallel?: number;
  /** Default 'auto' (falls back to the CPU when no GPU build starts). */
  gpu?: GpuSetting;
  batchSize?: number;
  /** Network time limits for downloads (tests shorten them). */
  downloadTimeouts?: Partial<DownloadTimeouts>;
  /**
   * The user already said yes to downloading `model` (--download-model). Otherwise a model that
   * must be downloaded waits for allowDownload() (the user's explicit `model.load`): a chat
   * message never starts a multi-gigabyte download by itself.
   */
  downloadAllowed?: boolean;
}

const DEFAULT_CONTEXT_CAP = 4096;
/** Sequences by default (see EmbeddedOptions.parallel). */
const DEFAULT_PARALLEL = 2;
/** Cap on a reply when the caller gives no maxTokens: a model that never stops must not run forever. */
const DEFAULT_MAX_TOKENS = 1024;
/** Tokens a required tool call may take (its JSON; string arguments are capped by the grammar). */
const REQUIRED_CALL_TOKENS = 768;
const CONTEXT_OVERFLOW_ACTION = 'Lower the history budget or raise the model context size (contextSize).';

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  /** The first sequence's chat (for rendering and counting prompts; any would do). */
  chat: LlamaChat;
  /** Every sequence's chat. */
  slots: SlotPool<LlamaChat>;
  fileName: string;
  llama: Llama;
  /** Grammars by their GBNF source, built on first use. */
  grammars: Map<string, Promise<LlamaGrammar>>;
}

/**
 * A GBNF grammar that makes the reply open with an emotion tag and leaves the rest free. Small
 * models forget the tag the prompt asks for; sampling cannot.
 */
function emotionTagGrammar(emotions: readonly string[]): string {
  const names = emotions.map((e) => JSON.stringify(e)).join(' | ');
  return `root ::= "<emotion=" (${names}) "> " rest\nrest ::= [^\\x00]*`;
}

/** Longest code line the code-block grammar allows by default (keeps a wandering small model bounded). */
const CODE_LINE_MAX = 160;
const CODE_LINES_DEFAULT = 200;

/**
 * A GBNF grammar for a reply that is exactly one fenced code block (lines of printable text
 * without backticks), optionally preceded by the emotion tag. Even a tiny model then produces a
 * well-formed block that ends.
 */
export function codeBlockGrammar(language: string, opts: { emotions?: readonly string[]; maxLines?: number; maxLineLength?: number } = {}): string {
  const lang = language.replace(/[^A-Za-z0-9_+#.-]/g, '').slice(0, 30);
  const maxLines = Math.max(1, Math.min(1000, Math.floor(opts.maxLines ?? CODE_LINES_DEFAULT)));
  const maxLineLength = Math.max(1, Math.min(1000, Math.floor(opts.maxLineLength ?? CODE_LINE_MAX)));
  const tag = opts.emotions?.length ? `"<emotion=" (${opts.emotions.map((e) => JSON.stringify(e)).join(' | ')}) "> " ` : '';
  return [`root ::= ${tag}"\`\`\`${lang}\\n" line{1,${maxLines}} "\`\`\`"`, `line ::= [^\`\\x00-\\x08\\x0a-\\x1f]{0,${maxLineLength}} "\\n"`].join('\n');
}

export class EmbeddedProvider implements LlmProvider {
  readonly id: string;
  private readonly holder: StateHolder;
  private loaded: Loaded | null = null;
  private loading: Promise<void> | null = null;
  private loadAbort: AbortController | null = null;
  /** Set once loaded; generations wait on it. */
  private get pool(): SlotPool<LlamaChat> | null {
    return this.loaded?.slots ?? null;
  }
  private readonly running = new Set<AbortController>();
  private disposed = false;
  private downloadAllowed: boolean;

  constructor(private readonly options: EmbeddedOptions) {
    this.id = options.id ?? 'embedded';
    this.downloadAllowed = options.downloadAllowed ?? false;
    this.holder = new StateHolder({ provider: this.id, state: 'none', model: modelDisplayName(options.model), progress: null, error: null });
  }

  state(): ModelState {
    return this.holder.get();
  }

  onStateChange(listener: (s: ModelState) => void): () => void {
    return this.holder.subscribe(listener);
  }

  get exactTokenCount(): boolean {
    return this.loaded !== null;
  }

  countTokens(text: string): number {
    if (this.loaded) return this.loaded.model.tokenize(text).length;
    return Math.ceil(text.length / 4);
  }

  modelName(): string | null {
    return this.loaded?.fileName ?? this.holder.get().model;
  }

  promptTokenBudget(maxTokens: number | undefined): number | null {
    return this.loaded ? promptBudget(this.loaded.context.contextSize, maxTokens) : null;
  }

  contextSize(): number | null {
    return this.loaded?.context.contextSize ?? null;
  }

  ensureReady(): Promise<void> {
    if (this.disposed) return Promise.reject(disposedError());
    if (this.loaded) return Promise.resolve();
    if (!this.loading) {
      const attempt = this.load().finally(() => {
        if (this.loading === attempt) this.loading = null;
      });
      this.loading = attempt;
    }
    return this.loading;
  }

  /** The user said yes to the download: the next ensureReady() may fetch the model. */
  allowDownload(): void {
    this.downloadAllowed = true;
  }

  /** What downloading the model would take, or null when it is a local file. */
  pendingDownload(): DownloadPlan | null {
    return isRemoteModel(this.options.model) ? downloadPlan(this.options.model, this.options.modelsDir) : null;
  }

  cancelLoad(): void {
    this.loadAbort?.abort(new AlisaError('cancelled', 'Loading the model was cancelled.'));
  }

  private async load(): Promise<void> {
    const abort = new AbortController();
    this.loadAbort = abort;
    const { signal } = abort;
    const opts = this.options;
    let model: LlamaModel | null = null;
    let context: LlamaContext | null = null;
    try {
      const filePath = await this.resolveFile(signal);
      const fileName = path.basename(filePath);
      this.holder.set({ state: 'loading', model: fileName, progress: 0, error: null });
      const runtime = () => getRuntime(opts.gpu ?? 'auto');
      await checkGgufFile(filePath, runtime);
      throwIfCancelled(signal);

      const llama = await runtime();
      throwIfCancelled(signal);
      const mark = logMark();
      try {
        model = await llama.loadModel({
          modelPath: filePath,
          loadSignal: signal,
          onLoadProgress: (p) => this.holder.set({ progress: Math.round(Math.min(1, Math.max(0, p)) * 100) / 100 }),
        });
      } catch (err) {
        throwIfCancelled(signal);
        throw loadError(filePath, err, logSince(mark));
      }
      throwIfCancelled(signal);

      const contextSize = opts.contextSize ?? Math.min(model.trainContextSize || DEFAULT_CONTEXT_CAP, DEFAULT_CONTEXT_CAP);
      const parallel = Math.max(1, Math.min(8, Math.floor(opts.parallel ?? DEFAULT_PARALLEL)));
      const create = (sequences: number) =>
        model!.createContext({
          contextSize,
          sequences,
          threads: opts.threads ?? defaultThreads(),
          ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
          createSignal: signal,
        });
      try {
        try {
          context = await create(parallel);
        } catch (err) {
          // Each sequence holds a context's worth of memory: short of it, one sequence still works.
          throwIfCancelled(signal);
          if (parallel === 1) throw err;
          context = await create(1);
        }
      } catch (err) {
        throwIfCancelled(signal);
        throw contextError(contextSize, err, logSince(mark));
      }
      throwIfCancelled(signal);
      const { LlamaChat } = await nodeLlama();
      const chats = Array.from({ length: context.totalSequences }, () => new LlamaChat({ contextSequence: context!.getSequence(), chatWrapper: 'auto' }));
      this.loaded = { model, context, chat: chats[0]!, slots: new SlotPool(chats), fileName, llama, grammars: new Map() };
      this.holder.set({ state: 'ready', progress: null, error: null });
    } catch (err) {
      await context?.dispose().catch(() => {});
      await model?.dispose().catch(() => {});
      const error = signal.aborted && !(err instanceof AlisaError && err.code !== 'cancelled') ? cancelledError(signal) : toAlisaError(err, 'llm_failed');
      // A cancelled load is not a broken model: back to 'none', with the reason for the UI.
      const waiting = error.code === 'cancelled' || error.code === 'model_download_required';
      this.holder.set({
        state: waiting ? 'none' : 'error',
        progress: null,
        error: error.toInfo(),
        ...(error.code === 'model_download_required' ? {} : { download: null }),
      });
      throw error;
    } finally {
      if (this.loadAbort === abort) this.loadAbort = null;
    }
  }

  /** A local path as is; a URI from modelsDir (offline) or else downloaded. */
  private async resolveFile(signal: AbortSignal): Promise<string> {
    const { model, modelsDir } = this.options;
    if (!isRemoteModel(model)) return path.resolve(model);
    const existing = await findDownloadedModel(model, modelsDir);
    if (existing) return existing;
    if (!this.downloadAllowed) {
      const plan = downloadPlan(model, modelsDir);
      this.holder.set({ download: plan });
      throw new AlisaError(
        'model_download_required',
        `Alisa has no language model on this machine yet. ${describePlan(plan)}`,
        lacksDisk(plan)
          ? 'Free some disk space or choose a GGUF file you already have (Alisa: Choose Model File).'
          : 'Say yes to the download (Download, or Alisa: Download Recommended Model), or choose a GGUF file you already have.',
      );
    }
    this.holder.set({ state: 'downloading', progress: 0, error: null, download: null });
    return downloadModel(model, modelsDir, {
      signal,
      timeouts: this.options.downloadTimeouts,
      onProgress: (fraction) => this.holder.set({ progress: Math.floor(fraction * 100) / 100 }),
    });
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    await this.ensureReady();
    // Our own controller: dispose() stops a running generation even if the caller's signal never fires.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) controller.abort(req.signal.reason);
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.running.add(controller);
    try {
      const pool = this.pool;
      if (!pool) throw disposedError();
      const lease = await pool.acquire(req.cacheKey ?? null, controller.signal);
      if (!lease) return { text: '', promptTokens: this.safePromptTokens(req.messages), completionTokens: 0, stopReason: 'cancelled' };
      try {
        return await this.generateNow(req, controller.signal, lease.value);
      } finally {
        lease.release();
      }
    } finally {
      this.running.delete(controller);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async generateNow(req: GenerateRequest, signal: AbortSignal, chat: LlamaChat): Promise<GenerateResult> {
    const loaded = this.loaded;
    if (!loaded) throw disposedError();
    const contextSize = loaded.context.contextSize;
    let text = '';
    let completionTokens = 0;
    // Only what can fit the context reaches LlamaChat, chosen by tokenizing in chunks that yield:
    // LlamaChat tokenizes the whole history it is given, repeatedly while compressing it, in one
    // synchronous go (a request at the /v1 character cap held the event loop for ~250 ms).
    let turns: ChatTurn[];
    try {
      turns = await fitTurnsToContext(req.messages, promptBudget(contextSize, req.maxTokens), (chunk) => loaded.model.tokenize(chunk).length, {
        limit: contextSize - contextShiftReserve(contextSize),
        signal,
      });
    } catch (err) {
      if (signal.aborted) return { text, promptTokens: estimatePromptTokens(req.messages), completionTokens, stopReason: 'cancelled' };
      throw err instanceof PromptTooLongError ? contextOverflowError(contextSize, err) : err;
    }
    const history = toChatHistory(turns);
    const prefix = history.at(-1)?.type === 'model' ? history.at(-1) : undefined;
    const meter = chat.sequence.tokenMeter;
    const inputBefore = meter.usedInputTokens;
    try {
      if (req.tools?.length && req.toolChoice === 'required') return await this.requiredCall(req, loaded, chat, history, signal, contextSize);
      const functions = req.tools?.length ? toFunctions(req.tools) : undefined;
      const grammar = functions
        ? undefined
        : req.requireCodeBlock
          ? await this.grammarFor(
              loaded,
              codeBlockGrammar(req.requireCodeBlock.language, {
                emotions: req.requireEmotionTag,
                maxLines: req.requireCodeBlock.maxLines,
                maxLineLength: req.requireCodeBlock.maxLineLength,
              }),
            )
          : req.requireEmotionTag?.length
            ? await this.grammarFor(loaded, emotionTagGrammar(req.requireEmotionTag))
            : undefined;
      const response = await chat.generateResponse(history, {
        ...((functions ? { functions, documentFunctionParams: true } : grammar ? { grammar } : {}) as { grammar?: LlamaGrammar }),
        signal,
        stopOnAbortSignal: true,
        maxTokens: Math.max(1, Math.min(req.maxTokens ?? DEFAULT_MAX_TOKENS, contextSize)),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        onTextChunk: (chunk) => {
          if (!chunk) return;
          text += chunk;
          req.onText(chunk);
        },
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
      });
      const window: ChatHistoryItem[] = promptWindow(response.lastEvaluation.contextWindow, prefix);
      const calls = (response as { functionCalls?: Array<{ functionName: string; params: unknown }> }).functionCalls;
      const stop = response.metadata.stopReason;
      return {
        // The streamed chunks ARE the result: `text` is their concatenation by construction.
        text,
        promptTokens: countPromptTokens(chat, window),
        completionTokens,
        stopReason: signal.aborted || stop === 'abort' ? 'cancelled' : stop === 'maxTokens' ? 'length' : 'stop',
        evaluatedTokens: meter.usedInputTokens - inputBefore,
        ...(calls?.length
          ? {
              toolCalls: calls.map((fc, i) => ({
                id: `call_${i}`,
                name: fc.functionName,
                args: (fc.params && typeof fc.params === 'object' ? fc.params : {}) as Record<string, unknown>,
              })),
            }
          : {}),
      };
    } catch (err) {
      // Aborted before the first token: node-llama-cpp throws the abort reason; ours is a result.
      if (signal.aborted) return { text, promptTokens: this.safePromptTokens(turns), completionTokens, stopReason: 'cancelled' };
      throw generationError(err, contextSize);
    }
  }

  /**
   * One tool call, chosen by the model under a grammar (`{"name": ..., "arguments": ...}` with one
   * alternative per tool): even a tiny model writes a call that parses and names a real tool. The
   * call is returned, not run, with no text of its own.
   */
  private async requiredCall(
    req: GenerateRequest,
    loaded: Loaded,
    chat: LlamaChat,
    history: ChatHistoryItem[],
    signal: AbortSignal,
    contextSize: number,
  ): Promise<GenerateResult> {
    const schema = requiredCallSchema(req.tools!);
    const grammar = cachedGrammar(
      loaded,
      `json:${JSON.stringify(schema)}`,
      () => loaded.llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaGrammar>,
    );
    let raw = '';
    let completionTokens = 0;
    const response = await chat.generateResponse(history, {
      grammar: await grammar,
      signal,
      stopOnAbortSignal: true,
      // A call needs room for its JSON whatever the reply budget (strings are capped by the grammar).
      maxTokens: Math.min(Math.max(REQUIRED_CALL_TOKENS, req.maxTokens ?? 0), contextSize),
      // A decision, not prose: the most likely call.
      temperature: 0,
      onTextChunk: (chunk) => {
        raw += chunk;
      },
      onToken: (tokens) => {
        completionTokens += tokens.length;
      },
    });
    const promptTokens = countPromptTokens(chat, promptWindow(response.lastEvaluation.contextWindow, undefined));
    if (signal.aborted) return { text: '', promptTokens, completionTokens, stopReason: 'cancelled' };
    let call: { name?: unknown; arguments?: unknown } = {};
    try {
      call = JSON.parse(raw) as typeof call;
    } catch {
      // Cut off by maxTokens before the call closed: no call.
    }
    const toolCalls =
      typeof call.name === 'string'
        ? [{ id: 'call_0', name: call.name, args: (call.arguments && typeof call.arguments === 'object' ? call.arguments : {}) as Record<string, unknown> }]
        : [];
    return { text: '', promptTokens, completionTokens, stopReason: toolCalls.length ? 'stop' : 'length', toolCalls };
  }

  private grammarFor(loaded: Loaded, source: string): Promise<LlamaGrammar> {
    return cachedGrammar(loaded, source, () => loaded.llama.createGrammar({ grammar: source }));
  }

  private safePromptTokens(messages: readonly ChatTurn[]): number {
    try {
      // Exact only for a prompt that could fit the context: tokenizing a huge one would hold the
      // event loop just to report a cancelled request.
      const context = this.loaded?.context.contextSize ?? 0;
      if (this.loaded && messages.reduce((n, m) => n + m.content.length, 0) <= context * 4) {
        return countPromptTokens(this.loaded.chat, toChatHistory(messages));
      }
    } catch {
      // Fall through to the estimate.
    }
    return estimatePromptTokens(messages);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelLoad();
    for (const controller of this.running) controller.abort(new AlisaError('cancelled', 'The model is shutting down.'));
    await this.loading?.catch(() => {});
    // Wait for the running generation to unwind before freeing the context under it.
    const release = this.pool ? await this.pool.drain() : null;
    try {
      const loaded = this.loaded;
      this.loaded = null;
      if (loaded) {
        for (const chat of loaded.slots.values()) chat.dispose();
        await loaded.context.dispose().catch(() => {});
        await loaded.model.dispose().catch(() => {});
      }
    } finally {
      release?.();
    }
    this.holder.set({ state: 'none', progress: null, error: null });
    this.holder.clear();
  }
}

/**
 * Tokens the prompt may take: the context less LlamaChat's context-shift reserve (a tenth, its
 * default) and room for the reply (what was asked, at most a quarter of the context). A prompt
 * within it is evaluated as given; LlamaChat compresses one beyond it with a coarse strategy.
 */
export function promptBudget(contextSize: number, maxTokens: number | undefined): number {
  const shift = contextShiftReserve(contextSize);
  const reply = Math.min(maxTokens ?? DEFAULT_MAX_TOKENS, Math.floor(contextSize / 4));
  return Math.max(1, contextSize - shift - reply);
}

/** LlamaChat's default context-shift size: a prompt must leave this much of the context free. */
function contextShiftReserve(contextSize: number): number {
  return Math.max(1, Math.floor(contextSize / 10));
}

function estimatePromptTokens(messages: readonly ChatTurn[]): number {
  return messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4), 0);
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw cancelledError(signal);
}

function cancelledError(signal: AbortSignal): AlisaError {
  return signal.reason instanceof AlisaError ? signal.reason : new AlisaError('cancelled', 'Loading the model was cancelled.');
}

function disposedError(): AlisaError {
  return new AlisaError('llm_failed', 'The embedded model has been shut down.');
}

/** llama.cpp explains a failed load only in its log: quote the most specific line. */
function loadError(filePath: string, err: unknown, log: string[]): AlisaError {
  if (err instanceof AlisaError) return err;
  if ((err as Error)?.name === 'InsufficientMemoryError') {
    return new AlisaError(
      'llm_failed',
      `Not enough memory to load the model ${path.basename(filePath)}.`,
      'Choose a smaller model (a lower quantization) or close other programs.',
      { cause: err },
    );
  }
  const detail =
    log.find((line) => /error loading model|corrupt|incomplete|unknown|unsupported/i.test(line)) ?? log.at(-1) ?? (err as Error)?.message ?? String(err);
  return new AlisaError(
    'model_invalid',
    `The model file ${filePath} cannot be loaded: ${detail.replace(/^.*?error loading model:\s*/i, '')}`,
    MODEL_INVALID_ACTION,
    { cause: err },
  );
}

function contextError(contextSize: number, err: unknown, log: string[]): AlisaError {
  const detail = (err as Error)?.message ?? log.at(-1) ?? String(err);
  return new AlisaError(
    'llm_failed',
    `Could not create a context of ${contextSize} tokens for the model: ${detail}`,
    'Lower the model context size (contextSize) or choose a smaller model.',
    { cause: err },
  );
}

/** Its cause is a PromptTooLongError when the prompt was measured before generating (see openai-routes.ts). */
function contextOverflowError(contextSize: number, cause: unknown): AlisaError {
  return new AlisaError(
    'llm_failed',
    `The conversation does not fit the model's context of ${contextSize} tokens: the system prompt or the last message alone is too long to leave room for a reply.`,
    CONTEXT_OVERFLOW_ACTION,
    { cause },
  );
}

function generationError(err: unknown, contextSize: number): AlisaError {
  if (err instanceof AlisaError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (/Failed to compress chat history/i.test(message)) return contextOverflowError(contextSize, err);
  return new AlisaError('llm_failed', `The model failed while generating: ${message}`, undefined, { cause: err });
}

/** The tools as node-llama-cpp functions (no handlers: calls come back to the chat service, which runs them through the policy). */
function toFunctions(tools: readonly ToolSpec[]): Record<string, { description: string; params: never }> {
  return Object.fromEntries(tools.map((t) => [t.name, { description: t.description, params: toGbnfSchema(t.parameters) as never }]));
}

/** Grammars by their source (GBNF, or a JSON schema's), built on first use; at most 16 kept, the oldest dropped. */
function cachedGrammar(loaded: Loaded, key: string, make: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
  let grammar = loaded.grammars.get(key);
  if (!grammar) {
    if (loaded.grammars.size >= 16) loaded.grammars.delete(loaded.grammars.keys().next().value!);
    grammar = make();
    loaded.grammars.set(key, grammar);
  }
  return grammar;
}
