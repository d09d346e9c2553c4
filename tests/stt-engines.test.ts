// Speech in through transcription servers: the OpenAI-compatible /v1/audio/transcriptions engine
// and whisper.cpp's /inference engine, each against a local server that speaks its real wire format
// (tests/helpers/fake-stt-servers.ts parses the multipart body and the WAV header for real). Real
// speech (espeak-ng, resampled by sox) goes through the real ListenService and the engines; the
// tests assert what the server received, the text delivered, the failures as clear messages, and
// that the key never shows in an error or a log line.
// Needs (Debian/Ubuntu): apt install espeak-ng sox pocketsphinx pocketsphinx-en-us
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompanionEvent, VoiceTranscript } from '../protocol';
import { ListenService } from '../companion/voice/listen-service';
import { findExecutable } from '../companion/voice/recorder';
import { OpenAiSttEngine } from '../companion/voice/stt/openai';
import { createSttEngines, dictationEngineId } from '../companion/voice/stt/registry';
import { cutSegment, findSpeech } from '../companion/voice/vad';
import { decodeWav, encodeWav, toMono16k } from '../companion/voice/wav-io';
import { inferenceUrl, stripNonSpeech, WhisperCppEngine } from '../companion/voice/stt/whisper-cpp';
import { failure } from './helpers/errors';
import { type FakeSttServer, sha256, startFakeSttServer } from './helpers/fake-stt-servers';

const missing = ['espeak-ng', 'sox', 'pocketsphinx_continuous'].filter((t) => !findExecutable(t));
const skip = missing.length > 0;
if (skip) console.log(`stt engine tests skipped: ${missing.join(', ')} missing (apt install espeak-ng sox pocketsphinx pocketsphinx-en-us)`);

const KEY = 'sk-stt-test-0123456789abcdef';
const SENTENCE = 'please rename the helper function';
const TEXT = 'Please rename the helper function.';
let dir = '';
let wavFile = '';
let pcm: Int16Array = new Int16Array(0);
let openai: FakeSttServer;
let whisper: FakeSttServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-stt-eng-'));
  openai = await startFakeSttServer('openai', { apiKey: KEY });
  whisper = await startFakeSttServer('whispercpp');
  if (skip) return;
  const raw = path.join(dir, 'raw.wav');
  wavFile = path.join(dir, 'sentence.wav');
  // espeak-ng writes 22050 Hz; sox makes the 16 kHz mono file a microphone recording would be.
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, SENTENCE]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wavFile, 'pad', '0.5', '1.0']);
  pcm = toMono16k(decodeWav(readFileSync(wavFile)));
  for (const s of [openai, whisper]) s.transcripts.set(sha256(encodeWav(pcm)), TEXT);
}, 60_000);

afterAll(async () => {
  await openai?.close();
  await whisper?.close();
  rmSync(dir, { recursive: true, force: true });
});

const WAV_16K_MONO = { format: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 };

