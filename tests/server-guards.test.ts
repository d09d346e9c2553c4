// Unit tests of the guards the server applies to every request (the integration tests in
// companion-security.test.ts prove they are wired in).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authorize, tokenFromRequest } from '../companion/server/auth';
import { RateLimiter } from '../companion/server/rate-limit';
import { parseConfig, RECOMMENDED_MODEL } from '../companion/config';

const req = (headers: Record<string, string>, url = '/ws') => ({ headers, url }) as unknown as IncomingMessage;
const opts = { port: 4000, token: 'secret-token', extraOrigins: ['vscode-webview://abc'] };

describe('authorize', () => {
  it('accepts the token from a header, a subprotocol or the query', () => {
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: 'Bearer secret-token' }), opts)).toBeNull();
    expect(authorize(req({ host: 'localhost:4000', 'sec-websocket-protocol': 'alisa.v1, alisa.token.secret-token' }), opts)).toBeNull();
    expect(authorize(req({ host: '127.0.0.1:4000' }, '/ws?token=secret-token'), opts)).toBeNull();
    expect(tokenFromRequest(req({}, '/'))).toBeNull();
  });

  it('refuses a missing or wrong token with 401', () => {
    expect(authorize(req({ host: '127.0.0.1:4000' }), opts)?.status).toBe(401);
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: 'Bearer secret-tokem' }), opts)?.status).toBe(401);
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: 'Bearer x' }), opts)?.status).toBe(401);
  });

  it('refuses foreign origins and hosts with 403, even with the right token', () => {
    const auth = 'Bearer secret-token';
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: auth, origin: 'https://evil.example' }), opts)?.status).toBe(403);
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: auth, origin: 'http://127.0.0.1:4001' }), opts)?.status).toBe(403);
    expect(authorize(req({ host: 'evil.example:4000', authorization: auth }), opts)?.status).toBe(403);
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: auth, origin: 'http://127.0.0.1:4000' }), opts)).toBeNull();
    expect(authorize(req({ host: '127.0.0.1:4000', authorization: auth, origin: 'vscode-webview://abc' }), opts)).toBeNull();
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate', () => {
    let t = 0;
    const rl = new RateLimiter(10, 20, () => t);
    let passed = 0;
    for (let i = 0; i < 50; i++) if (rl.take()) passed++;
    expect(passed).toBe(20);
    t += 500; // half a second: 5 more
    passed = 0;
    for (let i = 0; i < 50; i++) if (rl.take()) passed++;
    expect(passed).toBe(5);
  });
});

describe('parseConfig', () => {
  it('has safe defaults', () => {
    const c = parseConfig([], {});
    if (c === 'help') throw new Error('unexpected');
    expect(c.port).toBe(0);
    expect(c.legacyPort).toBeNull();
    expect(c.model).toBe(RECOMMENDED_MODEL);
    expect(c.providers).toEqual(['embedded']);
    expect(c.token).toBeNull();
  });

  it('reads flags and environment', () => {
    const c = parseConfig(['--model', 'm.gguf', '--data', '/tmp/x', '--port', '1234', '--legacy-port', '8000', '--endpoint', 'http://127.0.0.1:1/v1'], {
      ALISA_TOKEN: 'tok-4fJ9qZ2xLm8RvB3nT6wYc1KdH5sPaE0g',
      ALISA_LLM_API_KEY: 'key',
    });
    if (c === 'help') throw new Error('unexpected');
    expect(c).toMatchObject({
      model: 'm.gguf',
      dataDir: '/tmp/x',
      dbPath: '/tmp/x/alisa.db',
      port: 1234,
      legacyPort: 8000,
      token: 'tok-4fJ9qZ2xLm8RvB3nT6wYc1KdH5sPaE0g',
      apiKey: 'key',
      providers: ['embedded', 'openai'],
    });
  });

  it('explains bad values', () => {
    expect(() => parseConfig(['--port', 'abc'], {})).toThrow(/--port must be a whole number/);
    expect(() => parseConfig(['--mode', 'angry'], {})).toThrow(/teasing, serious, calm/);
    expect(() => parseConfig(['--providers', 'cloud'], {})).toThrow(/Unknown LLM provider "cloud"/);
    expect(() => parseConfig(['--bogus'], {})).toThrow();
  });
});
