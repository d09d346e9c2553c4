// Lip sync from the real audio: a loudness envelope of the decoded speech, one value per frame
// (~20 ms), 0..1. RMS per frame, normalised to the utterance's loud frames (so a quiet voice
// opens the mouth as wide as a loud one), with a noise floor so that silence and hiss stay at 0,
// then smoothed (fast attack, slower release) so the mouth does not jitter from frame to frame.
export const ENVELOPE_DEFAULTS = {
  frameMs: 20,
  /** RMS below this (about -46 dBFS) counts as silence whatever the normalisation. */
  floor: 0.005,
  /** Attack and release of the smoothing, per frame (1 = no smoothing). */
  attack: 0.6,
  release: 0.35,
} as const;

/** The loudness per `frameMs` frame of mono samples, each in 0..1. */
export function envelope(samples: Float32Array, sampleRate: number, frameMs: number = ENVELOPE_DEFAULTS.frameMs): Float32Array {
  const frame = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
  const count = samples.length === 0 || !(sampleRate > 0) ? 0 : Math.ceil(samples.length / frame);
  const rms = new Float32Array(count);
  for (let f = 0; f < count; f++) {
    const start = f * frame;
    const end = Math.min(samples.length, start + frame);
    let sum = 0;
    for (let i = start; i < end; i++) {
      const s = samples[i]!;
      sum += Number.isFinite(s) ? s * s : 0;
    }
    rms[f] = Math.sqrt(sum / Math.max(1, end - start));
  }
  // The reference level: the 95th percentile of the frames above the floor (one click or peak
  // does not shrink the whole utterance).
  const loud = Array.from(rms)
    .filter((v) => v > ENVELOPE_DEFAULTS.floor)
    .sort((a, b) => a - b);
  const out = new Float32Array(count);
  if (loud.length === 0) return out;
  const ref = Math.max(loud[Math.min(loud.length - 1, Math.floor(loud.length * 0.95))]!, ENVELOPE_DEFAULTS.floor * 4);
  let prev = 0;
  for (let f = 0; f < count; f++) {
    const v = rms[f]! <= ENVELOPE_DEFAULTS.floor ? 0 : Math.min(1, (rms[f]! - ENVELOPE_DEFAULTS.floor) / (ref - ENVELOPE_DEFAULTS.floor));
    const k = v > prev ? ENVELOPE_DEFAULTS.attack : ENVELOPE_DEFAULTS.release;
    prev = prev + (v - prev) * k;
    if (prev < 1e-3) prev = 0;
    out[f] = prev;
  }
  return out;
}

/** The envelope's value at `seconds` into the audio (0 outside it). */
export function levelAt(env: Float32Array, seconds: number, frameMs: number = ENVELOPE_DEFAULTS.frameMs): number {
  if (!(seconds >= 0)) return 0;
  const i = Math.floor((seconds * 1000) / frameMs);
  return i < env.length ? env[i]! : 0;
}

/** Mixes the channels of decoded audio down to mono for the envelope. */
export function mono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length <= 1) return channels[0] ?? new Float32Array(0);
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  for (const c of channels) for (let i = 0; i < n; i++) out[i] = out[i]! + c[i]! / channels.length;
  return out;
}
