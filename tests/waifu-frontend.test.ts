// The user's copy of waifu-rt3d's front end at its old addresses (issue 19, --waifu-frontend,
// alisa.waifu.frontendFolder), against the real companion: `/` is its index.html, `/assets/*` and
// `/frontend/*` its files, with a CSP that lets its scripts call this server and nothing else; a
// page served there calls `/api/*` with its own Origin and is answered. No path leaves the folder:
// `..` (plain or encoded), backslashes, a link pointing out, the folder's neighbours.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../companion/config';
import { frontendPath } from '../companion/waifu/frontend-route';
import { startCompanion, tempDir, type RunningCompanion } from './helpers/companion';
import { companionSettings, parsedArgs } from './helpers/ext-settings';

/** One GET exactly as written (fetch would normalise `..` away before sending). */
function get(port: number, p: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; csp: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          csp: String(res.headers['content-security-policy'] ?? ''),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

let c: RunningCompanion;
let port: number;
let root: string;

beforeAll(async () => {
  root = tempDir('alisa-waifu-frontend-');
  const front = path.join(root, 'frontend');
  mkdirSync(path.join(front, 'assets'), { recursive: true });
  mkdirSync(path.join(front, 'viewer'), { recursive: true });
  writeFileSync(path.join(front, 'index.html'), '<!doctype html><title>waifu-rt3d</title><script>fetch("/api/healthcheck")</script>');
  writeFileSync(path.join(front, 'assets', 'app.js'), 'export const app = 1;\n');
  writeFileSync(path.join(front, 'viewer', 'viewer.html'), '<!doctype html><title>viewer</title>');
  writeFileSync(path.join(root, 'secret.txt'), 'not for the web');
  symlinkSync(path.join(root, 'secret.txt'), path.join(front, 'assets', 'leak.txt'));
  c = await startCompanion({ model: null, args: ['--no-model', '--waifu-port', '0', '--waifu-frontend', front] });
  port = c.waifuPort!;
}, 60_000);

afterAll(async () => {
  await c?.stop();
});

describe('the original front end served by the waifu-rt3d API', () => {
  it('serves index.html at /, the assets and the viewer at their old addresses, with a same-origin CSP', async () => {
    const index = await get(port, '/');
    expect(index.status).toBe(200);
    expect(index.type).toMatch(/^text\/html/);
    expect(index.body).toContain('<title>waifu-rt3d</title>');
    expect(index.csp).toContain("connect-src 'self'");
    expect(index.csp).not.toMatch(/https?:/);
    const asset = await get(port, '/assets/app.js');
    expect([asset.status, asset.type, asset.body]).toEqual([200, 'text/javascript; charset=utf-8', 'export const app = 1;\n']);
    const viewer = await get(port, '/frontend/viewer/viewer.html?url=/files/avatars/x.vrm');
    expect(viewer.status).toBe(200);
    expect(viewer.body).toContain('<title>viewer</title>');
  });

  it('a page it served calls /api/* with its own Origin and is answered; another Origin is refused', async () => {
    const own = await get(port, '/api/healthcheck', { origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toHaveProperty('ok');
    const foreign = await get(port, '/', { origin: 'http://evil.test' });
    expect(foreign.status).toBe(403);
  });

  it('no path leaves the folder: .., encoded .., backslashes, a link pointing out, the API routes untouched', async () => {
    for (const p of [
      '/frontend/../secret.txt',
      '/frontend/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/..\\..\\secret.txt',
      '/assets/leak.txt',
      '/secret.txt',
      '/frontend/',
      '/files/app.db',
    ]) {
      const answer = await get(port, p);
      expect(answer.status, p).toBe(404);
      expect(answer.body, p).not.toContain('not for the web');
    }
    expect(frontendPath('/')).toEqual(['index.html']);
    expect(frontendPath('/frontend/viewer/viewer.html')).toEqual(['viewer', 'viewer.html']);
    expect(frontendPath('/frontend/%2e%2e/x')).toBeNull();
    expect(frontendPath('/api/config')).toBeNull();
  });

  it('a folder without index.html is refused at start with the reason; the setting becomes the flag', () => {
    expect(() => parseConfig(['--waifu-port', '0', '--waifu-frontend', root], {})).toThrow(/has no index\.html; point it at waifu-rt3d's frontend\/ folder/);
    const front = path.join(root, 'frontend');
    expect(parsedArgs(companionSettings({ waifuPort: 8000, waifuFrontend: front })).waifuFrontend).toBe(front);
    // Without the port there is no server to serve it.
    expect(parsedArgs(companionSettings({ waifuPort: null, waifuFrontend: front })).waifuFrontend).toBeNull();
  });
});
