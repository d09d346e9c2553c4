// The network gate (companion/privacy/network-gate.ts) and the socket guard under it
// (socket-guard.ts), in this process with real sockets: modes, loopback always allowed, one
// question per host, remembered answers, the activity kept on disk and bounded, and the guard
// refusing what the gate did not approve whatever library connects (fetch, http, ws, net, dns,
// dgram). "Another machine" is this machine's non-loopback address (helpers/remote-host.ts):
// a server there counts the connections that really left loopback.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { NetworkAskInfo, NetworkMode } from '../protocol';
import {
  ACTIVITY_FILE,
  HOSTS_FILE,
  isLoopbackHost,
  NetworkGate,
  networkScope,
  parseTarget,
  setNetworkGate,
  type NetworkGateOptions,
} from '../companion/privacy/network-gate';
import { downloadModel } from '../companion/llm/model-source';
import { connectTarget, installSocketGuard } from '../companion/privacy/socket-guard';
import { failure } from './helpers/errors';
import { tempDir } from './helpers/companion';
import { remoteAddress, startObservedOpenAi, type Observed } from './helpers/remote-host';

const REQ = {
  url: 'https://huggingface.co/some/model.gguf',
  feature: 'model-download',
  purpose: 'download the language model test.gguf',
  alternative: 'choose a GGUF file you already have',
};

/** A gate whose questions go to `answer` (null: no client is connected). */
function gateWith(mode: NetworkMode, opts: Partial<NetworkGateOptions> & { answer?: ((ask: NetworkAskInfo, gate: NetworkGate) => void) | null } = {}) {
  const asked: NetworkAskInfo[] = [];
  const done: Array<{ id: string; allow: boolean }> = [];
  const { answer, ...rest } = opts;
  const gate: NetworkGate = new NetworkGate({
    mode,
    ask: (a) => {
      asked.push(a);
      if (answer === null) return 0;
      if (answer) queueMicrotask(() => answer(a, gate));
      return 1;
    },
    askDone: (id, allow) => done.push({ id, allow }),
    ...rest,
  });
  return { gate, asked, done };
}

