// alisa.network through the real companion (dist/companion.mjs) and real sockets: with
// `--network offline` the real attempts (a model given as an https:// URI, Microsoft Edge's
// online voice, a remote --endpoint) are blocked with the clear message and recorded, and nothing
// leaves loopback: no record of an opened connection, and a server on this machine's
// non-loopback address ("another machine", helpers/remote-host.ts) sees no connection. With
// `ask`, a client's `network.decide` lets the attempt go (a download then fails offline here,
// recorded as allowed), the host is not asked about again, and "always" survives a restart;
// unanswered, or with nobody to ask, it is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage, ModelState, NetworkRecord } from '../protocol';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { remoteAddress, startObservedOpenAi, type Observed } from './helpers/remote-host';

const HF_MODEL = 'https://huggingface.co/ggml-org/tiny-llamas/resolve/main/stories260K.gguf';
/** A host that resolves nowhere (RFC 2606), so a download that gets past the gate fails on any machine. */
const NOWHERE = 'models.alisa-test.invalid';
const NOWHERE_MODEL = `https://${NOWHERE}/stories260K.gguf`;
const REMOTE = remoteAddress();

const provider = (m: CompanionMessage, id: string): ModelState | null =>
  m.type === 'status' ? (m.status.providers.find((p) => p.provider === id) ?? null) : null;
const opened = (records: NetworkRecord[]) => records.filter((r) => r.decision === 'allowed' || r.decision === 'asked-allowed');

describe('--network offline', () => {
  let far: Observed | null = null;
  let c: RunningCompanion | null = null;

  beforeAll(async () => {
    if (REMOTE) far = await startObservedOpenAi(REMOTE);
  });
  afterAll(async () => {
    await c?.stop();
    await far?.close();
  });

  it('a model to download and a remote endpoint are blocked with the clear message, recorded, and no socket leaves loopback; the record survives a restart', async () => {
    const endpoint = far ? `${far.url}/v1` : 'https://api.example.com/v1';
    const endpointHost = far ? far.host : 'api.example.com';
    c = await startCompanion({ model: HF_MODEL, args: ['--network', 'offline', '--no-model', '--providers', 'embedded,openai', '--endpoint', endpoint] });
    const client = await TestClient.connect(c);
    expect(await client.request('network.status', {})).toMatchObject({ mode: 'offline', pending: [] });
    // The user's yes to the download (model.load): the gate still says no.
    await client.request('model.load', {});
    const blocked = await client.waitFor(
      (m) => provider(m, 'embedded')?.error?.code === 'network_blocked' && provider(m, 'openai')?.error?.code === 'network_blocked',
    );
    const embedded = provider(blocked, 'embedded')!.error!;
    expect(embedded.message).toBe(
      `Alisa works offline (alisa.network is "offline"), so she did not connect to huggingface.co to download the language model ${HF_MODEL}.`,
    );
    expect(embedded.action).toMatch(/set alisa\.network to "ask" or "allowed".*choose a GGUF file you already have/);
    expect(provider(blocked, 'openai')!.error!.message).toContain(`did not connect to ${endpointHost} to chat with the language model server`);

    const { mode, records } = await client.request('network.activity', {});
    expect(mode).toBe('offline');
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ host: 'huggingface.co', port: 443, feature: 'model-download', decision: 'blocked', layer: 'gate', bytesSent: null }),
        expect.objectContaining({ host: endpointHost, feature: 'llm-endpoint', decision: 'blocked', layer: 'gate' }),
      ]),
    );
    // Every attempt went through the gate (nothing for the socket guard to catch), none opened.
    expect(opened(records)).toEqual([]);
    expect(records.filter((r) => r.layer !== 'gate')).toEqual([]);
    if (far) expect(far.connections).toBe(0);

    // "What left the machine" survives a restart.
    client.close();
    await c.stop();
    c = await startCompanion({ dataDir: c.dataDir, model: HF_MODEL, args: ['--network', 'offline', '--no-model'] });
    const again = await TestClient.connect(c);
    const after = (await again.request('network.activity', {})).records;
    expect(after.map((r) => r.id)).toEqual(records.map((r) => r.id));
    again.close();
  });

  it("Edge's online voice is blocked while she speaks with a local voice; the panel sees it as online", async () => {
    const v = await startCompanion({ model: requireModel(), args: ['--network', 'offline', '--tts-engines', 'msedge,espeak', '--max-reply-tokens', '30'] });
    try {
      const client = await TestClient.connect(v);
      const { replyId } = await client.request('chat.send', { text: 'Tell me a story.' });
      // msedge is tried first for the first sentence: its refusal is recorded before any end of speech.
      await client.waitFor((m) => m.type === 'speech.end' && m.replyId === replyId, 60_000);
      const status = await client.request('voice.status', {});
      expect(status.tts[0]).toMatchObject({ id: 'msedge', online: true, available: false });
      expect(status.tts[0]!.reason).toContain('Alisa works offline (alisa.network is "offline"), so she did not connect to speech.platform.bing.com');
      const { records } = await client.request('network.activity', {});
      expect(records).toEqual([
        expect.objectContaining({ host: 'speech.platform.bing.com', port: 443, feature: 'voice-edge', decision: 'blocked', layer: 'gate' }),
      ]);
      expect(opened(records)).toEqual([]);
      client.close();
    } finally {
      await v.stop();
    }
  });
});

