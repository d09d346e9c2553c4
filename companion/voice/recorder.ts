// Records the microphone as 16 kHz mono 16-bit PCM with a tool found on this machine, streaming
// frames to a callback, until stopped, at the end of speech (VAD) or at a length guard.
//
// Tools, in order (each is tried when the one before cannot open the device):
//   ffmpeg   Linux: `-f pulse -i default`, then `-f alsa -i default`
//            macOS: `-f avfoundation -i :0` (or `:<input>`)
//            Windows: `-f dshow -i audio=<input>` only when `input` names a device (list them
//            with `ffmpeg -list_devices true -f dshow -i dummy`); "default" goes to sox.
//   sox      `sox -d` (the default device; or `-t alsa|coreaudio|waveaudio <input>`)
//   arecord  Linux (alsa-utils): `arecord -f S16_LE -r 16000 -c 1 -t raw [-D <input>]`
// `input` = a path ending in .wav stands in for the microphone: the file is read here, converted
// to 16 kHz mono and paced in real time (or `speed` times faster), frame by frame, like a device.
// It is just over 400 lines because the fallback chain and its error report (what each tool said,
// for the Details of the one-sentence message) only make sense read together.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { deviceInputProblem } from '../../protocol/inputs';
import { AlisaError } from '../errors';
import { DEFAULT_VAD, Vad, cutSegment, type SpeechSegment, type VadOptions } from './vad';
import { STT_RATE, decodeWav, toMono16k } from './wav-io';

export type RecorderTool = 'ffmpeg' | 'sox' | 'arecord' | 'wav';

interface RecorderCommand {
  tool: Exclude<RecorderTool, 'wav'>;
  bin: string;
  args: string[];
}

export interface RecordOptions {
  /** "default", a device name, or a .wav file standing in for the microphone. */
  input?: string;
  /** Stop at the end of the first stretch of speech (VAD) instead of waiting for stop(). */
  endOnSilence?: boolean;
  /** Length guard: from the start of speech with endOnSilence, else from the start. */
  maxMs?: number;
  vad?: Partial<VadOptions>;
  /** Each chunk of PCM as it arrives (16 kHz mono). */
  onFrame?: (pcm: Int16Array) => void;
  /** The VAD heard speech start (barge-in). */
  onSpeechStart?: () => void;
  /**
   * Hands-free: each stretch of speech, cut by the VAD (with 300 ms around it), as it ends; the
   * recording goes on until stopped. `maxMs` then guards each utterance.
   */
  onUtterance?: (speech: Int16Array, segment: SpeechSegment) => void;
  /** WAV input pacing: 1 = real time. */
  speed?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  log?: (line: string) => void;
}

export type StopReason = 'stopped' | 'end_of_speech' | 'max_length' | 'end_of_input' | 'failed';

export interface RecordResult {
  /** What was kept of the recording (with endOnSilence, from ~1 s before the speech). */
  pcm: Int16Array;
  /** Where the VAD heard speech in `pcm` (first start to last end), or null. */
  segment: SpeechSegment | null;
  /** `segment` with 300 ms before and after: what goes to speech-to-text. */
  speech: Int16Array | null;
  reason: StopReason;
  tool: RecorderTool;
  /** Wall time recorded. */
  ms: number;
}

const MIC_ACTION = 'Install ffmpeg, sox or alsa-utils (arecord), connect a microphone, or set the voice input to a device name.';

const isWavInput = (input: string | undefined): input is string => !!input && /\.wav$/i.test(input);

