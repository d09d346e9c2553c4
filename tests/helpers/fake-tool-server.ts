// A scripted OpenAI-compatible chat server that calls tools (a stand-in for a model smart enough
// to call them on purpose, which cannot run on this machine). It speaks the real wire format:
// GET /v1/models, POST /v1/chat/completions streamed as SSE, with `delta.tool_calls` split the way
// llama-server and api.openai.com split them (the id and the name first, the arguments in pieces
// over several chunks), `finish_reason: "tool_calls"`, then usage and `data: [DONE]`. Each request
// body is recorded; the script decides each answer from the request.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedTurn = { text: string } | { calls: Array<{ name: string; args: Record<string, unknown> | string }> };

export interface ToolServer {
  url: string;
  /** Every chat request's body, in order. */
  requests: Array<{ messages: Array<Record<string, unknown>>; tools?: Array<{ function: { name: string } }>; tool_choice?: unknown }>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

export async function startToolServer(
  script: (req: ToolServer['requests'][number], index: number) => ScriptedTurn,
  /** `embed`: also serve POST /v1/embeddings with these vectors (one per input text). */
  opts: { refuseTools?: boolean; embed?: (texts: string[]) => number[][] } = {},
): Promise<ToolServer> {
  const requests: ToolServer['requests'] = [];
  let callNo = 0;
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'scripted-tool-model' }] }));
      return;
    }
    if (opts.embed && req.method === 'POST' && req.url?.endsWith('/embeddings')) {
      const { input } = JSON.parse(await body(req)) as { input: string[] };
      const data = opts.embed(input).map((embedding, index) => ({ object: 'embedding', index, embedding }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
      return;
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const parsed = JSON.parse(await body(req)) as ToolServer['requests'][number];
    requests.push(parsed);
    if (opts.refuseTools && parsed.tools) {
      // What llama-server answers when started without --jinja.
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } }));
      return;
    }
    const turn = script(parsed, requests.length - 1);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: `c${requests.length}`, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: null }));
    if ('text' in turn) {
      for (const piece of turn.text.match(/.{1,8}/gs) ?? []) res.write(chunk({ content: piece }));
      res.write(chunk({}, 'stop'));
    } else {
      turn.calls.forEach((call, index) => {
        const id = `call_${++callNo}`;
        res.write(chunk({ tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }] }));
        const args = typeof call.args === 'string' ? call.args : JSON.stringify(call.args);
        for (const piece of args.match(/.{1,7}/gs) ?? []) res.write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      });
      res.write(chunk({}, 'tool_calls'));
    }
    res.write(`data: ${JSON.stringify({ id: 'usage', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The last tool message of a request (what the model read back), or null. */
export function lastToolResult(req: ToolServer['requests'][number]): string | null {
  const tool = [...req.messages].reverse().find((m) => m.role === 'tool');
  return tool ? String(tool.content) : null;
}
