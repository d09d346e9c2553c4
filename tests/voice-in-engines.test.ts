// Speech in, the engines and the edges: the OpenAI-compatible transcription engine against a
// local server speaking that format (tests/helpers/fake-transcribe-server.ts), sherpa-onnx with a
// missing or corrupt model, no recorder / no microphone, engine selection, and the
// `npm run voice` CLI (--transcribe, --command, --say). Audio is made with espeak-ng and sox.
// Needs (Debian/Ubuntu): apt install espeak-ng sox pocketsphinx pocketsphinx-en-us
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceTranscript, type CompanionEvent } from '../protocol';
import { ListenService } from '../companion/voice/listen-service';
import { findExecutable, recorderCommands, startRecording } from '../companion/voice/recorder';
import { OpenAiSttEngine, transcriptionsUrl } from '../companion/voice/stt/openai';
import { createSttEngines, dictationEngineId, sttStates } from '../companion/voice/stt/registry';
import { SherpaEngine, resolveSherpaModel, sherpaPackage } from '../companion/voice/stt/sherpa';
import { cutSegment, findSpeech } from '../companion/voice/vad';
import { decodeWav, encodeWav, toMono16k } from '../companion/voice/wav-io';
import { failure } from './helpers/errors';
import { sha256, startFakeTranscribeServer, type FakeTranscribeServer } from './helpers/fake-transcribe-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const missing = ['espeak-ng', 'sox', 'pocketsphinx_continuous'].filter((t) => !findExecutable(t));
const skip = missing.length > 0;
if (skip) console.log(`voice-in engine tests skipped: ${missing.join(', ')} missing (apt install espeak-ng sox pocketsphinx pocketsphinx-en-us)`);

let dir = '';
let server: FakeTranscribeServer;
const wav: Record<string, string> = {};

function speak(name: string, text: string): string {
  const raw = path.join(dir, `${name}.raw.wav`);
  const out = path.join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out, 'pad', '0.5', '1.0']);
  return out;
}
const read16k = (file: string) => toMono16k(decodeWav(readFileSync(file)));
/** What the service sends for a WAV input: the VAD's cut with 300 ms around it. */
const cut = (pcm: Int16Array) => {
  const s = findSpeech(pcm);
  return cutSegment(pcm, { start: s[0]!.start, end: s[s.length - 1]!.end });
};

const SENTENCE = 'the build fails because the import path is wrong';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-voice-eng-'));
  server = await startFakeTranscribeServer({ apiKey: 'sk-test' });
  if (skip) return;
  wav.sentence = speak('sentence', SENTENCE);
  wav.stop = speak('stop', 'stop talking');
  wav.newSession = speak('new', 'new session');
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('engine selection', () => {
  it('auto: sherpa with a model, else openai with an endpoint, else commands only', () => {
    expect(dictationEngineId({ sttModel: '/m', sttEndpoint: 'http://x' })).toBe('sherpa');
    expect(dictationEngineId({ sttModel: null, sttEndpoint: 'http://x' })).toBe('openai');
    expect(dictationEngineId({})).toBeNull();
    expect(dictationEngineId({ sttEngine: 'pocketsphinx' })).toBe('pocketsphinx');
    expect(createSttEngines({}).dictation).toBeNull();
    expect(createSttEngines({ sttEndpoint: 'http://127.0.0.1:1/v1' }).dictation?.id).toBe('openai');
  });

  it('builds the transcriptions URL from a base URL', () => {
    expect(transcriptionsUrl('http://h:8080/v1/')).toBe('http://h:8080/v1/audio/transcriptions');
    expect(transcriptionsUrl('http://h:8080')).toBe('http://h:8080/v1/audio/transcriptions');
    expect(transcriptionsUrl('https://api.openai.com/v1/audio/transcriptions')).toBe('https://api.openai.com/v1/audio/transcriptions');
  });
});

