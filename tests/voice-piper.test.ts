// The default speech chain is local: Piper (built in, through sherpa-onnx-node in a child process)
// then espeak-ng; Microsoft Edge's online voice only when chosen. Piper without a voice is skipped
// with a reason that says how to get one (and the service offers it once); a broken voice crashes
// only Piper's child process, never the companion. Real synthesis with a Piper voice runs when one
// is on this machine (ALISA_TEST_PIPER_VOICE = a vits-piper-* folder); none can be downloaded here.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TTS_ENGINES, isOnlineTtsEngine } from '../protocol';
import { PiperEngine, PIPER_NO_VOICE } from '../companion/voice/tts/piper';
import { installedVoice, resolvePiperVoice } from '../companion/voice/tts/piper-voice';
import { sherpaTtsPackage } from '../companion/voice/tts/piper-sherpa';
import { DEFAULT_TTS_ORDER, TtsChain } from '../companion/voice/tts/registry';
import { readWav } from '../companion/voice/wav-io';
import { startFakeEdge, type FakeEdge } from './helpers/fake-edge-tts';
import { tempDir } from './helpers/companion';
import { hasEspeak, recordingVoice } from './helpers/comp-voice';
import { systemEspeakData, TINY_VITS_RATE, TINY_VITS_SAMPLES_PER_ID, writeTinyVoice } from './helpers/tiny-vits';

const ESPEAK = hasEspeak();
if (!ESPEAK) console.log('espeak-ng is not installed (apt install espeak-ng): the tests where it speaks are skipped');
const SHERPA = sherpaTtsPackage() !== null;
if (!SHERPA) console.log('sherpa-onnx-node is not installed (npm install): the built-in Piper tests are skipped');
const TINY = SHERPA && systemEspeakData() !== null;
if (SHERPA && !TINY) console.log('no espeak-ng-data on this machine (apt install espeak-ng): the tests with a Piper-shaped voice are skipped');
const REAL_VOICE = process.env.ALISA_TEST_PIPER_VOICE?.trim() || null;
if (!REAL_VOICE) {
  console.log(
    'no Piper voice on this machine (set ALISA_TEST_PIPER_VOICE to a vits-piper-* folder, e.g. an unpacked vits-piper-en_US-amy-low.tar.bz2): the real Piper synthesis test is skipped',
  );
}

const OPTS = { voice: null, rate: '+15%', pitch: '+10Hz' };
const signal = () => new AbortController().signal;
const edges: FakeEdge[] = [];
afterAll(async () => {
  for (const e of edges) await e.close();
});

/** A folder shaped like a voice, whose model is not an ONNX model at all (a broken download). */
function brokenVoice(): string {
  const dir = path.join(tempDir('alisa-piper-broken-'), 'vits-piper-en_US-broken-low');
  mkdirSync(path.join(dir, 'espeak-ng-data'), { recursive: true });
  writeFileSync(path.join(dir, 'en_US-broken-low.onnx'), Buffer.from('this is not an ONNX model, just bytes'.repeat(100)));
  writeFileSync(path.join(dir, 'tokens.txt'), '_ 0\n^ 1\n$ 2\n  3\na 14\n');
  for (const f of ['phontab', 'phonindex', 'phondata', 'intonations']) writeFileSync(path.join(dir, 'espeak-ng-data', f), Buffer.alloc(64));
  return dir;
}