/** The executable `name` on PATH (with Windows extensions), or null. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const d of dirs) {
    for (const e of exts) {
      const p = path.join(d, name + e);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // next
      }
    }
  }
  return null;
}

/** The recorder commands to try for a device, in order. */
export function recorderCommands(input = 'default', env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): RecorderCommand[] {
  const out: RecorderCommand[] = [];
  const dev = input || 'default';
  const isDefault = dev === 'default';
  const pcmOut = ['-ac', '1', '-ar', String(STT_RATE), '-f', 's16le', '-'];
  const ffmpeg = findExecutable('ffmpeg', env, platform);
  if (ffmpeg) {
    const base = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
    if (platform === 'darwin') out.push({ tool: 'ffmpeg', bin: ffmpeg, args: [...base, '-f', 'avfoundation', '-i', isDefault ? ':0' : `:${dev}`, ...pcmOut] });
    else if (platform === 'win32') {
      if (!isDefault) out.push({ tool: 'ffmpeg', bin: ffmpeg, args: [...base, '-f', 'dshow', '-i', `audio=${dev}`, ...pcmOut] });
    } else {
      out.push({ tool: 'ffmpeg', bin: ffmpeg, args: [...base, '-f', 'pulse', '-i', dev, ...pcmOut] });
      out.push({ tool: 'ffmpeg', bin: ffmpeg, args: [...base, '-f', 'alsa', '-i', dev, ...pcmOut] });
    }
  }
  const sox = findExecutable('sox', env, platform);
  if (sox) {
    const driver = platform === 'darwin' ? 'coreaudio' : platform === 'win32' ? 'waveaudio' : 'alsa';
    const src = isDefault ? ['-d'] : ['-t', driver, dev];
    out.push({ tool: 'sox', bin: sox, args: ['-q', ...src, '-t', 'raw', '-r', String(STT_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-'] });
  }
  const arecord = platform === 'linux' ? findExecutable('arecord', env, platform) : null;
  if (arecord) {
    out.push({
      tool: 'arecord',
      bin: arecord,
      args: ['-q', '-f', 'S16_LE', '-r', String(STT_RATE), '-c', '1', '-t', 'raw', ...(isDefault ? [] : ['-D', dev]), '-'],
    });
  }
  return out;
}

/** The audio samples of a WAV file at 16 kHz mono, or a clear error. */
function readWavInput(file: string): Int16Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new AlisaError(
      'microphone_unavailable',
      `The voice input ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      'Set the voice input to "default" or to an existing 16-bit WAV file.',
    );
  }
  try {
    return toMono16k(decodeWav(buf));
  } catch (err) {
    throw new AlisaError(
      'microphone_unavailable',
      `The voice input ${file} is not a WAV file Alisa can read: ${(err as Error).message}.`,
      'Use a 16-bit PCM WAV file.',
    );
  }
}

interface Source {
  tool: RecorderTool;
  stop(): void;
}

export class Recording {
  readonly done: Promise<RecordResult>;
  tool: RecorderTool = 'wav';
  private chunks: Int16Array[] = [];
  private kept = 0;
  private dropped = 0;
  private received = 0;
  private readonly vad: Vad;
  private segStart = -1;
  private segEnd = -1;
  private openSpeech = false;
  private finished = false;
  private source: Source | null = null;
  private readonly t0 = performance.now();
  private guard: NodeJS.Timeout | null = null;
  private resolveDone!: (r: RecordResult) => void;

  constructor(private readonly opts: RecordOptions) {
    this.vad = new Vad({ ...opts.vad, sampleRate: STT_RATE });
    this.done = new Promise((r) => (this.resolveDone = r));
    if (!opts.endOnSilence && !opts.onUtterance) this.armGuard();
  }

  /** Stops now (push-to-talk released); resolves with what was recorded. */
  stop(): Promise<RecordResult> {
    this.finish('stopped');
    return this.done;
  }

  attach(source: Source): void {
    this.source = source;
    this.tool = source.tool;
    if (this.finished) source.stop();
  }

  private armGuard(): void {
    const maxMs = this.opts.maxMs ?? 30_000;
    this.guard = setTimeout(() => this.finish('max_length'), maxMs / (isWavInput(this.opts.input) ? (this.opts.speed ?? 1) : 1));
    this.guard.unref?.();
  }

  /** Samples from the source. */
  feed(pcm: Int16Array): void {
    if (this.finished || !pcm.length) return;
    this.received += pcm.length;
    this.chunks.push(pcm);
    this.kept += pcm.length;
    this.opts.onFrame?.(pcm);
    for (const e of this.vad.push(pcm)) this.onVad(e.type, e.sample);
    if (this.finished) return;
    const guard = ((this.opts.maxMs ?? 30_000) * STT_RATE) / 1000;
    if (this.opts.onUtterance && this.openSpeech && this.received - this.segStart > guard) this.onVad('end', this.received);
    // Waiting for speech (hands-free): keep about a second, not the whole wait.
    if ((this.opts.endOnSilence || this.opts.onUtterance) && this.segStart < 0) {
      while (this.chunks.length > 1 && this.kept - this.chunks[0]!.length >= STT_RATE) {
        const c = this.chunks.shift()!;
        this.kept -= c.length;
        this.dropped += c.length;
      }
    }
  }

  private onVad(type: 'start' | 'end', sample: number): void {
    if (type === 'start') {
      if (this.segStart < 0) {
        this.segStart = sample;
        if (this.opts.endOnSilence) this.armGuard();
      }
      this.openSpeech = true;
      this.opts.onSpeechStart?.();
    } else {
      this.openSpeech = false;
      this.segEnd = sample;
      if (this.opts.onUtterance && !this.finished) this.cutUtterance();
      else if (this.opts.endOnSilence) this.finish('end_of_speech');
    }
  }

  private concat(): Int16Array {
    const pcm = new Int16Array(this.kept);
    let off = 0;
    for (const c of this.chunks) {
      pcm.set(c, off);
      off += c.length;
    }
    return pcm;
  }

  /** Hands-free: hands the utterance over and starts afresh (keeping the audio after it). */
  private cutUtterance(): void {
    const pcm = this.concat();
    const seg = { start: Math.max(0, this.segStart - this.dropped), end: Math.min(pcm.length, this.segEnd - this.dropped) };
    const speech = cutSegment(pcm, seg);
    const keepFrom = Math.min(pcm.length, seg.end);
    this.chunks = [pcm.slice(keepFrom)];
    this.kept = pcm.length - keepFrom;
    this.dropped += keepFrom;
    this.segStart = -1;
    this.segEnd = -1;
    this.opts.onUtterance!(speech, seg);
  }

  /** The source ended by itself (end of the WAV, or the recorder died). */
  ended(reason: StopReason): void {
    this.finish(reason);
  }

  private finish(reason: StopReason): void {
    if (this.finished) return;
    this.finished = true;
    if (this.guard) clearTimeout(this.guard);
    this.source?.stop();
    if (this.openSpeech) {
      this.openSpeech = false;
      for (const e of this.vad.flush()) this.segEnd = e.sample;
      if (this.opts.onUtterance) this.cutUtterance();
    }
    const pcm = this.concat();
    this.chunks = [];
    let segment: SpeechSegment | null = null;
    if (this.segStart >= 0) {
      const end = this.segEnd > this.segStart ? this.segEnd : this.received;
      segment = { start: Math.max(0, this.segStart - this.dropped), end: Math.min(pcm.length, end - this.dropped) };
    }
    this.resolveDone({
      pcm,
      segment,
      speech: segment ? cutSegment(pcm, segment) : null,
      reason,
      tool: this.tool,
      ms: Math.round(performance.now() - this.t0),
    });
  }
}

function wavSource(rec: Recording, file: string, speed: number): Source {
  const samples = readWavInput(file);
  const frame = Math.round((STT_RATE * DEFAULT_VAD.frameMs) / 1000);
  const t0 = performance.now();
  let off = 0;
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    // Everything due by now (timers drift; the clock does not).
    const due = Math.min(samples.length, Math.floor(((((performance.now() - t0) * speed) / 1000) * STT_RATE) / frame + 1) * frame);
    while (off < due) {
      rec.feed(samples.subarray(off, Math.min(off + frame, samples.length)));
      off += frame;
    }
    if (off >= samples.length) {
      timer = null;
      rec.ended('end_of_input');
      return;
    }
    timer = setTimeout(tick, DEFAULT_VAD.frameMs / speed);
  };
  timer = setTimeout(tick, 0);
  return {
    tool: 'wav',
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Runs one recorder command; resolves once audio flows, rejects with its error when it fails first. */
function processSource(rec: Recording, cmd: RecorderCommand, log?: (line: string) => void): Promise<Source> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd.bin, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      reject(err as Error);
      return;
    }
    let started = false;
    let stopping = false;
    let stderr = '';
    let odd: Buffer | null = null;
    const source: Source = {
      tool: cmd.tool,
      stop: () => {
        if (stopping) return;
        stopping = true;
        if (child.exitCode === null) {
          child.kill('SIGINT');
          setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 1000).unref();
        }
      },
    };
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.stdout!.on('data', (d: Buffer) => {
      if (!started) {
        started = true;
        resolve(source);
      }
      let buf = odd ? Buffer.concat([odd, d]) : d;
      odd = null;
      if (buf.length % 2) {
        odd = buf.subarray(buf.length - 1);
        buf = buf.subarray(0, buf.length - 1);
      }
      const pcm = new Int16Array(buf.length / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = buf.readInt16LE(i * 2);
      rec.feed(pcm);
    });
    child.on('error', (err) => {
      if (!started) reject(err);
    });
    child.on('close', (code) => {
      if (!started) {
        const last = stderr.trim().split('\n').pop() ?? '';
        reject(new Error(`${cmd.tool} exited with ${code}${last ? `: ${last}` : ''}`));
      } else if (!stopping) {
        log?.(`voice: ${cmd.tool} stopped by itself (${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
        rec.ended('failed');
      }
    });
  });
}

/** What the user reads when no recorder could open the input: one short sentence. */
export function microphoneMessage(input: string): string {
  return input === 'default' ? 'Alisa could not open the microphone.' : `Alisa could not open the microphone "${input}".`;
}

/** The raw story for "Details": each recorder tried and its last error line, one per line, bounded. */
function recorderDetails(input: string, failures: readonly string[]): string {
  const lines = [`Voice input: ${input}`, ...failures.map((f) => `- ${f}`)];
  return lines.join('\n').slice(0, 4000);
}

/**
 * Starts recording. Resolves when audio flows (a device opened, or the WAV is being read);
 * rejects with microphone_unavailable when no tool or no device works.
 */
export async function startRecording(opts: RecordOptions = {}): Promise<Recording> {
  const input = opts.input ?? 'default';
  // The protocol refuses these already; here too, as this is where the input meets a command line.
  const problem = deviceInputProblem(input, 'The voice input');
  if (problem) throw new AlisaError('invalid_argument', problem, 'Set alisa.voice.input to "default", a device name or a WAV file.');
  const rec = new Recording(opts);
  if (isWavInput(input)) {
    rec.attach(wavSource(rec, input, opts.speed ?? 1));
    return rec;
  }
  const cmds = recorderCommands(input, opts.env, opts.platform);
  if (!cmds.length) {
    throw new AlisaError('microphone_unavailable', 'No audio recorder was found: Alisa records the microphone with ffmpeg, sox or arecord.', MIC_ACTION);
  }
  const failures: string[] = [];
  for (const cmd of cmds) {
    try {
      rec.attach(await processSource(rec, cmd, opts.log));
      opts.log?.(`voice: recording with ${cmd.tool} ${cmd.args.join(' ')}`);
      return rec;
    } catch (err) {
      failures.push(`${cmd.tool}${cmd.args.includes('pulse') ? ' (pulse)' : cmd.args.includes('alsa') ? ' (alsa)' : ''}: ${(err as Error).message}`);
    }
  }
  opts.log?.(`voice: no recorder could open "${input}": ${failures.join('; ')}`);
  throw new AlisaError(
    'microphone_unavailable',
    microphoneMessage(input),
    'Connect a microphone and check that the system sees it, or set the voice input (alisa.voice.input) to a device name.',
    { details: recorderDetails(input, failures) },
  );
}
