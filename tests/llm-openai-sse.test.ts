// The SSE parser and the chat-completion stream reader as pure functions, with a real-format
// transcript split at every byte offset; and the OpenAI provider against a closed port.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AlisaError } from '../companion/errors';
import { OpenAiProvider, parseSse, SseParser } from '../companion/llm';
import { ChatCompletionStream } from '../companion/llm/openai-stream';

const chunk = (delta: object, finish: string | null = null) =>
  JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });

// What llama-server / LM Studio send, with CRLF line ends, a keep-alive comment, multi-byte text
// (2-, 3- and 4-byte UTF-8) and a usage chunk before [DONE].
const TEXT_PIECES = ['Привет', ', ', 'Alisa', ' 🙂', ' café', '—ok'];
const TRANSCRIPT = [
  ': keep-alive\r\n\r\n',
  `data: ${chunk({ role: 'assistant', content: null })}\r\n\r\n`,
  ...TEXT_PIECES.map((piece) => `data: ${chunk({ content: piece })}\r\n\r\n`),
  `data: ${chunk({}, 'length')}\r\n\r\n`,
  `data: ${JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 17, completion_tokens: 6, total_tokens: 23 } })}\r\n\r\n`,
  'data: [DONE]\r\n\r\n',
].join('');
const BYTES = new TextEncoder().encode(TRANSCRIPT);

function readCompletion(events: ReturnType<typeof parseSse>) {
  const stream = new ChatCompletionStream();
  const pieces: string[] = [];
  for (const event of events) pieces.push(...stream.accept(event));
  return { stream, pieces };
}

describe('SSE parser', () => {
  const whole = parseSse([BYTES]);

  it('parses the transcript into its events', () => {
    expect(whole.map((e) => e.data)).toHaveLength(10); // the comment is not an event
    expect(whole.every((e) => e.event === 'message')).toBe(true);
    expect(whole.at(-1)!.data).toBe('[DONE]');
    const { stream, pieces } = readCompletion(whole);
    expect(pieces).toEqual(TEXT_PIECES);
    expect(stream.text).toBe(TEXT_PIECES.join(''));
    expect(stream.finishReason).toBe('length');
    expect(stream.usage).toEqual({ promptTokens: 17, completionTokens: 6 });
    expect(stream.done).toBe(true);
  });

  it('gives the same events for a split at every byte offset', () => {
    for (let i = 0; i <= BYTES.length; i++) {
      const events = parseSse([BYTES.subarray(0, i), BYTES.subarray(i)]);
      expect(events, `split at byte ${i}`).toEqual(whole);
    }
  });

  it('gives the same events for every pair of split points (three chunks) and byte-by-byte', () => {
    // Every pair would be ~600k parses; strides of 11 and 3 still cross every kind of boundary.
    const expected = JSON.stringify(whole);
    const wrong: string[] = [];
    for (let i = 0; i <= BYTES.length; i += 11) {
      for (let j = i; j <= BYTES.length; j += 3) {
        if (JSON.stringify(parseSse([BYTES.subarray(0, i), BYTES.subarray(i, j), BYTES.subarray(j)])) !== expected) wrong.push(`${i}/${j}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(parseSse(Array.from(BYTES, (b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('handles LF and lone CR line ends the same way', () => {
    for (const eol of ['\n', '\r']) {
      const text = TRANSCRIPT.replace(/\r\n/g, eol);
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i <= bytes.length; i += 5) {
        expect(parseSse([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
      }
    }
  });

  it('follows the field rules: multi-line data, event names, ids, no space after the colon', () => {
    const events = parseSse(['event: update\nid: 7\ndata: line one\ndata:line two\nretry: 10\nunknown: x\n\n', 'data\n\n', ': only a comment\n\n']);
    expect(events).toEqual([
      { event: 'update', data: 'line one\nline two', id: '7' },
      { event: 'message', data: '', id: '7' },
    ]);
  });

  it('dispatches a last event that the server did not end with an empty line', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"a":1}\n')).toEqual([]);
    expect(parser.end()).toEqual([{ event: 'message', data: '{"a":1}' }]);
    expect(parseSse(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }]);
  });
});

describe('chat completion stream reader', () => {
  it('reads chunks a server sent without empty lines between them', () => {
    const events = parseSse([`data: ${chunk({ content: 'a' })}\ndata: ${chunk({ content: 'b' }, 'stop')}\n\n`]);
    const { stream, pieces } = readCompletion(events);
    expect(pieces).toEqual(['a', 'b']);
    expect(stream.finishReason).toBe('stop');
    expect(stream.usage).toBeNull();
  });

  it('turns an error event into an llm_failed with the server message', () => {
    const stream = new ChatCompletionStream();
    let error: unknown;
    try {
      stream.accept({ event: 'message', data: JSON.stringify({ error: { message: 'context length exceeded', type: 'invalid_request_error' } }) });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AlisaError);
    expect((error as AlisaError).code).toBe('llm_failed');
    expect((error as AlisaError).message).toContain('context length exceeded');
  });

  it('skips data that is not JSON', () => {
    const stream = new ChatCompletionStream();
    expect(stream.accept({ event: 'message', data: 'ping' })).toEqual([]);
    expect(stream.done).toBe(false);
  });
});

describe('OpenAiProvider without a server', () => {
  it('a closed port is llm_unreachable (the refusal, not a timeout), and the state says so', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const provider = new OpenAiProvider({ baseUrl, model: 'x' });
    expect(provider.state()).toEqual({ provider: 'openai', state: 'none', model: 'x', progress: null, error: null });
    let error: AlisaError | undefined;
    try {
      await provider.ensureReady();
    } catch (err) {
      error = err as AlisaError;
    }
    expect(error).toBeInstanceOf(AlisaError);
    expect(error!.code).toBe('llm_unreachable');
    expect(error!.message).toMatch(new RegExp(`^The LLM server at ${baseUrl.replace(/[./]/g, '\\$&')} did not answer \\(.*ECONNREFUSED.*\\)\\.$`));
    expect(error!.action).toBe('Start the server or fix the endpoint setting (alisa.llm.endpoint).');
    expect(provider.state()).toMatchObject({ state: 'error', error: { code: 'llm_unreachable' } });
    await expect(provider.generate({ messages: [{ role: 'user', content: 'hi' }], onText: () => {} })).rejects.toMatchObject({ code: 'llm_unreachable' });
    expect(provider.exactTokenCount).toBe(false);
    expect(provider.countTokens('12345')).toBe(2);
    await provider.dispose();
  });
});
