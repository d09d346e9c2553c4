// Who may connect, what bad input gets back, and how the process lives and dies.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../protocol';
import { COMPANION_BUNDLE, startCompanion, tempDir, TestClient, TINY_MODEL_ARGS, type RunningCompanion } from './helpers/companion';
import { MODEL_PATH } from './helpers/model';

/** Resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
function upgradeStatus(url: string, opts: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, opts);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('connections', () => {
  let c: RunningCompanion;
  beforeAll(async () => {
    c = await startCompanion({ args: ['--no-model', '--rate-limit', '20'] });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('listens on 127.0.0.1 only', async (ctx) => {
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (!external) {
      const reason = 'this machine has no non-loopback IPv4 address';
      console.log(`SKIPPED the external-interface probe: ${reason}`);
      return ctx.skip(reason);
    }
    await expect(fetch(`http://${external.address}:${c.port}/health`)).rejects.toThrow();
  });

  it('refuses connections without the token, with a wrong token, or from a foreign Origin', async () => {
    const url = `ws://127.0.0.1:${c.port}/ws`;
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, { headers: { authorization: 'Bearer wrong' } })).toBe(401);
    expect(await upgradeStatus(url, { headers: { authorization: `Bearer ${c.token}`, origin: 'https://evil.example' } })).toBe(403);
    expect(await upgradeStatus(url, { headers: { authorization: `Bearer ${c.token}`, host: `attacker.example:${c.port}` } })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${c.port}/other`, { headers: { authorization: `Bearer ${c.token}` } })).toBe(404);
    // The ways in that work: header, browser subprotocol (with our own page's Origin), query.
    expect(await upgradeStatus(url, { headers: { authorization: `Bearer ${c.token}` } })).toBe(101);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${c.port}` }, ['alisa.v1', `alisa.token.${c.token}`])).toBe(101);
    expect(await upgradeStatus(`${url}?token=${encodeURIComponent(c.token)}`)).toBe(101);

    expect((await fetch(`${c.url}/health`)).status).toBe(401);
    expect((await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}`, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await fetch(`${c.url}/v1/models`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('answers malformed, oversized, binary, unknown and early frames with typed errors and keeps the connection', async () => {
    const client = await TestClient.connect(c, { hello: false });
    const nextError = () => client.waitFor((m) => m.type === 'error' && !client.events.slice(0, -1).includes(m));
    const errors: string[] = [];
    const expectError = async (send: () => void) => {
      const before = client.events.length;
      send();
      const m = await client.waitFor((x) => x.type === 'error' && client.events.indexOf(x) >= before);
      if (m.type === 'error') errors.push(m.error.code);
    };
    void nextError;
    await expectError(() => client.sendJson({ type: 'request', id: 1, method: 'status.get', params: {} }));
    await expectError(() => client.ws.send('this is not json {'));
    await expectError(() => client.sendJson({ type: 'shout', text: 'hi' }));
    await expectError(() => client.ws.send(Buffer.from([1, 2, 3]), { binary: true }));
    await expectError(() => client.ws.send('x'.repeat(MAX_FRAME_BYTES + 10)));
    expect(errors).toEqual(['hello_required', 'bad_json', 'bad_message', 'bad_message', 'frame_too_large']);

    client.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'test' });
    await client.waitFor((m) => m.type === 'welcome');
    await expect(client.request('no.such.method' as 'status.get', {})).rejects.toMatchObject({ info: { code: 'unknown_method' } });
    await expect(client.request('session.rename', { sessionId: -4, title: '' } as never)).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('session.messages', { sessionId: 999999 })).rejects.toMatchObject({ info: { code: 'not_found' } });
    // Still alive and answering.
    expect((await client.request('status.get', {})).protocolVersion).toBe(PROTOCOL_VERSION);
    expect(client.closed).toBeNull();
    client.close();
  });

  it('rate-limits a flood per connection, and the connection recovers', async () => {
    const client = await TestClient.connect(c);
    const before = client.events.length;
    for (let i = 0; i < 150; i++) client.sendJson({ type: 'request', id: `f${i}`, method: 'status.get', params: {} });
    // Every request is answered, with its result or with rate_limited (which has no id: the
    // frame is dropped unread): wait for the 150th answer rather than a fixed time.
    const floodResponses = () => client.events.slice(before).filter((m) => m.type === 'response' && typeof m.id === 'string' && m.id.startsWith('f'));
    const floodLimited = () => client.events.slice(before).filter((m) => m.type === 'error' && m.error.code === 'rate_limited');
    await client.waitFor(() => floodResponses().length + floodLimited().length >= 150, 10_000);
    const limited = floodLimited().length;
    const ok = floodResponses().length;
    expect(limited).toBeGreaterThan(50);
    expect(ok).toBeGreaterThanOrEqual(30);
    expect(ok + limited).toBe(150);
    // The connection recovers: once the limit refills, a request is answered again (retried
    // until then, rather than sent once after a fixed sleep).
    const tryStatus = async (id: string): Promise<boolean> => {
      const from = client.events.length;
      client.sendJson({ type: 'request', id, method: 'status.get', params: {} });
      const m = await client.waitFor(
        (x) => client.events.indexOf(x) >= from && ((x.type === 'response' && x.id === id) || (x.type === 'error' && x.error.code === 'rate_limited')),
        10_000,
      );
      return m.type === 'response';
    };
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = await tryStatus(`again${i}`);
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
    // That answer came after all of the flood's: no flood request was answered twice.
    expect(floodResponses()).toHaveLength(ok);
    client.close();
  });

  it('refuses another protocol version with a clear error, then closes', async () => {
    const client = await TestClient.connect(c, { hello: false });
    client.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1, client: 'future-extension' });
    const m = await client.waitFor((x) => x.type === 'error');
    expect(m).toMatchObject({ type: 'error', error: { code: 'protocol_mismatch' } });
    if (m.type === 'error') expect(m.error.message).toContain(`protocol ${PROTOCOL_VERSION}`);
    // Wait for the close itself, not a fixed time.
    if (!client.closed) await new Promise((r) => client.ws.once('close', r));
    expect(client.closed?.code).toBe(4001);
  });
});

describe('model failures', () => {
  it('a missing model file gives the promised error, keeps the message, and the companion stays up', async () => {
    const missing = path.join(tempDir(), 'no-such-model.gguf');
    const c = await startCompanion({ model: missing });
    try {
      const client = await TestClient.connect(c);
      const started = await client.request('chat.send', { text: 'Are you there?' });
      const events = await client.reply(started.replyId!);
      const err = events.at(-1)!;
      expect(err).toMatchObject({ type: 'reply.error', error: { code: 'model_missing' } });
      if (err.type === 'reply.error') {
        expect(err.error.message).toContain(missing);
        expect(err.error.action).toBeTruthy();
      }
      const health = await (await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}` } })).json();
      expect(health.model).toMatchObject({ state: 'error', error: { code: 'model_missing' } });
      const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
      expect(messages.map((m) => m.text)).toContain('Are you there?');
      client.close();
    } finally {
      expect(await c.stop()).toBe(0);
    }
  });

  it('a corrupt GGUF gives model_invalid', async () => {
    const bad = path.join(tempDir(), 'broken.gguf');
    writeFileSync(bad, 'GGUF this is not really a model file '.repeat(100));
    const c = await startCompanion({ model: bad });
    try {
      const client = await TestClient.connect(c);
      const started = await client.request('chat.send', { text: 'hello' });
      const events = await client.reply(started.replyId!);
      expect(events.at(-1)).toMatchObject({ type: 'reply.error', error: { code: 'model_invalid' } });
      client.close();
    } finally {
      await c.stop();
    }
  });
});

describe('process lifecycle', () => {
  it('exits cleanly on SIGTERM', async () => {
    const c = await startCompanion({ args: ['--no-model'] });
    expect(await c.stop('SIGTERM')).toBe(0);
  });

  it('exits when its parent dies (no orphans)', async () => {
    // A parent that starts the companion, reports its pid, and is then killed with SIGKILL.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ${JSON.stringify([COMPANION_BUNDLE, '--no-model', '--model', MODEL_PATH, '--data', tempDir(), ...TINY_MODEL_ARGS])}, { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => console.log(String(child.pid)));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    expect(alive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 8000;
    while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(childPid)).toBe(false);
  });

  it('a reply cut off by a crash is kept, marked interrupted, after restart', async () => {
    const c = await startCompanion();
    const client = await TestClient.connect(c);
    const started = await client.request('chat.send', { text: 'Tell me a very long story', maxTokens: 1800 });
    await client.waitFor((m) => m.type === 'reply.token' && m.replyId === started.replyId);
    // Crash hard while the reply is still being written.
    await c.stop('SIGKILL');
    const again = await startCompanion({ dataDir: c.dataDir, args: ['--no-model'] });
    try {
      const client2 = await TestClient.connect(again);
      const { messages } = await client2.request('session.messages', { sessionId: started.sessionId });
      expect(messages[0]).toMatchObject({ role: 'user', text: 'Tell me a very long story', status: 'complete' });
      const reply = messages[1]!;
      expect(reply.role).toBe('assistant');
      expect(reply.status).toBe('interrupted');
      expect(reply.text.length).toBeGreaterThan(0);
      client2.close();
    } finally {
      await again.stop();
    }
  });
});