describe('--network ask', () => {
  it('a client allows the host: the connection goes out (and fails, the host does not exist), recorded as allowed; the host is not asked about again, even after a restart', async () => {
    const args = ['--network', 'ask', '--no-model', '--providers', 'openai', '--endpoint', `https://${NOWHERE}/v1`, '--mute'];
    const c = await startCompanion({ model: null, args });
    let dataDir = c.dataDir;
    try {
      const client = await TestClient.connect(c);
      const asked = client.waitFor((m) => m.type === 'network.ask');
      const sent = await client.request('chat.send', { text: 'Hello?' });
      const ask = await asked;
      if (ask.type !== 'network.ask') throw new Error('not an ask');
      expect(ask).toMatchObject({ host: NOWHERE, port: 443, feature: 'llm-endpoint' });
      expect((await client.request('network.status', {})).pending.map((p) => p.id)).toEqual([ask.id]);
      expect(await client.request('network.decide', { id: ask.id, allow: true, remember: true })).toEqual({ applied: true });
      await client.waitFor((m) => m.type === 'network.askDone' && m.id === ask.id);
      // Past the gate, the real connection fails (with or without internet: .invalid never resolves).
      const failed = (await client.reply(sent.replyId!)).at(-1)!;
      expect(failed.type).toBe('reply.error');
      const first = (await client.request('network.activity', {})).records;
      expect(first[0]).toMatchObject({
        host: NOWHERE,
        feature: 'llm-endpoint',
        decision: 'asked-allowed',
        reason: 'you chose to always allow this host',
        layer: 'gate',
      });
      // The guard let the approved connection's sockets (and lookups) through: nothing was refused.
      expect(first.filter((r) => r.decision === 'blocked')).toEqual([]);
      expect((await client.request('network.status', {})).allowedHosts).toEqual([NOWHERE]);

      // Again: no question this time.
      const again = await client.request('chat.send', { text: 'Still there?' });
      expect((await client.reply(again.replyId!)).at(-1)!.type).toBe('reply.error');
      expect(client.events.filter((m) => m.type === 'network.ask')).toHaveLength(1);
      expect((await client.request('network.activity', {})).records[0]).toMatchObject({
        host: NOWHERE,
        decision: 'allowed',
        reason: 'you always allow this host',
      });
      client.close();
    } finally {
      await c.stop();
    }

    const next = await startCompanion({ dataDir, model: null, args });
    dataDir = next.dataDir;
    try {
      const client = await TestClient.connect(next);
      const sent = await client.request('chat.send', { text: 'And now?' });
      expect((await client.reply(sent.replyId!)).at(-1)!.type).toBe('reply.error');
      expect(client.events.filter((m) => m.type === 'network.ask')).toEqual([]);
      client.close();
    } finally {
      await next.stop();
    }
  });

  it("the user's yes to a model download (which named the host) is the gate's answer too: not asked twice", async () => {
    const c = await startCompanion({ model: NOWHERE_MODEL, args: ['--network', 'ask', '--no-model', '--providers', 'embedded'] });
    try {
      const client = await TestClient.connect(c);
      await client.request('model.load', {});
      // Past the gate at once, the real download fails (.invalid never resolves).
      const failed = await client.waitFor((m) => provider(m, 'embedded')?.state === 'error');
      expect(provider(failed, 'embedded')!.error!.code).toBe('model_download_failed');
      expect(client.events.filter((m) => m.type === 'network.ask')).toEqual([]);
      const { records } = await client.request('network.activity', {});
      expect(records[0]).toMatchObject({
        host: NOWHERE,
        feature: 'model-download',
        decision: 'asked-allowed',
        reason: 'you said yes to the download, which named this host',
      });
      // Not remembered beyond this run, and no other host gained anything.
      expect((await client.request('network.status', {})).allowedHosts).toEqual([]);
      client.close();
    } finally {
      await c.stop();
    }
  });

  describe.skipIf(!REMOTE)('a remote LLM endpoint on another address', () => {
    let far: Observed;
    beforeAll(async () => {
      far = await startObservedOpenAi(REMOTE!);
    });
    afterAll(async () => {
      await far?.close();
    });

    it('no connection before the answer; after "allow once" she chats through it, asked once', async () => {
      const c = await startCompanion({
        model: null,
        args: ['--network', 'ask', '--no-model', '--providers', 'openai', '--endpoint', `${far.url}/v1`, '--mute'],
      });
      try {
        const client = await TestClient.connect(c);
        const asked = client.waitFor((m) => m.type === 'network.ask');
        const sent = client.request('chat.send', { text: 'Hello?' });
        const ask = await asked;
        if (ask.type !== 'network.ask') throw new Error('not an ask');
        expect(ask).toMatchObject({ host: far.host, port: far.port, feature: 'llm-endpoint' });
        expect(far.connections).toBe(0);
        await client.request('network.decide', { id: ask.id, allow: true });
        const { replyId } = await sent;
        const events = await client.reply(replyId!);
        expect(events.find((m) => m.type === 'reply.end')).toMatchObject({ text: 'Hello from far away.', provider: 'openai' });
        expect(far.connections).toBeGreaterThan(0);
        expect(far.requests).toContain('POST /v1/chat/completions');

        const second = await client.request('chat.send', { text: 'Again?' });
        expect((await client.reply(second.replyId!)).find((m) => m.type === 'reply.end')).toMatchObject({ text: 'Hello from far away.' });
        expect(client.events.filter((m) => m.type === 'network.ask')).toHaveLength(1);
        const { records } = await client.request('network.activity', {});
        expect(records.filter((r) => r.host === far.host).map((r) => r.decision)).toEqual(expect.arrayContaining(['asked-allowed']));
        expect(records.filter((r) => r.decision === 'blocked')).toEqual([]);
        client.close();
      } finally {
        await c.stop();
      }
    });
  });

  it('unanswered, the attempt is refused with a clear message; with nobody connected, at once', async () => {
    const apiKey = 'k'.repeat(40);
    const c = await startCompanion({
      model: HF_MODEL,
      args: ['--network', 'ask', '--network-ask-ms', '1000', '--no-model', '--providers', 'embedded,openai', '--endpoint', 'https://api.example.com/v1'],
      env: { ALISA_API_KEY: apiKey },
    });
    try {
      // Nobody connected: the OpenAI-compatible API (HTTP, no client to ask) is refused at once.
      const res = await fetch(`${c.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await res.json()) as { error: { message: string } };
      expect(res.ok).toBe(false);
      expect(body.error.message).toContain(
        'Alisa must ask you before she connects to api.example.com to chat with the language model server at api.example.com (alisa.llm.endpoint), and no Alisa window is open to ask.',
      );

      // A client that does not answer: refused when the time is up, never allowed. (A chat message
      // never starts the model download: the embedded model waits for a yes; the endpoint is asked.)
      const client = await TestClient.connect(c);
      const sent = await client.request('chat.send', { text: 'Hello?' });
      const ask = await client.waitFor((m) => m.type === 'network.ask' && m.host === 'api.example.com');
      const refused = (await client.reply(sent.replyId!)).at(-1)!;
      if (refused.type !== 'reply.error') throw new Error(`expected reply.error, got ${refused.type}`);
      expect(refused.error.message).toContain(
        'Alisa asked whether she may connect to api.example.com to chat with the language model server at api.example.com (alisa.llm.endpoint), and got no answer within 1 s.',
      );
      const { records } = await client.request('network.activity', {});
      expect(opened(records)).toEqual([]);
      expect(records.filter((r) => r.host === 'huggingface.co')).toEqual([]);
      expect(records).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ host: 'api.example.com', decision: 'blocked', reason: 'no answer within 1 s' }),
          expect.objectContaining({ host: 'api.example.com', decision: 'blocked', reason: 'no Alisa window was open to ask you' }),
        ]),
      );
      // The setting changes at once, over the connection.
      const state = client.waitFor((m) => m.type === 'network.state' && m.status.mode === 'offline');
      expect((await client.request('network.configure', { mode: 'offline' })).mode).toBe('offline');
      await state;
      if (ask.type === 'network.ask') expect((await client.request('network.decide', { id: ask.id, allow: false })).applied).toBe(true);
      client.close();
    } finally {
      await c.stop();
    }
  });
});
