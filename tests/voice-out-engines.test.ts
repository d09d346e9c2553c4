// Text-to-speech engines and their fallback chain: msedge-tts against a local server speaking
// Edge's wire format (the cloud is the one thing faked), espeak-ng for real, Piper's
// unavailable reasons (Piper itself is not installed here), and the audio cache.
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey, TtsCache } from '../companion/voice/tts-cache';
import { EspeakEngine, espeakPitch, espeakRate } from '../companion/voice/tts/espeak';
import { MsEdgeEngine } from '../companion/voice/tts/msedge';
import { PiperEngine, piperLengthScale } from '../companion/voice/tts/piper';
import { AllEnginesFailed, TtsChain } from '../companion/voice/tts/registry';
import { readWav } from '../companion/voice/wav-io';
import { startFakeEdge, type FakeEdge } from './helpers/fake-edge-tts';
import { tempDir } from './helpers/companion';
import { closedPort, hasEspeak } from './helpers/comp-voice';

const ESPEAK = hasEspeak();
if (!ESPEAK) console.log('espeak-ng is not installed (apt install espeak-ng): its tests are skipped');

const OPTS = { voice: null, rate: '+15%', pitch: '+10Hz' };
const signal = () => new AbortController().signal;

describe('msedge engine against a local Edge-protocol server', () => {
  let fake: FakeEdge;
  beforeAll(async () => {
    fake = await startFakeEdge();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('receives the MP3 bytes and sends SSML with the seed voice, rate and pitch', async () => {
    const engine = new MsEdgeEngine(fake.url);
    let audioSeen = false;
    const r = await engine.synthesize('Hello <you> & "me".', { ...OPTS, onAudio: () => (audioSeen = true) }, signal());
    engine.close();
    expect(r.mime).toBe('audio/mpeg');
    expect(r.data.equals(fake.audio)).toBe(true);
    expect(audioSeen).toBe(true);
    expect(r.durationMs).toBeGreaterThan(0);
    const ssml = fake.ssml.at(-1)!;
    expect(ssml).toContain('<voice name="en-US-AnaNeural">');
    expect(ssml).toContain('rate="+15%"');
    expect(ssml).toContain('pitch="+10Hz"');
    expect(ssml).toContain('Hello &lt;you&gt; &amp; &quot;me&quot;.');
    expect(fake.configs.at(-1)).toContain('audio-24khz-48kbitrate-mono-mp3');
  });

  it('uses a configured voice, rate and pitch, and reuses its connection', async () => {
    const engine = new MsEdgeEngine(fake.url);
    const before = fake.connections;
    await engine.synthesize('One.', { voice: 'en-GB-SoniaNeural', rate: '-10%', pitch: '+2st' }, signal());
    await engine.synthesize('Two.', { voice: 'en-GB-SoniaNeural', rate: '-10%', pitch: '+2st' }, signal());
    engine.close();
    expect(fake.connections - before).toBe(1);
    const ssml = fake.ssml.at(-1)!;
    expect(ssml).toContain('xml:lang="en-GB"');
    expect(ssml).toContain('<voice name="en-GB-SoniaNeural">');
    expect(ssml).toContain('rate="-10%"');
    expect(ssml).toContain('pitch="+2st"');
  });

  it('fails when nothing listens, and when the server drops the connection', async () => {
    // The engine has no timer of its own and the signal is never aborted: only the refused
    // connection can end this (a hang would be the test's timeout).
    const engine = new MsEdgeEngine(`ws://127.0.0.1:${await closedPort()}/edge`);
    await expect(engine.synthesize('Hi.', OPTS, signal())).rejects.toThrow();
    const dropper = await startFakeEdge({ mode: 'close' });
    const e2 = new MsEdgeEngine(dropper.url);
    await expect(e2.synthesize('Hi.', OPTS, signal())).rejects.toThrow();
    e2.close();
    await dropper.close();
  });
});

describe.skipIf(!ESPEAK)('espeak-ng engine (real)', () => {
  it('speaks a valid WAV with the real duration', async () => {
    const r = await new EspeakEngine().synthesize('Hello there, this is Alisa speaking.', OPTS, signal());
    expect(r.mime).toBe('audio/wav');
    const info = readWav(r.data)!;
    expect(info.sampleRate).toBe(22050);
    expect(info.bitsPerSample).toBe(16);
    expect(info.channels).toBe(1);
    expect(r.data.readUInt32LE(4)).toBe(r.data.length - 8);
    expect(info.dataBytes).toBe(r.data.length - info.dataOffset);
    expect(r.durationMs).toBeGreaterThan(1000);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('faster rate gives shorter audio; abort stops it', async () => {
    const e = new EspeakEngine();
    const text = 'The quick brown fox jumps over the lazy dog again and again.';
    const slow = await e.synthesize(text, { ...OPTS, rate: '-30%' }, signal());
    const fast = await e.synthesize(text, { ...OPTS, rate: '+50%' }, signal());
    expect(fast.durationMs!).toBeLessThan(slow.durationMs!);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(e.synthesize(text, OPTS, ac.signal)).rejects.toThrow('stop');
  });

  it('reports itself available; a missing binary is unavailable with what to install', async () => {
    expect((await new EspeakEngine().available()).available).toBe(true);
    const missing = await new EspeakEngine('espeak-ng-not-here').available();
    expect(missing.available).toBe(false);
    expect(missing.reason).toContain('sudo apt install espeak-ng');
  });
});

describe('prosody mapping', () => {
  it('maps the seed rate and pitch to espeak and piper', () => {
    expect(espeakRate('+15%')).toBe(201);
    expect(espeakRate('-50%')).toBe(88);
    expect(espeakPitch('+10Hz')).toBe(55);
    expect(espeakPitch('-20%')).toBe(40);
    expect(espeakPitch('+2st')).toBe(58);
    expect(piperLengthScale('+15%')).toBe(0.87);
  });
});

describe('piper engine: unavailable reasons (the piper binary is not installed here, so it is never run)', () => {
  it('says what is missing', async () => {
    const dir = tempDir('alisa-piper-');
    const reason = async (binary: string | null, model: string | null) => (await new PiperEngine({ binary, model }).available()).reason;
    // No binary: built-in Piper (sherpa-onnx), which has no voice until one is downloaded or chosen.
    expect(await reason(null, null)).toMatch(/Piper has no voice yet: download one.*alisa\.voice\.piperModel/);
    expect(await reason(path.join(dir, 'piper'), null)).toMatch(/piperBinary.*piper does not exist/);
    expect(await reason('piper-not-on-path-here', null)).toMatch(/piperBinary.*not found on PATH/);
    expect(await reason(dir, null)).toMatch(/piperBinary.*is not a file/);
    writeFileSync(path.join(dir, 'piper'), '#!/bin/sh\n', { mode: 0o644 });
    if (process.platform !== 'win32') expect(await reason(path.join(dir, 'piper'), null)).toMatch(/piperBinary.*is not executable/);
    chmodSync(path.join(dir, 'piper'), 0o755);
    expect(await reason(path.join(dir, 'piper'), null)).toMatch(/no voice model.*piperModel/);
    expect(await reason(path.join(dir, 'piper'), path.join(dir, 'voice.onnx'))).toMatch(/voice\.onnx does not exist/);
    expect(await reason(path.join(dir, 'piper'), path.join(dir, 'voice.txt'))).toMatch(/piperModel.*must be an \.onnx file/);
    writeFileSync(path.join(dir, 'voice.onnx'), 'x');
    expect(await reason(path.join(dir, 'piper'), path.join(dir, 'voice.onnx'))).toMatch(/voice\.onnx\.json is missing/);
    writeFileSync(path.join(dir, 'voice.onnx.json'), '{"audio":{"sample_rate":22050}}');
    expect(await new PiperEngine({ binary: path.join(dir, 'piper'), model: path.join(dir, 'voice.onnx') }).available()).toEqual({
      id: 'piper',
      available: true,
      reason: null,
    });
  });
});

describe.skipIf(!ESPEAK)('fallback chain', () => {
  it('falls back to espeak-ng when Edge hangs, within the first-audio limit, then rests Edge for the cool-down', async () => {
    const hang = await startFakeEdge({ mode: 'hang' });
    const chain = new TtsChain({ order: ['msedge', 'espeak', 'piper'], edgeEndpoint: hang.url, timings: { firstAudioMs: 2000, cooldownMs: 1500 } });
    // The limit holds for espeak-ng too: wide enough that a loaded machine still gets its audio in time.
    const logs: string[] = [];
    const r1 = await chain.synthesize('First sentence.', OPTS, signal(), { log: (l) => logs.push(l) });
    // The first-audio limit is what ended the wait (the hanging server never would).
    expect(r1.engine).toBe('espeak');
    expect(r1.skipped).toEqual([{ engine: 'msedge', reason: 'no audio within 2000 ms' }]);
    expect(logs.join('\n')).toMatch(/msedge failed \(no audio within 2000 ms\)/);
    expect(hang.ssml.length).toBe(1);
    // Cooling down: straight to espeak, Edge not asked.
    const r2 = await chain.synthesize('Second sentence.', OPTS, signal());
    expect(r2.engine).toBe('espeak');
    expect(r2.skipped).toEqual([{ engine: 'msedge', reason: 'no audio within 2000 ms' }]);
    expect(hang.ssml.length).toBe(1);
    const states = await chain.states();
    expect(states[0]).toMatchObject({ id: 'msedge', available: false });
    expect(states[0]!.reason).toMatch(/Failed recently/);
    // After the cool-down Edge is tried again; now it answers. Wait for the chain to say the
    // cool-down is over (the event), not for a fixed time.
    hang.mode = 'ok';
    const until = Date.now() + 30_000;
    while (!(await chain.states())[0]!.available && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect((await chain.states())[0]).toMatchObject({ id: 'msedge', available: true });
    const r3 = await chain.synthesize('Third sentence.', OPTS, signal());
    expect(r3.engine).toBe('msedge');
    expect(r3.mime).toBe('audio/mpeg');
    chain.close();
    await hang.close();
  });

  it('offline Edge (nothing listening) falls back at once', async () => {
    const chain = new TtsChain({ order: ['msedge', 'espeak'], edgeEndpoint: `ws://127.0.0.1:${await closedPort()}/edge`, timings: { firstAudioMs: 4000 } });
    const r = await chain.synthesize('Hello.', OPTS, signal());
    expect(r.engine).toBe('espeak');
    // At once: Edge failed on the refused connection, not on the 4 s first-audio limit.
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped![0]!.engine).toBe('msedge');
    expect(r.skipped![0]!.reason).not.toMatch(/no audio within/);
    chain.close();
  });

  it('throws AllEnginesFailed with every reason when nothing works', async () => {
    const chain = new TtsChain({ order: ['espeak', 'piper'], espeakBinary: 'no-such-espeak' });
    const err = await chain.synthesize('Hello.', OPTS, signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllEnginesFailed);
    expect((err as AllEnginesFailed).failures.map((f) => f.engine)).toEqual(['espeak', 'piper']);
    expect((err as Error).message).toMatch(/apt install espeak-ng/);
  });
});

describe('audio cache', () => {
  const audio = (n: number, fill = 1) => ({ mime: 'audio/mpeg' as const, data: Buffer.alloc(n, fill), durationMs: null });

  it('keys by engine, voice, rate, pitch and text', () => {
    const base = { engine: 'espeak', voice: null, rate: '+15%', pitch: '+10Hz', text: 'Hi.' };
    const k = cacheKey(base);
    expect(cacheKey({ ...base })).toBe(k);
    for (const change of [{ engine: 'msedge' }, { voice: 'en-us' }, { rate: '+0%' }, { pitch: '+0Hz' }, { text: 'Hi!' }]) {
      expect(cacheKey({ ...base, ...change })).not.toBe(k);
    }
  });

  it('bounds memory by bytes (least recently used out) and persists to disk, oldest removed', async () => {
    const dir = path.join(tempDir('alisa-cache-'), 'voice-cache');
    const c = new TtsCache({ dir, memoryBytes: 2500, diskBytes: 3500 });
    await c.put('a'.repeat(64), audio(1000, 1));
    await c.put('b'.repeat(64), audio(1000, 2));
    await c.get('a'.repeat(64)); // a is now the most recent in memory
    await c.put('c'.repeat(64), audio(1000, 3)); // memory over 2500: b goes
    expect(c.stats().memoryEntries).toBe(2);
    await c.put('d'.repeat(64), audio(1000, 4)); // disk over 3500: a (oldest on disk) goes
    expect(readdirSync(dir).sort()).toEqual(['b', 'c', 'd'].map((x) => `${x.repeat(64)}.mp3`));
    // A new cache (a restart) finds the files.
    const c2 = new TtsCache({ dir, memoryBytes: 2500, diskBytes: 3500 });
    const hit = await c2.get('b'.repeat(64));
    expect(hit?.data.equals(Buffer.alloc(1000, 2))).toBe(true);
    expect(hit?.durationMs).toBe(167);
    expect(await c2.get('a'.repeat(64))).toBeNull();
    expect(c2.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('works memory-only when the folder cannot be made', async () => {
    const file = path.join(tempDir('alisa-cache-'), 'file');
    writeFileSync(file, 'x');
    const c = new TtsCache({ dir: path.join(file, 'voice-cache') });
    await c.put('e'.repeat(64), audio(10));
    expect((await c.get('e'.repeat(64)))?.data.length).toBe(10);
    mkdirSync(path.join(tempDir('alisa-cache-'), 'ok'));
  });
});
