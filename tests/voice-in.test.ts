// Speech in, with real parts: espeak-ng speaks the built-in commands into WAVs (sox resamples
// them to 16 kHz and pads them with silence), the WAV is the "microphone" of the recorder, the
// VAD cuts the speech out, and pocketsphinx with the command grammar recognises it.
// Needs (Debian/Ubuntu): apt install espeak-ng sox pocketsphinx pocketsphinx-en-us
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../protocol';
import { BUILTIN_COMMANDS, commandByPhrase, confidentCommand, matchCommand } from '../companion/voice/commands';
import { ListenService, NO_STT_MESSAGE, recognize } from '../companion/voice/listen-service';
import { findExecutable, startRecording } from '../companion/voice/recorder';
import { PocketsphinxEngine } from '../companion/voice/stt/pocketsphinx';
import { createSttEngines } from '../companion/voice/stt/registry';
import { Vad, findSpeech } from '../companion/voice/vad';
import { decodeWav, encodeWav, toMono16k } from '../companion/voice/wav-io';
import { failure } from './helpers/errors';

const NEEDED = ['espeak-ng', 'sox', 'pocketsphinx_continuous'];
const missing = NEEDED.filter((t) => !findExecutable(t));
const skip = missing.length > 0;
if (skip) console.log(`voice-in tests skipped: ${missing.join(', ')} missing (apt install espeak-ng sox pocketsphinx pocketsphinx-en-us)`);

const RATE = 16000;
const LEAD_S = 1.0;
const TAIL_S = 1.5;
let dir = '';
const wavs = new Map<string, string>();

/** espeak-ng speaks `text`; sox makes it 16 kHz mono 16-bit with silence around it. */
function speak(name: string, text: string, lead = LEAD_S, tail = TAIL_S, voice = 'en-us'): string {
  const raw = path.join(dir, `${name}.raw.wav`);
  const out = path.join(dir, `${name}.wav`);
  // en-us: pocketsphinx's model is US English (the British default voice is printed below).
  execFileSync('espeak-ng', ['-v', voice, '-w', raw, text]);
  execFileSync('sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', out, 'pad', String(lead), String(tail)]);
  return out;
}

const read16k = (file: string) => toMono16k(decodeWav(readFileSync(file)));

/** Where the audio is louder than ~-40 dBFS: the truth the VAD is measured against. */
function loudSpan(pcm: Int16Array): { start: number; end: number } {
  let a = -1;
  let b = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]!) > 330) {
      if (a < 0) a = i;
      b = i;
    }
  }
  return { start: a, end: b + 1 };
}

