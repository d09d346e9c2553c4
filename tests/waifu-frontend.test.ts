// The user's copy of waifu-rt3d's front end at its old addresses (issue 19, --waifu-frontend,
// alisa.waifu.frontendFolder), against the real companion: `/` is its index.html, `/assets/*` and
// `/frontend/*` its files, with a CSP that lets its scripts call this server and nothing else; a
// page served there calls `/api/*` with its own Origin and is answered. No path leaves the folder:
// `..` (plain or encoded), backslashes, a link pointing out, the folder's neighbours. And the
// original index.html's flow in real Chromium (configure, chat with speech, play the clip, the
// health and the sessions), from a page this server served, with the real model and espeak-ng.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../companion/config';
import { frontendPath } from '../companion/waifu/frontend-route';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { requireModel } from './helpers/model';
import { CHROMIUM, launchChromium } from './helpers/webview-chromium';
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

/** What waifu-rt3d's index.html does, in order, written into the page for the test to read. */
const FLOW_SCRIPT = `(async () => {
  const out = {};
  const json = (r) => r.json().then((body) => ({ status: r.status, body }));
  const send = (method, url, body) => fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(json);
  out.config = await fetch('/api/config').then(json);
  out.saved = await send('PUT', '/api/config', { memory: { max_history: 8 }, tts: { provider: 'espeak' } });
  out.chat = await send('POST', '/api/chat?session_id=1', { text: 'Hello there', speak: true });
  if (out.chat.body.audio) {
    const clip = await fetch(out.chat.body.audio);
    out.clip = { status: clip.status, type: clip.headers.get('content-type'), bytes: (await clip.arrayBuffer()).byteLength };
  }
  out.health = await fetch('/api/healthcheck').then(json);
  out.sessions = await fetch('/api/sessions').then(json);
  // The page may talk to this server only: its CSP blocks any other address, even a live one
  // (the main port, named in the hash; no-cors, so only the CSP can stop it).
  out.elsewhere = await fetch('http://127.0.0.1:' + location.hash.slice(1) + '/health', { mode: 'no-cors' }).then(() => 'reached', () => 'blocked');
  document.body.dataset.result = JSON.stringify(out);
})().catch((err) => { document.body.dataset.result = JSON.stringify({ error: String(err) }); });
`;

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
  writeFileSync(path.join(front, 'flow.html'), '<!doctype html><title>flow</title><script src="/assets/flow.js"></script>');
  writeFileSync(path.join(front, 'assets', 'flow.js'), FLOW_SCRIPT);
  writeFileSync(path.join(front, 'viewer', 'viewer.html'), '<!doctype html><title>viewer</title>');
  writeFileSync(path.join(root, 'secret.txt'), 'not for the web');
  symlinkSync(path.join(root, 'secret.txt'), path.join(front, 'assets', 'leak.txt'));
  requireModel();
  c = await startCompanion({ args: ['--waifu-port', '0', '--waifu-frontend', front, '--tts-engines', 'espeak', '--mute', '--no-idle'] });
  port = c.waifuPort!;
  // The model loads in the background: the flow's chat waits for it.
  const panel = await TestClient.connect(c);
  const { model } = await panel.request('status.get', {});
  if (model.state !== 'ready') await panel.waitFor((m) => m.type === 'status' && m.status.model.state === 'ready', 60_000);
  panel.close();
}, 90_000);

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

  it.skipIf(!existsSync(CHROMIUM))(
    existsSync(CHROMIUM)
      ? "index.html's flow in real Chromium: configure, chat with speech, play the clip, health, sessions"
      : `index.html's flow (skipped: ${CHROMIUM} is missing; apt-get install chromium)`,
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const blocked: string[] = [];
        page.on('console', (m) => m.text().includes('Content Security Policy') && blocked.push(m.text()));
        await page.goto(`http://127.0.0.1:${port}/frontend/flow.html#${c.port}`);
        const result = await page.waitForFunction(() => document.body?.dataset.result, null, { timeout: 60_000 });
        const out = JSON.parse((await result.jsonValue()) as string);
        expect(out.error).toBeUndefined();
        expect(out.config.status).toBe(200);
        expect(Object.keys(out.config.body)).toEqual(expect.arrayContaining(['llm', 'tts', 'asr', 'memory', 'output_mode']));
        expect(out.saved.status).toBe(200);
        expect(out.saved.body.config.memory.max_history).toBe(8);
        expect(out.chat.status).toBe(200);
        expect(out.chat.body.ok).toBe(true);
        expect(out.chat.body.reply.length).toBeGreaterThan(0);
        expect(out.chat.body.audio).toMatch(/^\/files\/audio\/[0-9a-f]+\.wav$/);
        expect(out.clip.status).toBe(200);
        expect(out.clip.type).toBe('audio/wav');
        expect(out.clip.bytes).toBeGreaterThan(1000);
        expect(out.health.body.lmstudio).toBe(true);
        expect(out.sessions.body.sessions.some((s: { id: number }) => s.id === out.chat.body.session_id)).toBe(true);
        expect(out.elsewhere).toBe('blocked');
        expect(blocked.join('\n')).toContain('connect-src');
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it('a folder without index.html is refused at start with the reason; the setting becomes the flag', () => {
    expect(() => parseConfig(['--waifu-port', '0', '--waifu-frontend', root], {})).toThrow(/has no index\.html; point it at waifu-rt3d's frontend\/ folder/);
    const front = path.join(root, 'frontend');
    expect(parsedArgs(companionSettings({ waifuPort: 8000, waifuFrontend: front })).waifuFrontend).toBe(front);
    // Without the port there is no server to serve it.
    expect(parsedArgs(companionSettings({ waifuPort: null, waifuFrontend: front })).waifuFrontend).toBeNull();
  });
});
