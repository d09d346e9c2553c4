// The waifu-rt3d compatibility server's mechanics (issue 19), against the real companion started
// with --waifu-port 0: who may talk to it (Host, Origin; no token), routing (404/405 as FastAPI),
// bodies (non-JSON 400, oversized 413 with nothing stored, malformed multipart 400), and that no
// path reaches a file outside the avatar and audio folders (the database above all).
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP, parseConfig } from '../companion/config';
import { parseMultipart } from '../companion/waifu/waifu-server';
import { companionSettings, parsedArgs } from './helpers/ext-settings';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { glb } from './helpers/glb';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: () => unknown;
}

/** One request exactly as given (path not normalised, any Host), for what fetch would tidy up. */
function raw(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string; chunks?: Buffer[] },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** Resolves when the companion's log has `text` (it follows the ready line). */
function logLine(comp: RunningCompanion, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!comp.stderr().includes(text)) return;
      comp.proc.stderr!.off('data', check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => reject(new Error(`the log never said "${text}":\n${comp.stderr()}`)), 10_000);
    comp.proc.stderr!.on('data', check);
    check();
  });
}

let c: RunningCompanion;
let api: string;
let port: number;

beforeAll(async () => {
  c = await startCompanion({ model: null, args: ['--no-model', '--waifu-port', '0', '--avatar-max-import-mb', '1', '--allow-origin', 'http://allowed.test'] });
  port = c.waifuPort!;
  api = `http://127.0.0.1:${port}`;
}, 30_000);

afterAll(async () => {
  await c?.stop();
});

describe('turning it on', () => {
  it('listens on its own port, says so in the ready line and the log, and is off without the flag', async () => {
    expect(typeof c.waifuPort).toBe('number');
    expect(c.waifuPort).not.toBe(c.port);
    expect(c.ready.waifuPort).toBe(c.waifuPort);
    await logLine(c, `waifu-rt3d API on http://127.0.0.1:${c.waifuPort}/api`);
    const plain = await startCompanion({ model: null, args: ['--no-model'] });
    try {
      expect(plain.waifuPort).toBeNull();
      expect(plain.ready.waifuPort).toBeNull();
    } finally {
      await plain.stop();
    }
  }, 30_000);

  it('needs no token (its clients cannot send one), while the main server still does', async () => {
    const r = await fetch(`${api}/api/healthcheck`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { libs: unknown }).libs).toBeDefined();
    expect((await fetch(`${c.url}/health`)).status).toBe(401);
  });
});

describe('the flag and the setting', () => {
  it('--waifu-port is off by default, takes a port, and explains a bad one', () => {
    const off = parseConfig([], {});
    const on = parseConfig(['--waifu-port', '8000'], {});
    if (off === 'help' || on === 'help') throw new Error('unexpected help');
    expect(off.waifuPort).toBeNull();
    expect(on.waifuPort).toBe(8000);
    expect(() => parseConfig(['--waifu-port', 'x'], {})).toThrow(/--waifu-port must be a whole number from 0 to 65535/);
    expect(() => parseConfig(['--waifu-port', '70000'], {})).toThrow(/--waifu-port must be a whole number/);
    expect(HELP).toMatch(/--waifu-port N .*waifu-rt3d/);
    expect(HELP).toMatch(/no token/);
  });

  it('alisa.waifu.port reaches the companion as --waifu-port, and nothing when unset', () => {
    expect(parsedArgs(companionSettings()).waifuPort).toBeNull();
    expect(parsedArgs(companionSettings({ waifuPort: null })).waifuPort).toBeNull();
    expect(parsedArgs(companionSettings({ waifuPort: 8000 })).waifuPort).toBe(8000);
    expect(parsedArgs(companionSettings({ waifuPort: 0 })).waifuPort).toBe(0);
  });

  it('the setting says what it opens and to whom', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      contributes: {
        configuration:
          | Array<{ properties: Record<string, { default: unknown; scope: string; description: string }> }>
          | { properties: Record<string, { default: unknown; scope: string; description: string }> };
      };
    };
    const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const setting = sections.map((sec) => sec.properties['alisa.waifu.port']).find(Boolean)!;
    expect(setting.default).toBeNull();
    expect(setting.scope).toBe('application');
    expect(setting.description).toMatch(/cannot send a token/);
    expect(setting.description).toMatch(/any program on this computer/);
    expect(setting.description).toMatch(/web pages from other sites are refused/);
  });
});