beforeAll(() => {
  if (skip) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-voice-in-'));
  for (const c of BUILTIN_COMMANDS) wavs.set(c.id, speak(c.id, c.phrase));
  wavs.set('sentence', speak('sentence', 'the weather is nice today in the garden'));
  wavs.set('question', speak('question', 'can you tell me why this function returns undefined'));
  // Two commands in one recording, for hands-free.
  const a = read16k(speak('two-a', 'stop talking', 0.5, 0));
  const b = read16k(speak('two-b', 'new session', 0, 1.2));
  const gap = new Int16Array(Math.round(1.5 * RATE));
  const two = new Int16Array(a.length + gap.length + b.length);
  two.set(a);
  two.set(b, a.length + gap.length);
  writeFileSync(path.join(dir, 'two.wav'), encodeWav(two));
  wavs.set('two', path.join(dir, 'two.wav'));
  const silence = path.join(dir, 'silence.wav');
  execFileSync('sox', ['-n', '-r', String(RATE), '-c', '1', '-b', '16', silence, 'trim', '0', '3']);
  wavs.set('silence', silence);
  const noise = path.join(dir, 'noise.wav');
  execFileSync('sox', ['-n', '-r', String(RATE), '-c', '1', '-b', '16', noise, 'synth', '4', 'pinknoise', 'vol', '0.01']);
  wavs.set('noise', noise);
  // Speech over steady noise (a fan): the floor adapts to the noise first.
  const noisy = path.join(dir, 'noisy.wav');
  execFileSync('sox', ['-m', noise, wavs.get('fix_error')!, noisy]);
  wavs.set('noisy', noisy);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('VAD on real speech', () => {
  it('cuts each espeak-ng command at its start and end, within tolerance', () => {
    for (const c of BUILTIN_COMMANDS) {
      const pcm = read16k(wavs.get(c.id)!);
      const truth = loudSpan(pcm);
      const segs = findSpeech(pcm);
      expect(segs.length, c.phrase).toBe(1);
      const s = segs[0]!;
      const startErrMs = ((s.start - truth.start) / RATE) * 1000;
      const endErrMs = ((s.end - truth.end) / RATE) * 1000;
      console.log(
        `vad ${c.phrase}: speech ${(truth.start / RATE).toFixed(2)}-${(truth.end / RATE).toFixed(2)} s, cut ${(s.start / RATE).toFixed(2)}-${(s.end / RATE).toFixed(2)} s (start ${startErrMs.toFixed(0)} ms, end ${endErrMs.toFixed(0)} ms)`,
      );
      expect(Math.abs(startErrMs)).toBeLessThanOrEqual(60);
      expect(Math.abs(endErrMs)).toBeLessThanOrEqual(150);
    }
  });

  it('keeps a sentence with pauses between words as one segment', () => {
    const segs = findSpeech(read16k(wavs.get('question')!));
    expect(segs).toHaveLength(1);
  });

  it('hears no speech in digital silence or in steady noise', () => {
    expect(findSpeech(read16k(wavs.get('silence')!))).toEqual([]);
    expect(findSpeech(read16k(wavs.get('noise')!))).toEqual([]);
  });

  it('finds speech over steady noise after adapting its floor', () => {
    const pcm = read16k(wavs.get('noisy')!);
    const truth = loudSpan(read16k(wavs.get('fix_error')!));
    const segs = findSpeech(pcm);
    expect(segs).toHaveLength(1);
    expect(Math.abs(segs[0]!.start - truth.start) / RATE).toBeLessThan(0.1);
    expect(Math.abs(segs[0]!.end - truth.end) / RATE).toBeLessThan(0.25);
  });

  it('gives the same events whatever the chunk sizes', () => {
    const pcm = read16k(wavs.get('open_chat')!);
    const whole = new Vad().push(pcm);
    const v = new Vad();
    const parts = [];
    for (let i = 0; i < pcm.length; i += 777) parts.push(...v.push(pcm.subarray(i, i + 777)));
    expect(parts).toEqual(whole);
  });
});

describe.skipIf(skip)('commands through the recorder, the VAD and pocketsphinx', () => {
  it('recognises the built-in commands spoken by espeak-ng, fed as the microphone in real time', async () => {
    const engine = createSttEngines({}).commands;
    // All seven play at once (real time, ~2.5 s each); recognition runs one after the other.
    const recs = await Promise.all(
      BUILTIN_COMMANDS.map(async (c) => {
        const t0 = performance.now();
        const rec = await startRecording({ input: wavs.get(c.id)!, endOnSilence: true });
        const r = await rec.done;
        return { c, r, wallMs: performance.now() - t0 };
      }),
    );
    let hits = 0;
    const lines: string[] = [];
    for (const { c, r, wallMs } of recs) {
      // Stopped by the VAD at the end of speech, before the end of the file (which would be
      // end_of_input). The wall time is printed, not asserted: a loaded machine is slower.
      expect(r.reason, c.phrase).toBe('end_of_speech');
      expect(r.tool).toBe('wav');
      const fileS = read16k(wavs.get(c.id)!).length / RATE;
      const t0 = performance.now();
      const t = await engine.transcribe(r.speech!);
      const ms = performance.now() - t0;
      const got = confidentCommand(t);
      if (got?.id === c.id) hits++;
      lines.push(
        `  "${c.phrase}" -> "${t.text}" (coverage ${(t.confidence ?? 0).toFixed(2)}, ${got?.id ?? 'no command'}) stopped ${(wallMs / 1000).toFixed(2)} s into a ${fileS.toFixed(2)} s file, pocketsphinx ${ms.toFixed(0)} ms`,
      );
    }
    console.log(`commands recognised: ${hits}/${BUILTIN_COMMANDS.length}\n${lines.join('\n')}`);
    expect(hits).toBeGreaterThanOrEqual(6);
  }, 60_000);

  it('notes how the British espeak-ng voice fares (printed, not asserted)', async () => {
    const engine = createSttEngines({}).commands;
    let hits = 0;
    const misses: string[] = [];
    for (const c of BUILTIN_COMMANDS) {
      const pcm = read16k(speak(`${c.id}-en`, c.phrase, 0.3, 0.3, 'en'));
      const got = confidentCommand(await engine.transcribe(pcm));
      if (got?.id === c.id) hits++;
      else misses.push(c.phrase);
    }
    console.log(`British voice (espeak-ng -v en): ${hits}/${BUILTIN_COMMANDS.length}${misses.length ? `, missed ${misses.join(', ')}` : ''}`);
  });

  it('does not take ordinary sentences for commands', async () => {
    const engine = createSttEngines({}).commands;
    for (const k of ['sentence', 'question']) {
      const pcm = read16k(wavs.get(k)!);
      const t = await engine.transcribe(pcm);
      console.log(`not a command: ${k} -> "${t.text}" coverage ${(t.confidence ?? 0).toFixed(2)}`);
      expect(confidentCommand(t)).toBeNull();
    }
  });

  it('notes what free pocketsphinx dictation makes of the same audio (printed, not asserted)', async () => {
    const free = new PocketsphinxEngine({ grammar: null });
    const lines: string[] = [];
    for (const c of BUILTIN_COMMANDS.slice(0, 4)) {
      const pcm = findSpeech(read16k(wavs.get(c.id)!));
      const t0 = performance.now();
      const t = await free.transcribe(read16k(wavs.get(c.id)!));
      lines.push(`  "${c.phrase}" -> "${t.text}" (${(performance.now() - t0).toFixed(0)} ms, ${pcm.length} segment)`);
    }
    console.log(`pocketsphinx free dictation (no grammar):\n${lines.join('\n')}`);
  }, 60_000);

  it('matches commands in dictation text, but not inside longer sentences', () => {
    expect(matchCommand('Stop talking.')?.id).toBe('stop_talking');
    expect(matchCommand('Hello, Alyssa!')?.id).toBe('hello');
    expect(matchCommand('Alisa, open the chat please')?.id).toBe('open_chat');
    expect(matchCommand('stop talking about the weather')).toBeNull();
    expect(confidentCommand({ text: 'stop talking', confidence: 0.25 })).toBeNull();
  });
});

describe.skipIf(skip)('ListenService', () => {
  function service(extra: { onCommand?: (c: string) => void } = {}) {
    const events: CompanionEvent[] = [];
    const log: string[] = [];
    let bargeIns = 0;
    const commands: string[] = [];
    const svc = new ListenService(
      {
        emit: (e) => events.push(e),
        modelsDir: dir,
        log: (l) => log.push(l),
        onUserSpeech: () => bargeIns++,
        onCommand: (c) => {
          commands.push(c);
          extra.onCommand?.(c);
        },
      },
      { speed: 2 },
    );
    return { svc, events, log, commands, bargeIns: () => bargeIns };
  }

  it('push-to-talk: barge-in, records the WAV input, emits a command transcript and calls onCommand', async () => {
    const s = service();
    await s.svc.configure({ input: wavs.get('explain_error')!, transcript: 'send' });
    expect(s.svc.status().stt.map((e) => [e.id, e.available])).toEqual([['pocketsphinx', true]]);
    const t0 = performance.now();
    await s.svc.start();
    expect(s.bargeIns()).toBe(1);
    expect(s.svc.status().listening).toBe(true);
    await s.svc.idle(); // the WAV ends by itself
    await s.svc.stop();
    console.log(`push-to-talk "explain this error": transcript after ${(performance.now() - t0).toFixed(0)} ms (file played at 2x)`);
    expect(s.events).toEqual([{ type: 'voice.transcript', text: 'explain this error', engine: 'pocketsphinx', command: 'explain this error', mode: 'send' }]);
    expect(s.commands).toEqual(['explain this error']);
    expect(s.svc.status().listening).toBe(false);
    await s.svc.dispose();
  }, 30_000);

  it('push-to-talk released early: transcribes what was recorded', async () => {
    const s = service();
    await s.svc.configure({ input: wavs.get('silence')! });
    await s.svc.start();
    await new Promise((r) => setTimeout(r, 300));
    await s.svc.stop();
    expect(s.events).toEqual([]); // silence: nothing heard, nothing sent
    expect(s.log.some((l) => l.includes('no speech heard'))).toBe(true);
    await s.svc.dispose();
  });

  it('with commands only, a sentence that is no command emits nothing', async () => {
    const s = service();
    await s.svc.configure({ input: wavs.get('sentence')! });
    await s.svc.start();
    await s.svc.idle();
    expect(s.events).toEqual([]);
    await s.svc.dispose();
  }, 30_000);

  it('hands-free: starts on speech, stops at its end, and loops (two commands in one recording)', async () => {
    const s = service();
    await s.svc.configure({ input: wavs.get('two')!, handsFree: true });
    expect(s.svc.status()).toMatchObject({ listening: true, handsFree: true });
    await s.svc.idle();
    expect(s.events.map((e) => (e as { command: string }).command)).toEqual(['stop talking', 'new session']);
    expect(s.commands.map((c) => commandByPhrase(c)?.id)).toEqual(['stop_talking', 'new_session']);
    expect(s.bargeIns()).toBe(2);
    await s.svc.configure({ handsFree: false });
    expect(s.svc.status().listening).toBe(false);
    await s.svc.dispose();
  }, 30_000);

  it('says what to install when there is no speech-to-text engine at all', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'alisa-nopath-'));
    const svc = new ListenService({ emit: () => undefined, modelsDir: dir }, { env: { PATH: empty } });
    await svc.configure({ input: wavs.get('stop_talking')! });
    const e = await failure(svc.start());
    expect(e.code).toBe('voice_unavailable');
    expect(e.message).toBe(NO_STT_MESSAGE);
    expect(svc.status().error?.code).toBe('voice_unavailable');
    expect(svc.status().stt[0]).toMatchObject({ id: 'pocketsphinx', available: false });
    await svc.dispose();
    rmSync(empty, { recursive: true });
  });

  it('recognize(): the grammar result wins over dictation that says the same, loses to a longer sentence', async () => {
    const engines = createSttEngines({});
    const pcm = read16k(wavs.get('stop_talking')!);
    // The arbitration only: both engines answer fixed results (real pocketsphinx is exercised above).
    const fake = (id: 'openai' | 'pocketsphinx', text: string, confidence?: number) => ({
      id,
      available: async () => ({ id, available: true, reason: null }),
      transcribe: async () => (confidence === undefined ? { text } : { text, confidence }),
    });
    const grammar = fake('pocketsphinx', 'stop talking', 0.93) as unknown as typeof engines.commands;
    expect((await recognize({ ...engines, commands: grammar, dictation: fake('openai', 'Stop talking.') }, pcm, true)).command?.id).toBe('stop_talking');
    expect(
      (await recognize({ ...engines, commands: grammar, dictation: fake('openai', 'stop talking about the weather in the garden today') }, pcm, true)).command,
    ).toBeNull();
    expect((await recognize({ ...engines, commands: grammar, dictation: fake('openai', '') }, pcm, true)).command?.id).toBe('stop_talking');
    // A grammar match that covers too little of the speech is no command.
    expect(
      (await recognize({ ...engines, commands: fake('pocketsphinx', 'stop talking', 0.2) as unknown as typeof engines.commands, dictation: null }, pcm, true))
        .command,
    ).toBeNull();
  });
});
