// The contract every language-model backend fulfils. The chat layer talks only to `LlmProvider`;
// whether text comes from llama.cpp inside this process or from an OpenAI-compatible server is an
// implementation detail chosen by the `ProviderRegistry`.
import type { ModelState } from '../../protocol';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant turn that called tools (its `content` is what it said before calling). */
  toolCalls?: ToolCall[];
  /** A tool turn: the call it answers. */
  toolCallId?: string;
  name?: string;
}

/** A tool the model may call: an action of the registry or an MCP tool, with its JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them (parsed JSON; a string when they did not parse). */
  args: Record<string, unknown> | string;
}

export interface GenerateRequest {
  messages: ChatTurn[];
  /** Upper bound on generated tokens; the provider's default when omitted. */
  maxTokens?: number;
  /** Sampling temperature; 0 (greedy) when omitted for the embedded model, server default otherwise. */
  temperature?: number;
  /** Aborting stops the generation: `generate` then RESOLVES with stopReason 'cancelled'. */
  signal?: AbortSignal;
  /** Called with each piece of text as it is produced; the pieces concatenate to `GenerateResult.text`. */
  onText: (chunk: string) => void;
  /**
   * The reply must open with one of these emotion tags (`<emotion=NAME>`). Providers that can
   * constrain sampling (the embedded one, with a grammar) enforce it; others rely on the prompt.
   */
  requireEmotionTag?: readonly string[];
  /**
   * The reply (after the emotion tag, when that is required too) must be exactly one fenced code
   * block in this language, of at most `maxLines` lines of at most `maxLineLength` characters.
   * The embedded provider enforces it with a grammar (so with maxTokens at least
   * maxLines * (maxLineLength + 1) + 40 the block always closes); others rely on the prompt.
   */
  requireCodeBlock?: { language: string; maxLines?: number; maxLineLength?: number };
  /**
   * The conversation this request continues (a chat session): the embedded provider runs it on the
   * sequence that last served it, whose prompt cache still matches. None: any free sequence.
   */
  cacheKey?: string;
  /** Tools the model may call (OpenAI `tools`, node-llama-cpp functions). Its calls come back in `toolCalls`, not run. */
  tools?: ToolSpec[];
  /** auto: the model may call a tool or answer; required: it must call exactly one (constrained by a grammar where the provider can). */
  toolChoice?: 'auto' | 'required';
}

export interface GenerateResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** stop: the model finished; length: maxTokens reached; cancelled: the signal was aborted. */
  stopReason: 'stop' | 'length' | 'cancelled';
  /**
   * Prompt tokens the model actually evaluated for this reply; the rest of the prompt came from
   * its cache of the previous turn. Only providers that know say (the embedded one).
   */
  evaluatedTokens?: number;
  /** The tools the model called (stopReason 'stop'); the caller runs them and asks again with the results. */
  toolCalls?: ToolCall[];
}

export interface LlmProvider {
  /** Stable id used in the registry's order ('embedded', 'openai'). */
  readonly id: string;
  state(): ModelState;
  /** Subscribe to state changes; returns the unsubscribe function. */
  onStateChange(listener: (s: ModelState) => void): () => void;
  /**
   * Loads the model (embedded) or checks the server (openai). Throws an AlisaError.
   * Concurrent callers share one attempt; after a failure a later call retries.
   */
  ensureReady(): Promise<void>;
  /** Exact with the model's tokenizer when `exactTokenCount`, else an estimate (ceil(chars / 4)). */
  countTokens(text: string): number;
  readonly exactTokenCount: boolean;
  /**
   * Tokens a prompt may take and still be evaluated as given, leaving room for a reply of
   * `maxTokens` (beyond it the provider drops old turns itself, which defeats the prompt cache);
   * null when unknown (a server, or a model not loaded yet).
   */
  promptTokenBudget?(maxTokens: number | undefined): number | null;
  modelName(): string | null;
  contextSize(): number | null;
  /** Calls ensureReady() first. Throws an AlisaError on failure; never rejects because of the signal. */
  generate(req: GenerateRequest): Promise<GenerateResult>;
  /** Cancels a load or download in progress (the attempt then fails with code 'cancelled'). */
  cancelLoad?(): void;
  /** The user said yes to downloading the model (providers that download). */
  allowDownload?(): void;
  dispose(): Promise<void>;
}
