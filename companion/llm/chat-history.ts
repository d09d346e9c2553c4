// Conversions between Alisa's chat turns and node-llama-cpp's chat history, and the real prompt
// size: the chat wrapper renders the history exactly as LlamaChat does before evaluating it, and
// the model's own tokenizer counts the result.
import type { ChatHistoryItem, LlamaChat } from 'node-llama-cpp';
import type { ChatTurn } from './types';

/** Characters handed to the tokenizer in one synchronous call before the event loop gets a turn. */
export const TOKENIZE_CHUNK_CHARS = 8192;
/** Tokens a chat format adds around each turn (role markers), counted on top of the text's own. */
const TURN_OVERHEAD_TOKENS = 4;

/** The system turns and the last turn alone are more tokens than the context can take. */
export class PromptTooLongError extends Error {
  constructor(readonly limitTokens: number) {
    super(`The system prompt and the last message alone are more than the ${limitTokens} tokens the context can take.`);
    this.name = 'PromptTooLongError';
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The tokens of `text`, counted in chunks of at most TOKENIZE_CHUNK_CHARS characters (cut at a
 * space or a line break where there is one, never inside a surrogate pair) with a turn of the event
 * loop between chunks, so a long text never holds the loop for more than one chunk. The sum is the
 * exact count up to the few tokens a cut can change. Stops once the count passes `limit`.
 */
export async function countTokensChunked(text: string, count: (chunk: string) => number, opts: { limit?: number; signal?: AbortSignal } = {}): Promise<number> {
  const limit = opts.limit ?? Infinity;
  let total = 0;
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + TOKENIZE_CHUNK_CHARS);
    if (end < text.length) {
      const cut = Math.max(text.lastIndexOf(' ', end), text.lastIndexOf('\n', end));
      if (cut > start + TOKENIZE_CHUNK_CHARS / 2) end = cut;
      else if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
    }
    total += count(text.slice(start, end));
    start = end;
    if (total > limit) return total;
    if (start < text.length) {
      await yieldToLoop();
      if (opts.signal?.aborted) throw opts.signal.reason;
    }
  }
  return total;
}

/**
 * The turns that fit a prompt budget of `budget` tokens, chosen before the model's chat sees them:
 * the leading system turns and the last turn always, then the newest turns back to the first one
 * that no longer fits (it and every older turn are left out, as the model's own context shift would
 * drop them). Each turn is tokenized on its own, in chunks that yield to the event loop, and only
 * until the budget is spent: a prompt of any size costs at most about one context of tokenizing,
 * where handing it whole to LlamaChat tokenized all of it, several times, in one synchronous go.
 * Throws a PromptTooLongError when the system turns and the last turn alone exceed `limit` tokens
 * (what the context can take at all; default: the budget).
 */
export async function fitTurnsToContext(
  turns: readonly ChatTurn[],
  budget: number,
  count: (chunk: string) => number,
  opts: { limit?: number; signal?: AbortSignal } = {},
): Promise<ChatTurn[]> {
  const { signal } = opts;
  const limit = Math.max(budget, opts.limit ?? budget);
  if (turns.length === 0) return [];
  let head = 0;
  while (head < turns.length - 1 && turns[head]!.role === 'system') head++;
  let used = 0;
  // Many short turns are as heavy as one long one: the loop gets a turn every chunk's worth too.
  let sinceYield = 0;
  const cost = async (turn: ChatTurn, room: number) => {
    if (sinceYield >= TOKENIZE_CHUNK_CHARS) {
      sinceYield = 0;
      await yieldToLoop();
      if (signal?.aborted) throw signal.reason;
    }
    sinceYield += Math.min(turn.content.length, TOKENIZE_CHUNK_CHARS);
    return (await countTokensChunked(turn.content, count, { limit: room - TURN_OVERHEAD_TOKENS, signal })) + TURN_OVERHEAD_TOKENS;
  };
  for (const turn of [...turns.slice(0, head), turns.at(-1)!]) {
    used += await cost(turn, limit - used);
    if (used > limit) throw new PromptTooLongError(limit);
  }
  let first = turns.length - 1;
  while (first > head) {
    const c = await cost(turns[first - 1]!, budget - used);
    if (used + c > budget) break;
    used += c;
    first--;
  }
  return [...turns.slice(0, head), ...turns.slice(first)];
}

export function toChatHistory(turns: readonly ChatTurn[]): ChatHistoryItem[] {
  const out: ChatHistoryItem[] = [];
  for (const turn of turns) {
    switch (turn.role) {
      case 'system':
        out.push({ type: 'system', text: turn.content });
        break;
      case 'user':
        out.push({ type: 'user', text: turn.content });
        break;
      case 'assistant':
        out.push({
          type: 'model',
          response: [
            ...(turn.content || !turn.toolCalls?.length ? [turn.content] : []),
            // A model turn that called tools: each call with its result (the tool turns after it),
            // as node-llama-cpp renders function calls for the chat format of the model.
            ...(turn.toolCalls ?? []).map((call) => ({
              type: 'functionCall' as const,
              name: call.name,
              params: call.args,
              result: turns.find((t) => t.role === 'tool' && t.toolCallId === call.id)?.content ?? '',
            })),
          ],
        });
        break;
      case 'tool':
        // Rendered inside the model turn that made the call (above).
        break;
    }
  }
  return out;
}

/**
 * Tokens of the prompt the model evaluates for `history`: rendered with an open model response at
 * the end (what generation continues from). When the history already ends with a model turn, that
 * turn is the prefix being continued and is kept as it is.
 */
export function countPromptTokens(chat: LlamaChat, history: readonly ChatHistoryItem[]): number {
  const withOpenResponse: ChatHistoryItem[] = history.at(-1)?.type === 'model' ? [...history] : [...history, { type: 'model', response: [] }];
  const { contextText } = chat.chatWrapper.generateContextState({ chatHistory: withOpenResponse });
  return contextText.tokenize(chat.model.tokenizer).length;
}

/**
 * The prompt actually used after a generation: LlamaChat reports the context window it evaluated
 * (after any context shift dropped old turns), ending with the model's response. The response is
 * reset to what it was before generating (`prefix`: an assistant turn being continued, or nothing).
 */
export function promptWindow(contextWindow: readonly ChatHistoryItem[], prefix: ChatHistoryItem | undefined): ChatHistoryItem[] {
  const window = [...contextWindow];
  if (window.at(-1)?.type === 'model') window.pop();
  window.push(prefix?.type === 'model' ? prefix : { type: 'model', response: [] });
  return window;
}