describe.skipIf(skip)('openai engine against a local transcription server', () => {
  it('posts the WAV and the model as multipart with the bearer key and returns {text}', async () => {
    const pcm = read16k(wav.sentence!);
    server.transcripts.set(sha256(encodeWav(pcm)), 'The build fails because the import path is wrong.');
    const engine = new OpenAiSttEngine({ endpoint: server.url, model: 'whisper-1', apiKey: 'sk-test' });
    const t0 = performance.now();
    const r = await engine.transcribe(pcm);
    console.log(`openai engine round trip (local fake server): ${(performance.now() - t0).toFixed(0)} ms for ${(pcm.length / 16000).toFixed(1)} s of audio`);
    expect(r.text).toBe('The build fails because the import path is wrong.');
    const req = server.requests.at(-1)!;
    expect(req).toMatchObject({
      path: '/v1/audio/transcriptions',
      authorization: 'Bearer sk-test',
      model: 'whisper-1',
      fileName: 'speech.wav',
      fileType: 'audio/wav',
      fileBytes: 44 + pcm.length * 2,
    });
  });

  it('takes the key from ALISA_STT_API_KEY, and says what to do on 401, timeouts and a dead server', async () => {
    const pcm = read16k(wav.stop!);
    process.env.ALISA_STT_API_KEY = 'sk-test';
    try {
      await new OpenAiSttEngine({ endpoint: server.url }).transcribe(pcm);
      expect(server.requests.at(-1)!.authorization).toBe('Bearer sk-test');
    } finally {
      delete process.env.ALISA_STT_API_KEY;
    }
    const unauthorized = await failure(new OpenAiSttEngine({ endpoint: server.url, apiKey: 'wrong' }).transcribe(pcm));
    expect(unauthorized.code).toBe('voice_unavailable');
    expect(unauthorized.message).toContain('401');
    expect(unauthorized.message).toContain('Incorrect API key');
    expect(unauthorized.action).toContain('ALISA_STT_API_KEY');
    const slow = await startFakeTranscribeServer({ delayMs: 5000 });
    try {
      const e = await failure(new OpenAiSttEngine({ endpoint: slow.url, apiKey: null, timeoutMs: 300 }).transcribe(pcm));
      expect(e.message).toMatch(/did not answer in/);
    } finally {
      await slow.close();
    }
    const dead = await failure(new OpenAiSttEngine({ endpoint: 'http://127.0.0.1:9/v1', apiKey: null }).transcribe(pcm));
    expect(dead.message).toMatch(/could not be reached/);
  });

  it('ListenService: dictation text from the server with command null; a spoken command still wins', async () => {
    const events: CompanionEvent[] = [];
    const commands: string[] = [];
    // The server is a launch setting (--stt-endpoint): given to the service, never by configure.
    const svc = new ListenService({ emit: (e) => events.push(e), modelsDir: dir, sttEndpoint: server.url, onCommand: (c) => commands.push(c) }, { speed: 4 });
    process.env.ALISA_STT_API_KEY = 'sk-test';
    try {
      await svc.configure({ sttEngine: 'auto', input: wav.sentence!, transcript: 'insert' });
      expect(svc.status().stt.map((s) => [s.id, s.available])).toEqual([
        ['openai', true],
        ['pocketsphinx', true],
      ]);
      // The server knows the exact bytes the service will send: the VAD cut of the file.
      server.transcripts.set(sha256(encodeWav(cut(read16k(wav.sentence!)))), 'The build fails because the import path is wrong.');
      server.transcripts.set(sha256(encodeWav(cut(read16k(wav.newSession!)))), 'New session.');
      await svc.start();
      await svc.stop().catch(() => undefined); // stops at once: only a part was recorded...
      events.length = 0;
      await svc.start();
      await svc.idle(); // ...this time the whole file
      await svc.configure({ input: wav.newSession! });
      await svc.start();
      await svc.idle();
    } finally {
      delete process.env.ALISA_STT_API_KEY;
    }
    for (const e of events) expect(VoiceTranscript.safeParse(e).success).toBe(true);
    expect(events).toEqual([
      { type: 'voice.transcript', text: 'The build fails because the import path is wrong.', engine: 'openai', command: null, mode: 'insert' },
      { type: 'voice.transcript', text: 'new session', engine: 'openai', command: 'new session', mode: 'insert' },
    ]);
    expect(commands).toEqual(['new session']);
    await svc.dispose();
  }, 30_000);
});

