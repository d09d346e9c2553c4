// The waifu-rt3d speech routes (issue 19) against the real companion: POST /api/chat with the real
// model (stories260K) and database, spoken by the real espeak-ng; POST /api/tts through espeak-ng
// and, with the provider override, through local servers speaking ElevenLabs', Fish Audio's and
// XTTS's wire formats (tests/helpers/fake-tts-servers.ts); the content-hash cache; MP3 by ffmpeg;
// GET /files/audio/NAME; POST /api/asr with real speech (espeak-ng) recognised by pocketsphinx and
// through a local whisper.cpp server (tests/helpers/fake-stt-servers.ts). Bad input on every route.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../protocol';
import { PocketsphinxEngine } from '../companion/voice/stt/pocketsphinx';
import { encodeWav, readWav } from '../companion/voice/wav-io';
import { findExecutable } from '../companion/voice/recorder';
import { AudioStore, audioKey } from '../companion/waifu/waifu-audio';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { FAKE_KEYS, type FakeTtsServer, startFakeTtsServer } from './helpers/fake-tts-servers';
import { type FakeSttServer, sha256, startFakeSttServer } from './helpers/fake-stt-servers';
import { startToolServer } from './helpers/fake-tool-server';
import { requireModel } from './helpers/model';

const missing = ['espeak-ng', 'ffmpeg', 'pocketsphinx_continuous'].filter((t) => !findExecutable(t));
if (missing.length)
  console.log(`waifu speech route tests skipped: ${missing.join(', ')} missing (apt install espeak-ng ffmpeg pocketsphinx pocketsphinx-en-us)`);

const AUDIO_URL = /^\/files\/audio\/[0-9a-f]{32}\.(wav|mp3)$/;

interface Answer {
  status: number;
  type: string;
  json: Record<string, unknown>;
}

function waifu(c: RunningCompanion) {
  const base = `http://127.0.0.1:${c.ready.waifuPort}`;
  const call = async (method: string, url: string, body?: unknown, raw?: { body: BodyInit; type?: string }): Promise<Answer> => {
    const headers: Record<string, string> = {};
    let payload: BodyInit | undefined;
    if (raw) {
      payload = raw.body;
      if (raw.type) headers['content-type'] = raw.type;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(base + url, { method, headers, body: payload });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', json };
  };
  const bytes = async (url: string) => {
    const res = await fetch(base + url);
    return { status: res.status, type: res.headers.get('content-type') ?? '', data: Buffer.from(await res.arrayBuffer()) };
  };
  const upload = (file: Buffer, name = 'speech.wav', field = 'file') => {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(file)], { type: 'application/octet-stream' }), name);
    return call('POST', '/api/asr', undefined, { body: form });
  };
  return { base, call, bytes, upload };
}

/** espeak-ng speech as a WAV file's bytes. */
function speech(dir: string, name: string, text: string): Buffer {
  const file = path.join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', file, text]);
  return readFileSync(file);
}

/** The same decoding the companion does (ffmpeg to 16 kHz mono 16-bit). */
function to16k(file: Buffer): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', '-c:a', 'pcm_s16le', 'pipe:1'],
    {
      input: file,
    },
  );
}