describe('the default chain', () => {
  it('is piper, then espeak: nothing online', () => {
    expect(DEFAULT_TTS_ORDER).toEqual(['piper', 'espeak']);
    expect(DEFAULT_TTS_ENGINES).toEqual(['piper', 'espeak']);
    expect(new TtsChain().order).toEqual(['piper', 'espeak']);
    expect(isOnlineTtsEngine('msedge')).toBe(true);
    expect(DEFAULT_TTS_ORDER.some((id) => isOnlineTtsEngine(id))).toBe(false);
  });

  it.skipIf(!ESPEAK)('with no Piper voice, Piper is skipped with how to get one and espeak-ng speaks; Edge is never asked', async () => {
    const edge = await startFakeEdge();
    edges.push(edge);
    const voicesDir = path.join(tempDir('alisa-voices-'), 'voices');
    const chain = new TtsChain({ edgeEndpoint: edge.url, piper: { binary: null, model: null, voicesDir } });
    const r = await chain.synthesize('Hello there.', OPTS, signal());
    expect(r.engine).toBe('espeak');
    expect(r.mime).toBe('audio/wav');
    expect(readWav(r.data)!.dataBytes).toBeGreaterThan(1000);
    expect(r.skipped).toEqual([{ engine: 'piper', reason: PIPER_NO_VOICE }]);
    expect(PIPER_NO_VOICE).toMatch(/no voice yet: download one \("Alisa: Download Voice".*or choose a voice folder you have \(alisa\.voice\.piperModel/);
    const states = await chain.states();
    expect(states.map((s) => s.id)).toEqual(['piper', 'espeak']);
    expect(states[0]).toMatchObject({ available: false, reason: PIPER_NO_VOICE });
    expect(edge.connections).toBe(0);
    expect(edge.ssml).toEqual([]);
    chain.close();
  });

  it('Edge speaks only when the user puts it in the order, and is reported as online', async () => {
    const edge = await startFakeEdge();
    edges.push(edge);
    const chain = new TtsChain({ order: ['msedge', 'espeak'], edgeEndpoint: edge.url });
    const r = await chain.synthesize('Hello from the cloud.', OPTS, signal());
    expect(r.engine).toBe('msedge');
    expect(edge.ssml.at(-1)).toContain('Hello from the cloud.');
    chain.close();
    // A real Edge endpoint (not this machine) is online.
    const real = new TtsChain({ order: ['msedge'] });
    expect((await real.states())[0]).toMatchObject({ id: 'msedge', online: true });
    real.close();
  });
});

describe('Piper voices for sherpa-onnx', () => {
  it('finds the voice in a folder, from its .onnx, in a folder that holds one, and in DATA/voices', () => {
    const broken = brokenVoice();
    const v = resolvePiperVoice(broken);
    expect(v).toMatchObject({ dir: broken, id: 'en_US-broken-low', tokens: path.join(broken, 'tokens.txt'), dataDir: path.join(broken, 'espeak-ng-data') });
    expect(resolvePiperVoice(path.join(broken, 'en_US-broken-low.onnx'))).toMatchObject({ dir: broken });
    expect(resolvePiperVoice(path.dirname(broken))).toMatchObject({ dir: broken });
    expect(installedVoice(path.dirname(broken))).toMatchObject({ dir: broken });
    expect(installedVoice(path.join(broken, 'nothing-here'))).toBeNull();
  });

  it('says what is wrong with a path that is not a voice', () => {
    const dir = tempDir('alisa-piper-bad-');
    expect(resolvePiperVoice(path.join(dir, 'missing'))).toMatchObject({
      problem: expect.stringMatching(/missing \(alisa\.voice\.piperModel \/ --piper-model\) does not exist/),
    });
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect(resolvePiperVoice(path.join(dir, 'notes.txt'))).toMatchObject({ problem: expect.stringMatching(/must be a voice folder or its \.onnx file/) });
    // A plain Piper voice (rhasspy/piper-voices: .onnx + .onnx.json) needs the piper binary.
    writeFileSync(path.join(dir, 'en_US-plain-medium.onnx'), 'x');
    writeFileSync(path.join(dir, 'en_US-plain-medium.onnx.json'), '{}');
    expect(resolvePiperVoice(dir)).toMatchObject({
      problem: expect.stringMatching(/plain Piper voice.*tokens\.txt and espeak-ng-data.*alisa\.voice\.piperBinary/),
    });
    writeFileSync(path.join(dir, 'tokens.txt'), 'a 1\n');
    expect(resolvePiperVoice(dir)).toMatchObject({ problem: expect.stringMatching(/not a complete Piper voice for sherpa-onnx: espeak-ng-data\/ missing/) });
  });

  it.skipIf(!SHERPA)("a broken voice crashes only Piper's child process: the reason is onnxruntime's, and it is not retried", async () => {
    const engine = new PiperEngine({ binary: null, model: brokenVoice() });
    expect(await engine.available()).toEqual({ id: 'piper', available: true, reason: null });
    const err = (await engine.synthesize('Hello.', OPTS, signal()).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/The Piper voice .*en_US-broken-low\.onnx could not be loaded/);
    expect(err.message).toMatch(/Protobuf parsing failed|Load model/);
    // This process (the companion's stand-in) is alive, and the engine now says why it cannot speak.
    const state = await engine.available();
    expect(state).toMatchObject({ id: 'piper', available: false });
    expect(state.reason).toMatch(/could not be loaded.*Download the voice again or choose another/);
    const again = (await engine.synthesize('Hello again.', OPTS, signal()).catch((e: unknown) => e)) as Error;
    expect(again.message).toBe(err.message);
    engine.close();
  });

  it.skipIf(!SHERPA || !ESPEAK)('in the chain, a broken Piper voice falls back to espeak-ng for the same sentence', async () => {
    const chain = new TtsChain({ piper: { binary: null, model: brokenVoice() } });
    const r = await chain.synthesize('Still speaking.', OPTS, signal());
    expect(r.engine).toBe('espeak');
    expect(r.skipped).toEqual([{ engine: 'piper', reason: expect.stringMatching(/could not be loaded/) }]);
    chain.close();
  });

  it.skipIf(!TINY)('speaks through sherpa-onnx in its child process: the voice is loaded once, sentences come back in order', async () => {
    const voice = writeTinyVoice(tempDir('alisa-piper-tiny-'))!;
    const logs: string[] = [];
    const engine = new PiperEngine({ binary: null, model: voice }, (l) => logs.push(l));
    expect(await engine.available()).toEqual({ id: 'piper', available: true, reason: null });
    expect(engine.voicePath()).toBe(voice);
    // Until the voice is loaded the chain allows extra time for the first audio; then none.
    expect(engine.startupMs()).toBeGreaterThan(0);
    let first = false;
    const short = await engine.synthesize('Hi.', { ...OPTS, onAudio: () => (first = true) }, signal());
    expect(first).toBe(true);
    expect(engine.startupMs()).toBe(0);
    const wav = readWav(short.data)!;
    expect(wav).toMatchObject({ sampleRate: TINY_VITS_RATE, channels: 1, bitsPerSample: 16 });
    // The tiny model sounds one tone per phoneme id sherpa's espeak-ng front end produced.
    expect(wav.dataBytes % (TINY_VITS_SAMPLES_PER_ID * 2)).toBe(0);
    expect(wav.dataBytes).toBeGreaterThan(0);
    // Two sentences at once (the pipeline's depth) and a third: each gets its own audio, longer text longer audio.
    const [a, b] = await Promise.all([engine.synthesize('Hello there, how are you today?', OPTS, signal()), engine.synthesize('Fine.', OPTS, signal())]);
    expect(a.durationMs!).toBeGreaterThan(b.durationMs!);
    expect(a.durationMs!).toBeGreaterThan(short.durationMs!);
    // A sentence stopped while waiting is dropped; the next one still speaks.
    const stop = new AbortController();
    const dropped = engine.synthesize('This one is stopped before it is spoken.', OPTS, stop.signal);
    stop.abort(new Error('barge-in'));
    await expect(dropped).rejects.toThrow('barge-in');
    expect((await engine.synthesize('And this one is spoken.', OPTS, signal())).data.length).toBeGreaterThan(44);
    expect(logs.filter((l) => /Piper voice en_US-tiny-low loaded/.test(l))).toHaveLength(1);
    // Closed (idle, or the voice changed): the next sentence loads it again.
    engine.close();
    expect((await engine.synthesize('Back again.', OPTS, signal())).mime).toBe('audio/wav');
    expect(logs.filter((l) => /loaded/.test(l))).toHaveLength(2);
    engine.close();
  });

  it.skipIf(!TINY)('with a voice in DATA/voices, the default chain speaks with Piper and skips nothing', async () => {
    const voicesDir = path.join(tempDir('alisa-voices-'), 'voices');
    writeTinyVoice(voicesDir);
    const chain = new TtsChain({ piper: { binary: null, model: null, voicesDir } });
    const r = await chain.synthesize('Hello from Piper.', OPTS, signal());
    expect(r).toMatchObject({ engine: 'piper', mime: 'audio/wav', skipped: [] });
    expect((await chain.states())[0]).toMatchObject({ id: 'piper', available: true });
    expect(chain.cacheTag('piper')).toContain('en_US-tiny-low.onnx');
    chain.close();
  });

  it.skipIf(!SHERPA || !REAL_VOICE)('speaks with a real Piper voice (ALISA_TEST_PIPER_VOICE)', async () => {
    const engine = new PiperEngine({ binary: null, model: REAL_VOICE });
    expect(await engine.available()).toEqual({ id: 'piper', available: true, reason: null });
    let first = false;
    const r = await engine.synthesize('Hello, I am Alisa.', { ...OPTS, onAudio: () => (first = true) }, signal());
    expect(first).toBe(true);
    const wav = readWav(r.data)!;
    expect(wav.channels).toBe(1);
    expect(wav.sampleRate).toBeGreaterThanOrEqual(16000);
    expect(r.durationMs).toBeGreaterThan(500);
    // Not silence: some samples are loud.
    let peak = 0;
    for (let i = wav.dataOffset; i + 1 < wav.dataOffset + wav.dataBytes; i += 2) peak = Math.max(peak, Math.abs(r.data.readInt16LE(i)));
    expect(peak).toBeGreaterThan(1000);
    // Faster rate, shorter audio (same voice, loaded once).
    const fast = await engine.synthesize('Hello, I am Alisa.', { ...OPTS, rate: '+60%' }, signal());
    expect(fast.durationMs!).toBeLessThan(r.durationMs!);
    engine.close();
  });
});

describe.skipIf(!ESPEAK)('VoiceService with the default chain', () => {
  it('speaks with espeak-ng while Piper has no voice, and offers the voice once (never downloads it by itself)', async () => {
    const dataDir = tempDir('alisa-voice-');
    const { chat, events, voice, until } = recordingVoice(dataDir, { diskCacheBytes: 0 });
    const ends = () => events.filter((e) => e.type === 'speech.end').length;
    chat.say('r1', 'Hello there. How are you?');
    await until(() => ends() === 1);
    chat.say('r2', 'Another reply.');
    await until(() => ends() === 2);
    const chunks = events.filter((e) => e.type === 'speech.chunk');
    expect(chunks.length).toBe(3);
    expect(chunks.every((c) => c.type === 'speech.chunk' && c.engine === 'espeak')).toBe(true);
    const notices = events.filter((e) => e.type === 'voice.notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      code: 'piper_voice_missing',
      message: expect.stringMatching(/speaks with espeak-ng for now: Piper.*has no voice yet/),
      action: expect.stringMatching(/Download Piper's voice Amy \(US English, Piper\) \(about 64 MB, once, from github\.com\) or choose a voice you have/),
    });
    const status = await voice.status();
    expect(status).toMatchObject({ piperVoice: null, voiceDownload: null, lastEngine: 'espeak' });
    expect(status.tts.map((t) => t.id)).toEqual(['piper', 'espeak']);
    expect(existsSync(path.join(dataDir, 'voices'))).toBe(false);
    await voice.dispose();
  });
});
