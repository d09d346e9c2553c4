// Webcam presence, the frames: ffmpeg reads the camera (or a file standing in for one), drops
// to a low rate, scales to 320x240 and writes raw RGB to a pipe. Only the latest frame is kept,
// in memory, and only until it has been analysed; nothing is written to disk.
//
// The input setting:
// - "default" (or empty): the platform's first camera: Linux /dev/video0 (v4l2), macOS device
//   "0" (avfoundation). Windows has no default: set the camera's name, e.g. `video=Integrated
//   Camera` (list them with `ffmpeg -list_devices true -f dshow -i dummy`).
// - Linux: a device path (`/dev/video2`); macOS: a device index or name; Windows: `video=<name>`.
// - A file standing in for a camera (tests, demos): an image (`face.jpg`, looped), a video
//   (`clip.mp4`), or an image sequence with a printf pattern (`dir/%03d.jpg`). Files play in
//   real time (`-re`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { deviceInputProblem } from '../../protocol/inputs';
import { AlisaError } from '../errors';

export const FRAME_WIDTH = 320;
export const FRAME_HEIGHT = 240;
export const FRAME_BYTES = FRAME_WIDTH * FRAME_HEIGHT * 3;

/**
 * A frame's coarse picture: the mean brightness of each 8x8 block (40x30 blocks). Sensor noise
 * averages out within a block (64 pixels); a face that moves, turns or goes changes many blocks.
 */
const BLOCK = 8;
export const SIGNATURE_BLOCKS = (FRAME_WIDTH / BLOCK) * (FRAME_HEIGHT / BLOCK);

export function frameSignature(rgb: Uint8Array, out: Uint16Array = new Uint16Array(SIGNATURE_BLOCKS)): Uint16Array {
  const cols = FRAME_WIDTH / BLOCK;
  out.fill(0);
  // Sums of r+g+b per block (at most 64 * 765 = 48960: fits 16 bits), one pass over the frame.
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    const row = ((y / BLOCK) | 0) * cols;
    let i = y * FRAME_WIDTH * 3;
    for (let x = 0; x < FRAME_WIDTH; x += BLOCK) {
      let sum = 0;
      for (let k = 0; k < BLOCK * 3; k++) sum += rgb[i + k]!;
      out[row + x / BLOCK] += sum;
      i += BLOCK * 3;
    }
  }
  return out;
}

/**
 * The change gate: two frames show the same picture when fewer than UNCHANGED_BLOCKS of their 1200
 * blocks differ in mean brightness by more than BLOCK_DELTA (of 255). Sensor noise moves a block's
 * mean by ~1; a head turning or a person leaving moves dozens of blocks by far more
 * (tests/presence-gate.test.ts measures both on the fixtures).
 */
export const BLOCK_DELTA = 10;
export const UNCHANGED_BLOCKS = 6;

export function samePicture(a: Uint16Array, b: Uint16Array): boolean {
  return changedBlocks(a, b, BLOCK_DELTA) < UNCHANGED_BLOCKS;
}

/** Blocks whose mean brightness (0..255) differs by more than `delta` between two signatures. */
export function changedBlocks(a: Uint16Array, b: Uint16Array, delta: number): number {
  const limit = delta * BLOCK * BLOCK * 3;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > limit) n++;
  return n;
}

const IMAGE_EXT = /\.(jpe?g|png|bmp|webp|gif|tiff?)$/i;
const INSTALL_FFMPEG =
  'Install ffmpeg (Linux: `sudo apt install ffmpeg`; macOS: `brew install ffmpeg`; Windows: `winget install ffmpeg`) and make sure it is on PATH, then turn presence on again.';

interface FrameSourceOptions {
  input: string;
  /** Analysed frames per second (default 2/3: one frame every 1.5 s). */
  fps: number;
  /** Frame rate of an image sequence input (default: `fps`, one image per analysed frame). */
  sequenceFps?: number;
  ffmpegPath?: string;
  platform?: NodeJS.Platform;
}

/** The ffmpeg input arguments for the setting, or an AlisaError when it cannot work here. */
export function inputArgs(input: string, opts: { fps: number; sequenceFps?: number; platform?: NodeJS.Platform }): string[] {
  const platform = opts.platform ?? process.platform;
  const raw = input.trim();
  // The protocol refuses these already; here too, as this is where the input meets ffmpeg.
  const problem = deviceInputProblem(raw, 'The presence input');
  if (problem) throw new AlisaError('invalid_argument', problem, 'Set alisa.presence.input to "default", a camera name, or a video or image file.');
  const setting = raw === '' || raw === 'default' ? defaultDevice(platform) : raw;
  const rate = fpsArg(opts.sequenceFps ?? opts.fps);

  if (setting.includes('%')) {
    const dir = path.dirname(setting);
    if (!existsSync(dir)) throw missingInput(raw);
    // Absolute: ffmpeg never reads a path that starts with '/' (or a drive) as a protocol.
    return ['-re', '-framerate', rate, '-i', path.resolve(setting)];
  }
  if (platform === 'linux' && setting.startsWith('/dev/')) {
    if (!existsSync(setting)) throw noCamera(setting, platform);
    return ['-f', 'v4l2', '-framerate', '5', '-video_size', '640x480', '-i', setting];
  }
  if (platform === 'win32' && /^(video|audio)=/i.test(setting)) return ['-f', 'dshow', '-i', setting];
  if (existsSync(setting) && statSync(setting).isFile()) {
    const file = path.resolve(setting);
    if (IMAGE_EXT.test(setting)) return ['-re', '-loop', '1', '-framerate', rate, '-i', file];
    return ['-re', '-i', file];
  }
  if (platform === 'darwin' && !/[\\/]/.test(setting)) return ['-f', 'avfoundation', '-framerate', '30', '-i', `${setting}:none`];
  if (platform === 'win32' && !/[\\/]/.test(setting)) return ['-f', 'dshow', '-i', `video=${setting}`];
  if (/[\\/]/.test(setting) || IMAGE_EXT.test(setting)) throw missingInput(raw);
  throw noCamera(setting, platform);
}