describe('who may talk to it', () => {
  it('refuses a Host that is not this server (DNS rebinding) with 403', async () => {
    for (const host of ['evil.test', `evil.test:${port}`, `127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}`, `127.0.0.1.evil.test:${port}`]) {
      const r = await raw(port, { path: '/api/healthcheck', headers: { host } });
      expect(r.status, host).toBe(403);
      expect((r.json() as { detail: string }).detail).toMatch(/^Host ".*" is not this companion/);
    }
    expect((await raw(port, { path: '/api/healthcheck', headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('refuses foreign browser Origins with 403 before anything runs, and lets its own and allowed ones in', async () => {
    const before = ((await (await fetch(`${api}/api/sessions`)).json()) as { sessions: unknown[] }).sessions.length;
    for (const origin of ['https://evil.test', 'null', `http://127.0.0.1:${c.port}`]) {
      const r = await raw(port, {
        method: 'POST',
        path: '/api/sessions',
        headers: { host: `127.0.0.1:${port}`, origin, 'content-type': 'application/json' },
        body: '{"title":"from a web page"}',
      });
      expect(r.status, origin).toBe(403);
      expect(r.json()).toEqual({ detail: `Origin "${origin}" may not talk to Alisa.` });
    }
    const after = ((await (await fetch(`${api}/api/sessions`)).json()) as { sessions: unknown[] }).sessions.length;
    expect(after).toBe(before);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'http://allowed.test']) {
      const r = await raw(port, { path: '/api/healthcheck', headers: { host: `127.0.0.1:${port}`, origin } });
      expect(r.status, origin).toBe(200);
    }
  });
});

describe('routing', () => {
  it('answers 404 for an unknown path and 405 for a known path with another method, as FastAPI', async () => {
    for (const p of ['/', '/api', '/api/nope', '/api/sessions/1/nope', '/health', '/ws', '/v1/models']) {
      const r = await fetch(`${api}${p}`);
      expect(r.status, p).toBe(404);
      expect(await r.json()).toEqual({ detail: 'Not Found' });
    }
    for (const [method, p] of [
      ['POST', '/api/healthcheck'],
      ['DELETE', '/api/sessions'],
      ['PATCH', '/api/characters/1'],
      ['GET', '/api/avatars/upload'],
      ['PUT', '/files/avatars/x.vrm'],
    ] as const) {
      const r = await fetch(`${api}${p}`, { method });
      expect(r.status, `${method} ${p}`).toBe(405);
      expect(await r.json()).toEqual({ detail: 'Method Not Allowed' });
    }
  });
});

describe('bodies', () => {
  it('answers 400 for a body that is not JSON (the original answered 500) and stores nothing', async () => {
    const before = ((await (await fetch(`${api}/api/characters`)).json()) as { characters: unknown[] }).characters.length;
    for (const body of ['not json', '{"name": "Ann",', '\u0000\u0001']) {
      const r = await fetch(`${api}/api/characters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { detail: string }).detail).toMatch(/^The body is not JSON: /);
    }
    const after = ((await (await fetch(`${api}/api/characters`)).json()) as { characters: unknown[] }).characters.length;
    expect(after).toBe(before);
  });

  it('answers 413 for a JSON body over 1 MB, declared or counted as it arrives, and stores nothing', async () => {
    const huge = JSON.stringify({ name: 'Big', system_prompt: 'x'.repeat(1024 * 1024 + 10) });
    const declared = await raw(port, {
      method: 'POST',
      path: '/api/characters',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': String(huge.length) },
      body: huge,
    });
    expect(declared.status).toBe(413);
    expect((declared.json() as { detail: string }).detail).toMatch(/larger than 1 MB/);
    // Chunked: no length given, the bytes are counted.
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.from(i === 0 ? `{"name":"Big","system_prompt":"${'y'.repeat(100_000)}` : 'y'.repeat(100_000)));
    const counted = await raw(port, {
      method: 'POST',
      path: '/api/characters',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks,
    });
    expect(counted.status).toBe(413);
    const list = (await (await fetch(`${api}/api/characters`)).json()) as { characters: Array<{ name: string }> };
    expect(list.characters.map((ch) => ch.name)).not.toContain('Big');
  });

  it('answers 413 for an avatar upload over the import limit (here 1 MB) and stores nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(2_000_000)]), 'Huge.vrm');
    const r = await fetch(`${api}/api/avatars/upload`, { method: 'POST', body: form });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { detail: string }).detail).toMatch(/larger than/);
    expect(await (await fetch(`${api}/api/avatars`)).json()).toEqual({ avatars: [] });
    const dir = path.join(c.dataDir, 'avatars');
    expect(existsSync(dir) ? readdirSync(dir).filter((n) => n !== 'selected.json') : []).toEqual([]);
    // Within the framing allowance but over the store's limit: still 413, from the route.
    const near = new FormData();
    near.append('file', new Blob([new Uint8Array(1_010_000)]), 'Near.vrm');
    const r2 = await fetch(`${api}/api/avatars/upload`, { method: 'POST', body: near });
    expect(r2.status).toBe(413);
    expect(((await r2.json()) as { detail: string }).detail).toMatch(/at most 1 MB/);
    expect(await (await fetch(`${api}/api/avatars`)).json()).toEqual({ avatars: [] });
  });

  it('answers 400 for a multipart body without a boundary or cut short', async () => {
    const noBoundary = await fetch(`${api}/api/avatars/upload`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    expect(noBoundary.status).toBe(400);
    expect(((await noBoundary.json()) as { detail: string }).detail).toMatch(/boundary/);
    const cut = await fetch(`${api}/api/avatars/upload`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.vrm"\r\n\r\nabc',
    });
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as { detail: string }).detail).toMatch(/cut short/);
  });
});

describe('the multipart parser', () => {
  const body = (parts: string[], boundary = 'b0UND') => Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`, 'latin1');

  it('reads files and fields, quoted and RFC 5987 names, and binary data as is', () => {
    const bin = Buffer.from([0, 13, 10, 45, 45, 255]);
    const data = Buffer.concat([
      Buffer.from('--b0UND\r\nContent-Disposition: form-data; name="file"; filename="Tsu\\"ki.vrm"\r\nContent-Type: model/gltf-binary\r\n\r\n'),
      bin,
      Buffer.from('\r\n--b0UND\r\nContent-Disposition: form-data; name="f2"; filename*=UTF-8\'\'%C3%A9t%C3%A9.glb\r\n\r\nX\r\n'),
      Buffer.from('--b0UND\r\nContent-Disposition: form-data; name="title"\r\n\r\nhéllo\r\n--b0UND--\r\n'),
    ]);
    const parsed = parseMultipart(data, 'multipart/form-data; boundary="b0UND"');
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.files.map((f) => [f.field, f.filename, f.contentType])).toEqual([
      ['file', 'Tsu"ki.vrm', 'model/gltf-binary'],
      ['f2', 'été.glb', 'application/octet-stream'],
    ]);
    expect(parsed.files[0]!.data.equals(bin)).toBe(true);
    expect(parsed.fields).toEqual({ title: 'héllo' });
  });

  it('refuses malformed bodies in words', () => {
    const cases: Array<[Buffer, string, RegExp]> = [
      [body(['Content-Disposition: form-data; name="a"\r\n\r\n1']), 'multipart/form-data', /no boundary/],
      [Buffer.from('nothing here'), 'multipart/form-data; boundary=b0UND', /does not contain its boundary/],
      [body(['Content-Disposition: attachment\r\n\r\n1']), 'multipart/form-data; boundary=b0UND', /no form-data name/],
      [Buffer.from('--b0UNDxx'), 'multipart/form-data; boundary=b0UND', /not followed by a line break/],
      [
        body(Array.from({ length: 21 }, (_, i) => `Content-Disposition: form-data; name="f${i}"\r\n\r\n1`)),
        'multipart/form-data; boundary=b0UND',
        /more than 20 parts/,
      ],
    ];
    for (const [data, type, message] of cases) {
      const parsed = parseMultipart(data, type);
      expect('error' in parsed ? parsed.error : 'parsed').toMatch(message);
    }
  });
});

describe('files', () => {
  it('never serves the database or anything outside the avatar and audio folders', async () => {
    expect(existsSync(path.join(c.dataDir, 'alisa.db'))).toBe(true);
    const paths = [
      '/files/app.db',
      '/files/alisa.db',
      '/files/../alisa.db',
      '/files/avatars/../../alisa.db',
      '/files/avatars/..%2F..%2Falisa.db',
      '/files/avatars/%2e%2e%2falisa.db',
      '/files/avatars/..%5C..%5Calisa.db',
      '/files/avatars/%2e%2e',
      '/files/avatars/..',
      '/files/avatars/alisa.db',
      '/files/avatars/selected.json',
      '/files/audio/..%2F..%2Falisa.db',
      '/files/audio/../../alisa.db',
      '/files/api-key',
      '/alisa.db',
      '/%2e%2e/alisa.db',
    ];
    for (const p of paths) {
      const r = await raw(port, { path: p, headers: { host: `127.0.0.1:${port}` } });
      expect(r.status, p).toBe(404);
      expect(r.body.toString('latin1'), p).not.toContain('SQLite format');
    }
  });

  it('does not follow a symlink put in place of a stored model', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(glb({ vrm: '1.0' }))]), 'Linked.vrm');
    const up = await fetch(`${api}/api/avatars/upload`, { method: 'POST', body: form });
    expect(up.status).toBe(200);
    expect((await fetch(`${api}/files/avatars/Linked.vrm`)).status).toBe(200);
    const client = await TestClient.connect(c);
    try {
      const { avatars } = await client.request('avatar.list', {});
      const stored = avatars.find((a) => a.name === 'Linked')!;
      const model = path.join(c.dataDir, 'avatars', stored.id, 'model.vrm');
      rmSync(model);
      symlinkSync(path.join(c.dataDir, 'alisa.db'), model);
      const r = await fetch(`${api}/files/avatars/Linked.vrm`);
      expect(r.status).toBe(404);
      expect(Buffer.from(await r.arrayBuffer()).toString('latin1')).not.toContain('SQLite format');
      await client.request('avatar.delete', { id: stored.id, confirm: true });
    } finally {
      client.close();
    }
  });
});
