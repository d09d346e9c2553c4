// Voices on a server (issue 19): the OpenAI-compatible, ElevenLabs (streaming), Fish Audio and
// XTTS engines against local servers speaking each provider's wire format (tests/helpers/
// fake-tts-servers.ts: the remote service is the one thing faked), the fallback chain past their
// failures, the network gate in front of them, and the real VoiceService speaking through one.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../protocol';
import { NetworkGate, setNetworkGate } from '../companion/privacy/network-gate';
import { HttpTtsEngine, type HttpTtsId, rateToSpeed } from '../companion/voice/tts/http-engines';
import { AllEnginesFailed, TtsChain } from '../companion/voice/tts/registry';
import { VoiceService } from '../companion/voice/voice-service';
import { encodeWav, readWav } from '../companion/voice/wav-io';
import { companionArgs, companionEnv } from '../extension/companion-args';
import { closedPort, Replies } from './helpers/comp-voice';
import { companionSettings, parsedArgs } from './helpers/ext-settings';
import { tempDir } from './helpers/companion';
import { FAKE_KEYS, type FakeTtsServer, type Provider, startFakeTtsServer } from './helpers/fake-tts-servers';

const FFMPEG = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!FFMPEG) console.log('ffmpeg is not installed: the MP3 case is skipped');

const OPTS = { voice: null, rate: '+15%', pitch: '+10Hz' };
const signal = () => new AbortController().signal;

/** The samples of a WAV (its data chunk). */
function samples(wav: Buffer): Buffer {
  const info = readWav(wav);
  if (!info) throw new Error('not a WAV');
  return wav.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

const servers = {} as Record<Provider, FakeTtsServer>;
beforeAll(async () => {
  for (const p of ['openai', 'elevenlabs', 'fish', 'xtts'] as const) servers[p] = await startFakeTtsServer(p);
});
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
});
afterEach(() => {
  for (const s of Object.values(servers)) {
    s.fail = null;
    s.fishJson = false;
    s.answer = null;
    s.received.length = 0;
  }
});