describe('sherpa engine', () => {
  it('is installed (sherpa-onnx-node) and reports a missing model as stt_model_missing, not a crash', async () => {
    expect(sherpaPackage()).not.toBeNull();
    for (const model of [null, '', path.join(dir, 'nope'), 'relative-missing']) {
      const e = await failure(new SherpaEngine({ model, modelsDir: dir }).transcribe(new Int16Array(16000)));
      expect(e.code).toBe('stt_model_missing');
      expect(e.action).toMatch(/Download a Whisper or Moonshine model/);
      expect(e.action).toMatch(/choose another engine/);
    }
    const empty = path.join(dir, 'empty-model');
    mkdirSync(empty);
    expect(() => resolveSherpaModel(empty)).toThrow(/no Whisper or Moonshine model/);
    writeFileSync(path.join(empty, 'tiny.en-encoder.int8.onnx'), '');
    expect(() => resolveSherpaModel(empty)).toThrow(/incomplete: \*decoder\*\.onnx, \*tokens\.txt missing/);
    const state = await new SherpaEngine({ model: path.join(dir, 'nope') }).available();
    expect(state).toMatchObject({ id: 'sherpa', available: false });
    expect(state.reason).toMatch(/does not exist/);
  });

  it('finds Whisper and Moonshine files in a folder, or from one of its files, preferring int8', () => {
    const w = path.join(dir, 'whisper-tiny');
    mkdirSync(w);
    for (const f of ['tiny.en-encoder.onnx', 'tiny.en-encoder.int8.onnx', 'tiny.en-decoder.onnx', 'tiny.en-decoder.int8.onnx', 'tiny.en-tokens.txt'])
      writeFileSync(path.join(w, f), '');
    expect(resolveSherpaModel(path.join(w, 'tiny.en-tokens.txt'))).toEqual({
      kind: 'whisper',
      dir: w,
      encoder: path.join(w, 'tiny.en-encoder.int8.onnx'),
      decoder: path.join(w, 'tiny.en-decoder.int8.onnx'),
      tokens: path.join(w, 'tiny.en-tokens.txt'),
    });
    const m = path.join(dir, 'moonshine');
    mkdirSync(m);
    for (const f of ['preprocess.onnx', 'encode.int8.onnx', 'uncached_decode.int8.onnx', 'cached_decode.int8.onnx', 'tokens.txt'])
      writeFileSync(path.join(m, f), '');
    expect(resolveSherpaModel('moonshine', dir)).toMatchObject({
      kind: 'moonshine',
      encoder: path.join(m, 'encode.int8.onnx'),
      cachedDecoder: path.join(m, 'cached_decode.int8.onnx'),
    });
  });

  it('a corrupt model crashes only the child process and becomes a clear error', async () => {
    const bad = path.join(dir, 'corrupt-whisper');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'x-encoder.onnx'), 'not an onnx file');
    writeFileSync(path.join(bad, 'x-decoder.onnx'), 'not an onnx file');
    writeFileSync(path.join(bad, 'x-tokens.txt'), 'a 0\nb 1\n');
    const e = await failure(new SherpaEngine({ model: bad }).transcribe(new Int16Array(16000)));
    expect(e.code).toBe('stt_model_missing');
    expect(e.message).toMatch(/could not be loaded/);
    expect(e.message).toMatch(/Protobuf parsing failed|crashed/);
  }, 30_000);

  it('ListenService shows the missing model in its status and still hears commands', async () => {
    const svc = new ListenService({ emit: () => undefined, modelsDir: dir, sttModel: path.join(dir, 'nope') });
    await svc.configure({ sttEngine: 'sherpa' });
    const st = svc.status();
    expect(st.error?.code).toBe('stt_model_missing');
    expect(st.stt[0]).toMatchObject({ id: 'sherpa', available: false });
    if (!skip) expect(st.stt[1]).toMatchObject({ id: 'pocketsphinx', available: true });
    await svc.dispose();
  });
});

