// Probes from the campaign (issue 12, "Found by the campaign"), each kept as a test against the
// real companion process: a closed log pipe, oversized /v1 requests, and smaller input edges.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { COMPANION_BUNDLE, startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { chatOnce, useCompanion, useCompanionClient } from './helpers/comp-live';

/** Resolves once a websocket attempt is over (refused or opened): the companion logged it. */
function refusedUpgrade(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve();
    });
    ws.once('unexpected-response', () => resolve());
    ws.once('error', () => resolve());
  });
}

describe('a closed log pipe', () => {
  it('ends the companion cleanly when the reader of its stderr goes away, instead of looping on EPIPE', async () => {
    const c = await startCompanion({ model: null, args: ['--no-model'] });
    // On failure (a timeout: it never exits) the process must not outlive the test.
    onTestFinished(() => void c.stop('SIGKILL'));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      c.proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // The reader goes away (like `| head` exiting, or a closed terminal)...
    c.proc.stderr!.destroy();
    // ...and the companion has something to log: a refused websocket is logged.
    await refusedUpgrade(`ws://127.0.0.1:${c.port}/ws`, { authorization: 'Bearer wrong' });
    const { code, signal } = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});

/** POSTs a body streamed in chunks, without a content-length (chunked): only a running count can stop it. */
function postChunked(url: string, token: string, chunk: string, times: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    // The companion may close the connection while the rest is still being written: expected.
    req.on('error', () => {});
    let sent = 0;
    const pump = () => {
      while (sent < times) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.write('{"messages":[{"role":"user","content":"');
    pump();
  });
}

describe('a closed log pipe, as with `npm start 2>&1 | head -n 1`', () => {
  it('the companion exits once `head` has gone and it has something to log', async () => {
    const dataDir = tempDir();
    const cmd = `"${process.execPath}" "${COMPANION_BUNDLE}" --no-model --data "${dataDir}" 2>&1 | head -n 1`;
    const sh = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    // The shell ends when both sides of the pipe have: head after one line, the companion when
    // it notices nobody reads its output any more.
    const shellExited = new Promise<number | null>((resolve) => sh.once('exit', (code) => resolve(code)));
    let out = '';
    const firstLine = await new Promise<string>((resolve) => {
      sh.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
    });
    const ready = JSON.parse(firstLine) as { port: number; pid: number };
    onTestFinished(() => {
      try {
        process.kill(ready.pid, 'SIGKILL');
      } catch {
        // Already gone: the expected case.
      }
    });
    let done = false;
    void shellExited.then(() => (done = true));
    // Give it something to log until it has ended: each refused connection is a log line.
    while (!done) {
      await Promise.race([refusedUpgrade(`ws://127.0.0.1:${ready.port}/ws`, { authorization: 'Bearer wrong' }), shellExited]);
    }
    expect(await shellExited).toBe(0);
    expect(() => process.kill(ready.pid, 0)).toThrow();
  });
});

describe('oversized /v1 requests', () => {
  let c: RunningCompanion;
  useCompanion((started) => (c = started));
  const post = (body: string) =>
    fetch(`${c.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }, body });

  it('refuses a 3.5 MB body with a 413 and an OpenAI-style error, before parsing it', async () => {
    const res = await post(JSON.stringify({ messages: [{ role: 'user', content: 'a '.repeat(1_750_000) }] }));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { message: string; code: string; type: string } };
    expect(body.error.code).toBe('frame_too_large');
    expect(body.error.message).toMatch(/over 1048576 bytes/);
  });

  it('a client still sending its oversized body gets the 413, not a reset connection (the rest is read and dropped)', async () => {
    const body = Buffer.alloc(6 * 1024 * 1024, 'a'); // well past what the socket buffers take at once
    for (let i = 0; i < 20; i++) {
      const status = await new Promise<number | string>((resolve) => {
        const req = http.request(
          `${c.url}/v1/chat/completions`,
          { method: 'POST', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json', 'content-length': body.length } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? 'error'));
        req.end(body);
      });
      expect(status, `request ${i + 1}`).toBe(413);
    }
  });

  it('stops reading a chunked body (no content-length) once it passes the limit', async () => {
    const r = await postChunked(`${c.url}/v1/chat/completions`, c.token, 'b'.repeat(64 * 1024), 40);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('frame_too_large');
  });

  it('refuses, by its length and before tokenizing, a prompt under the byte limit that cannot fit the context', async () => {
    const res = await post(JSON.stringify({ messages: [{ role: 'user', content: 'word '.repeat(200_000) }] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('invalid_argument');
    expect(body.error.message).toMatch(/1000000 characters/);
  });

  it('still answers /health and chats afterwards', async () => {
    const health = await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}` } });
    expect(health.status).toBe(200);
    const res = await post(JSON.stringify({ messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 10 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
  });
});