describe.skipIf(missing.length > 0)('waifu speech routes on the real companion', () => {
  let c: RunningCompanion;
  let client: TestClient;
  let api: ReturnType<typeof waifu>;
  let eleven: FakeTtsServer;
  let fish: FakeTtsServer;
  let xtts: FakeTtsServer;
  let whisper: FakeSttServer;
  const dataDir = tempDir('alisa-waifu-speech-');
  const work = tempDir('alisa-waifu-speech-work-');

  beforeAll(async () => {
    requireModel();
    [eleven, fish, xtts, whisper] = await Promise.all([
      startFakeTtsServer('elevenlabs'),
      startFakeTtsServer('fish'),
      startFakeTtsServer('xtts'),
      startFakeSttServer('whispercpp'),
    ]);
    c = await startCompanion({
      dataDir,
      args: [
        '--waifu-port',
        '0',
        '--tts-engines',
        'espeak',
        '--temperature',
        '0',
        '--tts-servers',
        JSON.stringify({ elevenLabs: { url: eleven.url }, fishAudio: { url: fish.url } }),
        '--stt-endpoint',
        whisper.endpoint,
      ],
      // ElevenLabs' key from the environment as the extension passes it; Fish's only in a request body.
      env: { ELEVENLABS_API_KEY: FAKE_KEYS.elevenlabs, FISH_API_KEY: '' },
    });
    client = await TestClient.connect(c);
    api = waifu(c);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await c?.stop();
    await Promise.all([eleven?.close(), fish?.close(), xtts?.close(), whisper?.close()]);
  });

  const messages = async (sessionId: number) => (await client.request('session.messages', { sessionId })).messages;

  describe('POST /api/chat', () => {
    it('answers with the real model, stores both messages, and keeps the session of the number', async () => {
      const r = await api.call('POST', '/api/chat?session_id=1', { text: 'Once upon a time' });
      expect(r.status).toBe(200);
      expect(Object.keys(r.json).sort()).toEqual(['audio', 'emotion', 'message_id', 'ok', 'reply', 'session_id']);
      expect(r.json).toMatchObject({ ok: true, audio: null });
      const reply = r.json.reply as string;
      expect(reply.trim().length).toBeGreaterThan(0);
      expect(reply).not.toMatch(/<\s*emotion/i);
      expect(EMOTIONS).toContain(r.json.emotion);
      const sessionId = r.json.session_id as number;
      const stored = await messages(sessionId);
      expect(stored.map((m) => [m.role, m.text])).toEqual([
        ['user', 'Once upon a time'],
        ['assistant', reply],
      ]);
      expect(stored[1]!.id).toBe(r.json.message_id);
      // The same number again: the same session, now four messages.
      const again = await api.call('POST', '/api/chat?session_id=1', { text: 'Tell me more' });
      expect(again.json).toMatchObject({ ok: true, session_id: sessionId });
      expect((await messages(sessionId)).length).toBe(4);
    });

    it('a number with no session: a new "Session N" whose real id is answered, and used for N from then on', async () => {
      const r = await api.call('POST', '/api/chat?session_id=777', { text: 'Hello' });
      expect(r.json.ok).toBe(true);
      const id = r.json.session_id as number;
      expect(id).not.toBe(777);
      const { sessions } = await client.request('session.list', {});
      expect(sessions.find((s) => s.id === id)?.title).toBe('Session 777');
      const again = await api.call('POST', '/api/chat?session_id=777', { text: 'Hello again' });
      expect(again.json.session_id).toBe(id);
      expect((await messages(id)).map((m) => m.text).filter((_, i) => i % 2 === 0)).toEqual(['Hello', 'Hello again']);
    });

    it('speak: true gives a URL that serves the WAV espeak-ng made of the reply', async () => {
      const r = await api.call('POST', '/api/chat?session_id=1', { text: 'Sing me a song', speak: true });
      expect(r.json).toMatchObject({ ok: true });
      expect(r.json.audio_error).toBeUndefined();
      expect(r.json.audio).toMatch(AUDIO_URL);
      const clip = await api.bytes(r.json.audio as string);
      expect(clip.status).toBe(200);
      expect(clip.type).toBe('audio/wav');
      const wav = readWav(clip.data)!;
      expect(wav.sampleRate).toBe(22050); // espeak-ng's
      expect(wav.durationMs).toBeGreaterThan(300);
      const name = path.basename(r.json.audio as string);
      expect(readFileSync(path.join(dataDir, 'waifu-audio', name)).equals(clip.data)).toBe(true);
    });

    it('bad input: clear 4xx, nothing stored', async () => {
      const count = async () => (await messages(1)).length;
      const before = await count();
      const cases: Array<[string, unknown, number, RegExp]> = [
        ['/api/chat?session_id=1', {}, 400, /^missing text$/],
        ['/api/chat?session_id=1', { text: '   ' }, 400, /^missing text$/],
        ['/api/chat?session_id=1', { text: 42 }, 422, /text must be a string/],
        ['/api/chat?session_id=1', { text: 'hi', speak: 'yes' }, 422, /speak must be a boolean/],
        ['/api/chat?session_id=1', ['hi'], 422, /JSON object/],
        ['/api/chat?session_id=abc', { text: 'hi' }, 422, /session_id must be a positive integer/],
        ['/api/chat?session_id=0', { text: 'hi' }, 422, /session_id must be a positive integer/],
        ['/api/chat?session_id=1&character_id=-3', { text: 'hi' }, 422, /character_id must be a positive integer/],
        ['/api/chat?session_id=1&character_id=424242', { text: 'hi' }, 404, /There is no character 424242/],
      ];
      for (const [url, body, status, re] of cases) {
        const r = await api.call('POST', url, body);
        expect([url, JSON.stringify(body), r.status]).toEqual([url, JSON.stringify(body), status]);
        expect(r.json.detail).toMatch(re);
      }
      const notJson = await api.call('POST', '/api/chat?session_id=1', undefined, { body: '{"text": "hi"', type: 'application/json' });
      expect(notJson.status).toBe(400);
      expect(await count()).toBe(before);
    });
  });

  describe('POST /api/tts and GET /files/audio/NAME', () => {
    it('espeak-ng by default; the same request again is a cache hit (same file, not written again)', async () => {
      const r = await api.call('POST', '/api/tts', { text: 'Hello from Alisa' });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ ok: true, meta: { provider: 'espeak', engine: 'espeak', format: 'wav', sr: 22050, cached: false } });
      expect(r.json.url).toMatch(AUDIO_URL);
      const file = path.join(dataDir, 'waifu-audio', path.basename(r.json.url as string));
      const first = statSync(file);
      const clip = await api.bytes(r.json.url as string);
      expect(clip.type).toBe('audio/wav');
      expect(readWav(clip.data)!.durationMs).toBeGreaterThan(300);

      const again = await api.call('POST', '/api/tts', { text: 'Hello from Alisa' });
      expect(again.json).toMatchObject({ ok: true, url: r.json.url, meta: { cached: true, format: 'wav', sr: 22050 } });
      const second = statSync(file);
      expect([second.ino, second.mtimeMs, second.size]).toEqual([first.ino, first.mtimeMs, first.size]);
      // Another text is another clip.
      const other = await api.call('POST', '/api/tts', { text: 'Goodbye from Alisa' });
      expect(other.json.url).not.toBe(r.json.url);
    });

    it('provider elevenlabs: that engine speaks (its real wire format), the clip is its audio; a repeat is not sent again', async () => {
      const sent = eleven.received.length;
      const r = await api.call('POST', '/api/tts', { text: 'The sea is wide', provider: 'elevenlabs', voice_id: 'v-rachel' });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        ok: true,
        meta: { provider: 'elevenlabs', engine: 'elevenlabs', voice_id: 'v-rachel', format: 'wav', sr: 22050, cached: false },
      });
      expect(eleven.received.length).toBe(sent + 1);
      const req = eleven.received.at(-1)!;
      expect(req.path).toBe('/v1/text-to-speech/v-rachel/stream?output_format=pcm_22050');
      expect(req.headers['xi-api-key']).toBe(FAKE_KEYS.elevenlabs);
      expect(req.body).toMatchObject({ text: 'The sea is wide' });
      const wav = (await api.bytes(r.json.url as string)).data;
      const info = readWav(wav)!;
      expect(wav.subarray(info.dataOffset).equals(eleven.pcm)).toBe(true);

      const again = await api.call('POST', '/api/tts', { text: 'The sea is wide', provider: 'elevenlabs', voice_id: 'v-rachel' });
      expect(again.json).toMatchObject({ url: r.json.url, meta: { cached: true, engine: 'elevenlabs' } });
      expect(eleven.received.length).toBe(sent + 1);
      // The same text by espeak-ng is another clip.
      const local = await api.call('POST', '/api/tts', { text: 'The sea is wide', provider: 'espeak' });
      expect(local.json).toMatchObject({ meta: { engine: 'espeak', cached: false } });
      expect(local.json.url).not.toBe(r.json.url);
    });

    it('fish_audio with api_key in the body: used for that request, never stored or logged; without it a clear 400', async () => {
      const without = await api.call('POST', '/api/tts', { text: 'Fish says hi', provider: 'fish_audio' });
      expect(without.status).toBe(400);
      // A server on this machine may need no key, so it is asked, and refuses.
      expect(without.json.detail).toMatch(/Fish Audio rejected the API key \(HTTP 401/);
      const r = await api.call('POST', '/api/tts', { text: 'Fish says hi', provider: 'fish_audio', api_key: FAKE_KEYS.fish, voice_id: 'ref-1' });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ meta: { provider: 'fish_audio', engine: 'fish', format: 'wav', sr: 24000 } });
      const req = fish.received.at(-1)!;
      expect(req.path).toBe('/v1/tts');
      expect(req.headers.authorization).toBe(`Bearer ${FAKE_KEYS.fish}`);
      expect(req.body).toMatchObject({ text: 'Fish says hi', reference_id: 'ref-1', format: 'wav' });
      // The key was for that request: the next one without it is refused again.
      const later = await api.call('POST', '/api/tts', { text: 'Fish says bye', provider: 'fish_audio' });
      expect(later.status).toBe(400);
      expect(fish.received.at(-1)!.headers.authorization).toBeUndefined();
      const files = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      for (const f of files(dataDir)) if (statSync(f).size < 50 << 20) expect(readFileSync(f).includes(FAKE_KEYS.fish), f).toBe(false);
      expect(c.stderr()).not.toContain(FAKE_KEYS.fish);
    });

    it('an endpoint in the body: that server for that request (xtts_server); a bad one is a clear 400', async () => {
      const r = await api.call('POST', '/api/tts', { text: 'Local server voice', provider: 'xtts_server', endpoint: xtts.url, voice_id: 'female.wav' });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ meta: { engine: 'xtts', sr: 24000 } });
      expect(xtts.received.at(-1)!.body).toMatchObject({ text: 'Local server voice', speaker_wav: 'female.wav' });
      const bad = await api.call('POST', '/api/tts', { text: 'x', provider: 'xtts_server', endpoint: 'ftp://example.com' });
      expect(bad.status).toBe(400);
      expect(bad.json.detail).toMatch(/not an http:\/\/ or https:\/\/ URL/);
      const local = await api.call('POST', '/api/tts', { text: 'x', provider: 'espeak', endpoint: xtts.url });
      expect(local.status).toBe(400);
      expect(local.json.detail).toMatch(/endpoint and api_key are for voices on a server/);
    });

    it('format mp3 (ffmpeg) and another sample rate', async () => {
      const r = await api.call('POST', '/api/tts', { text: 'An mp3 please', format: 'mp3' });
      expect(r.status).toBe(200);
      expect(r.json.url).toMatch(/\.mp3$/);
      expect(r.json).toMatchObject({ meta: { format: 'mp3', sr: 22050, engine: 'espeak' } });
      const clip = await api.bytes(r.json.url as string);
      expect(clip.type).toBe('audio/mpeg');
      expect(clip.data.toString('latin1', 0, 3) === 'ID3' || (clip.data[0] === 0xff && (clip.data[1]! & 0xe0) === 0xe0)).toBe(true);
      // ffmpeg reads it back as about the same length of audio as the WAV.
      const decoded = to16k(clip.data);
      expect(decoded.length / 2 / 16000).toBeGreaterThan(0.3);
      const again = await api.call('POST', '/api/tts', { text: 'An mp3 please', format: 'mp3' });
      expect(again.json).toMatchObject({ url: r.json.url, meta: { cached: true, format: 'mp3', sr: 22050 } });

      const at16k = await api.call('POST', '/api/tts', { text: 'An mp3 please', sample_rate: 16000 });
      expect(at16k.json).toMatchObject({ meta: { format: 'wav', sr: 16000 } });
      expect(readWav((await api.bytes(at16k.json.url as string)).data)!.sampleRate).toBe(16000);
    });

    it('bad input: clear 4xx, no clip written', async () => {
      const folder = path.join(dataDir, 'waifu-audio');
      const before = readdirSync(folder).sort();
      const cases: Array<[unknown, number, RegExp]> = [
        [{}, 400, /^text required$/],
        [{ text: '  ' }, 400, /^text required$/],
        [{ text: 7 }, 422, /text must be a string/],
        [{ text: 'hi', provider: 'nope' }, 400, /Unknown TTS provider "nope": use one of fish_audio, elevenlabs, piper_local, xtts_server/],
        [{ text: 'hi', provider: 3 }, 422, /provider must be a string/],
        [{ text: 'hi', format: 'ogg' }, 400, /use wav or mp3/],
        [{ text: 'hi', sample_rate: 'fast' }, 422, /sample_rate must be a number/],
        [{ text: 'hi', sample_rate: 1000 }, 400, /8000 to 48000/],
        [{ text: 'hi', endpoint: 'http://127.0.0.1:1' }, 400, /endpoint and api_key/],
        [{ text: 'x'.repeat(5001) }, 400, /longer than 5000/],
        ['just a string', 422, /JSON object/],
      ];
      for (const [body, status, re] of cases) {
        const r = await api.call('POST', '/api/tts', body);
        expect([JSON.stringify(body).slice(0, 60), r.status]).toEqual([JSON.stringify(body).slice(0, 60), status]);
        expect(r.json.detail).toMatch(re);
      }
      expect(readdirSync(folder).sort()).toEqual(before);
    });

    it('GET /files/audio serves only its own clip names; never the database or anything else', async () => {
      writeFileSync(path.join(dataDir, 'waifu-audio', 'notes.txt'), 'not a clip');
      const names = [
        '..%2Falisa.db',
        '..%2F..%2Fetc%2Fpasswd',
        '%2E%2E%2Fwaifu-config.json',
        'notes.txt',
        'ABCDEF0123456789ABCDEF0123456789.wav',
        '0123456789abcdef0123456789abcdef.wav',
        '0123456789abcdef0123456789abcdef.wav.bak',
      ];
      for (const n of names) {
        const r = await api.bytes(`/files/audio/${n}`);
        expect([n, r.status]).toEqual([n, 404]);
      }
      for (const p of ['/files/alisa.db', '/files/app.db', '/files/audio/', '/files/audio/../alisa.db']) expect((await api.bytes(p)).status).toBe(404);
    });
  });

  describe('POST /api/asr', () => {
    let hello: Buffer;
    beforeAll(() => {
      hello = speech(work, 'hello', 'hello world');
    });

    it('off until asr.enabled is set', async () => {
      const r = await api.upload(hello);
      expect(r).toMatchObject({ status: 400, json: { detail: 'ASR not enabled in configuration' } });
    });

    it("browser: Alisa's own engine (pocketsphinx) on real speech, from WAV or Ogg", async () => {
      const put = await api.call('PUT', '/api/config', { asr: { enabled: true, provider: 'browser' } });
      expect(put.status).toBe(200);
      const r = await api.upload(hello);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ language: 'en', engine: 'pocketsphinx' });
      expect(Object.keys(r.json)).toEqual(expect.arrayContaining(['text', 'language', 'confidence']));
      // What pocketsphinx itself hears in the same 16 kHz audio.
      const direct = await new PocketsphinxEngine({ grammar: null }).transcribe(to16k(hello));
      expect(r.json.text).toBe(direct.text);
      expect(r.json.text).toMatch(/world/);
      const ogg = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 'ogg', 'pipe:1'], { input: hello });
      const fromOgg = await api.upload(ogg, 'speech.ogg');
      expect(fromOgg.json.text).toBe((await new PocketsphinxEngine({ grammar: null }).transcribe(to16k(ogg))).text);
    });

    it('whisper_local: the 16 kHz mono WAV goes to the whisper.cpp server, its text comes back', async () => {
      const put = await api.call('PUT', '/api/config', { asr: { provider: 'whisper_local' } });
      expect(put.status).toBe(200);
      whisper.transcripts.set(sha256(encodeWav(to16k(hello))), 'Hello world.');
      const r = await api.upload(hello);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ text: 'Hello world.', language: 'en', engine: 'whispercpp' });
      expect(whisper.requests.at(-1)!.wav).toMatchObject({ format: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });
    });

    it('a server that fails: 502 "Transcription failed: ..."', async () => {
      // whisper_api at whisper.cpp's address: the server has no OpenAI route (404).
      await api.call('PUT', '/api/config', { asr: { provider: 'whisper_api' } });
      const r = await api.upload(hello);
      expect(r.status).toBe(502);
      expect(r.json.detail).toMatch(/^Transcription failed: The transcription server at 127\.0\.0\.1:\d+ answered 404/);
      await api.call('PUT', '/api/config', { asr: { provider: 'browser' } });
    });

    it('bad input: not audio, an empty file, no file field', async () => {
      const text = await api.upload(Buffer.from('hello, this is a text file\n'), 'notes.txt');
      expect(text.status).toBe(400);
      expect(text.json.detail).toMatch(/not audio/);
      const playlist = await api.upload(Buffer.from('#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n'), 'list.m3u8');
      expect(playlist.status).toBe(400);
      expect((await api.upload(Buffer.alloc(0))).status).toBe(400);
      const noField = await api.upload(hello, 'speech.wav', 'audio');
      expect(noField.status).toBe(422);
      expect(noField.json.detail).toMatch(/multipart field "file"/);
    });
  });
});