function defaultDevice(platform: NodeJS.Platform): string {
  if (platform === 'linux') return '/dev/video0';
  if (platform === 'darwin') return '0';
  throw new AlisaError(
    'camera_unavailable',
    'There is no default camera on this system for presence.',
    'Set the presence input to your camera\'s name, e.g. "video=Integrated Camera" (list them with `ffmpeg -list_devices true -f dshow -i dummy`).',
  );
}

function fpsArg(fps: number): string {
  // ffmpeg takes rationals: 2/3 rather than 0.6666666.
  for (const den of [1, 2, 3, 4, 5, 10, 100, 1000]) {
    const num = fps * den;
    if (Math.abs(num - Math.round(num)) < 1e-6) return `${Math.round(num)}/${den}`;
  }
  return fps.toFixed(4);
}

function noCamera(device: string, platform: NodeJS.Platform): AlisaError {
  const hint =
    platform === 'linux'
      ? 'Plug in a webcam, or choose another device in the presence input (`ls /dev/video*`, `v4l2-ctl --list-devices`), or a video/image file to stand in for a camera.'
      : 'Choose another camera in the presence input, or a video/image file to stand in for a camera.';
  return new AlisaError('camera_unavailable', `No camera was found at "${device}".`, hint);
}

function missingInput(input: string): AlisaError {
  return new AlisaError(
    'camera_unavailable',
    `The presence input "${input}" does not exist.`,
    'Choose a camera, or an existing video or image file, as the presence input.',
  );
}

export function ffmpegArgs(opts: FrameSourceOptions): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...inputArgs(opts.input, opts),
    '-an',
    '-threads',
    '1',
    '-filter_threads',
    '1',
    '-vf',
    `fps=${fpsArg(opts.fps)},scale=${FRAME_WIDTH}:${FRAME_HEIGHT}`,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

/**
 * One running ffmpeg. `onFrame` gets each complete 320x240 RGB frame (the buffer is reused for
 * the next frame: copy it or finish with it before returning from the handler's synchronous
 * part); `onExit` gets null when stopped on purpose, else the error.
 */
export class FrameSource {
  private child: ChildProcess | null = null;
  private buf = Buffer.alloc(FRAME_BYTES);
  private filled = 0;
  private stderrTail = '';
  private stopping = false;
  private gotFrame = false;
  frames = 0;

  constructor(
    private readonly opts: FrameSourceOptions,
    private readonly onFrame: (rgb: Buffer) => void,
    private readonly onExit: (err: AlisaError | null) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Spawns ffmpeg; throws camera_unavailable for a setting that cannot work here. */
  start(): void {
    const args = ffmpegArgs(this.opts);
    const child = spawn(this.opts.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => this.take(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    let reported = false;
    const report = (err: AlisaError | null) => {
      if (reported) return;
      reported = true;
      this.child = null;
      this.onExit(err);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        report(new AlisaError('camera_unavailable', 'ffmpeg was not found, so the camera cannot be read.', INSTALL_FFMPEG, { cause: err }));
      else report(new AlisaError('camera_unavailable', `ffmpeg could not start: ${err.message}`, INSTALL_FFMPEG, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (this.stopping) return report(null);
      const detail = this.stderrTail.trim().split('\n').slice(-2).join(' ').slice(0, 300);
      if (!this.gotFrame)
        return report(
          new AlisaError(
            'camera_unavailable',
            `The camera "${this.opts.input}" could not be opened${detail ? `: ${detail}` : ` (ffmpeg exited with ${code ?? signal})`}.`,
            'Check that no other application uses the camera, or choose another device (or a video/image file) as the presence input.',
          ),
        );
      // A file input that ended, or a camera that went away.
      report(
        code === 0
          ? new AlisaError('camera_unavailable', `The presence input "${this.opts.input}" ended.`, 'Turn presence off and on again, or choose a camera.')
          : new AlisaError(
              'camera_unavailable',
              `The camera stopped${detail ? `: ${detail}` : ''}.`,
              'Check the camera connection, then turn presence on again.',
            ),
      );
    });
  }

  private take(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(FRAME_BYTES - this.filled, chunk.length - off);
      chunk.copy(this.buf, this.filled, off, off + n);
      this.filled += n;
      off += n;
      if (this.filled === FRAME_BYTES) {
        this.filled = 0;
        this.gotFrame = true;
        this.frames++;
        this.onFrame(this.buf);
      }
    }
  }

  /** Kills ffmpeg (the camera is released when it exits); resolves once it is gone. */
  stop(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    this.stopping = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