describe('microphone', () => {
  it('no recorder tool on PATH: microphone_unavailable saying what to install', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'alisa-nopath-'));
    try {
      expect(recorderCommands('default', { PATH: empty }, 'linux')).toEqual([]);
      const e = await failure(startRecording({ input: 'default', env: { PATH: empty } }));
      expect(e.code).toBe('microphone_unavailable');
      expect(e.action).toMatch(/Install ffmpeg, sox or alsa-utils/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('builds the documented commands for each platform', (ctx) => {
    if (!findExecutable('ffmpeg') && !findExecutable('sox')) {
      const reason = 'neither ffmpeg nor sox is installed, so no recorder command is built here';
      console.log(`SKIPPED the recorder-command check: ${reason}`);
      return ctx.skip(reason);
    }
    const linux = recorderCommands('default', process.env, 'linux').map((c) => `${c.tool} ${c.args.join(' ')}`);
    if (findExecutable('ffmpeg')) {
      expect(linux[0]).toContain('-f pulse -i default');
      expect(linux[1]).toContain('-f alsa -i default');
      expect(linux[0]).toContain('-ac 1 -ar 16000 -f s16le -');
      expect(recorderCommands('default', process.env, 'darwin')[0]!.args.join(' ')).toContain('-f avfoundation -i :0');
    }
    if (findExecutable('sox')) expect(linux.some((c) => c.startsWith('sox -q -d -t raw -r 16000 -c 1 -b 16'))).toBe(true);
  });

  it('tools present but no device (this machine has no microphone): microphone_unavailable', async (ctx) => {
    if (!recorderCommands().length) {
      const reason = 'no recorder (ffmpeg, sox or arecord) is installed, so there is nothing to try without a device';
      console.log(`SKIPPED the no-device check: ${reason}`);
      return ctx.skip(reason);
    }
    const t0 = performance.now();
    const r = await startRecording({ input: 'default' }).then(
      async (rec) => ({ rec: await rec.stop() }),
      (e: unknown) => ({ e }),
    );
    if ('rec' in r) {
      const reason = `a real input device exists here (${r.rec.tool}), so the no-device error cannot happen`;
      console.log(`SKIPPED the no-device check: ${reason}`);
      return ctx.skip(reason);
    }
    expect((r.e as { code: string }).code).toBe('microphone_unavailable');
    console.log(`no device: ${(performance.now() - t0).toFixed(0)} ms: ${(r.e as Error).message}`);
  });

  it('a WAV input that does not exist is a clear error', async () => {
    const e = await failure(startRecording({ input: path.join(dir, 'missing.wav') }));
    expect(e.code).toBe('microphone_unavailable');
    expect(e.message).toMatch(/cannot be read/);
  });
});

describe.skipIf(skip)('npm run voice (the CLI)', () => {
  let cli = '';
  beforeAll(async () => {
    // Bundled like the build does, next to node_modules so sherpa-onnx-node resolves.
    const outDir = path.join(ROOT, 'node_modules', '.cache', 'alisa-voice-in-test');
    mkdirSync(outDir, { recursive: true });
    cli = path.join(outDir, `cli-${process.pid}.mjs`);
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'companion/voice/cli.ts')],
      outfile: cli,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['sherpa-onnx-node'],
      logLevel: 'warning',
    });
  });
  afterAll(() => {
    if (cli) rmSync(cli, { force: true });
  });
  // Asynchronous: the fake server runs in this process and must keep answering.
  const run = (...args: string[]) =>
    new Promise<{ status: number | null; json: Record<string, unknown> }>((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ALISA_STT_API_KEY: 'sk-test' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (status) => {
        const lines = out.trim().split('\n');
        expect(lines).toHaveLength(1);
        resolve({ status, json: JSON.parse(lines[0]!) as Record<string, unknown> });
      });
    });

  it('--command FILE.wav recognises a built-in command offline', async () => {
    const r = await run('--command', wav.stop!);
    console.log(`cli --command: ${JSON.stringify(r.json)}`);
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ engine: 'pocketsphinx', command: 'stop talking', id: 'stop_talking', text: 'stop talking' });
    expect(typeof r.json.ms).toBe('number');
    expect((await run('--command', wav.sentence!)).json).toMatchObject({ command: null, text: '' });
  });

  it('--transcribe FILE.wav: pocketsphinx free dictation by default, the server with --endpoint', async () => {
    const free = await run('--transcribe', wav.sentence!);
    console.log(`cli --transcribe (pocketsphinx free): ${JSON.stringify(free.json)}`);
    expect(free.status).toBe(0);
    expect(free.json).toMatchObject({ engine: 'pocketsphinx' });
    expect(typeof free.json.text).toBe('string');
    server.transcripts.set(sha256(encodeWav(cut(read16k(wav.sentence!)))), 'The build fails because the import path is wrong.');
    const remote = await run('--transcribe', wav.sentence!, '--endpoint', server.url);
    expect(remote.json).toMatchObject({ engine: 'openai', text: 'The build fails because the import path is wrong.' });
  });

  it('errors are one JSON line with code, message and action, exit 1', async () => {
    const r = await run('--transcribe', wav.sentence!, '--model', path.join(dir, 'nope'));
    expect(r.status).toBe(1);
    expect(r.json).toMatchObject({ error: { code: 'stt_model_missing' } });
    expect((r.json.error as { action: string }).action).toMatch(/Download a Whisper or Moonshine model/);
    expect(await run('--command', path.join(dir, 'missing.wav'))).toMatchObject({ status: 1, json: { error: { code: 'invalid_argument' } } });
  });

  it('--say TEXT --out FILE.wav speaks with the text-to-speech chain', async () => {
    const out = path.join(dir, 'said.wav');
    const r = await run('--say', 'hello, I am Alisa', '--out', out, '--tts-engine', 'espeak');
    console.log(`cli --say: ${JSON.stringify(r.json)}`);
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ engine: 'espeak', out, mime: 'audio/wav', skipped: [], firstAudioMs: expect.any(Number), durationMs: expect.any(Number) });
    expect(decodeWav(readFileSync(out)).samples.length).toBeGreaterThan(1000);
  });

  it('--say names the engines it skipped and why (Piper without a voice, then espeak)', async () => {
    const out = path.join(dir, 'said2.wav');
    const r = await run('--say', 'hello again', '--out', out, '--data', path.join(dir, 'no-voices'));
    expect(r.status).toBe(0);
    expect(r.json).toMatchObject({ engine: 'espeak', skipped: [{ engine: 'piper', reason: expect.stringMatching(/Piper has no voice yet/) }] });
  });
});

describe.skipIf(skip)('status', () => {
  it('lists the dictation engine first, then pocketsphinx', async () => {
    const states = await sttStates(createSttEngines({ sttEndpoint: server.url }));
    expect(states.map((s) => s.id)).toEqual(['openai', 'pocketsphinx']);
  });
});
