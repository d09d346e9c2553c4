// The audio clips of the waifu-rt3d API (issue 19): DATA/waifu-audio/, served at
// /files/audio/NAME. A clip's name is a hash of what made it (engine and its voice, format, sample
// rate, text; no time stamp, the original's defect), so the same request finds the same file and
// is answered without synthesising again. The folder is bounded (MAX_FILES, MAX_BYTES): past
// either, the oldest clips are deleted. Only names of this form are ever served, so nothing else
// in the data folder (the database above all) is reachable.
//
// ffmpeg (when installed) converts clips to MP3 or another sample rate, and decodes uploads for
// speech-to-text. Uploads are piped in with only the `pipe` protocol allowed, so a playlist or a
// concat file posing as audio cannot make ffmpeg read other files or open connections.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findExecutable } from '../voice/recorder';
import { fixWavHeader, readWav } from '../voice/wav-io';

export const AUDIO_FOLDER = 'waifu-audio';
/** What a clip's name looks like: 32 hex digits of SHA-256, then .wav or .mp3. */
export const AUDIO_NAME = /^[0-9a-f]{32}\.(wav|mp3)$/;
export const MAX_FILES = 300;
export const MAX_BYTES = 100 * 1024 * 1024;

export type AudioFormat = 'wav' | 'mp3';
export const AUDIO_TYPES: Record<AudioFormat, string> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

/** The name stem of a clip: the same parts, the same name. */
export function audioKey(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export class AudioStore {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly bounds = { maxFiles: MAX_FILES, maxBytes: MAX_BYTES },
  ) {
    this.dir = path.join(dataDir, AUDIO_FOLDER);
  }

  /** The stored clip of `key` (either format when `format` is null), or null. */
  find(key: string, format: AudioFormat | null): string | null {
    for (const ext of format ? [format] : (['wav', 'mp3'] as const)) {
      const name = `${key}.${ext}`;
      if (this.pathOf(name)) return name;
    }
    return null;
  }

  /** The file of a clip this store made, or null for any other name (or one since deleted). */
  pathOf(name: string): string | null {
    if (!AUDIO_NAME.test(name)) return null;
    const file = path.join(this.dir, name);
    try {
      return statSync(file).isFile() ? file : null;
    } catch {
      return null;
    }
  }

  /** Writes a clip (atomically: a reader never sees half a file), then keeps the folder in bounds. */
  save(key: string, format: AudioFormat, data: Buffer): string {
    mkdirSync(this.dir, { recursive: true });
    const name = `${key}.${format}`;
    const tmp = path.join(this.dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, data);
    renameSync(tmp, path.join(this.dir, name));
    this.prune(name);
    return name;
  }

  /** Deletes the oldest clips while there are more than maxFiles or maxBytes (never `keep`). */
  private prune(keep: string): void {
    const clips = readdirSync(this.dir)
      .filter((n) => AUDIO_NAME.test(n))
      .flatMap((name) => {
        try {
          const s = statSync(path.join(this.dir, name));
          return [{ name, size: s.size, at: s.mtimeMs }];
        } catch {
          return [];
        }
      })
      .sort((a, b) => a.at - b.at);
    let bytes = clips.reduce((n, c) => n + c.size, 0);
    let count = clips.length;
    for (const c of clips) {
      if (count <= this.bounds.maxFiles && bytes <= this.bounds.maxBytes) break;
      if (c.name === keep) continue;
      rmSync(path.join(this.dir, c.name), { force: true });
      count--;
      bytes -= c.size;
    }
  }
}

/** The sample rate of a clip from its first bytes: the WAV header, or the first MP3 frame's. */
export function clipSampleRate(head: Buffer): number | null {
  const wav = readWav(head);
  if (wav) return wav.sampleRate;
  let i = 0;
  // An ID3v2 tag first: 10 bytes, then its size (7 bits a byte).
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'ID3') i = 10 + ((head[6]! << 21) | (head[7]! << 14) | (head[8]! << 7) | head[9]!);
  for (; i + 2 < head.length; i++) {
    if (head[i] !== 0xff || (head[i + 1]! & 0xe0) !== 0xe0) continue;
    const version = (head[i + 1]! >> 3) & 3;
    const index = (head[i + 2]! >> 2) & 3;
    if (version === 1 || index === 3) continue;
    const base = [44100, 48000, 32000][index]!;
    return version === 3 ? base : version === 2 ? base / 2 : base / 4;
  }
  return null;
}

// ---- ffmpeg ----

const FFMPEG_TIMEOUT_MS = 60_000;
/** Decoded speech kept at most (16 kHz mono 16-bit: 10 minutes). */
const MAX_DECODED_BYTES = 16000 * 2 * 600;

export const FFMPEG_INSTALL = 'Install ffmpeg (sudo apt install ffmpeg; macOS: brew install ffmpeg).';

export function ffmpegPath(): string | null {
  return findExecutable('ffmpeg');
}

/** Runs ffmpeg on `input` (stdin) and returns its stdout; rejects with its own last words. */
function runFfmpeg(bin: string, args: string[], input: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), FFMPEG_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) child.kill('SIGKILL');
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    // ffmpeg may stop reading early (it has what it needs, or it failed): not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (size > maxBytes) return reject(new Error('the audio is too long'));
      if (signal) return reject(new Error(`ffmpeg did not finish within ${FFMPEG_TIMEOUT_MS / 1000} s`));
      if (code !== 0) return reject(new Error(lastLine(err) || `ffmpeg exited with ${code}`));
      resolve(Buffer.concat(out));
    });
  });
}

function lastLine(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^pipe:0?:\s*/, '')
      .slice(0, 200) ?? ''
  );
}

/** A clip (WAV or MP3) in `format`, resampled to `sampleRate` when given. Throws when ffmpeg fails. */
export async function convertClip(bin: string, data: Buffer, format: AudioFormat, sampleRate: number | null): Promise<Buffer> {
  const args = ['-protocol_whitelist', 'pipe', '-i', 'pipe:0', '-vn', ...(sampleRate ? ['-ar', String(sampleRate)] : [])];
  const out = await runFfmpeg(
    bin,
    [...args, ...(format === 'mp3' ? ['-f', 'mp3', '-b:a', '64k'] : ['-f', 'wav', '-c:a', 'pcm_s16le']), 'pipe:1'],
    data,
    256 << 20,
  );
  // ffmpeg cannot seek back in a pipe to write the WAV's sizes: they are fixed here.
  if (format === 'wav' && !fixWavHeader(out)) throw new Error('ffmpeg produced no WAV');
  return out;
}

/** Any audio ffmpeg reads, as 16 kHz mono 16-bit PCM (what the speech-to-text engines take). */
export async function decodeTo16k(bin: string, data: Buffer): Promise<Buffer> {
  return runFfmpeg(
    bin,
    ['-protocol_whitelist', 'pipe', '-i', 'pipe:0', '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', '-c:a', 'pcm_s16le', 'pipe:1'],
    data,
    MAX_DECODED_BYTES,
  );
}
