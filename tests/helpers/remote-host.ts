// "Another machine" for the network-gate tests: this machine's own non-loopback address (e.g. the
// 192.0.2.2 of eth0), where a server counts every connection it receives. The gate treats that
// address as remote (it is not 127.0.0.0/8, ::1 or localhost), so a connection that reaches such
// a server is one that left loopback: its count is an observation independent of the gate's own
// records. Null when the machine has no such address (then those checks are skipped).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';

export function remoteAddress(): string | null {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('127.')) return a.address;
  }
  return null;
}

export interface Observed {
  /** Connections accepted so far. */
  connections: number;
  /** Request lines received ("GET /v1/models"). */
  requests: string[];
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const part of req) text += part;
  return text;
}

/**
 * An OpenAI-compatible chat server (the wire format of llama-server and api.openai.com: GET /models,
 * POST /chat/completions streaming SSE) listening on `host`, counting connections. It stands in
 * for a remote LLM endpoint, a cloud service this machine cannot reach.
 */
export async function startObservedOpenAi(host: string, reply = '<emotion=happy> Hello from far away.'): Promise<Observed> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    observed.requests.push(`${req.method} ${req.url}`);
    if (req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'far-model' }] }));
      return;
    }
    if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) {
      await body(req);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      res.write(chunk({ content: reply }));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    observed.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const observed: Observed = {
    connections: 0,
    requests: [],
    host,
    port,
    url: `http://${host}:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return observed;
}
