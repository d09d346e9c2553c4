// The OpenAI provider against a small local HTTP server that speaks the streaming protocol the way
// llama-server does (byte-level chunking, usage chunk, [DONE]), plus the failure cases.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiProvider } from '../companion/llm';
import { failure } from './helpers/errors';

const PIECES = ['Hel', 'lo ', 'Алиса', ' 🙂'];
const requests: Array<Record<string, unknown>> = [];
let baseUrl = '';

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}
const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const part of req) text += part;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const server = createServer(async (req, res) => {
  const url = req.url ?? '';
  if (url.startsWith('/auth/') && req.headers.authorization !== 'Bearer right') {
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Invalid API Key', type: 'authentication_error' } }));
    return;
  }
  if (url.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'first-model' }, { id: 'second' }] }));
    return;
  }
  const request = await body(req);
  requests.push(request);
  const mode = url.split('/')[1];
  if (request.model === 'missing') {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model "missing" not found' } }));
    return;
  }
  if (mode === 'json') {
    const completion = {
      choices: [{ index: 0, message: { role: 'assistant', content: 'Whole reply.' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 2 },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
    return;
  }
  sse(res);
  if (mode === 'stall') {
    res.write(chunk({ content: 'partial' }));
    return; // never ends: the provider's chunk timeout must fire
  }
  if (mode === 'endless') {
    const timer = setInterval(() => res.write(chunk({ content: 'x' })), 5);
    res.on('close', () => clearInterval(timer));
    return;
  }
  // Byte-level chunking: every write ends at an arbitrary byte, mid-line and mid-character.
  const transcript = Buffer.from(
    chunk({ role: 'assistant' }) +
      PIECES.map((p) => chunk({ content: p })).join('') +
      chunk({}, 'stop') +
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 4 } })}\r\n\r\ndata: [DONE]\r\n\r\n`,
  );
  for (let i = 0; i < transcript.length; i += 7) {
    res.write(transcript.subarray(i, i + 7));
    await new Promise((r) => setTimeout(r, 1));
  }
  res.end();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'Hi' },
];

describe('OpenAiProvider against a streaming server', () => {
  it('picks the first model, streams text and reports the server usage', async () => {
    const provider = new OpenAiProvider({ baseUrl: `${baseUrl}/ok/v1/` });
    await provider.ensureReady();
    expect(provider.state()).toEqual({ provider: 'openai', state: 'ready', model: 'first-model', progress: null, error: null });
    const chunks: string[] = [];
    const result = await provider.generate({ messages, maxTokens: 20, temperature: 0.5, onText: (c) => chunks.push(c) });
    expect(chunks).toEqual(PIECES);
    expect(result).toEqual({ text: PIECES.join(''), promptTokens: 12, completionTokens: 4, stopReason: 'stop' });
    expect(requests.at(-1)).toEqual({
      model: 'first-model',
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      max_tokens: 20,
      temperature: 0.5,
      stream_options: { include_usage: true },
    });
    await provider.dispose();
  });

  it('accepts a server that ignores stream: true and answers with one JSON completion', async () => {
    const provider = new OpenAiProvider({ baseUrl: `${baseUrl}/json/v1`, model: 'm' });
    const chunks: string[] = [];
    const result = await provider.generate({ messages, onText: (c) => chunks.push(c) });
    expect(chunks).toEqual(['Whole reply.']);
    expect(result).toEqual({ text: 'Whole reply.', promptTokens: 3, completionTokens: 2, stopReason: 'length' });
    await provider.dispose();
  });

  it('cancelling mid-stream resolves with the partial text', async () => {
    const provider = new OpenAiProvider({ baseUrl: `${baseUrl}/endless/v1`, model: 'm' });
    const controller = new AbortController();
    const chunks: string[] = [];
    const result = await provider.generate({
      messages,
      signal: controller.signal,
      onText: (c) => {
        chunks.push(c);
        if (chunks.length === 3) controller.abort();
      },
    });
    expect(result.stopReason).toBe('cancelled');
    expect(result.text).toBe('xxx');
    expect(result.completionTokens).toBe(1); // estimated: ceil(3 / 4)
    await provider.dispose();
  });

  it('a server that stops sending fails after timeoutMs, not never', async () => {
    const provider = new OpenAiProvider({ baseUrl: `${baseUrl}/stall/v1`, model: 'm', timeoutMs: 300 });
    const started = Date.now();
    const err = await failure(provider.generate({ messages, onText: () => {} }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('llm_failed');
    expect(err.message).toMatch(/stopped sending the reply/);
    await provider.dispose();
  });

  it('HTTP errors carry the server message; a wrong key says so', async () => {
    const provider = new OpenAiProvider({ baseUrl: `${baseUrl}/ok/v1`, model: 'missing' });
    const err = await failure(provider.generate({ messages, onText: () => {} }));
    expect(err.code).toBe('llm_failed');
    expect(err.message).toContain('HTTP 404: model "missing" not found');

    const wrongKey = new OpenAiProvider({ baseUrl: `${baseUrl}/auth/v1`, apiKey: 'wrong' });
    const auth = await failure(wrongKey.ensureReady());
    expect(auth.message).toMatch(/refused the API key \(HTTP 401: Invalid API Key\)/);
    expect(auth.action).toMatch(/API key/);
    const rightKey = new OpenAiProvider({ baseUrl: `${baseUrl}/auth/v1`, apiKey: 'right' });
    await rightKey.ensureReady();
    expect(rightKey.modelName()).toBe('first-model');
    await Promise.all([provider.dispose(), wrongKey.dispose(), rightKey.dispose()]);
  });
});
