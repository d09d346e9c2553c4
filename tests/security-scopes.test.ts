// Who may do what, against the real built companion (dist/companion.mjs), real HTTP and
// WebSocket, and the real tiny model:
// - the /v1 API key (for other tools) chats through /v1 and is refused everywhere else (/ws,
//   /health, any other route), saying why; the per-launch control token still opens everything;
// - the key lives in DATA/api-key (mode 0600), is reused on the next start, never printed in the
//   ready line or the log, and `--print-api-key` prints it on request; ALISA_API_KEY is checked;
// - settings that name a program, a model file or a server are not part of `voice.configure`
//   (a typed error; the connection lives), and bad launch values show in the voice status;
// - a microphone or camera input that is a URL or an option is refused.
import { spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { deviceInputProblem, VOICE_LAUNCH_ONLY } from '../protocol';
import { API_KEY_SCOPE_MESSAGE, authorize } from '../companion/server/auth';
import { apiKeyProblem } from '../companion/server/api-key';
import { readOpenAiAccess } from '../extension/openai-key';
import { COMPANION_BUNDLE, startCompanion, tempDir, TestClient, TINY_MODEL_ARGS, type RunningCompanion } from './helpers/companion';
import { useCompanion, useCompanionClient, wsRefusal } from './helpers/comp-live';
import { MODEL_PATH } from './helpers/model';

const SCOPE_MESSAGE = /OpenAI-compatible API only/;
const POSIX = process.platform !== 'win32';

async function get(
  c: RunningCompanion,
  route: string,
  credential: string | null,
  init: RequestInit = {},
): Promise<{ status: number; body: { error?: { message: string; code: string } } & Record<string, unknown> }> {
  const res = await fetch(`${c.url}${route}`, {
    ...init,
    headers: { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body: body as { error?: { message: string; code: string } } };
}

/** The first log line matching `re`, once the companion has written it. */
async function logLine(c: RunningCompanion, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const find = () =>
    c
      .stderr()
      .split('\n')
      .find((l) => re.test(l));
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const hit = find();
    if (hit) return hit;
    if (c.proc.stderr!.readableEnded) break;
    await new Promise<void>((resolve) => c.proc.stderr!.once('data', () => resolve()).once('end', () => resolve()));
  }
  throw new Error(`no log line matching ${re} in:\n${c.stderr()}`);
}

function keyOf(c: RunningCompanion): string {
  return readFileSync(c.ready.apiKeyFile!, 'utf8').trim();
}

function runBundle(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [COMPANION_BUNDLE, ...args], {
    env: { ...process.env, ALISA_API_KEY: '', ALISA_TOKEN: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('the /v1 API key and the control token', () => {
  let c: RunningCompanion;
  let apiKey: string;

  useCompanion(
    (started) => {
      c = started;
      apiKey = keyOf(c);
    },
    { env: { ALISA_API_KEY: '', ALISA_TOKEN: '' } },
  );

  it('keeps the key in DATA/api-key (0600), names only the file in the ready line, and never logs it', async () => {
    expect(c.ready.apiKeyFile).toBe(path.join(c.dataDir, 'api-key'));
    expect(apiKey).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(apiKey).not.toBe(c.token);
    if (POSIX) expect(statSync(c.ready.apiKeyFile!).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(c.ready)).not.toContain(apiKey);
    // The start-up log says where /v1 is and how to get its key, without the key.
    const line = await logLine(c, /OpenAI-compatible API: /);
    expect(line).toContain(`http://127.0.0.1:${c.port}/v1`);
    expect(line).toContain('--print-api-key');
    expect(c.stderr()).not.toContain(apiKey);
  });

  it('the key chats through /v1 (the openai client) and lists the model', async () => {
    const openai = new OpenAI({ baseURL: `${c.url}/v1`, apiKey, maxRetries: 0, timeout: 30_000 });
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual([path.basename(MODEL_PATH)]);
    const r = await openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 12 });
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('the key is refused on every other route with 403, saying it is for /v1 only', async () => {
    for (const [method, route] of [
      ['GET', '/health'],
      ['GET', '/nothing-here'],
      ['POST', '/health'],
      ['GET', '/v1x'],
      ['GET', '/ws'],
    ] as const) {
      const r = await get(c, route, apiKey, { method });
      expect(r.status, `${method} ${route}`).toBe(403);
      expect(r.body.error?.message, `${method} ${route}`).toMatch(SCOPE_MESSAGE);
    }
    // The control token opens /health; nothing opens it without a credential; a wrong key is 401.
    expect((await get(c, '/health', c.token)).status).toBe(200);
    expect((await get(c, '/health', null)).status).toBe(401);
    expect((await get(c, '/v1/models', `${apiKey.slice(0, -1)}x`)).status).toBe(401);
  });

  it('the key cannot open the WebSocket: header, subprotocol or query, all 403 with the reason', async () => {
    const tries = [
      { headers: { authorization: `Bearer ${apiKey}` } },
      { protocols: ['alisa.v1', `alisa.token.${apiKey}`] },
      { query: `?token=${encodeURIComponent(apiKey)}` },
    ];
    for (const t of tries) {
      const r = await wsRefusal(c.port, t);
      expect(r.status).toBe(403);
      expect(r.body).toMatch(SCOPE_MESSAGE);
    }
    expect(c.stderr()).toMatch(/refused websocket: This key is for the OpenAI-compatible API only/);
  });

  it('the control token still opens the WebSocket and /v1', async () => {
    const client = await TestClient.connect(c);
    try {
      expect((await client.request('status.get', {})).version).toBe(c.ready.version);
    } finally {
      client.close();
    }
    expect((await get(c, '/v1/models', c.token)).status).toBe(200);
  });

  it('the extension reads the key and base URL from the ready line, and they work', async () => {
    const access = await readOpenAiAccess(c.ready, {});
    expect(access).toEqual({ baseUrl: `${c.url}/v1`, key: apiKey, source: c.ready.apiKeyFile });
    expect((await get(c, '/v1/models', access.key)).status).toBe(200);
    await expect(readOpenAiAccess({ ...c.ready, apiKeyFile: undefined }, {})).rejects.toThrow(/older than the extension/);
    await expect(readOpenAiAccess({ ...c.ready, apiKeyFile: null }, { ALISA_API_KEY: 'k'.repeat(40) })).resolves.toMatchObject({
      key: 'k'.repeat(40),
      source: 'ALISA_API_KEY',
    });
  });
});

describe('the key across restarts, on request, and from ALISA_API_KEY', () => {
  it('is created once and reused; a loosened file is tightened; a corrupt one replaced; --print-api-key prints it', async () => {
    const dataDir = tempDir('alisa-key-');
    const first = await startCompanion({ dataDir, env: { ALISA_API_KEY: '', ALISA_TOKEN: '' } });
    const key = keyOf(first);
    const token1 = first.token;
    await first.stop();

    if (POSIX) chmodSync(path.join(dataDir, 'api-key'), 0o644);
    const second = await startCompanion({ dataDir, env: { ALISA_API_KEY: '', ALISA_TOKEN: '' } });
    try {
      expect(keyOf(second)).toBe(key);
      expect(second.token).not.toBe(token1); // the control token is per launch
      if (POSIX) expect(statSync(second.ready.apiKeyFile!).mode & 0o777).toBe(0o600);
      expect((await get(second, '/v1/models', key)).status).toBe(200);
      expect((await get(second, '/health', key)).status).toBe(403);
    } finally {
      await second.stop();
    }

    const printed = runBundle(['--print-api-key', '--data', dataDir]);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(`${key}\n`);
    expect(printed.stderr).toContain(path.join(dataDir, 'api-key'));

    writeFileSync(path.join(dataDir, 'api-key'), 'short\n');
    const third = await startCompanion({ dataDir, env: { ALISA_API_KEY: '', ALISA_TOKEN: '' } });
    try {
      const fresh = keyOf(third);
      expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fresh).not.toBe(key);
      if (POSIX) expect(statSync(third.ready.apiKeyFile!).mode & 0o777).toBe(0o600);
      expect((await get(third, '/v1/models', key)).status).toBe(401);
      expect((await get(third, '/v1/models', fresh)).status).toBe(200);
    } finally {
      await third.stop();
    }
  });

  it('ALISA_API_KEY: used as given (no file), refused when short or equal to ALISA_TOKEN', async () => {
    const envKey = 'e'.repeat(20) + 'A1_-'.repeat(5);
    const c = await startCompanion({ env: { ALISA_API_KEY: envKey, ALISA_TOKEN: '' } });
    try {
      expect(c.ready.apiKeyFile).toBeNull();
      expect((await get(c, '/v1/models', envKey)).status).toBe(200);
      expect((await get(c, '/health', envKey)).status).toBe(403);
      expect(c.stderr()).not.toContain(envKey);
    } finally {
      await c.stop();
    }
    const short = runBundle(['--model', MODEL_PATH, '--data', tempDir(), ...TINY_MODEL_ARGS], { ALISA_API_KEY: 'too-short' });
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/ALISA_API_KEY is not a usable API key: it is 9 characters long; at least 32/);
    const same = runBundle(['--model', MODEL_PATH, '--data', tempDir(), ...TINY_MODEL_ARGS], { ALISA_API_KEY: envKey, ALISA_TOKEN: envKey });
    expect(same.status).toBe(2);
    expect(same.stderr).toMatch(/ALISA_API_KEY must differ from ALISA_TOKEN/);
  });
});

describe('programs, model files and servers are launch settings only; inputs are checked', () => {
  let c: RunningCompanion;
  let client: TestClient;
  let dir: string;

  useCompanionClient(
    (started, connected) => ((c = started), (client = connected)),
    () => {
      dir = tempDir('alisa-launch-');
      // A "piper" that is not executable, and a dictation server that is not http(s).
      writeFileSync(path.join(dir, 'piper'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
      return {
        args: [
          '--tts-engines',
          'piper,espeak',
          `--piper-binary=${path.join(dir, 'piper')}`,
          `--piper-model=${path.join(dir, 'voice.onnx')}`,
          '--stt-endpoint',
          'ftp://127.0.0.1/v1',
        ],
      };
    },
  );

  it('a bad --piper-binary or --stt-endpoint is a clear reason in the voice status, not a crash', async () => {
    const s = await client.request('voice.status', {});
    const piper = s.tts.find((e) => e.id === 'piper')!;
    expect(piper.available).toBe(false);
    if (POSIX) expect(piper.reason).toMatch(/alisa\.voice\.piperBinary \/ --piper-binary\) is not usable: .*piper is not executable/);
    const openai = s.stt.find((e) => e.id === 'openai')!;
    expect(openai).toMatchObject({ available: false });
    expect(openai.reason).toMatch(/alisa\.voice\.sttEndpoint \/ --stt-endpoint\) must be an http:\/\/ or https:\/\/ URL/);
    expect(c.proc.exitCode).toBeNull();
  });

  it('voice.configure refuses piperBinary, piperModel, sttModel and sttEndpoint with a typed error; the connection lives', async () => {
    for (const key of VOICE_LAUNCH_ONLY) {
      const err = await client.request('voice.configure', { [key]: '/bin/sh' } as never).then(
        () => null,
        (e: { info: { code: string; message: string } }) => e.info,
      );
      expect(err, key).toMatchObject({ code: 'invalid_argument' });
      expect(err!.message).toContain(key);
      expect(err!.message).toMatch(/cannot be set over the connection/);
    }
    // Nothing changed, and the connection still answers.
    const s = await client.request('voice.status', {});
    expect(s.tts.find((e) => e.id === 'piper')!.reason).toMatch(/piperBinary/);
    expect(client.closed).toBeNull();
    expect((await client.request('status.get', {})).version).toBe(c.ready.version);
  });

  it('refuses a voice or presence input that is a URL, a stream protocol or an option', async () => {
    const bad = [
      'http://127.0.0.1:9/stream.wav',
      'https://example.com/cam',
      'rtsp://cam.local/live',
      '-f',
      ' -i',
      '-filter_complex',
      'concat:/etc/passwd|x.wav',
      'file:/etc/passwd',
      'subfile:,,start,0,end,0,,:/etc/passwd',
      'pipe:0',
    ];
    for (const input of bad) {
      await expect(client.request('voice.configure', { input }), input).rejects.toMatchObject({
        info: { code: 'invalid_argument', message: expect.stringMatching(/voice input/) },
      });
      await expect(client.request('presence.configure', { input }), input).rejects.toMatchObject({
        info: { code: 'invalid_argument', message: expect.stringMatching(/presence input/) },
      });
    }
    // "default", a device name, or a file are fine.
    for (const input of ['default', 'hw:1,0', path.join(dir, 'speech.wav')]) {
      await expect(client.request('voice.configure', { input }), input).resolves.toMatchObject({ muted: expect.any(Boolean) });
    }
    await expect(client.request('presence.configure', { input: 'default' })).resolves.toMatchObject({ enabled: false });
    expect(client.closed).toBeNull();
  });
});

describe('deviceInputProblem', () => {
  it('accepts default, device names and paths; refuses URLs, protocols and options', () => {
    for (const ok of [
      '',
      'default',
      'hw:1,0',
      'plughw:CARD=PCH,DEV=0',
      'video=Integrated Camera',
      '/dev/video2',
      'C:\\mic.wav',
      'clips/%03d.jpg',
      'FaceTime HD Camera',
      '0',
    ]) {
      expect(deviceInputProblem(ok), ok).toBeNull();
    }
    for (const bad of ['http://x', 'HTTPS://x', 'tcp://1.2.3.4:5', 'udp://x', 'concat:a|b', 'Data:text/plain,x', '-y', '--', 'a\nb']) {
      expect(deviceInputProblem(bad), bad).not.toBeNull();
    }
  });
});

describe('authorize by scope (unit)', () => {
  const req = (headers: Record<string, string>, url = '/') => ({ headers, url }) as unknown as IncomingMessage;
  const opts = { port: 4000, token: 'control-token', apiKey: 'k'.repeat(43), extraOrigins: [] };
  const host = '127.0.0.1:4000';

  it('the control token passes every scope; the API key only the api scope; anything else is 401', () => {
    for (const scope of ['control', 'api'] as const) expect(authorize(req({ host, authorization: 'Bearer control-token' }), { ...opts, scope })).toBeNull();
    expect(authorize(req({ host, authorization: `Bearer ${opts.apiKey}` }), { ...opts, scope: 'api' })).toBeNull();
    expect(authorize(req({ host, authorization: `Bearer ${opts.apiKey}` }), { ...opts, scope: 'control' })).toEqual({
      status: 403,
      reason: API_KEY_SCOPE_MESSAGE,
    });
    expect(authorize(req({ host, authorization: `Bearer ${opts.apiKey}` }), opts)?.status).toBe(403); // control is the default
    expect(authorize(req({ host, 'sec-websocket-protocol': `alisa.v1, alisa.token.${opts.apiKey}` }), opts)?.status).toBe(403);
    expect(authorize(req({ host, authorization: 'Bearer nope' }), { ...opts, scope: 'api' })?.status).toBe(401);
    // Without an API key configured, a guess of the empty key is nothing.
    expect(authorize(req({ host, authorization: 'Bearer x' }), { ...opts, apiKey: null, scope: 'api' })?.status).toBe(401);
    // Host and Origin come first, whatever the credential.
    expect(authorize(req({ host: 'evil.example:4000', authorization: `Bearer ${opts.apiKey}` }), { ...opts, scope: 'api' })?.status).toBe(403);
  });

  it('apiKeyProblem: at least 32 characters that fit a header', () => {
    expect(apiKeyProblem('a'.repeat(32))).toBeNull();
    expect(apiKeyProblem('a'.repeat(31))).toMatch(/at least 32/);
    expect(apiKeyProblem(`${'a'.repeat(32)} b`)).toMatch(/only letters/);
  });
});
