// WAV helpers for speech in: 16-bit PCM RIFF encode/decode and the conversions the recorder and
// the speech-to-text engines need (mono mix-down, linear resampling to 16 kHz).

export const STT_RATE = 16000;

export interface PcmAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved 16-bit samples. */
  samples: Int16Array;
}

/** A 16-bit PCM WAV file of `samples` (mono unless `channels` says otherwise). */
export function encodeWav(samples: Int16Array, sampleRate = STT_RATE, channels = 1): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i]!, 44 + i * 2);
  return buf;
}

/** Reads a 16-bit PCM WAV (or WAVE_FORMAT_EXTENSIBLE with PCM). Throws Error on anything else. */
export function decodeWav(buf: Buffer): PcmAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
      if (fmt.format === 0xfffe && size >= 26) fmt.format = buf.readUInt16LE(body + 24);
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data before its format');
      if (fmt.format !== 1 || fmt.bits !== 16) throw new Error(`only 16-bit PCM WAV is supported (format ${fmt.format}, ${fmt.bits} bits)`);
      // Streamed WAVs (espeak-ng --stdout, ffmpeg to a pipe) carry a placeholder size.
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      const n = Math.floor(size / 2);
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(body + i * 2);
      return { sampleRate: fmt.rate, channels: fmt.channels, samples };
    }
    off = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

/** Mono at `rate` Hz: channels averaged, linear interpolation (good enough for speech to 16 kHz). */
export function toMono16k(audio: PcmAudio, rate = STT_RATE): Int16Array {
  const { channels, sampleRate } = audio;
  const frames = Math.floor(audio.samples.length / channels);
  let mono: Int16Array;
  if (channels === 1) mono = audio.samples;
  else {
    mono = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += audio.samples[i * channels + c]!;
      mono[i] = Math.round(s / channels);
    }
  }
  if (sampleRate === rate) return mono;
  const outLen = Math.floor((frames * rate) / sampleRate);
  const out = new Int16Array(outLen);
  const step = sampleRate / rate;
  // Downsampling by more than 1.5x: average the window first (a crude low-pass) to limit aliasing.
  const win = step > 1.5 ? Math.floor(step) : 1;
  for (let i = 0; i < outLen; i++) {
    const x = i * step;
    const i0 = Math.floor(x);
    if (win > 1) {
      let s = 0;
      let n = 0;
      for (let k = i0; k < Math.min(i0 + win, frames); k++, n++) s += mono[k]!;
      out[i] = n ? Math.round(s / n) : 0;
    } else {
      const f = x - i0;
      const a = mono[i0] ?? 0;
      const b = mono[Math.min(i0 + 1, frames - 1)] ?? a;
      out[i] = Math.round(a + (b - a) * f);
    }
  }
  return out;
}

/** Raw little-endian 16-bit PCM (a Buffer) or samples, as samples (copied when unaligned). */
export function asInt16(pcm: Int16Array | Buffer): Int16Array {
  if (pcm instanceof Int16Array) return pcm;
  const n = Math.floor(pcm.length / 2);
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, n);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = pcm.readInt16LE(i * 2);
  return out;
}
