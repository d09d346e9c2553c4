// The original Alisa's text protocol on /ws/chat, spoken by a client the way the old Python
// clients speak it: raw text frames, no token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';

class OldClient {
  frames: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(d.toString());
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async connect(port: number, headers: Record<string, string> = {}): Promise<OldClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new OldClient(ws);
  }
  /** Waits until `count` [END] frames have arrived since `from`; returns the frames since `from`. */
  async untilEnd(from: number, count = 1, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.slice(from).filter((f) => f === '[END]').length < count) {
      if (Date.now() > deadline) throw new Error(`no [END]; frames: ${JSON.stringify(this.frames.slice(from))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.frames.slice(from);
  }
}

describe('legacy /ws/chat protocol', () => {
  let c: RunningCompanion;

  beforeAll(async () => {
    requireModel();
    c = await startCompanion({ args: ['--legacy-port', '0'] });
    expect(c.legacyPort).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('is off unless enabled', async () => {
    const plain = await startCompanion({ args: ['--no-model'] });
    try {
      expect(plain.legacyPort).toBeNull();
    } finally {
      await plain.stop();
    }
  });

  it('streams a reply as text frames, then [EMOTION]name, then [END], to the sender and every other client', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const b = await OldClient.connect(c.legacyPort!);
    a.ws.send('Hello Alisa, tell me a story');
    const framesA = await a.untilEnd(0);
    const framesB = await b.untilEnd(0);
    for (const frames of [framesA, framesB]) {
      expect(frames.at(-1)).toBe('[END]');
      expect(frames.at(-2)).toMatch(/^\[EMOTION\](happy|calm|teasing|shy|serious|sad|neutral)$/);
      const text = frames.slice(0, -2);
      expect(text.length).toBeGreaterThan(1);
      expect(text.join('')).not.toMatch(/<\s*emotion|\[END\]|\[EMOTION\]/i);
      expect(text).not.toContain(''); // no empty keep-alive frames
    }
    expect(framesB).toEqual(framesA);
    a.ws.close();
    b.ws.close();
  });

  it('accepts the JSON {"message": ...} form', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    a.ws.send(JSON.stringify({ message: 'Tell me about a frog' }));
    const frames = await a.untilEnd(0);
    expect(frames.at(-2)).toMatch(/^\[EMOTION\]/);
    a.ws.close();
  });

  it('switches mode with /mode, answering [MODE CHANGED] then [END] to the sender only', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const b = await OldClient.connect(c.legacyPort!);
    a.ws.send('/mode serious');
    expect(await a.untilEnd(0)).toEqual(['[MODE CHANGED]', '[END]']);
    const json = await TestClient.connect(c);
    expect((await json.request('status.get', {})).mode).toBe('serious');
    json.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(b.frames).toEqual([]);
    a.ws.close();
    b.ws.close();
  });

  it('relays [SPEECH_START]/[SPEECH_END] to the other clients, not back to the sender', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const b = await OldClient.connect(c.legacyPort!);
    a.ws.send('[SPEECH_START]');
    a.ws.send('[SPEECH_END]');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.frames).toEqual(['[SPEECH_START]', '[SPEECH_END]']);
    expect(a.frames).toEqual([]);
    a.ws.close();
    b.ws.close();
  });

  it('takes vision updates silently and uses them as context', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    a.ws.send('[VISION_FACE]focused');
    a.ws.send('[VISION_DESKTOP]running_python|terminal|code|True|Need help?|bash - python app.py|Traceback: ZeroDivisionError | division by zero');
    a.ws.send('[VISION_SCREEN]Firefox | some docs');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.frames).toEqual([]);
    a.ws.close();
  });

  it('reports a failed generation as [ERROR] then [END] to the requester', async () => {
    const broken = await startCompanion({ model: '/nonexistent/model.gguf', args: ['--legacy-port', '0'] });
    try {
      const a = await OldClient.connect(broken.legacyPort!);
      a.ws.send('hello');
      expect(await a.untilEnd(0)).toEqual(['[ERROR]', '[END]']);
      a.ws.close();
    } finally {
      await broken.stop();
    }
  });

  it('serves the old HTTP routes and refuses foreign browser origins', async () => {
    const base = `http://127.0.0.1:${c.legacyPort}`;
    expect((await (await fetch(`${base}/`)).json()).status).toBe('ok');
    const summary = await (await fetch(`${base}/history/summary`)).json();
    expect(summary.messages).toBeGreaterThan(0);
    expect(Object.keys(summary).sort()).toEqual(['estimated_tokens', 'max_tokens', 'messages', 'turns']);
    expect((await fetch(`${base}/history/clear`, { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    await expect(OldClient.connect(c.legacyPort!, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    expect((await fetch(`${base}/history/clear`, { method: 'POST' })).status).toBe(200);
    expect((await (await fetch(`${base}/history/summary`)).json()).messages).toBe(0);
  });
});
