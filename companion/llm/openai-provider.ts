// A client for any OpenAI-compatible chat server (llama-server, LM Studio, Ollama, vLLM, another
// Alisa companion's /v1). Uses Node's global fetch; no SDK.
//
// Readiness: ensureReady() asks GET {baseUrl}/models once and then trusts the server until a
// request fails at the network level, which drops the state to 'error' so the next ensureReady()
// asks again (letting the registry fall back meanwhile).
// Time limits (`timeoutMs`, default 10 s) apply to connecting + the first byte, and then to every
// gap between two chunks of a streamed reply; a long reply is fine as long as it keeps coming.
import type { ModelState } from '../../protocol';
import { AlisaError } from '../errors';
import { networkGate } from '../privacy/network-gate';
import { networkReason } from './model-source';
import { ChatCompletionStream, errorMessage } from './openai-stream';
import { SseParser } from './sse-parser';
import { StateHolder } from './state-holder';
import type { ChatTurn, GenerateRequest, GenerateResult, LlmProvider, ToolCall } from './types';

export interface OpenAiOptions {
  /** e.g. http://127.0.0.1:1234/v1 */
  baseUrl: string;
  apiKey?: string;
  /** Default: the first id from GET /models. */
  model?: string;
  /** Connect and time to first byte, and also the longest gap between chunks. Default 10000. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const UNREACHABLE_ACTION = 'Start the server or fix the endpoint setting (alisa.llm.endpoint).';
// The key is no setting: VS Code keeps it in SecretStorage, set by the "Alisa: Set API Key" command
// (alisa.setApiKey); a companion started by hand reads ALISA_LLM_API_KEY.
const API_KEY_ACTION =
  'Set the API key this server expects with "Alisa: Set API Key" (or ALISA_LLM_API_KEY when you start the companion yourself), or fix the endpoint setting (alisa.llm.endpoint).';

/** An AbortController that fires when the caller aborts or when `timeoutMs` pass without `touch()`. */
class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  timedOut = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly caller?: AbortSignal,
  ) {
    if (caller?.aborted) this.controller.abort(caller.reason);
    caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get callerAborted(): boolean {
    return this.caller?.aborted ?? false;
  }

  private readonly onCallerAbort = () => this.controller.abort(this.caller?.reason);

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`no answer within ${Math.round(this.timeoutMs / 1000)} s`));
    }, this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}

export class OpenAiProvider implements LlmProvider {
  readonly id = 'openai';
  readonly exactTokenCount = false;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly holder: StateHolder;
  private resolvedModel: string | null;
  private checking: Promise<void> | null = null;
  private readonly running = new Set<AbortController>();
  private disposed = false;
  /** The server refused `tools` once (it cannot call them): they are not sent to it again. */
  private toolsRefused = false;

  constructor(private readonly options: OpenAiOptions) {
    this.baseUrl = options.baseUrl.trim().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.resolvedModel = options.model ?? null;
    this.holder = new StateHolder({ provider: this.id, state: 'none', model: this.resolvedModel, progress: null, error: null });
  }

  state(): ModelState {
    return this.holder.get();
  }

