// An OpenAI-compatible API over the companion's active model, so other tools (and a second
// Alisa) can share it: GET /v1/models and POST /v1/chat/completions, streaming (SSE) or not.
// The messages are passed through as given: no persona, no memory.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { AlisaError, toAlisaError } from '../errors';
import type { ChatTurn, ProviderRegistry } from '../llm';
import { PromptTooLongError } from '../llm/chat-history';
import { errorText } from '../../common/sentences';

/**
 * Request size limits, checked before any parsing or tokenizing: a 3.5 MB prompt once held the
 * event loop for seconds (JSON.parse, then the tokenizer) while the panel waited.
 */
const MAX_BODY_BYTES = 1024 * 1024;
/** The prompt's characters, at most this many per token of context (generous: ~4 is typical). */
const MAX_CHARS_PER_CONTEXT_TOKEN = 16;

const ContentPart = z.object({ type: z.string(), text: z.string().optional() });
const CompletionRequest = z.object({
  model: z.string().optional(),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant']),
        content: z.union([z.string(), z.array(ContentPart), z.null()]),
      }),
    )
    .min(1),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
});

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  invalid_argument: 400,
  frame_too_large: 413,
  bad_json: 400,
  bad_message: 400,
  model_missing: 503,
  model_invalid: 503,
  model_loading: 503,
  model_download_failed: 503,
  model_download_required: 503,
  no_provider: 503,
  llm_unreachable: 502,
  network_blocked: 503,
};

function sendError(res: ServerResponse, err: unknown): void {
  let e = toAlisaError(err);
  // A prompt measured too long for the context is the client's to shorten: 400, as OpenAI answers.
  if (e.cause instanceof PromptTooLongError)
    e = new AlisaError('invalid_argument', e.message, 'Send a shorter prompt, or raise the model context size (--context-size).', { cause: e });
  const status = STATUS_BY_CODE[e.code] ?? 500;
  const body = JSON.stringify({ error: { message: errorText(e), type: e.code, code: e.code } });
  if (res.headersSent) {
    // Mid-stream: the error travels as an SSE event, as OpenAI-compatible servers do.
    if (!res.writableEnded) res.end(`data: ${body}\n\n`);
    return;
  }
  // An oversized body is read to its end and dropped (see discardRest): closing the connection on
  // a client still sending would reset it, and the client would never see this answer.
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

const tooLarge = () =>
  new AlisaError(
    'frame_too_large',
    `The request body is over ${MAX_BODY_BYTES} bytes (1 MiB).`,
    'Send a shorter prompt: it has to fit the model context anyway.',
  );

/** Past this much dropped body the client is cut off (a reset) instead of read to its end. */
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The rest of a refused body is read and dropped, never kept, so the client that is still sending
 * gets the 413 instead of a reset connection (closing a socket with unread data resets it).
 */
function discardRest(req: IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_MAX_BYTES) req.destroy();
  });
  req.resume();
}

function readBody(req: IncomingMessage): Promise<unknown> {
  // Refused on the declared length before a byte is kept, and on a running count otherwise
  // (chunked bodies, or a length that lies): never buffered past the limit.
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    discardRest(req);
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      chunks.length = 0;
      discardRest(req);
      reject(tooLarge());
    };
    const onEnd = () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new AlisaError('bad_json', 'The request body is not valid JSON.'));
      }
    };
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

function toTurns(messages: z.infer<typeof CompletionRequest>['messages']): ChatTurn[] {
  return messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join(''),
  }));
}

export async function handleModels(res: ServerResponse, registry: ProviderRegistry): Promise<void> {
  try {
    const provider = await registry.active();
    const id = provider.modelName() ?? provider.id;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'alisa' }] }));
  } catch (err) {
    sendError(res, err);
  }
}

export async function handleChatCompletions(req: IncomingMessage, res: ServerResponse, registry: ProviderRegistry): Promise<void> {
  try {
    const parsed = CompletionRequest.safeParse(await readBody(req));
    if (!parsed.success) {
      throw new AlisaError(
        'invalid_argument',
        `Bad chat completion request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const body = parsed.data;
    const provider = await registry.active();
    const turns = toTurns(body.messages);
    // Before the tokenizer sees it: a prompt that cannot fit the context is refused by its length.
    const contextSize = provider.contextSize();
    const maxChars = contextSize ? contextSize * MAX_CHARS_PER_CONTEXT_TOKEN : MAX_BODY_BYTES;
    const chars = turns.reduce((n, t) => n + t.content.length, 0);
    if (chars > maxChars) {
      throw new AlisaError(
        'invalid_argument',
        `The messages hold ${chars} characters, more than the ${maxChars} that could fit the model's context of ${contextSize ?? '?'} tokens.`,
        'Send a shorter prompt, or raise the model context size (--context-size).',
      );
    }
    const model = provider.modelName() ?? provider.id;
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const controller = new AbortController();
    // The client hung up: stop generating for nobody.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new AlisaError('cancelled', 'The client disconnected.'));
    });
    const request = {
      messages: turns,
      maxTokens: body.max_completion_tokens ?? body.max_tokens,
      temperature: body.temperature,
      signal: controller.signal,
    };

    if (!body.stream) {
      const result = await provider.generate({ ...request, onText: () => {} });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: result.stopReason === 'length' ? 'length' : 'stop' }],
          usage: {
            prompt_tokens: result.promptTokens,
            completion_tokens: result.completionTokens,
            total_tokens: result.promptTokens + result.completionTokens,
          },
        }),
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: object, finish: string | null, extra: object = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
      );
    chunk({ role: 'assistant', content: '' }, null);
    const result = await provider.generate({ ...request, onText: (text) => chunk({ content: text }, null) });
    chunk({}, result.stopReason === 'length' ? 'length' : 'stop');
    if (body.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [],
          usage: {
            prompt_tokens: result.promptTokens,
            completion_tokens: result.completionTokens,
            total_tokens: result.promptTokens + result.completionTokens,
          },
        })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  } catch (err) {
    sendError(res, err);
  }
}
