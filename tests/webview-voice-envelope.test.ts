// The lip-sync envelope on REAL speech: espeak-ng speaks a sentence into a WAV, a second of
// silence is appended (sox), the WAV is read with companion/voice/wav-io.ts, and envelope() must
// move while she speaks and stay at 0 in the silence.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, levelAt, mono } from '../webview/audio/envelope';
import { mouthForLevel } from '../webview/avatar/mouth-animator';
import { decodeWav } from '../companion/voice/wav-io';

/** A 16-bit PCM WAV (what espeak-ng and sox write here): its sample rate and mono samples in -1..1. */
function parseWav(buf: Buffer): { sampleRate: number; samples: Float32Array } {
  const { sampleRate, channels, samples } = decodeWav(buf);
  const frames = Math.floor(samples.length / channels);
  const chans = Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, f) => samples[f * channels + c]! / 32768));
  return { sampleRate, samples: mono(chans) };
}

let dir: string;
let wav: { sampleRate: number; samples: Float32Array };
let speechSeconds: number;
const SILENCE_S = 1;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-envelope-'));
  const spoken = path.join(dir, 'spoken.wav');
  const padded = path.join(dir, 'padded.wav');
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', spoken, 'Hello, I am Alisa. Shall we fix that bug together?']);
  execFileSync('sox', [spoken, padded, 'pad', '0', String(SILENCE_S)]);
  speechSeconds = parseWav(readFileSync(spoken)).samples.length / parseWav(readFileSync(spoken)).sampleRate;
  wav = parseWav(readFileSync(padded));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('envelope() on espeak-ng speech', () => {
  it('has one value per 20 ms frame, each in 0..1', () => {
    const env = envelope(wav.samples, wav.sampleRate);
    expect(wav.sampleRate).toBeGreaterThan(8000);
    expect(env.length).toBe(Math.ceil(wav.samples.length / Math.round(wav.sampleRate * 0.02)));
    expect(Array.from(env).every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(envelope(wav.samples, wav.sampleRate, 10).length).toBeGreaterThan(env.length * 1.9);
  });

  it('moves where she speaks: loud syllables, quieter gaps, the mouth opens wide', () => {
    const env = envelope(wav.samples, wav.sampleRate);
    const frames = Math.floor((speechSeconds * 1000) / 20);
    const speech = Array.from(env.subarray(0, frames));
    const max = Math.max(...speech);
    const mean = speech.reduce((a, b) => a + b, 0) / speech.length;
    const sd = Math.sqrt(speech.reduce((a, b) => a + (b - mean) ** 2, 0) / speech.length);
    expect(max).toBeGreaterThan(0.8);
    expect(mean).toBeGreaterThan(0.15);
    expect(sd).toBeGreaterThan(0.15); // not flat: it follows the syllables
    // Many ups and downs across the mouth's thresholds (syllables), not one block.
    const shapes = speech.map(mouthForLevel);
    const changes = shapes.filter((s, i) => i > 0 && s !== shapes[i - 1]).length;
    expect(changes).toBeGreaterThan(15);
    expect(new Set(shapes)).toContain('wide');
  });

  it('is flat at 0 in the silence after the speech', () => {
    const env = envelope(wav.samples, wav.sampleRate);
    // Skip 100 ms for the smoothing's release after the last sound.
    const start = Math.ceil((speechSeconds * 1000 + 100) / 20);
    const silence = Array.from(env.subarray(start));
    expect(silence.length).toBeGreaterThan((SILENCE_S * 1000 - 150) / 20);
    expect(Math.max(...silence)).toBe(0);
    expect(levelAt(env, speechSeconds + 0.5)).toBe(0);
    expect(levelAt(env, 1000)).toBe(0);
  });

  it('is 0 for no audio and for pure silence', () => {
    expect(envelope(new Float32Array(0), 22050).length).toBe(0);
    expect(Array.from(envelope(new Float32Array(22050), 22050)).every((v) => v === 0)).toBe(true);
  });
});