  onStateChange(listener: (s: ModelState) => void): () => void {
    return this.holder.subscribe(listener);
  }

  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }

  modelName(): string | null {
    return this.resolvedModel;
  }

  contextSize(): number | null {
    return null; // OpenAI-compatible servers do not report it
  }

  ensureReady(): Promise<void> {
    if (this.disposed) return Promise.reject(new AlisaError('llm_failed', 'The LLM server connection has been shut down.'));
    if (this.holder.get().state === 'ready' && this.resolvedModel) return Promise.resolve();
    if (!this.checking) {
      const attempt = this.check().finally(() => {
        if (this.checking === attempt) this.checking = null;
      });
      this.checking = attempt;
    }
    return this.checking;
  }

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: json ? 'application/json' : 'text/event-stream' };
    if (json) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  /** Every request goes through the network gate (alisa.network); a loopback server passes at once. */
  private gate(signal?: AbortSignal): Promise<void> {
    let host = this.baseUrl;
    try {
      host = new URL(this.baseUrl).host;
    } catch {
      // fetch reports a bad URL
    }
    return networkGate().request({
      url: this.baseUrl,
      feature: 'llm-endpoint',
      purpose: `chat with the language model server at ${host} (alisa.llm.endpoint)`,
      alternative: 'use a local model (alisa.model.path) or a server on this machine',
      signal,
    });
  }

  private async check(): Promise<void> {
    this.holder.set({ state: 'loading', progress: null, error: null });
    const url = `${this.baseUrl}/models`;
    let watchdog: Watchdog | null = null;
    try {
      // Before the time limit starts: the user may be asked first.
      await this.gate();
      watchdog = new Watchdog(this.timeoutMs);
      let response: Response;
      try {
        response = await fetch(url, { headers: { ...this.headers(false), accept: 'application/json' }, signal: watchdog.signal });
      } catch (err) {
        throw this.unreachable(watchdog.timedOut ? (watchdog.signal.reason as Error).message : networkReason(err), err);
      }
      const body = await readBody(response, watchdog);
      if (response.status === 401 || response.status === 403) throw this.authError(response.status, body);
      if (!response.ok) {
        // A server without a model list still works when the model is named in the settings.
        if (response.status === 404 && this.options.model) return this.setReady(this.options.model);
        throw new AlisaError(
          'llm_failed',
          `The LLM server at ${this.baseUrl} answered GET /models with HTTP ${response.status}: ${errorMessage(body)}`,
          UNREACHABLE_ACTION,
        );
      }
      const ids = Array.isArray((body as { data?: unknown })?.data)
        ? (body as { data: Array<{ id?: unknown }> }).data.map((m) => m?.id).filter((id): id is string => typeof id === 'string')
        : [];
      const model = this.options.model ?? ids[0];
      if (!model) {
        throw new AlisaError(
          'llm_failed',
          `The LLM server at ${this.baseUrl} has no model loaded (GET /models listed none).`,
          'Load a model in the server, or name one in the settings (alisa.llm.endpointModel).',
        );
      }
      this.setReady(model);
    } catch (err) {
      const error = err instanceof AlisaError ? err : this.unreachable(networkReason(err), err);
      this.holder.set({ state: 'error', error: error.toInfo() });
      throw error;
    } finally {
      watchdog?.stop();
    }
  }

  private setReady(model: string): void {
    this.resolvedModel = model;
    this.holder.set({ state: 'ready', model, progress: null, error: null });
  }

  private unreachable(reason: string, cause?: unknown): AlisaError {
    return new AlisaError('llm_unreachable', `The LLM server at ${this.baseUrl} did not answer (${reason}).`, UNREACHABLE_ACTION, { cause });
  }

  private authError(status: number, body: unknown): AlisaError {
    const what = this.options.apiKey ? 'refused the API key' : 'requires an API key';
    return new AlisaError('llm_failed', `The LLM server at ${this.baseUrl} ${what} (HTTP ${status}: ${errorMessage(body)}).`, API_KEY_ACTION);
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    await this.ensureReady();
    const estimatePrompt = () => req.messages.reduce((sum, m) => sum + this.countTokens(m.content) + 4, 0);
    const stream = new ChatCompletionStream();
    const cancelled = (): GenerateResult => ({
      text: stream.text,
      promptTokens: stream.usage?.promptTokens ?? estimatePrompt(),
      completionTokens: stream.usage?.completionTokens ?? this.countTokens(stream.text),
      stopReason: 'cancelled',
    });
    if (req.signal?.aborted) return cancelled();
    try {
      await this.gate(req.signal);
    } catch (err) {
      if (req.signal?.aborted) return cancelled();
      throw err;
    }

    const internal = new AbortController(); // dispose() aborts running requests through this
    this.running.add(internal);
    const watchdog = new Watchdog(this.timeoutMs, anySignal(req.signal, internal.signal));
    try {
      const response = await this.post(req, watchdog, true);
      watchdog.touch(); // the headers are the first byte; from here the limit is per chunk
      if (response.status === 401 || response.status === 403) throw this.authError(response.status, await readBody(response, watchdog));
      if (!response.ok) {
        const body = await readBody(response, watchdog);
        throw new AlisaError(
          'llm_failed',
          `The LLM server at ${this.baseUrl} refused the request (HTTP ${response.status}: ${errorMessage(body)}).`,
          'Check the model name (alisa.llm.endpointModel) and the server log.',
        );
      }
      if ((response.headers.get('content-type') ?? '').includes('application/json')) {
        // A server that ignored `stream: true` and sent one JSON completion. Anything else is
        // read as SSE, whatever its content type says (some proxies label it text/plain).
        const body = await readBody(response, watchdog);
        for (const piece of stream.accept({ event: 'message', data: JSON.stringify(body) })) req.onText(piece);
      } else {
        await this.readStream(response, stream, watchdog, req.onText);
      }
      if (watchdog.callerAborted || internal.signal.aborted) return cancelled();
      return {
        text: stream.text,
        promptTokens: stream.usage?.promptTokens ?? estimatePrompt(),
        completionTokens: stream.usage?.completionTokens ?? this.countTokens(stream.text),
        stopReason: stream.finishReason === 'length' ? 'length' : 'stop',
        ...(stream.toolCalls.length ? { toolCalls: stream.toolCalls.filter((c) => c.name).map(parseToolCall) } : {}),
      };
    } catch (err) {
      if (watchdog.callerAborted || internal.signal.aborted) return cancelled();
      if (err instanceof AlisaError) throw err;
      if (watchdog.timedOut) {
        const phase = stream.text ? 'stopped sending the reply' : 'did not start the reply';
        throw new AlisaError(
          'llm_failed',
          `The LLM server at ${this.baseUrl} ${phase} (no data for ${Math.round(this.timeoutMs / 1000)} s).`,
          "Check the server and its log; a slow server may need a longer wait (the companion's --llm-timeout option, in milliseconds).",
          { cause: err },
        );
      }
      // The connection failed: the server may be gone, so re-check before the next use.
      const error = this.unreachable(networkReason(err), err);
      this.holder.set({ state: 'error', error: error.toInfo() });
      throw error;
    } finally {
      watchdog.stop();
      this.running.delete(internal);
    }
  }

  private async post(req: GenerateRequest, watchdog: Watchdog, withUsage: boolean): Promise<Response> {
    const body: Record<string, unknown> = {
      model: this.resolvedModel,
      messages: req.messages.map(toWireMessage),
      stream: true,
    };
    const withTools = !!req.tools?.length && !this.toolsRefused;
    if (withTools) {
      body.tools = req.tools!.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
      if (req.toolChoice === 'required') body.tool_choice = 'required';
    }
    if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (withUsage) body.stream_options = { include_usage: true };
    const response = await fetch(`${this.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: this.headers(true),
      body: JSON.stringify(body),
      signal: watchdog.signal,
    });
    // Servers that cannot call tools (llama-server without --jinja, older ones) refuse `tools`:
    // chat goes on without them, and they are not offered to this server again.
    if (withTools && (response.status === 400 || response.status === 500 || response.status === 422)) {
      const text = await response
        .clone()
        .text()
        .catch(() => '');
      if (/tool|jinja|function/i.test(text)) {
        await response.body?.cancel().catch(() => {});
        this.toolsRefused = true;
        return this.post(req, watchdog, withUsage);
      }
    }
    // Old servers reject the unknown `stream_options` field: retry once without it.
    if (withUsage && response.status === 400) {
      const text = await response
        .clone()
        .text()
        .catch(() => '');
      if (/stream_options/i.test(text)) {
        await response.body?.cancel().catch(() => {});
        return this.post(req, watchdog, false);
      }
    }
    return response;
  }

  private async readStream(response: Response, stream: ChatCompletionStream, watchdog: Watchdog, onText: (chunk: string) => void): Promise<void> {
    if (!response.body) return;
    const parser = new SseParser();
    const reader = response.body.getReader();
    try {
      while (!stream.done) {
        const { done, value } = await reader.read();
        watchdog.touch();
        const events = done ? parser.end() : parser.push(value);
        for (const event of events) {
          for (const piece of stream.accept(event)) onText(piece);
          if (stream.done) break;
        }
        if (done) break;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const controller of this.running) controller.abort(new AlisaError('cancelled', 'The LLM connection is shutting down.'));
    await this.checking?.catch(() => {});
    this.holder.set({ state: 'none', error: null });
    this.holder.clear();
  }
}

/** The response body as JSON when it parses, else its text (for error messages). */
async function readBody(response: Response, watchdog: Watchdog): Promise<unknown> {
  watchdog.touch();
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text.trim().slice(0, 500) || response.statusText;
  }
}

function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  const controller = new AbortController();
  for (const signal of signals) {
    if (!signal) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

/** A chat turn as the OpenAI chat format writes it (tool calls and their results included). */
function toWireMessage(m: ChatTurn): Record<string, unknown> {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: typeof c.args === 'string' ? c.args : JSON.stringify(c.args) },
      })),
    };
  }
  return { role: m.role, content: m.content };
}

/** A streamed call's arguments parsed (a string when the model wrote invalid JSON: the executor refuses it with the reason). */
function parseToolCall(c: { id: string; name: string; arguments: string }, i: number): ToolCall {
  let args: Record<string, unknown> | string = c.arguments;
  try {
    const parsed = JSON.parse(c.arguments || '{}') as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
  } catch {
    // Kept as written.
  }
  return { id: c.id || `call_${i}`, name: c.name, args };
}
