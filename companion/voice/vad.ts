// Energy-based voice activity detection on 20 ms frames of 16 kHz mono PCM. Pure: feed samples,
// get "speech started" and "speech ended" events with sample positions.
//
// A frame is voiced when its level (dBFS) is `marginDb` over an adaptive noise floor (and over an
// absolute minimum, so digital silence is not "speech" relative to itself). The floor follows
// the level quickly down and slowly up, only outside speech, so steady fan or hum noise is
// learnt and ignored. Speech starts after `startFrames` voiced frames in a row (its position is
// the first of them) and ends after `hangoverMs` without a voiced frame (its position is the
// end of the last voiced frame); pauses between words are shorter than the hangover.

export interface VadOptions {
  sampleRate: number;
  frameMs: number;
  /** Voiced frames in a row that start speech. */
  startFrames: number;
  /** Silence after the last voiced frame that ends speech. */
  hangoverMs: number;
  /** How far over the noise floor a voiced frame is. */
  marginDb: number;
  /** Frames quieter than this are never voiced. */
  minDbfs: number;
  /** How fast the floor rises toward louder non-speech frames (per frame, 0..1). */
  floorRise: number;
}

export const DEFAULT_VAD: VadOptions = {
  sampleRate: 16000,
  frameMs: 20,
  startFrames: 4,
  hangoverMs: 700,
  marginDb: 12,
  minDbfs: -50,
  floorRise: 0.02,
};

type VadEvent = { type: 'start'; sample: number } | { type: 'end'; sample: number };

export interface SpeechSegment {
  /** First sample of speech. */
  start: number;
  /** One past the last sample of speech. */
  end: number;
}

function frameDbfs(frame: Int16Array, from = 0, to = frame.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += frame[i]! * frame[i]!;
  const n = to - from;
  if (!n || !sum) return -100;
  return Math.max(-100, 20 * Math.log10(Math.sqrt(sum / n) / 32768));
}

export class Vad {
  readonly opts: VadOptions;
  readonly frameLen: number;
  private pending = new Int16Array(0);
  /** Samples consumed so far (whole frames). */
  private pos = 0;
  private floor: number | null = null;
  private speaking = false;
  private lastVoicedEnd = 0;
  /** The last frames, newest last: their level and whether they were voiced. */
  private history: { db: number; voiced: boolean }[] = [];

  constructor(opts: Partial<VadOptions> = {}) {
    this.opts = { ...DEFAULT_VAD, ...opts };
    this.frameLen = Math.round((this.opts.sampleRate * this.opts.frameMs) / 1000);
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  get noiseFloorDb(): number | null {
    return this.floor;
  }

  /** Feeds any number of samples; returns the events they complete. */
  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    let buf = samples;
    if (this.pending.length) {
      buf = new Int16Array(this.pending.length + samples.length);
      buf.set(this.pending);
      buf.set(samples, this.pending.length);
    }
    let off = 0;
    for (; off + this.frameLen <= buf.length; off += this.frameLen) {
      const ev = this.frame(frameDbfs(buf, off, off + this.frameLen));
      if (ev) events.push(ev);
    }
    this.pending = buf.slice(off);
    return events;
  }

  private frame(db: number): VadEvent | null {
    const o = this.opts;
    this.pos += this.frameLen;
    if (this.floor === null) this.floor = db;
    const margin = this.speaking ? o.marginDb - 3 : o.marginDb; // a little hysteresis
    const voiced = db > Math.max(this.floor + margin, o.minDbfs - (this.speaking ? 3 : 0));
    this.history.push({ db, voiced });
    if (this.history.length > 16) this.history.shift();
    if (!voiced) {
      if (db < this.floor) this.floor += (db - this.floor) * 0.5;
      else if (!this.speaking) this.floor += (db - this.floor) * o.floorRise;
      else this.floor += (db - this.floor) * o.floorRise * 0.1;
    }
    if (this.speaking) {
      if (voiced) this.lastVoicedEnd = this.pos;
      else if (this.pos - this.lastVoicedEnd >= (o.hangoverMs * o.sampleRate) / 1000) {
        this.speaking = false;
        this.history = [];
        return { type: 'end', sample: this.lastVoicedEnd };
      }
      return null;
    }
    // Start: `startFrames` voiced frames within a short window (a vowel, a stop closure and a
    // fricative are not all loud: "explain" is loud, silent, loud), at the first of them.
    const h = this.history;
    const flags = h.slice(-o.startFrames * 2).map((f) => f.voiced);
    if (!voiced || flags.filter(Boolean).length < o.startFrames) return null;
    let k = h.length - flags.length + flags.indexOf(true);
    let startAt = this.pos - (h.length - k) * this.frameLen;
    // Quiet onsets ("s" of "stop") are under the threshold: walk back over frames still
    // clearly over the floor, up to 200 ms.
    const soft = Math.max(this.floor + o.marginDb / 2, o.minDbfs - 12);
    for (let n = 0; n < 10 && k > 0 && h[k - 1]!.db > soft; n++, k--) startAt -= this.frameLen;
    this.speaking = true;
    this.lastVoicedEnd = this.pos;
    return { type: 'start', sample: Math.max(0, startAt) };
  }

  /** Ends the input: speech still going ends at the last voiced frame. */
  flush(): VadEvent[] {
    if (!this.speaking) return [];
    this.speaking = false;
    return [{ type: 'end', sample: this.lastVoicedEnd }];
  }
}

/** Every speech segment of a whole recording. */
export function findSpeech(pcm: Int16Array, opts: Partial<VadOptions> = {}): SpeechSegment[] {
  const vad = new Vad(opts);
  const segments: SpeechSegment[] = [];
  let start = -1;
  for (const e of [...vad.push(pcm), ...vad.flush()]) {
    if (e.type === 'start') start = e.sample;
    else if (start >= 0) {
      segments.push({ start, end: e.sample });
      start = -1;
    }
  }
  return segments;
}

/** The samples of a segment with some audio before and after (recognisers need context). */
export function cutSegment(pcm: Int16Array, seg: SpeechSegment, sampleRate = 16000, preMs = 300, postMs = 300): Int16Array {
  const a = Math.max(0, seg.start - Math.round((preMs * sampleRate) / 1000));
  const b = Math.min(pcm.length, seg.end + Math.round((postMs * sampleRate) / 1000));
  return pcm.slice(a, b);
}