describe('what counts as this machine', () => {
  it('127.0.0.0/8, ::1 and localhost are loopback; everything else is not', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LOCALHOST', 'localhost.', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['huggingface.co', '10.0.0.1', '192.0.2.2', '0.0.0.0', '::', 'fd00::2', 'localhost.example.com', '128.0.0.1', '::ffff:10.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('reads host and port from URLs and host:port', () => {
    expect(parseTarget('https://huggingface.co/x')).toEqual({ host: 'huggingface.co', port: 443 });
    expect(parseTarget('wss://speech.platform.bing.com/consumer?TrustedClientToken=secret')).toEqual({ host: 'speech.platform.bing.com', port: 443 });
    expect(parseTarget('http://[::1]:8080/v1')).toEqual({ host: '::1', port: 8080 });
    expect(parseTarget('Example.ORG:99')).toEqual({ host: 'example.org', port: 99 });
    expect(connectTarget([{ host: 'a.example', port: 443 }])).toEqual({ host: 'a.example', port: 443 });
    expect(connectTarget([[{ port: 80 }, null]])).toEqual({ host: 'localhost', port: 80 });
    expect(connectTarget([8080, '10.1.2.3'])).toEqual({ host: '10.1.2.3', port: 8080 });
    expect(connectTarget(['/tmp/some.sock'])).toBeNull();
    expect(connectTarget([{ path: '/tmp/x.sock' }])).toBeNull();
  });
});

describe('the gate', () => {
  it('loopback passes in every mode, unasked and unrecorded', async () => {
    for (const mode of ['offline', 'ask', 'allowed'] as const) {
      const { gate, asked } = gateWith(mode, { answer: null });
      for (const url of ['http://127.0.0.1:1234/v1', 'ws://localhost:9/edge', 'http://[::1]:80/', '127.0.0.9:5']) await gate.request({ ...REQ, url });
      expect(asked).toEqual([]);
      expect(gate.activity().records).toEqual([]);
    }
  });

  it('offline blocks with a message naming the host, what for and how to allow it, and records it', async () => {
    const { gate, asked } = gateWith('offline');
    const err = await failure(gate.request(REQ));
    expect(err.code).toBe('network_blocked');
    expect(err.message).toBe(
      'Alisa works offline (alisa.network is "offline"), so she did not connect to huggingface.co to download the language model test.gguf.',
    );
    expect(err.action).toMatch(/set alisa\.network to "ask" or "allowed".*; or choose a GGUF file you already have\.$/);
    expect(asked).toEqual([]);
    const [rec] = gate.activity().records;
    expect(rec).toMatchObject({ host: 'huggingface.co', port: 443, feature: 'model-download', decision: 'blocked', layer: 'gate', count: 1, bytesSent: null });
    // The URL (which may carry a key) is never kept: only host and port.
    expect(JSON.stringify(gate.activity())).not.toContain('/some/model.gguf');
  });

  it('allowed lets everything through and records it; repeats count on one record', async () => {
    const { gate } = gateWith('allowed');
    await gate.request(REQ);
    await gate.request(REQ);
    await gate.request({ ...REQ, url: 'https://cdn.example.net/file' });
    const { records } = gate.activity();
    expect(records.map((r) => [r.host, r.decision, r.count])).toEqual([
      ['cdn.example.net', 'allowed', 1],
      ['huggingface.co', 'allowed', 2],
    ]);
  });

  it('ask with nobody connected refuses at once, never silently allows', async () => {
    const { gate, asked } = gateWith('ask', { answer: null });
    const err = await failure(gate.request(REQ));
    expect(err.message).toMatch(
      /^Alisa must ask you before she connects to huggingface\.co to download the language model test\.gguf, and no Alisa window is open to ask\.$/,
    );
    expect(err.action).toMatch(/set alisa\.network to "allowed"/);
    expect(asked).toHaveLength(1);
    expect(gate.activity().records[0]).toMatchObject({ decision: 'blocked', reason: 'no Alisa window was open to ask you' });
  });

  it('ask: one question per host, shared by attempts meanwhile; "allow once" holds for this run only', async () => {
    const dataDir = tempDir('alisa-gate-');
    const { gate, asked, done } = gateWith('ask', { dataDir });
    const first = gate.request(REQ);
    const second = gate.request({ ...REQ, url: 'https://huggingface.co/other' });
    await Promise.resolve();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ host: 'huggingface.co', port: 443, feature: 'model-download', purpose: 'download the language model test.gguf' });
    expect(gate.status().pending.map((p) => p.id)).toEqual([asked[0]!.id]);
    expect(gate.decide(asked[0]!.id, true, false)).toBe(true);
    await Promise.all([first, second]);
    expect(done).toEqual([{ id: asked[0]!.id, allow: true }]);
    await gate.request(REQ); // not asked again
    expect(asked).toHaveLength(1);
    const decisions = gate.activity().records.map((r) => [r.host, r.decision]);
    expect(decisions[0]).toEqual(['huggingface.co', 'asked-allowed']);
    expect(gate.status()).toMatchObject({ sessionAllowed: ['huggingface.co'], allowedHosts: [], pending: [] });
    // Another host is another question.
    const other = gate.request({ ...REQ, url: 'https://example.org/' });
    await Promise.resolve();
    expect(asked.map((a) => a.host)).toEqual(['huggingface.co', 'example.org']);
    gate.decide(asked[1]!.id, false);
    const err = await failure(other);
    expect(err.message).toBe('You blocked example.org, so Alisa did not connect to it to download the language model test.gguf.');
    // Blocked stays blocked for this run, without asking again.
    await failure(gate.request({ ...REQ, url: 'https://example.org/' }));
    expect(asked).toHaveLength(2);
    gate.flush();
    // A new run (same data folder) forgets "allow once": it asks again.
    const again = gateWith('ask', { dataDir, answer: null });
    await failure(again.gate.request(REQ));
    expect(again.asked).toHaveLength(1);
  });

  it('ask: "always allow" is kept in the data folder, and can be forgotten', async () => {
    const dataDir = tempDir('alisa-gate-');
    const one = gateWith('ask', { dataDir, answer: (a, g) => g.decide(a.id, true, true) });
    await one.gate.request(REQ);
    expect(one.asked).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(dataDir, HOSTS_FILE), 'utf8'))).toEqual({ alwaysAllow: ['huggingface.co'] });
    const two = gateWith('ask', { dataDir, answer: null });
    await two.gate.request(REQ);
    expect(two.asked).toEqual([]);
    expect(two.gate.activity().records[0]).toMatchObject({ decision: 'allowed', reason: 'you always allow this host' });
    expect(two.gate.configure({ forgetHosts: true }).allowedHosts).toEqual([]);
    await failure(two.gate.request(REQ));
    expect(two.asked).toHaveLength(1);
  });

  it('ask: no answer in time refuses the attempt; a late answer still counts next time', async () => {
    const { gate, asked } = gateWith('ask', { askTimeoutMs: 150 });
    const err = await failure(gate.request(REQ));
    expect(err.message).toBe('Alisa asked whether she may connect to huggingface.co to download the language model test.gguf, and got no answer within 1 s.');
    expect(gate.activity().records[0]).toMatchObject({ decision: 'blocked', reason: expect.stringMatching(/^no answer within/) });
    expect(gate.status().pending).toEqual([]);
    expect(gate.decide(asked[0]!.id, true)).toBe(true);
    await gate.request(REQ);
    expect(asked).toHaveLength(1);
    expect(gate.decide('no-such-id', true)).toBe(false);
  });

  it('an abort stops the wait, not the question', async () => {
    const { gate, asked } = gateWith('ask');
    const controller = new AbortController();
    const waiting = gate.request({ ...REQ, signal: controller.signal });
    await Promise.resolve();
    controller.abort(new Error('no audio within 4000 ms'));
    await expect(waiting).rejects.toThrow('no audio within 4000 ms');
    expect(gate.status().pending).toHaveLength(1);
    gate.decide(asked[0]!.id, true);
    await gate.request(REQ);
    expect(asked).toHaveLength(1);
  });

  it('noWait (a voice that must speak now): asks, refuses this attempt at once, passes once allowed', async () => {
    const { gate, asked } = gateWith('ask');
    const edge = { url: 'wss://speech.platform.bing.com/x', feature: 'voice-edge', purpose: "speak with Microsoft Edge's online voice", noWait: true };
    const err = await failure(gate.request(edge));
    expect(err.message).toBe(
      "Alisa asked whether she may connect to speech.platform.bing.com to speak with Microsoft Edge's online voice; until you answer, she does without it.",
    );
    expect(asked).toHaveLength(1);
    await failure(gate.request(edge)); // still unanswered: the same question, not a new one
    expect(asked).toHaveLength(1);
    gate.decide(asked[0]!.id, true);
    await gate.request(edge);
    expect(gate.activity().records.map((r) => [r.decision, r.reason, r.count])).toEqual([
      ['asked-allowed', 'you allowed this host earlier in this run', 1],
      ['asked-allowed', 'you allowed it (until Alisa restarts)', 1],
      ['blocked', 'waiting for your answer', 2],
    ]);
  });

  it('a mode change answers open questions: offline refuses them, allowed lets them go', async () => {
    const { gate } = gateWith('ask');
    const a = gate.request(REQ);
    await Promise.resolve();
    gate.setMode('offline');
    expect((await failure(a)).message).toMatch(/works offline/);
    gate.setMode('ask');
    const b = gate.request({ ...REQ, url: 'https://example.org/' });
    await Promise.resolve();
    gate.configure({ mode: 'allowed' });
    await b;
    expect(gate.activity().records[0]).toMatchObject({ host: 'example.org', decision: 'allowed' });
  });

  it('the activity survives a restart and stays bounded, on disk too', async () => {
    const dataDir = tempDir('alisa-gate-');
    const { gate } = gateWith('allowed', { dataDir, maxRecords: 5 });
    for (let i = 0; i < 8; i++) await gate.request({ ...REQ, url: `https://host${i}.example/` });
    gate.flush();
    const lines = readFileSync(path.join(dataDir, ACTIVITY_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    const reopened = gateWith('allowed', { dataDir, maxRecords: 5 });
    expect(reopened.gate.activity().records.map((r) => r.host)).toEqual(['host7.example', 'host6.example', 'host5.example', 'host4.example', 'host3.example']);
    // New records continue the ids.
    await reopened.gate.request({ ...REQ, url: 'https://host8.example/' });
    const ids = reopened.gate.activity().records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toBeGreaterThan(8);
  });

  it('a model download asks the process gate first, and keeps no credentials of its URL', async () => {
    const { gate } = gateWith('offline');
    setNetworkGate(gate);
    try {
      const err = await failure(
        downloadModel('https://user:pw@models.example/m.gguf?token=s3cret#x', tempDir('alisa-gate-'), {
          signal: new AbortController().signal,
          onProgress: () => {},
        }),
      );
      expect(err.code).toBe('network_blocked');
      expect(err.message).toBe(
        'Alisa works offline (alisa.network is "offline"), so she did not connect to models.example to download the language model https://models.example/m.gguf.',
      );
      expect(JSON.stringify(gate.activity())).not.toMatch(/s3cret|pw@/);
    } finally {
      setNetworkGate(new NetworkGate({ mode: 'allowed' }));
    }
  });

  it('memory only without a data folder', async () => {
    const { gate } = gateWith('allowed');
    await gate.request(REQ);
    gate.flush();
    expect(gate.activity().records).toHaveLength(1);
    expect(existsSync(path.join(process.cwd(), ACTIVITY_FILE))).toBe(false);
  });
});

