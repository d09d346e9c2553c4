// The campaign (issue 12): fuzz the real companion. 10,000 malformed WebSocket frames (seeded:
// CAMPAIGN_SEED=n reproduces a run) on authenticated connections and one that never said hello,
// and malformed HTTP bodies to POST routes. The companion stays up, answers every frame with a
// typed error (never `internal`), keeps the connection open where the protocol says so, its RSS
// comes back within 20 % of its value after warm-up, and it chats correctly afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARD_MAX_FRAME_BYTES, methods, PROTOCOL_VERSION } from '../protocol';
import { emptyStats, fuzzConnection, fuzzHttp, rssBytes } from './helpers/campaign';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { requireModel } from './helpers/model';

const SEED = Number(process.env.CAMPAIGN_SEED ?? 12);
const API_KEY = 'campaign-fuzz-api-key-0123456789abcdef';
const CONNECTIONS = 4;
const PER_CONNECTION = 2_400;
const BEFORE_HELLO = 400; // 4 x 2,400 + 400 = 10,000 frames

let c: RunningCompanion;

beforeAll(async () => {
  requireModel();
  // A high rate limit: the fuzz measures answers, not the limiter (rate_limited is still typed).
  c = await startCompanion({ args: ['--rate-limit', '100000', '--max-reply-tokens', '8'], env: { ALISA_API_KEY: API_KEY } });
});
afterAll(async () => {
  await c?.stop();
});

async function chatWorks(client: TestClient): Promise<void> {
  const session = await client.request('session.create', { title: 'after fuzz' });
  const sent = await client.request('chat.send', { text: 'Once upon a time', sessionId: session.id });
  expect(sent.replyId).toBeTruthy();
  const events = await client.reply(sent.replyId!);
  const end = events.find((e) => e.type === 'reply.end');
  expect(end, JSON.stringify(events.slice(-3))).toBeDefined();
  if (end?.type !== 'reply.end') return;
  expect(end.sessionId).toBe(session.id);
  expect(end.interrupted).toBe(false);
  expect(end.tokens.completion).toBeGreaterThan(0);
  const stored = await client.request('session.messages', { sessionId: session.id });
  expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  expect(stored.messages[0]!.text).toBe('Once upon a time');
}

describe('campaign: fuzz', () => {
  it('10,000 malformed frames and malformed HTTP bodies: typed errors, still up, memory back, chats after', { timeout: 240_000 }, async () => {
    const pid = c.proc.pid!;
    const main = await TestClient.connect(c);
    // Warm-up: a real reply, a round of every frame kind (huge ones included) and of HTTP bodies.
    await chatWorks(main);
    const warm = emptyStats();
    await fuzzConnection(main, { seed: SEED + 1000, count: 1_000, authed: true, stats: warm, prefix: 'warm' });
    expect(warm.violations).toEqual([]);
    // The baseline is taken once the heap has met every kind of input, big bodies included.
    await fuzzHttp(c, API_KEY, SEED + 1000, 100);
    const rssStart = rssBytes(pid);
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, rssBytes(pid));
      } catch {
        /* gone: checked below */
      }
    }, 50);

    const stats = emptyStats();
    try {
      const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => TestClient.connect(c)));
      const before = await TestClient.connect(c, { hello: false });
      await Promise.all([
        ...clients.map((cl, i) => fuzzConnection(cl, { seed: SEED + i, count: PER_CONNECTION, authed: true, stats, prefix: `c${i}` })),
        fuzzConnection(before, { seed: SEED + 99, count: BEFORE_HELLO, authed: false, stats, prefix: 'pre' }),
      ]);
      // Every connection lives on (only a protocol mismatch or a frame past the hard limit closes one).
      for (const cl of [...clients, before]) expect(cl.closed).toBeNull();
      // The one that never said hello can still say it.
      const welcome = before.waitFor((m) => m.type === 'welcome');
      before.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'late' });
      expect((await welcome).type).toBe('welcome');
      for (const cl of [...clients, before]) cl.close();
    } finally {
      clearInterval(sampler);
    }
    expect(stats.violations.slice(0, 20)).toEqual([]);
    expect(stats.frames).toBe(CONNECTIONS * PER_CONNECTION + BEFORE_HELLO);
    expect(stats.answers).toBe(stats.frames);
    expect(stats.byCode.internal).toBeUndefined();
    // Every kind of refusal was exercised.
    for (const code of ['bad_json', 'bad_message', 'unknown_method', 'invalid_argument', 'frame_too_large', 'hello_required'])
      expect(stats.byCode[code], code).toBeGreaterThan(0);

    // Where the protocol closes: a hello of another version (4001, after saying why) and a frame
    // past the hard limit (1009); the companion lives on.
    const mismatch = await TestClient.connect(c, { hello: false });
    const closed = new Promise<number>((resolve) => mismatch.ws.once('close', (code) => resolve(code)));
    mismatch.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1000, client: 'fuzz' });
    expect(await closed).toBe(4001);
    expect(mismatch.events.find((m) => m.type === 'error')).toMatchObject({ error: { code: 'protocol_mismatch' } });
    const giant = await TestClient.connect(c);
    const giantClosed = new Promise<number>((resolve) => giant.ws.once('close', (code) => resolve(code)));
    giant.ws.on('error', () => {});
    giant.ws.send('x'.repeat(HARD_MAX_FRAME_BYTES + 1));
    expect(await giantClosed).toBe(1009);

    // Malformed HTTP bodies to every POST route, and POSTs where there is none.
    const httpRun = await fuzzHttp(c, API_KEY, SEED, 300);
    expect(httpRun.violations.slice(0, 20)).toEqual([]);
    expect(new Set(httpRun.answers.map((a) => a.status))).toContain(413);

    // Still up, and answering.
    expect(c.proc.exitCode).toBeNull();
    const health = await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}` } });
    expect(health.status).toBe(200);

    // No prototype pollution: the names of Object.prototype are still unknown methods, and a
    // plain request after `__proto__` / `constructor` keys behaves as a plain request.
    for (const method of ['constructor', '__proto__', 'toString', 'polluted']) {
      await expect(main.request(method as 'status.get', {})).rejects.toMatchObject({ info: { code: 'unknown_method' } });
    }
    const status = await main.request('status.get', {});
    expect(methods['status.get'].result.safeParse(status).success).toBe(true);
    expect('polluted' in status).toBe(false);
    const search = await main.request('memory.search', { query: 'Once' });
    expect(search.hits.length).toBeLessThanOrEqual(200);

    // RSS comes back within 20 % of its value after warm-up: polled on status round-trips
    // (V8 gives memory back on its own schedule), for at most 60 s.
    let rssEnd = rssBytes(pid);
    const deadline = Date.now() + 60_000;
    while (rssEnd > rssStart * 1.2 && Date.now() < deadline) {
      await main.request('status.get', {});
      await new Promise((r) => setTimeout(r, 250));
      rssEnd = rssBytes(pid);
    }
    console.log(
      `fuzz: frames ${stats.frames}, answers ${stats.answers}, by code ${JSON.stringify(stats.byCode)}, responses ${stats.responses}; http ${httpRun.answers.length}; rss start ${(rssStart / 1e6).toFixed(1)} MB, peak ${(rssPeak / 1e6).toFixed(1)} MB, end ${(rssEnd / 1e6).toFixed(1)} MB`,
    );
    expect(rssEnd).toBeLessThanOrEqual(rssStart * 1.2);

    // And it chats correctly afterwards, with the real model.
    await chatWorks(main);
    main.close();
  });
});
