// The browser's audio output behind a small interface, so that the speech queue's logic (order,
// timing, barge-in) does not depend on Web Audio and can be tested with a recording stand-in.
// WebAudioOutput is the real one: one AudioContext, created on first use, and suspended a few
// seconds after the last sound ends (a running context renders silence at a steady CPU cost, about
// 3 % of a core in Chromium, for as long as the panel is open); the next sound resumes it.
import { mono } from './envelope';

export interface DecodedAudio {
  /** Seconds. */
  readonly duration: number;
  readonly sampleRate: number;
  /** Mono samples (channels mixed down), for the lip-sync envelope. */
  readonly samples: Float32Array;
}

export interface PlayingSound {
  /** Stops it now (or cancels it before it starts). */
  stop(): void;
}

export interface AudioOutput {
  /** The output's clock in seconds (AudioContext.currentTime). */
  now(): number;
  /** 'running' plays; 'suspended' waits for a user gesture (the autoplay rule); 'unavailable': no audio at all. */
  state(): 'running' | 'suspended' | 'unavailable';
  /** Tries to start the output (call from a user gesture too); resolves when it runs or cannot. */
  resume(): Promise<void>;
  decode(bytes: ArrayBuffer): Promise<DecodedAudio>;
  /** Plays decoded audio starting at `when` (output clock); `onEnded` when it finishes or is stopped. */
  play(audio: DecodedAudio, when: number, onEnded: () => void): PlayingSound;
}

interface WebAudioDecoded extends DecodedAudio {
  readonly buffer: AudioBuffer;
}

type AudioContextCtor = new () => AudioContext;

/** Silence for this long suspends the context. */
const OUTPUT_IDLE_SUSPEND_MS = 3000;

export class WebAudioOutput implements AudioOutput {
  private ctx: AudioContext | null = null;
  private failed = false;
  /** Sounds started and not ended. */
  private playing = 0;
  private idleTimer: number | null = null;
  /** Suspended by us for silence (not by the autoplay rule): it counts as running. */
  private idle = false;

  constructor(private readonly win: Window & { webkitAudioContext?: AudioContextCtor } = window) {}

  private context(): AudioContext | null {
    if (this.ctx || this.failed) return this.ctx;
    const Ctor = (this.win as { AudioContext?: AudioContextCtor }).AudioContext ?? this.win.webkitAudioContext;
    try {
      this.ctx = Ctor ? new Ctor() : null;
    } catch {
      this.ctx = null;
    }
    if (!this.ctx) this.failed = true;
    return this.ctx;
  }

  now(): number {
    return this.context()?.currentTime ?? 0;
  }

  state(): 'running' | 'suspended' | 'unavailable' {
    const ctx = this.context();
    if (!ctx || ctx.state === 'closed') return 'unavailable';
    return ctx.state === 'running' || this.idle ? 'running' : 'suspended';
  }

  async resume(): Promise<void> {
    const ctx = this.context();
    if (!ctx || ctx.state === 'running') return;
    this.idle = false;
    try {
      await ctx.resume();
    } catch {
      // Not allowed yet (no user gesture): state() stays 'suspended'.
    }
  }

  async decode(bytes: ArrayBuffer): Promise<DecodedAudio> {
    const ctx = this.context();
    if (!ctx) throw new Error('This browser has no Web Audio.');
    const buffer = await ctx.decodeAudioData(bytes);
    const channels: Float32Array[] = [];
    for (let c = 0; c < buffer.numberOfChannels; c++) channels.push(buffer.getChannelData(c));
    const decoded: WebAudioDecoded = { duration: buffer.duration, sampleRate: buffer.sampleRate, samples: mono(channels), buffer };
    return decoded;
  }

  play(audio: DecodedAudio, when: number, onEnded: () => void): PlayingSound {
    const ctx = this.context();
    const buffer = (audio as Partial<WebAudioDecoded>).buffer;
    if (!ctx || !buffer) {
      queueMicrotask(onEnded);
      return { stop() {} };
    }
    if (this.idleTimer !== null) this.win.clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.idle) {
      this.idle = false;
      ctx.resume().catch(() => {});
    }
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    this.playing++;
    let ended = false;
    source.onended = () => {
      if (ended) return;
      ended = true;
      source.disconnect();
      this.playing--;
      if (this.playing === 0) this.suspendLater(ctx);
      onEnded();
    };
    source.start(Math.max(when, ctx.currentTime));
    return {
      stop() {
        try {
          source.stop();
        } catch {
          // Never started or already stopped.
        }
        source.onended?.(new Event('ended'));
      },
    };
  }

  private suspendLater(ctx: AudioContext): void {
    if (this.idleTimer !== null) this.win.clearTimeout(this.idleTimer);
    this.idleTimer = this.win.setTimeout(() => {
      this.idleTimer = null;
      if (this.playing > 0 || ctx.state !== 'running') return;
      this.idle = true;
      ctx.suspend().catch(() => {});
    }, OUTPUT_IDLE_SUSPEND_MS);
  }
}

/** Base64 (as `speech.chunk` carries it) to bytes. */
export function base64ToBytes(data: string): ArrayBuffer {
  const bin = atob(data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}
