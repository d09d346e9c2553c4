// Reads the events of a streamed OpenAI chat completion (`stream: true`) into text deltas, the
// finish reason and the token usage. Pure, like the SSE parser under it.
//
// What real servers send, and what is tolerated:
// - `data: {"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}` per piece of text, the
//   first often with only `delta.role`, the last with `finish_reason` ('stop' | 'length' | ...);
// - with `stream_options.include_usage`, a final chunk with `choices: []` and `usage`
//   (llama-server, vLLM, LM Studio, Ollama >= 0.5); some servers put usage on the last choice chunk;
// - `data: [DONE]` at the end (Ollama and some proxies may close without it);
// - `data: {"error": {...}}` (or a string) when the server fails mid-stream;
// - servers that forget the empty line between events, so one event holds several JSON lines:
//   each line is then parsed on its own;
// - anything else that does not parse as JSON (stray keep-alives) is skipped.
import { AlisaError } from '../errors';
import type { SseEvent } from './sse-parser';

interface CompletionUsage {
  promptTokens: number;
  completionTokens: number;
}

/** A tool call as the stream assembles it: `arguments` arrive in pieces, keyed by the call's index. */
export interface StreamedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export class ChatCompletionStream {
  text = '';
  /** `delta.tool_calls` pieces, assembled by index (the id and name come first, the arguments in pieces). */
  readonly toolCalls: StreamedToolCall[] = [];
  finishReason: string | null = null;
  usage: CompletionUsage | null = null;
  /** `data: [DONE]` arrived: nothing more will come. */
  done = false;

  /** Consumes one SSE event; returns the text deltas it carries (in order). Throws on an error event. */
  accept(event: SseEvent): string[] {
    const data = event.data.trim();
    if (data === '[DONE]') {
      this.done = true;
      return [];
    }
    const objects = parseJsonObjects(data);
    const deltas: string[] = [];
    for (const obj of objects) deltas.push(...this.acceptObject(obj));
    return deltas;
  }

  private acceptToolCalls(pieces: Array<Record<string, unknown>>): void {
    for (const piece of pieces) {
      const index = typeof piece.index === 'number' ? piece.index : this.toolCalls.length;
      this.toolCalls[index] ??= { id: '', name: '', arguments: '' };
      const call = this.toolCalls[index];
      if (typeof piece.id === 'string' && piece.id) call.id = piece.id;
      const fn = piece.function as Record<string, unknown> | undefined;
      if (typeof fn?.name === 'string' && fn.name) call.name += call.name && call.name === fn.name ? '' : fn.name;
      if (typeof fn?.arguments === 'string') call.arguments += fn.arguments;
    }
  }

  private acceptObject(obj: Record<string, unknown>): string[] {
    if (obj.error !== undefined && obj.error !== null) {
      throw new AlisaError('llm_failed', `The LLM server reported an error while replying: ${errorMessage(obj.error)}`);
    }
    const deltas: string[] = [];
    const choices = Array.isArray(obj.choices) ? (obj.choices as Array<Record<string, unknown>>) : [];
    const choice = choices.find((c) => (c?.index ?? 0) === 0) ?? choices[0];
    if (choice) {
      const delta = (choice.delta ?? choice.message) as Record<string, unknown> | undefined;
      const content = delta?.content ?? choice.text; // `text`: legacy completions-style servers
      if (typeof content === 'string' && content.length > 0) {
        this.text += content;
        deltas.push(content);
      }
      if (Array.isArray(delta?.tool_calls)) this.acceptToolCalls(delta.tool_calls as Array<Record<string, unknown>>);
      if (typeof choice.finish_reason === 'string' && choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    const usage = obj.usage as Record<string, unknown> | undefined | null;
    if (usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
      this.usage = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
    }
    return deltas;
  }
}

function parseJsonObjects(data: string): Array<Record<string, unknown>> {
  const one = tryParse(data);
  if (one) return [one];
  // Several `data:` lines in one event (a missing empty line): each line is its own chunk.
  return data
    .split('\n')
    .map((line) => tryParse(line.trim()))
    .filter((obj): obj is Record<string, unknown> => obj !== null);
}

function tryParse(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The human message in an OpenAI-style error body: {error: {message}}, {error: "..."}, {message}, {detail}. */
export function errorMessage(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (record.error !== undefined && record.error !== body) return errorMessage(record.error);
    for (const key of ['message', 'detail', 'msg']) {
      const value = record[key];
      if (typeof value === 'string' && value) return value;
      if (value && typeof value === 'object') return errorMessage(value);
    }
    return JSON.stringify(body);
  }
  return String(body);
}
