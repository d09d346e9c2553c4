// Suites that run against one real companion (tests/helpers/companion.ts): started with the tiny
// model before the suite, stopped after it; and a companion started for one test only.
import { afterAll, afterEach, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type ClientWorkspace } from '../../protocol';
import { startCompanion, TestClient, type RunningCompanion } from './companion';
import { requireModel } from './model';

type StartOptions = NonNullable<Parameters<typeof startCompanion>[0]>;

/**
 * Before the suite: requires the test model, starts a companion with `opts` (or what `opts()` returns,
 * for options made in the hook) and hands it to `set`. After the suite: stops it.
 */
export function useCompanion(set: (c: RunningCompanion) => void, opts: StartOptions | (() => StartOptions) = {}): void {
  let c: RunningCompanion | undefined;
  beforeAll(async () => {
    requireModel();
    c = await startCompanion(typeof opts === 'function' ? opts() : opts);
    set(c);
  });
  afterAll(async () => {
    await c?.stop();
  });
}

/**
 * As useCompanion, with a client connected (hello said) before the suite and closed after it. A suite
 * whose tests replace the companion and client (a restart) passes `restarted.current`: what to close then.
 */
export function useCompanionClient(
  set: (c: RunningCompanion, client: TestClient) => void,
  opts: StartOptions | (() => StartOptions) = {},
  restarted?: { current: () => [RunningCompanion | undefined, TestClient | undefined] },
): void {
  let c: RunningCompanion | undefined;
  let client: TestClient | undefined;
  beforeAll(async () => {
    requireModel();
    c = await startCompanion(typeof opts === 'function' ? opts() : opts);
    client = await TestClient.connect(c);
    set(c, client);
  });
  afterAll(async () => {
    if (restarted) [c, client] = restarted.current();
    client?.close();
    await c?.stop();
  });
}

/** Starts a companion for one test, runs `fn` with a connected client, closes the client, and stops the companion whatever happens. */
export async function withCompanionClient(opts: StartOptions, fn: (client: TestClient, c: RunningCompanion) => Promise<void>): Promise<void> {
  const c = await startCompanion(opts);
  try {
    const client = await TestClient.connect(c);
    await fn(client, c);
    client.close();
  } finally {
    await c.stop();
  }
}

/** A client that says `workspace` in hello (null: says none, as the browser UI does). */
export async function connectAs(c: RunningCompanion, workspace: ClientWorkspace | null): Promise<TestClient> {
  const client = await TestClient.connect(c, { hello: false });
  const welcome = client.waitFor((m) => m.type === 'welcome' || m.type === 'error');
  client.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'alisa-vscode/test', ...(workspace ? { workspace } : {}) });
  const w = await welcome;
  if (w.type !== 'welcome') throw new Error(`hello failed: ${JSON.stringify(w)}`);
  return client;
}

/**
 * The companions and clients a file's tests start, closed after each test: the clients first, then
 * `between` (other processes of the test), then the companions, stopped with `signal`.
 */
export function closedAfterEach(between?: () => unknown, signal?: NodeJS.Signals): { running: RunningCompanion[]; clients: TestClient[] } {
  const running: RunningCompanion[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await between?.();
    for (const c of running.splice(0)) await c.stop(signal);
  });
  return { running, clients };
}

/** Connects a client to `c`, sends `text` as a chat message and waits for the whole reply (`end`: its last event). */
export async function chatOnce(c: RunningCompanion, text: string) {
  const client = await TestClient.connect(c);
  const started = await client.request('chat.send', { text });
  const events = await client.reply(started.replyId!);
  return { client, started, events, end: events.at(-1)! };
}

/** Tries a WebSocket upgrade; resolves with the refusal (status and body), rejects if it opened. */
export function wsRefusal(
  port: number,
  opts: { headers?: Record<string, string>; protocols?: string[]; query?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${opts.query ?? ''}`, opts.protocols ?? [], { headers: opts.headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the WebSocket opened'));
    });
    ws.on('error', (err) => reject(err));
  });
}