describe('each engine speaks its provider’s wire format', () => {
  it('OpenAI-compatible: POST /v1/audio/speech {model, input, voice, response_format: wav, speed} with a Bearer key', async () => {
    const s = servers.openai;
    const engine = new HttpTtsEngine('openai-tts', { url: s.url, voice: 'af_bella', model: 'kokoro', apiKey: FAKE_KEYS.openai });
    expect(await engine.available()).toEqual({ id: 'openai-tts', available: true, reason: null, online: false });
    const r = await engine.synthesize('Hello there.', OPTS, signal());
    expect(s.received).toHaveLength(1);
    const req = s.received[0]!;
    expect(req.path).toBe('/v1/audio/speech');
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_KEYS.openai}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({ model: 'kokoro', input: 'Hello there.', voice: 'af_bella', response_format: 'wav', speed: 1.15 });
    expect(r.mime).toBe('audio/wav');
    expect(samples(r.data).equals(s.pcm)).toBe(true);
    expect(r.durationMs).toBe(300);
  });

  it('OpenAI-compatible: the server root, its /v1 or the full route all reach /v1/audio/speech; no key, no Authorization', async () => {
    const local = await startFakeTtsServer('openai', { requireKey: false });
    try {
      const root = local.url.replace(/\/v1$/, '');
      for (const url of [root, `${root}/`, local.url, `${local.url}/audio/speech`]) {
        await new HttpTtsEngine('openai-tts', { url, apiKey: null }).synthesize('Hi.', OPTS, signal());
      }
      expect(local.received.map((r) => r.path)).toEqual(Array(4).fill('/v1/audio/speech'));
      expect(local.received.every((r) => r.headers.authorization === undefined)).toBe(true);
      expect(local.received[0]!.body).toMatchObject({ model: 'tts-1', voice: 'alloy' });
    } finally {
      await local.close();
    }
  });

  it('ElevenLabs: the streaming endpoint with xi-api-key and output_format=pcm_22050; chunked PCM becomes a WAV, first audio reported early', async () => {
    const s = servers.elevenlabs;
    const engine = new HttpTtsEngine('elevenlabs', { url: s.url, voice: 'voice123', apiKey: FAKE_KEYS.elevenlabs });
    let firstAudioAt = -1;
    let chunksAtFirstAudio = -1;
    const r = await engine.synthesize(
      'Streaming works.',
      {
        ...OPTS,
        onAudio: () => {
          firstAudioAt = s.received.length;
          chunksAtFirstAudio = 1;
        },
      },
      signal(),
    );
    const req = s.received[0]!;
    expect(req.path).toBe('/v1/text-to-speech/voice123/stream?output_format=pcm_22050');
    expect(req.headers['xi-api-key']).toBe(FAKE_KEYS.elevenlabs);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual({ text: 'Streaming works.', model_id: 'eleven_multilingual_v2' });
    expect(firstAudioAt).toBe(1);
    expect(chunksAtFirstAudio).toBe(1);
    expect(r.mime).toBe('audio/wav');
    const info = readWav(r.data)!;
    expect([info.sampleRate, info.channels, info.bitsPerSample]).toEqual([22050, 1, 16]);
    expect(samples(r.data).equals(s.pcm)).toBe(true);
    expect(r.durationMs).toBe(300);
  });

  it('Fish Audio: POST /v1/tts {text, reference_id, format: wav} with a Bearer key; bytes or JSON base64 audio', async () => {
    const s = servers.fish;
    const engine = new HttpTtsEngine('fish', { url: s.url, voice: 'ref-42', apiKey: FAKE_KEYS.fish });
    const r = await engine.synthesize('Fish speaks.', OPTS, signal());
    const req = s.received[0]!;
    expect(req.path).toBe('/v1/tts');
    expect(req.headers.authorization).toBe(`Bearer ${FAKE_KEYS.fish}`);
    expect(req.body).toEqual({ text: 'Fish speaks.', reference_id: 'ref-42', format: 'wav' });
    expect(samples(r.data).equals(s.pcm)).toBe(true);
    s.fishJson = true;
    const j = await engine.synthesize('Fish speaks.', OPTS, signal());
    expect(j.mime).toBe('audio/wav');
    expect(samples(j.data).equals(s.pcm)).toBe(true);
  });

  it('XTTS server (the seed’s adapter): POST /api/tts {text, language, speaker_wav | speaker_id}, no key', async () => {
    const s = servers.xtts;
    const wav = await new HttpTtsEngine('xtts', { url: s.url, voice: 'female.wav' }).synthesize('Local voice.', OPTS, signal());
    await new HttpTtsEngine('xtts', { url: s.url, voice: 'Ana Florence', model: 'de' }).synthesize('Hallo.', OPTS, signal());
    expect(s.received.map((r) => [r.path, r.body])).toEqual([
      ['/api/tts', { text: 'Local voice.', language: 'en', speaker_wav: 'female.wav' }],
      ['/api/tts', { text: 'Hallo.', language: 'de', speaker_id: 'Ana Florence' }],
    ]);
    expect(s.received[0]!.headers.authorization).toBeUndefined();
    expect(samples(wav.data).equals(s.pcm)).toBe(true);
  });
});