describe('memory search and stored text: input edges', () => {
  let client: TestClient;
  useCompanionClient((_c, connected) => (client = connected));

  it('a search with a NUL byte works (the NUL separates words) instead of failing with internal', async () => {
    const sent = await client.request('chat.send', { text: 'the quokka\u0000smiles at noon' });
    await client.reply(sent.replyId!);
    const { hits } = await client.request('memory.search', { query: 'quokka\u0000' });
    expect(hits.some((h) => h.role === 'user' && h.messageId === sent.userMessageId)).toBe(true);
    expect((await client.request('memory.search', { query: 'quokka\u0000smiles' })).hits.some((h) => h.messageId === sent.userMessageId)).toBe(true);
    expect((await client.request('memory.search', { query: '\u0000' })).hits).toEqual([]);
    // The stored message keeps its NUL: what was sent is what is stored.
    const { messages } = await client.request('session.messages', { sessionId: sent.sessionId });
    expect(messages.find((m) => m.id === sent.userMessageId)!.text).toBe('the quokka\u0000smiles at noon');
  });

  it('a lone surrogate is refused with a typed error, not stored lossily; a full pair round-trips', async () => {
    const before = await client.request('session.list', {});
    const refused = client.request('chat.send', { text: 'half a character: \uD800 here' });
    await expect(refused).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(refused).rejects.toThrow(/lone UTF-16 surrogate/);
    await expect(client.request('chat.send', { text: 'a low half \uDC00 alone' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    await expect(client.request('memory.search', { query: 'x\uD800' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });

    const text = 'a whole one: \uD83D\uDE00 and \u00e9';
    const sent = await client.request('chat.send', { text });
    await client.reply(sent.replyId!);
    const { messages } = await client.request('session.messages', { sessionId: sent.sessionId });
    expect(messages.find((m) => m.id === sent.userMessageId)!.text).toBe(text);
    // Nothing of the refused messages was stored anywhere.
    for (const s of (await client.request('session.list', {})).sessions) {
      const all = (await client.request('session.messages', { sessionId: s.id })).messages;
      expect(all.some((m) => m.text.includes('half a character') || m.text.includes('a low half') || m.text.includes('\uFFFD'))).toBe(false);
    }
    expect(before.sessions.length).toBeGreaterThan(0);
  });
});

describe('a reply killed before its first token', () => {
  it('leaves an assistant row that reads interrupted after the restart', async () => {
    // An OpenAI-compatible server that lists a model and then never answers a completion: the
    // reply is certainly still before its first token when the companion is killed.
    let sawCompletion!: () => void;
    const completionAsked = new Promise<void>((r) => (sawCompletion = r));
    const hanging: http.ServerResponse[] = [];
    const upstream = http.createServer((req, res) => {
      if (req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'slow-model', object: 'model' }] }));
        return;
      }
      hanging.push(res);
      req.resume();
      sawCompletion();
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    try {
      const c = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', `http://127.0.0.1:${port}/v1`] });
      const client = await TestClient.connect(c);
      const started = await client.request('chat.send', { text: 'Say something, slowly' });
      await completionAsked;
      expect(client.events.some((m) => m.type === 'reply.token')).toBe(false);
      await c.stop('SIGKILL');
      client.close();

      const again = await startCompanion({ dataDir: c.dataDir, args: ['--no-model'] });
      try {
        const client2 = await TestClient.connect(again);
        const { messages } = await client2.request('session.messages', { sessionId: started.sessionId });
        expect(messages.map((m) => [m.role, m.status])).toEqual([
          ['user', 'complete'],
          ['assistant', 'interrupted'],
        ]);
        expect(messages[1]!.text).toBe('');
        client2.close();
      } finally {
        await again.stop();
      }
    } finally {
      for (const res of hanging) res.destroy();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  it('a reply that fails before saying anything leaves no empty row behind', async () => {
    const c = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', 'http://127.0.0.1:9/v1', '--llm-timeout', '2000'] });
    try {
      const { client, started, events } = await chatOnce(c, 'Anyone there?');
      expect(events.at(-1)).toMatchObject({ type: 'reply.error', messageId: null });
      const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
      expect(messages.map((m) => [m.role, m.text])).toEqual([['user', 'Anyone there?']]);
      client.close();
    } finally {
      await c.stop();
    }
  });
});

/** Runs the companion bundle to its exit (for configurations it must refuse). */
function runToExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [COMPANION_BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('start-up settings that cannot work', () => {
  it('refuses a short or non-random ALISA_TOKEN with a clear message and exit code 2', async () => {
    for (const bad of ['a', 'x'.repeat(40), 'short-but-random-4fJ9']) {
      const r = await runToExit(['--no-model', '--data', tempDir()], { ALISA_TOKEN: bad, ALISA_API_KEY: '' });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/ALISA_TOKEN is not a usable control token/);
      expect(r.stderr).toMatch(/at least 32 random characters/);
      // The refused value is not echoed: it may be a real secret set by mistake.
      if (bad.length > 1) expect(r.stderr).not.toContain(bad);
    }
  });

  it('accepts a long random ALISA_TOKEN and uses it', async () => {
    const token = 'Zq4vN8xL2mR7tB1cY6wK3hJ9sD5fG0aP-e_';
    const c = await startCompanion({ model: null, args: ['--no-model'], env: { ALISA_TOKEN: token, ALISA_API_KEY: '' } });
    try {
      expect(c.token).toBe(token);
      const health = await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${token}` } });
      expect(health.status).toBe(200);
    } finally {
      await c.stop();
    }
  });

  it('a data folder that cannot be created is named, with what to do, in the log and in /health', async () => {
    const base = tempDir();
    const file = path.join(base, 'a-file');
    writeFileSync(file, 'not a folder');
    const dataDir = path.join(file, 'alisa');
    const c = await startCompanion({ model: null, dataDir, args: ['--no-model'] });
    try {
      expect(c.stderr()).toContain(`Could not create the data folder ${dataDir}: ${file} is a file, not a folder.`);
      expect(c.stderr()).toContain(`Move or rename the file ${file}, or choose another data folder with --data DIR`);
      expect(c.stderr()).not.toMatch(/ENOTDIR|ENOENT/);
      const health = (await (await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}` } })).json()) as {
        database: { state: string; error: { code: string; message: string; action?: string } | null };
      };
      expect(health.database.state).toBe('error');
      expect(health.database.error).toMatchObject({ code: 'database_unavailable' });
      expect(health.database.error!.message).toContain(dataDir);
      expect(health.database.error!.action).toMatch(/--data/);
    } finally {
      await c.stop();
    }
  });
});
