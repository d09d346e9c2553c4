// A model given as a URI, through the whole companion: progress as status events, cancel, resume,
// then chat. A slow local HTTP server with Range support stands in for the model host, which
// cannot be reached from this machine.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage, ModelState } from '../protocol';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { chatOnce } from './helpers/comp-live';

// The real model followed by padding to 12 MB: llama.cpp ignores the trailing bytes, and the
// size lets the downloader (which resumes in whole 5 MB chunks) keep finished chunks on cancel.
const REAL = readFileSync(requireModel());
const MODEL_BYTES = Buffer.concat([REAL, Buffer.alloc(12 * 1024 * 1024 - REAL.length)]);
const CHUNK = 96 * 1024;
/** Byte ranges asked for, in order; `cancelled` marks where the cancel happened. */
const requested: Array<[number, number] | 'cancelled'> = [];
let origin = '';

// Each connection gets 96 KB every 40 ms: a download of a few seconds that can be cancelled.
let hits = 0;
const server: Server = createServer((req, res) => {
  hits++;
  if (req.url !== '/models/slow-tiny.gguf') return void res.writeHead(404).end();
  const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range?.[2] ? Number(range[2]) : MODEL_BYTES.length - 1;
  if (range && req.method === 'GET') requested.push([start, end]);
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
  if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${MODEL_BYTES.length}` });
  else res.writeHead(200, headers);
  if (req.method === 'HEAD') return void res.end();
  let at = start;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    const next = Math.min(at + CHUNK, end + 1);
    res.write(MODEL_BYTES.subarray(at, next));
    at = next;
    if (at > end) {
      clearInterval(timer);
      res.end();
    }
  }, 40);
  res.on('close', () => clearInterval(timer));
});

const modelOf = (m: CompanionMessage): ModelState | null => (m.type === 'status' ? m.status.model : null);

describe('model download through the companion', () => {
  let c: RunningCompanion;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    c = await startCompanion({ model: `${origin}/models/slow-tiny.gguf`, args: ['--no-model'] });
  });
  afterAll(async () => {
    await c?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a chat message never starts the download: it says the size, disk and RAM and waits for a yes', async () => {
    const { client, end } = await chatOnce(c, 'Hello?');
    expect(end.type).toBe('reply.error');
    if (end.type !== 'reply.error') return;
    expect(end.error.code).toBe('model_download_required');
    expect(end.error.message).toMatch(/free on that disk/);
    expect(end.error.action).toMatch(/Download/);
    const status = await client.request('status.get', {});
    expect(status.model).toMatchObject({ state: 'none', error: { code: 'model_download_required' } });
    expect(status.model.download?.host).toBe(new URL(origin).host);
    const plan = await client.request('model.downloadPlan', {});
    expect(plan.uri).toBe(`${origin}/models/slow-tiny.gguf`);
    expect(plan.freeDiskBytes).toBeGreaterThan(0);
    expect(hits).toBe(0); // the model host was never contacted
    client.close();
  });

  it('reports progress, cancels, resumes where it stopped, then chats', async () => {
    const client = await TestClient.connect(c);
    expect((await client.request('status.get', {})).model.state).toBe('none');

    // model.load is the user's yes.
    const { model } = await client.request('model.load', {});
    expect(['none', 'downloading', 'loading']).toContain(model.state);
    await client.waitFor((m) => (modelOf(m)?.progress ?? 0) > 0.6 && modelOf(m)?.state === 'downloading', 30_000);
    expect((await client.request('model.cancelLoad', {})).cancelled).toBe(true);
    requested.push('cancelled');
    const stopped = await client.waitFor((m) => modelOf(m)?.state === 'none' || modelOf(m)?.state === 'error');
    expect(modelOf(stopped)).toMatchObject({ state: 'none', error: { code: 'cancelled' } });

    const progressSeen = client.events
      .map(modelOf)
      .filter((s): s is ModelState => s?.state === 'downloading')
      .map((s) => s.progress!);
    expect(progressSeen.length).toBeGreaterThan(1);
    expect(progressSeen.every((p, i) => i === 0 || p >= progressSeen[i - 1]!)).toBe(true);

    await client.request('model.load', {});
    await client.waitFor((m) => modelOf(m)?.state === 'ready', 30_000);
    // The second attempt asked for the rest of the file, not the whole file again.
    // The second attempt asked only for what the first had not finished (the downloader keeps
    // whole 5 MB chunks).
    const after = requested.slice(requested.indexOf('cancelled') + 1) as Array<[number, number]>;
    expect(after.length).toBeGreaterThan(0);
    expect(after.reduce((n, [a, b]) => n + (b - a + 1), 0)).toBeLessThan(MODEL_BYTES.length);

    const started = await client.request('chat.send', { text: 'Tell me a story' });
    const events = await client.reply(started.replyId!);
    expect(events.at(-1)?.type).toBe('reply.end');
    client.close();
  });
});