describe('failures are clear, never show the key, and the chain moves on', () => {
  const engineFor: Record<Provider, HttpTtsId> = { openai: 'openai-tts', elevenlabs: 'elevenlabs', fish: 'fish', xtts: 'xtts' };

  it('a wrong key: 401 "rejected the API key", the key in neither message nor log', async () => {
    for (const p of ['openai', 'elevenlabs', 'fish'] as const) {
      const wrong = `wrong-${FAKE_KEYS[p]}`;
      const err = await failure(new HttpTtsEngine(engineFor[p], { url: servers[p].url, apiKey: wrong }).synthesize('x', OPTS, signal()));
      expect(err.message).toMatch(/rejected the API key \(HTTP 401/);
      expect(err.message).not.toContain(wrong);
    }
  });

  it('a server that echoes the key in its error: cut out of the message', async () => {
    servers.openai.fail = { status: 500, body: `internal error for key ${FAKE_KEYS.openai}` };
    const err = await failure(new HttpTtsEngine('openai-tts', { url: servers.openai.url, apiKey: FAKE_KEYS.openai }).synthesize('x', OPTS, signal()));
    expect(err.message).toBe('the OpenAI-compatible speech server failed (HTTP 500: internal error for key ***)');
  });

  it('429, a body that is not audio, an unreachable server, a missing URL or key: each in words', async () => {
    servers.elevenlabs.fail = { status: 429, body: 'quota_exceeded' };
    const el = new HttpTtsEngine('elevenlabs', { url: servers.elevenlabs.url, apiKey: FAKE_KEYS.elevenlabs });
    expect((await failure(el.synthesize('x', OPTS, signal()))).message).toBe('ElevenLabs is rate-limiting or out of quota (HTTP 429: quota_exceeded)');
    servers.xtts.fail = 'garbage';
    expect((await failure(new HttpTtsEngine('xtts', { url: servers.xtts.url }).synthesize('x', OPTS, signal()))).message).toBe(
      'the XTTS server sent something that is not audio (text/html, 24 bytes)',
    );
    const port = await closedPort();
    expect((await failure(new HttpTtsEngine('xtts', { url: `http://127.0.0.1:${port}` }).synthesize('x', OPTS, signal()))).message).toBe(
      `the XTTS server at 127.0.0.1:${port} could not be reached (ECONNREFUSED)`,
    );
    expect(await new HttpTtsEngine('openai-tts', {}).available()).toMatchObject({
      available: false,
      reason: 'Set the server of the OpenAI-compatible speech server (alisa.voice.openaiTts.url).',
    });
    const saved = process.env.ELEVENLABS_API_KEY;
    delete process.env.ELEVENLABS_API_KEY;
    try {
      expect(await new HttpTtsEngine('elevenlabs').available()).toMatchObject({
        available: false,
        online: true,
        reason: expect.stringContaining('needs an API key'),
      });
    } finally {
      if (saved !== undefined) process.env.ELEVENLABS_API_KEY = saved;
    }
    expect(await new HttpTtsEngine('fish', { url: 'ftp://example.com' }).available()).toMatchObject({
      available: false,
      reason: 'ftp://example.com is not an http:// or https:// URL.',
    });
  });

  it('the key comes from the environment when no setting gives it', async () => {
    process.env.FISH_API_KEY = FAKE_KEYS.fish;
    try {
      await new HttpTtsEngine('fish', { url: servers.fish.url }).synthesize('x', OPTS, signal());
      expect(servers.fish.received[0]!.headers.authorization).toBe(`Bearer ${FAKE_KEYS.fish}`);
    } finally {
      delete process.env.FISH_API_KEY;
    }
  });

  it('the chain: ElevenLabs out of quota, XTTS speaks; the failure cools down; all failing is AllEnginesFailed', async () => {
    const logs: string[] = [];
    const chain = new TtsChain({
      order: ['elevenlabs', 'xtts'],
      servers: { elevenlabs: { url: servers.elevenlabs.url, apiKey: FAKE_KEYS.elevenlabs }, xtts: { url: servers.xtts.url } },
    });
    servers.elevenlabs.fail = { status: 429 };
    const r = await chain.synthesize('Fallback.', OPTS, signal(), { log: (l) => logs.push(l) });
    expect(r.engine).toBe('xtts');
    expect(r.skipped).toEqual([{ engine: 'elevenlabs', reason: expect.stringContaining('HTTP 429') }]);
    expect(logs).toEqual([expect.stringMatching(/^voice: elevenlabs failed \(ElevenLabs is rate-limiting/)]);
    expect(logs.join('\n')).not.toContain(FAKE_KEYS.elevenlabs);
    // Cooling down: the next unit goes straight to XTTS without asking ElevenLabs.
    const before = servers.elevenlabs.received.length;
    expect((await chain.synthesize('Again.', OPTS, signal())).engine).toBe('xtts');
    expect(servers.elevenlabs.received.length).toBe(before);
    servers.xtts.fail = { status: 500 };
    const all = await failure(chain.synthesize('None.', OPTS, signal()));
    expect(all).toBeInstanceOf(AllEnginesFailed);
    // Each voice and server is its own entry in the speech cache.
    const other = new TtsChain({ servers: { xtts: { url: servers.xtts.url, voice: 'b.wav' } } });
    expect(chain.cacheTag('xtts')).not.toBe(other.cacheTag('xtts'));
  });

  it('the network gate: offline, an online service is blocked before any connection; a server on this machine still speaks', async () => {
    const gate = new NetworkGate({ mode: 'offline' });
    setNetworkGate(gate);
    try {
      const err = await failure(new HttpTtsEngine('elevenlabs', { apiKey: 'k-not-sent' }).synthesize('secret plans', OPTS, signal()));
      expect(err.message).toMatch(/api\.elevenlabs\.io/);
      expect(gate.activity().records).toEqual([expect.objectContaining({ host: 'api.elevenlabs.io', feature: 'voice-server', decision: 'blocked' })]);
      const r = await new HttpTtsEngine('xtts', { url: servers.xtts.url }).synthesize('Local.', OPTS, signal());
      expect(r.mime).toBe('audio/wav');
    } finally {
      setNetworkGate(new NetworkGate({ mode: 'allowed' }));
    }
  });

  it.skipIf(!FFMPEG)("an MP3 answer (made by ffmpeg) is passed on as audio/mpeg, as Edge's is; an empty WAV is refused", async () => {
    const mp3 = execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.3', '-f', 'mp3', '-']);
    servers.xtts.answer = { contentType: 'audio/mpeg', data: mp3 };
    const r = await new HttpTtsEngine('xtts', { url: servers.xtts.url }).synthesize('x', OPTS, signal());
    expect(r.mime).toBe('audio/mpeg');
    expect(r.data.equals(mp3)).toBe(true);
    servers.xtts.answer = { contentType: 'audio/wav', data: encodeWav(Buffer.alloc(0), 24000) };
    expect((await failure(new HttpTtsEngine('xtts', { url: servers.xtts.url }).synthesize('x', OPTS, signal()))).message).toBe(
      'the XTTS server sent a WAV without samples',
    );
  });

  it('rateToSpeed maps SSML rates onto OpenAI speed (0.25–4)', () => {
    expect([rateToSpeed('+15%'), rateToSpeed('-50%'), rateToSpeed('+0%'), rateToSpeed('+900%'), rateToSpeed('fast')]).toEqual([1.15, 0.5, 1, 4, 1]);
  });
});

describe('the real VoiceService speaks a reply through a voice server', () => {
  it('speech.chunk events carry the server’s audio, engine openai-tts; the key appears in no event and no log line', async () => {
    const s = servers.openai;
    const chat = new Replies();
    const events: CompanionEvent[] = [];
    const logs: string[] = [];
    let wake: (() => void) | null = null;
    process.env.ALISA_TTS_API_KEY = FAKE_KEYS.openai;
    const voice = new VoiceService({
      events: chat,
      emit: (e) => {
        events.push(e);
        wake?.();
      },
      dataDir: tempDir('alisa-tts-engines-'),
      log: (l) => logs.push(l),
      options: { ttsEngines: ['openai-tts'], servers: { 'openai-tts': { url: s.url, voice: 'nova' } }, diskCacheBytes: 0 },
    });
    try {
      chat.start('r1');
      chat.token('r1', 'One sentence. And another one!');
      chat.end('r1', 'One sentence. And another one!');
      while (!events.some((e) => e.type === 'speech.end')) await new Promise<void>((r) => (wake = r));
      const chunks = events.filter((e): e is Extract<CompanionEvent, { type: 'speech.chunk' }> => e.type === 'speech.chunk');
      expect(chunks.map((c) => [c.text, c.engine, c.mime])).toEqual([
        ['One sentence.', 'openai-tts', 'audio/wav'],
        ['And another one!', 'openai-tts', 'audio/wav'],
      ]);
      for (const c of chunks) expect(samples(Buffer.from(c.data, 'base64')).equals(s.pcm)).toBe(true);
      expect(s.received.map((r) => r.body?.input)).toEqual(['One sentence.', 'And another one!']);
      expect(events.find((e) => e.type === 'speech.end')).toMatchObject({ reason: 'done' });
      expect(JSON.stringify(events)).not.toContain(FAKE_KEYS.openai);
      expect(logs.join('\n')).not.toContain(FAKE_KEYS.openai);
    } finally {
      delete process.env.ALISA_TTS_API_KEY;
      await voice.dispose();
    }
  });
});

describe('from VS Code settings and SecretStorage to the companion', () => {
  it('alisa.voice.servers and the voice keys travel in the environment only; the companion reads the same servers', () => {
    const servers = { xtts: { url: 'http://127.0.0.1:8020', voice: 'female.wav' }, elevenLabs: { voice: 'v1' } };
    const s = companionSettings({ ttsServers: servers });
    const env = companionEnv(s, undefined, undefined, { ELEVENLABS_API_KEY: FAKE_KEYS.elevenlabs, FISH_API_KEY: undefined });
    expect(env).toEqual({ ALISA_TTS_SERVERS: JSON.stringify(servers), ELEVENLABS_API_KEY: FAKE_KEYS.elevenlabs });
    expect(companionArgs(s, 1).join(' ')).not.toMatch(/tts-servers|female\.wav|el-fake/);
    expect(parsedArgs(s, 1, env).ttsServers).toEqual({ xtts: { url: 'http://127.0.0.1:8020', voice: 'female.wav' }, elevenlabs: { voice: 'v1' } });
    expect(() => parsedArgs(s, 1, { ALISA_TTS_SERVERS: JSON.stringify({ fishAudio: { api_key: 'k' } }) })).toThrow(/put the key in FISH_API_KEY/);
    expect(companionEnv(companionSettings(), undefined)).toEqual({});
  });
});