describe.skipIf(missing.length > 0)('waifu chat when the model fails', () => {
  it('200 {"ok": false, "error"} in plain words, the user message kept', async () => {
    const dataDir = tempDir('alisa-waifu-nomodel-');
    const c = await startCompanion({ dataDir, model: path.join(dataDir, 'missing-model.gguf'), args: ['--waifu-port', '0'] });
    try {
      const api = waifu(c);
      const r = await api.call('POST', '/api/chat?session_id=5', { text: 'Are you there?' });
      expect(r.status).toBe(200);
      expect(r.json.ok).toBe(false);
      expect(typeof r.json.error).toBe('string');
      expect((r.json.error as string).length).toBeGreaterThan(10);
      const client = await TestClient.connect(c);
      const { messages } = await client.request('session.messages', { sessionId: r.json.session_id as number });
      expect(messages.map((m) => [m.role, m.text])).toEqual([['user', 'Are you there?']]);
      client.close();
    } finally {
      await c.stop();
    }
  });
});

describe('waifu chat: character_id', () => {
  it("the reply is written with that character's persona, for that reply only; the tags are not in the text", async () => {
    // A recording OpenAI-compatible server: the prompt the companion sends is visible (the tiny
    // model's compact prompt style has no persona at all).
    const llm = await startToolServer(() => ({ text: '<emotion=happy> Arr, I am Pip.' }));
    const c = await startCompanion({
      model: null,
      args: ['--providers', 'openai', '--endpoint', llm.url, '--no-idle', '--mute', '--prompt-style', 'full', '--waifu-port', '0', '--tts-engines', 'fish'],
      env: { FISH_API_KEY: '' },
    });
    try {
      const api = waifu(c);
      const client = await TestClient.connect(c);
      const pip = await client.request('character.create', { name: 'Captain Pip', systemPrompt: 'You are Captain Pip, a pirate who talks only of ships.' });
      const { activeId, characters } = await client.request('character.list', {});
      const active = characters.find((x) => x.id === activeId)!;
      const system = (i: number) =>
        llm.requests[i]!.messages.filter((m) => m.role === 'system')
          .map((m) => String(m.content))
          .join('\n');

      const r = await api.call('POST', `/api/chat?session_id=40&character_id=${pip.id}`, { text: 'Who are you?' });
      expect(r.json).toMatchObject({ ok: true, reply: 'Arr, I am Pip.', emotion: 'happy', audio: null });
      expect(system(0)).toContain('You are Captain Pip, a pirate who talks only of ships.');
      // Without character_id, in the same session: the active character again.
      const plain = await api.call('POST', '/api/chat?session_id=40', { text: 'And now?' });
      expect(plain.json.session_id).toBe(r.json.session_id);
      expect(system(1)).not.toContain('Captain Pip');
      expect(system(1)).toContain(active.systemPrompt.slice(0, 40));
      // speak: true with no voice that works (Fish Audio without a key): no audio, and why.
      const spoken = await api.call('POST', '/api/chat?session_id=40', { text: 'Say it', speak: true });
      expect(spoken.json).toMatchObject({ ok: true, audio: null, audio_error: expect.stringMatching(/Fish Audio needs an API key/) });
      // The panel's character did not change; the new session was made with Pip.
      expect((await client.request('character.list', {})).activeId).toBe(activeId);
      const { sessions } = await client.request('session.list', {});
      expect(sessions.find((x) => x.id === r.json.session_id)?.characterId).toBe(pip.id);
      client.close();
    } finally {
      await c.stop();
      await llm.close();
    }
  });
});

