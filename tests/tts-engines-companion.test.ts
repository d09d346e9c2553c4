// Voices on a server through the real companion (issue 19): the real model (stories260K) writes,
// ElevenLabs' streaming endpoint (a local server speaking its wire format) speaks, the real
// WebSocket carries the audio; a rejected key falls back to real espeak-ng. The key reaches the
// companion only in its environment and appears in no log, event or file of its data folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { readWav } from '../companion/voice/wav-io';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { hasEspeak } from './helpers/comp-voice';
import { FAKE_KEYS, type FakeTtsServer, startFakeTtsServer } from './helpers/fake-tts-servers';
import { requireModel } from './helpers/model';

const ESPEAK = hasEspeak();
if (!ESPEAK) console.log('espeak-ng is not installed (apt install espeak-ng): the voice-server companion tests are skipped');

type Chunk = Extract<CompanionMessage, { type: 'speech.chunk' }>;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.skipIf(!ESPEAK)('ElevenLabs streaming through the real companion', () => {
  let fake: FakeTtsServer;
  let c: RunningCompanion;
  let client: TestClient;
  const dataDir = tempDir('alisa-tts-server-');
  const spokenBefore = new Set<string>();
  beforeAll(async () => {
    requireModel();
    fake = await startFakeTtsServer('elevenlabs');
    c = await startCompanion({
      dataDir,
      args: ['--tts-engines', 'elevenlabs,espeak', '--tts-servers', JSON.stringify({ elevenLabs: { url: fake.url, voice: 'v-alisa' } }), '--temperature', '0'],
      env: { ELEVENLABS_API_KEY: FAKE_KEYS.elevenlabs },
    });
    client = await TestClient.connect(c);
  });
  afterAll(async () => {
    client?.close();
    await c?.stop();
    await fake?.close();
  });

  async function speak(text: string): Promise<Chunk[]> {
    const session = await client.request('session.create', {});
    const from = client.events.length;
    const { replyId } = await client.request('chat.send', { text, sessionId: session.id });
    await client.reply(replyId!);
    await client.waitFor((m) => m.type === 'speech.end' && m.replyId === replyId, 60_000);
    return client.events.slice(from).filter((m): m is Chunk => m.type === 'speech.chunk' && m.replyId === replyId);
  }

  it('the status lists the engine as a local server; a reply is spoken with the streamed PCM as WAV', async () => {
    const s = await client.request('voice.status', {});
    expect(s.tts[0]).toEqual({ id: 'elevenlabs', available: true, reason: null, online: false });
    const chunks = await speak('Tell me about the sea');
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((ch) => ch.engine === 'elevenlabs' && ch.mime === 'audio/wav')).toBe(true);
    const wav = Buffer.from(chunks[0]!.data, 'base64');
    const info = readWav(wav)!;
    expect(info.sampleRate).toBe(22050);
    expect(wav.subarray(info.dataOffset).equals(fake.pcm)).toBe(true);
    expect(fake.received.length).toBe(chunks.length);
    expect(fake.received[0]!.path).toBe('/v1/text-to-speech/v-alisa/stream?output_format=pcm_22050');
    expect(fake.received[0]!.headers['xi-api-key']).toBe(FAKE_KEYS.elevenlabs);
    expect(fake.received.map((r) => r.body?.text)).toEqual(chunks.map((ch) => ch.text));
    for (const ch of chunks) spokenBefore.add(ch.text);
  });

  it('a rejected key: espeak-ng speaks instead, the reason is in the status, the key nowhere in logs, events or files', async () => {
    fake.fail = { status: 401, body: `invalid key ${FAKE_KEYS.elevenlabs}` };
    // Another prompt: what ElevenLabs already said is in the speech cache and would be replayed.
    const asked = fake.received.length;
    const chunks = await speak('Once upon a time a dragon');
    // Tried (two units may be in flight at once), then cooling down.
    expect(fake.received.length).toBeGreaterThan(asked);
    expect(chunks.length).toBeGreaterThan(0);
    // A sentence ElevenLabs said before comes from the speech cache; every new one from espeak-ng.
    const fresh = chunks.filter((ch) => !spokenBefore.has(ch.text));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.map((ch) => ch.engine)).toEqual(fresh.map(() => 'espeak'));
    const s = await client.request('voice.status', {});
    expect(s.tts[0]).toMatchObject({ id: 'elevenlabs', available: false, reason: expect.stringContaining('ElevenLabs rejected the API key (HTTP 401') });
    expect(c.stderr()).toContain('voice: elevenlabs failed (ElevenLabs rejected the API key');
    expect(c.stderr()).not.toContain(FAKE_KEYS.elevenlabs);
    expect(JSON.stringify(client.events)).not.toContain(FAKE_KEYS.elevenlabs);
    for (const f of filesUnder(dataDir)) expect(readFileSync(f).includes(FAKE_KEYS.elevenlabs), f).toBe(false);
  });
});

describe('--tts-servers is checked at launch', () => {
  it('a key in the settings, an unknown server or a bad URL: the companion refuses to start and says why', async () => {
    for (const [servers, message] of [
      [{ elevenLabs: { apiKey: 'x' } }, 'put the key in ELEVENLABS_API_KEY'],
      [{ polly: { url: 'http://127.0.0.1:1' } }, 'unknown voice server "polly"'],
      [{ xtts: { url: 'file:///etc/passwd' } }, 'is not an http:// or https:// URL'],
    ] as const) {
      const err = await startCompanion({ args: ['--tts-servers', JSON.stringify(servers)], model: null }).then(
        async (c) => (await c.stop(), null),
        (e: Error) => e,
      );
      expect(err?.message).toContain(message);
    }
  });
});
