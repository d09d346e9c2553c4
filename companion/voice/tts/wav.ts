// WAV helpers: engines that stream WAV to stdout (espeak-ng, piper) write a header with
// placeholder sizes (0x7ffff000); the header is fixed once the whole output is in, so players
// and the duration agree with the data.

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
}

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

/** Builds a 16-bit mono WAV from raw samples (piper's --output-raw). */
export function wavFromPcm16(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