describe('the audio folder', () => {
  it('is bounded: past the most files or bytes the oldest clips go, never the one just written', () => {
    const dir = tempDir('alisa-waifu-audio-');
    const store = new AudioStore(dir, { maxFiles: 3, maxBytes: 1000 });
    const keys = ['a', 'b', 'c', 'd'].map((k) => audioKey([k]));
    const clip = (n: number) => Buffer.alloc(n, 1);
    const names: string[] = [];
    for (const [i, key] of keys.entries()) {
      names.push(store.save(key, 'wav', clip(100)));
      // Distinct times, oldest first, whatever the file system's time resolution.
      utimesSync(path.join(store.dir, names[i]!), 1000 + i, 1000 + i);
    }
    expect(readdirSync(store.dir).sort()).toEqual(names.slice(1).sort());
    expect(store.find(keys[0]!, null)).toBeNull();
    expect(store.find(keys[3]!, 'wav')).toBe(names[3]);
    // One large clip: the others go to make room; it stays although alone it is near the bound.
    const big = store.save(audioKey(['big']), 'mp3', clip(950));
    expect(readdirSync(store.dir)).toEqual([big]);
    expect(store.pathOf('../x.wav')).toBeNull();
    expect(store.pathOf(big)).toBe(path.join(store.dir, big));
  });
});