describe('choosing the engine from the endpoint', () => {
  it('auto: an endpoint ending in /inference is whisper.cpp, any other is OpenAI-compatible', () => {
    expect(dictationEngineId({ sttEndpoint: 'http://127.0.0.1:8080/inference' })).toBe('whispercpp');
    expect(dictationEngineId({ sttEndpoint: 'http://127.0.0.1:8080/inference/' })).toBe('whispercpp');
    expect(dictationEngineId({ sttEndpoint: 'http://127.0.0.1:8080/v1' })).toBe('openai');
    expect(dictationEngineId({ sttEngine: 'whispercpp', sttEndpoint: 'http://127.0.0.1:8080' })).toBe('whispercpp');
    expect(inferenceUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/inference');
    expect(createSttEngines({ sttEngine: 'whispercpp', sttEndpoint: 'http://h:8080' }).dictation).toBeInstanceOf(WhisperCppEngine);
  });

  it('whispercpp without an endpoint says which setting to fill', async () => {
    const { dictation } = createSttEngines({ sttEngine: 'whispercpp' });
    expect(await dictation!.available()).toMatchObject({ id: 'whispercpp', available: false, reason: expect.stringContaining('alisa.voice.sttEndpoint') });
    expect((await new WhisperCppEngine({ endpoint: 'ftp://h/inference' }).available()).reason).toMatch(/http:\/\/ or https:\/\//);
  });

  it('a loopback server is local, another host is online (the network gate asks for it)', async () => {
    expect(await new WhisperCppEngine({ endpoint: whisper.endpoint }).available()).toMatchObject({ available: true, online: false });
    expect(await new OpenAiSttEngine({ endpoint: 'https://api.openai.com/v1' }).available()).toMatchObject({ available: true, online: true });
  });

  it("whisper.cpp's non-speech marks are no words", () => {
    expect(stripNonSpeech(' [BLANK_AUDIO]\n')).toBe('');
    expect(stripNonSpeech(' Hello (silence) there.\n [MUSIC]')).toBe('Hello there.');
  });
});

describe.skipIf(skip)('OpenAI-compatible /v1/audio/transcriptions', () => {
  it('sends a 16 kHz mono WAV, the model and json as multipart with the bearer key; returns the text', async () => {
    const engine = new OpenAiSttEngine({ endpoint: openai.endpoint, model: 'Systran/faster-whisper-small', apiKey: KEY, language: 'en' });
    const t0 = performance.now();
    const r = await engine.transcribe(pcm);
    console.log(`openai-compatible round trip (local server): ${(performance.now() - t0).toFixed(0)} ms for ${(pcm.length / 16000).toFixed(1)} s of speech`);
    expect(r.text).toBe(TEXT);
    const req = openai.requests.at(-1)!;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/v1/audio/transcriptions',
      fileName: 'speech.wav',
      fileType: 'audio/wav',
      fileBytes: 44 + pcm.length * 2,
    });
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.fields).toEqual({ model: 'Systran/faster-whisper-small', response_format: 'json', language: 'en' });
    expect(req.wav).toEqual({ ...WAV_16K_MONO, dataBytes: pcm.length * 2 });
  });

  it('the key from ALISA_STT_API_KEY; a wrong key is a 401 that says where to set it, without the key', async () => {
    process.env.ALISA_STT_API_KEY = KEY;
    try {
      expect((await new OpenAiSttEngine({ endpoint: openai.endpoint }).transcribe(pcm)).text).toBe(TEXT);
      expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      delete process.env.ALISA_STT_API_KEY;
    }
    const wrong = 'sk-wrong-key-that-the-server-echoes';
    const e = await failure(new OpenAiSttEngine({ endpoint: openai.endpoint, apiKey: wrong }).transcribe(pcm));
    expect(e.code).toBe('voice_unavailable');
    expect(e.message).toMatch(/refused the key \(401: Incorrect API key provided/);
    expect(e.action).toContain('Alisa: Set Speech-to-Text API Key');
    expect(`${e.message} ${e.action}`).not.toContain(wrong);
    const none = await failure(new OpenAiSttEngine({ endpoint: openai.endpoint, apiKey: null }).transcribe(pcm));
    expect(none.action).toMatch(/It needs a key/);
  });

  it('413, a web page instead of JSON, a dead port and a timeout are clear messages', async () => {
    const small = await startFakeSttServer('openai', { maxBytes: 10_000 });
    const html = await startFakeSttServer('openai', { htmlInstead: '<!doctype html><html><body>Welcome to nginx!</body></html>' });
    const hang = await startFakeSttServer('openai', { hang: true });
    try {
      const big = await failure(new OpenAiSttEngine({ endpoint: small.endpoint, apiKey: null }).transcribe(pcm));
      expect(big.message).toMatch(/recording is too large \(413\)/);
      expect(big.action).toMatch(/shorter/);
      const page = await failure(new OpenAiSttEngine({ endpoint: html.endpoint, apiKey: null }).transcribe(pcm));
      expect(page.message).toMatch(/answered something that is not JSON \("<!doctype html><html><body>Welcome to nginx!/);
      const late = await failure(new OpenAiSttEngine({ endpoint: hang.endpoint, apiKey: null, timeoutMs: 300 }).transcribe(pcm));
      expect(late.message).toMatch(/^The transcription server at 127\.0\.0\.1:\d+ did not answer in 300 ms\.$/);
      expect(hang.requests).toHaveLength(1); // it did arrive: the server was silent
    } finally {
      await Promise.all([small.close(), html.close(), hang.close()]);
    }
    // A port nothing listens on any more: a server that was stopped.
    const gone = await startFakeSttServer('openai');
    await gone.close();
    const port = new URL(gone.endpoint).port;
    const dead = await failure(new OpenAiSttEngine({ endpoint: gone.endpoint, apiKey: null }).transcribe(pcm));
    expect(dead.message).toBe(`The transcription server at 127.0.0.1:${port} could not be reached (ECONNREFUSED).`);
    expect(dead.action).toContain(`Check that the transcription server at ${gone.endpoint} is running`);
  });
});

describe.skipIf(skip)('whisper.cpp server /inference', () => {
  it('sends the WAV with temperature and json; returns the text without its leading space', async () => {
    const r = await new WhisperCppEngine({ endpoint: whisper.endpoint, apiKey: null }).transcribe(pcm);
    expect(r.text).toBe(TEXT);
    const req = whisper.requests.at(-1)!;
    expect(req).toMatchObject({ path: '/inference', fileName: 'speech.wav', fileBytes: 44 + pcm.length * 2 });
    expect(req.fields).toEqual({ temperature: '0.0', response_format: 'json' });
    expect(req.wav).toEqual({ ...WAV_16K_MONO, dataBytes: pcm.length * 2 });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('silence is an empty transcript; its 200 {"error"} answers are errors', async () => {
    expect((await new WhisperCppEngine({ endpoint: whisper.endpoint, apiKey: null }).transcribe(new Int16Array(16000))).text).toBe('');
    const broken = await startFakeSttServer('whispercpp', { failWith: 'failed to process audio' });
    try {
      const e = await failure(new WhisperCppEngine({ endpoint: broken.endpoint, apiKey: null }).transcribe(pcm));
      expect(e.message).toMatch(/^The whisper\.cpp server at 127\.0\.0\.1:\d+ could not transcribe: failed to process audio\.$/);
    } finally {
      await broken.close();
    }
    // A wrong path (a whisper.cpp server started with another --inference-path) is its 404 page.
    const e = await failure(new WhisperCppEngine({ endpoint: whisper.endpoint.replace('/inference', '/asr/inference'), apiKey: null }).transcribe(pcm));
    expect(e.message).toMatch(/whisper\.cpp server at 127\.0\.0\.1:\d+ answered 404: File Not Found/);
  });

  it('ListenService: speech from a WAV input reaches the server and comes back as the transcript; nothing logs the key', async () => {
    const events: CompanionEvent[] = [];
    const logs: string[] = [];
    const svc = new ListenService({ emit: (e) => events.push(e), modelsDir: dir, sttEndpoint: whisper.endpoint, log: (l) => logs.push(l) }, { speed: 4 });
    process.env.ALISA_STT_API_KEY = KEY;
    try {
      await svc.configure({ sttEngine: 'auto', input: wavFile, transcript: 'insert' });
      expect(svc.status().stt.map((s) => [s.id, s.available])).toEqual([
        ['whispercpp', true],
        ['pocketsphinx', true],
      ]);
      // The service sends the VAD's cut of the file: the server knows those exact bytes.
      const s = findSpeech(pcm);
      const cut = cutSegment(pcm, { start: s[0]!.start, end: s[s.length - 1]!.end });
      whisper.transcripts.set(sha256(encodeWav(cut)), TEXT);
      const before = whisper.requests.length;
      await svc.start();
      await svc.idle();
      expect(whisper.requests.length).toBe(before + 1);
      expect(whisper.requests.at(-1)!.wav).toMatchObject(WAV_16K_MONO);
    } finally {
      delete process.env.ALISA_STT_API_KEY;
      await svc.dispose();
    }
    const transcripts = events.filter((e) => e.type === 'voice.transcript');
    for (const e of transcripts) expect(VoiceTranscript.safeParse(e).success).toBe(true);
    expect(transcripts.at(-1)).toEqual({ type: 'voice.transcript', text: TEXT, engine: 'whispercpp', command: null, mode: 'insert' });
    expect(logs.join('\n')).toContain('whispercpp');
    expect(logs.join('\n')).not.toContain(KEY);
  }, 30_000);

  it('ListenService with an OpenAI-compatible server and a wrong key: the panel gets a clear error, the log no key', async () => {
    const events: CompanionEvent[] = [];
    const logs: string[] = [];
    const svc = new ListenService(
      { emit: (e) => events.push(e), modelsDir: dir, sttEndpoint: openai.endpoint, sttServerModel: 'whisper-large-v3', log: (l) => logs.push(l) },
      { speed: 4 },
    );
    const wrong = 'sk-wrong-0123456789-wrong';
    process.env.ALISA_STT_API_KEY = wrong;
    try {
      await svc.configure({ sttEngine: 'auto', input: wavFile, transcript: 'insert' });
      await svc.start();
      await svc.idle();
    } finally {
      delete process.env.ALISA_STT_API_KEY;
      await svc.dispose();
    }
    expect(openai.requests.at(-1)!.fields.model).toBe('whisper-large-v3');
    expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${wrong}`);
    const err = svc.status().error;
    expect(err?.message).toMatch(/refused the key \(401/);
    expect(JSON.stringify(events)).not.toContain(wrong);
    expect(logs.join('\n')).toMatch(/refused the key/);
    expect(logs.join('\n')).not.toContain(wrong);
  }, 30_000);
});