// ------------------------------------------------------------------ the socket guard

const REMOTE = remoteAddress();

describe('the socket guard, with real sockets', () => {
  let gate: NetworkGate;
  let uninstall: () => void;
  let local: http.Server;
  let localUrl = '';
  let far: Observed | null = null;

  beforeAll(async () => {
    gate = new NetworkGate({ mode: 'offline' });
    uninstall = installSocketGuard(() => gate);
    local = http.createServer((_req, res) => res.end('local ok'));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    localUrl = `http://127.0.0.1:${(local.address() as AddressInfo).port}/`;
    if (REMOTE) far = await startObservedOpenAi(REMOTE);
  });
  afterAll(async () => {
    uninstall?.();
    await far?.close();
    await new Promise<void>((resolve) => local?.close(() => resolve()));
  });
  afterEach(() => gate.setMode('offline'));

  const blockedCause = (err: unknown) => {
    let e = err as { code?: string; cause?: unknown; message?: string } | undefined;
    while (e && e.code !== 'ERR_ALISA_NETWORK_BLOCKED' && e.cause) e = e.cause as typeof e;
    return e;
  };

  it('offline: loopback works, names and addresses of other machines are refused before any packet', async () => {
    expect(await (await fetch(localUrl)).text()).toBe('local ok');
    const refusedFetch = await fetch('https://huggingface.co/').then(
      () => null,
      (err: unknown) => err,
    );
    expect(blockedCause(refusedFetch)?.code).toBe('ERR_ALISA_NETWORK_BLOCKED');
    expect(blockedCause(refusedFetch)?.message).toMatch(/^Alisa blocked a connection to huggingface\.co:443 \(alisa\.network is "offline"\)/);
    const httpErr = await new Promise<Error>((resolve) => http.get('http://example.org/', () => resolve(new Error('connected'))).on('error', resolve));
    expect((httpErr as NodeJS.ErrnoException).code).toBe('ERR_ALISA_NETWORK_BLOCKED');
    const wsErr = await new Promise<Error>((resolve) => {
      const ws = new WebSocket('wss://speech.platform.bing.com/consumer/speech/synthesize/readaloud/edge/v1');
      ws.on('open', () => resolve(new Error('opened')));
      ws.on('error', resolve);
    });
    expect((wsErr as NodeJS.ErrnoException).code).toBe('ERR_ALISA_NETWORK_BLOCKED');
    const lookupErr = await dns.promises.lookup('example.net').then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(lookupErr?.code).toBe('ERR_ALISA_NETWORK_BLOCKED');
    const records = gate.activity().records;
    expect(records.map((r) => [r.host, r.layer, r.decision, r.feature])).toEqual(
      expect.arrayContaining([
        ['huggingface.co', 'socket', 'blocked', 'unannounced'],
        ['example.org', 'socket', 'blocked', 'unannounced'],
        ['speech.platform.bing.com', 'socket', 'blocked', 'unannounced'],
        ['example.net', 'dns', 'blocked', 'unannounced'],
      ]),
    );
    expect(records.every((r) => r.decision === 'blocked')).toBe(true);
  });

  it.skipIf(!REMOTE)('offline: a server on another address sees no connection at all; allowed: it does, and bytes are counted', async () => {
    const before = far!.connections;
    const raw = await new Promise<Error>((resolve) => {
      const s = net.connect({ host: far!.host, port: far!.port }, () => resolve(new Error('connected')));
      s.on('error', resolve);
    });
    expect((raw as NodeJS.ErrnoException).code).toBe('ERR_ALISA_NETWORK_BLOCKED');
    await expect(fetch(`${far!.url}/v1/models`)).rejects.toThrow();
    const udp = dgram.createSocket('udp4');
    const udpErr = await new Promise<Error | null>((resolve) => udp.send(Buffer.from('x'), far!.port, far!.host, (e) => resolve(e)));
    udp.close();
    expect((udpErr as NodeJS.ErrnoException | null)?.code).toBe('ERR_ALISA_NETWORK_BLOCKED');
    expect(far!.connections).toBe(before);

    gate.setMode('allowed');
    const res = await fetch(`${far!.url}/v1/models`, { headers: { connection: 'close' } });
    expect(await res.json()).toMatchObject({ data: [{ id: 'far-model' }] });
    expect(far!.connections).toBe(before + 1);
    const rec = gate.activity().records.find((r) => r.host === far!.host && r.decision === 'allowed');
    expect(rec).toMatchObject({ layer: 'socket', feature: 'unannounced', reason: 'alisa.network is "allowed"' });
    // Bytes arrive when the socket closes.
    await new Promise<void>((resolve) => {
      const check = () => {
        const r = gate.activity().records.find((x) => x.id === rec!.id)!;
        if ((r.bytesReceived ?? 0) > 0) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    const counted = gate.activity().records.find((x) => x.id === rec!.id)!;
    expect(counted.bytesSent).toBeGreaterThan(0);
    expect(counted.bytesReceived).toBeGreaterThan(0);
  });

  it.skipIf(!REMOTE)('ask: only what the gate approved opens; an approved operation may follow redirects and its bytes are its own', async () => {
    gate.setMode('ask');
    const before = far!.connections;
    // Not announced: refused, whatever the library.
    await expect(fetch(`${far!.url}/v1/models`)).rejects.toThrow();
    expect(far!.connections).toBe(before);
    expect(gate.activity().records[0]).toMatchObject({
      host: far!.host,
      layer: 'socket',
      decision: 'blocked',
      reason: 'not announced to the network gate, so you were not asked',
    });
    // Inside an approved operation (`run`), a connection to another host (a redirect) is part of it.
    const scoped = new NetworkGate({ mode: 'ask', ask: (a) => (queueMicrotask(() => scoped.decide(a.id, true)), 1) });
    const previous = gate;
    gate = scoped;
    try {
      const text = await scoped.run({ url: 'https://models.example/x', feature: 'model-download', purpose: 'download a test model' }, async () => {
        const r = await fetch(`${far!.url}/v1/models`, { headers: { connection: 'close' } });
        return r.text();
      });
      expect(text).toContain('far-model');
      expect(far!.connections).toBe(before + 1);
      const redirect = scoped.activity().records.find((r) => r.host === far!.host)!;
      expect(redirect).toMatchObject({
        layer: 'socket',
        feature: 'model-download',
        decision: 'allowed',
        purpose: 'download a test model (redirected from models.example)',
      });
      // A library that loses the async context: the operation's related hosts still count, while it runs.
      const related = { url: 'https://cdn-host.example/x', feature: 'voice-download', purpose: 'download a test voice', relatedHosts: [far!.host] };
      const viaRelated = await scoped.run(related, () =>
        networkScope.exit(() => fetch(`${far!.url}/v1/models`, { headers: { connection: 'close' } }).then((r) => r.text())),
      );
      expect(viaRelated).toContain('far-model');
      await expect(networkScope.exit(() => fetch(`${far!.url}/v1/models`))).rejects.toThrow();
      expect(scoped.activity().records[0]).toMatchObject({ host: far!.host, decision: 'blocked', feature: 'unannounced' });
    } finally {
      gate = previous;
    }
  });
});
