// The one WAV module: 16-bit PCM RIFF encode/decode for speech in and out. The recorder and the
// speech-to-text engines decode and convert (mono mix-down, linear resampling to 16 kHz); the
// text-to-speech engines wrap raw PCM (piper's --output-raw, sherpa-onnx) with `encodeWav`, and
// engines that stream WAV to stdout (espeak-ng, piper) write a header with placeholder sizes
// (0x7ffff000), fixed with `fixWavHeader` once the whole output is in, so players and the
// duration agree with the data. Tests build their WAVs here too.

export const STT_RATE = 16000;

export interface PcmAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved 16-bit samples. */
  samples: Int16Array;
}

/**
 * A 16-bit PCM WAV file of `samples` (mono unless `channels` says otherwise): an Int16Array, or a
 * Buffer of raw little-endian 16-bit PCM (piper's --output-raw), copied byte for byte.
 */
export function encodeWav(samples: Int16Array | Buffer, sampleRate = STT_RATE, channels = 1): Buffer {
  let pcm: Buffer;
  if (samples instanceof Int16Array) {
    pcm = Buffer.alloc(samples.length * 2);
    for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(samples[i]!, i * 2);
  } else pcm = samples;
  return Buffer.concat([wavHeader(pcm.length, sampleRate, channels), pcm]);
}

/** The 44-byte header of a 16-bit PCM WAV with `dataBytes` of data. */
function wavHeader(dataBytes: number, sampleRate: number, channels: number): Buffer {
  const buf = Buffer.alloc(44);
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

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
}

/** Where a WAV's data is and how long it plays (any PCM width); null if it is not a RIFF/WAVE file with a data chunk. */
export function readWav(buf: Buffer): WavInfo | null {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let off = 12;
  let fmt: { sampleRate: number; channels: number; bitsPerSample: number } | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 24 <= buf.length) {
      fmt = { channels: buf.readUInt16LE(off + 10), sampleRate: buf.readUInt32LE(off + 12), bitsPerSample: buf.readUInt16LE(off + 22) };
    } else if (id === 'data') {
      if (!fmt) return null;
      const dataOffset = off + 8;
      const dataBytes = Math.min(size, buf.length - dataOffset);
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      return { ...fmt, dataOffset, dataBytes, durationMs: bytesPerSecond > 0 ? Math.round((dataBytes / bytesPerSecond) * 1000) : 0 };
    }
    off += 8 + size + (size % 2);
  }
  return null;
}

/** Rewrites the RIFF and data sizes to the real ones; returns the info, or null if not a WAV. */
export function fixWavHeader(buf: Buffer): WavInfo | null {
  const info = readWav(buf);
  if (!info) return null;
  buf.writeUInt32LE(buf.length - 8, 4);
  buf.writeUInt32LE(info.dataBytes, info.dataOffset - 4);
  return info;
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
