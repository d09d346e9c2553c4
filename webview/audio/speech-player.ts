// Plays Alisa's speech as the companion sends it: `speech.start`, then `speech.chunk`s (one
// sentence each, base64 WAV or MP3), then `speech.end`. Each chunk is decoded as soon as it
// arrives, but played strictly in `seq` order and back to back: every chunk is scheduled on the
// output's clock at the previous one's end, so there is no gap between sentences even when a
// later chunk decodes first or arrives first. Utterances play one after another in the order
// they started.
//
// Barge-in: stop() silences everything at once (a new reply, the user sending, mute,
// `speech.end` with reason stopped). A chunk of an utterance that was stopped is dropped.
//
// While speech plays, `onLevel` gets the loudness of what is heard right now (from the decoded
// samples' envelope, ~every 20 ms) to move the mouth; `onSpeaking` says when playback starts and
// ends. The autoplay rule: the output may stay suspended until the user touches the page;
// `onBlocked` is called once when speech cannot play for that reason (or at all).
import type { SpeechChunk } from '../../protocol';
import { realTimers, type Timers } from '../util/timers';
import { base64ToBytes, type AudioOutput, type DecodedAudio, type PlayingSound } from './audio-output';
import { envelope, ENVELOPE_DEFAULTS, levelAt } from './envelope';

interface SpeechPlayerOptions {
  output: AudioOutput;
  timers?: Timers;
  onLevel?: (level: number) => void;
  onSpeaking?: (speaking: boolean) => void;
  /** An utterance is under way (from `speech.start` until its last chunk has played or it stopped). */
  onActive?: (active: boolean) => void;
  /** Speech could not play: 'autoplay' (waits for a click) or 'unavailable' (no audio output). */
  onBlocked?: (why: 'autoplay' | 'unavailable') => void;
}

type SpeechEvent =
  | { type: 'speech.start'; utteranceId: string; replyId: string | null }
  | SpeechChunk
  | { type: 'speech.end'; utteranceId: string; replyId: string | null; reason: 'done' | 'stopped' | 'failed' };

interface Decoded {
  audio: DecodedAudio | null;
  env: Float32Array;
}

interface Scheduled {
  utteranceId: string;
  seq: number;
  start: number;
  end: number;
  env: Float32Array;
  audio: DecodedAudio;
  sound: PlayingSound;
}

interface Utterance {
  id: string;
  replyId: string | null;
  /** Chunks by seq: decoding (promise) or decoded. */
  chunks: Map<number, Decoded | Promise<void>>;
  nextSeq: number;
  ended: boolean;
}

const LEVEL_TICK_MS = ENVELOPE_DEFAULTS.frameMs;
/** How many stopped utterance ids are remembered (their late chunks are dropped). */
const STOPPED_MEMORY = 50;

export class SpeechPlayer {
  private readonly timers: Timers;
  private queue: Utterance[] = [];
  private scheduled: Scheduled[] = [];
  /** End of the last scheduled chunk on the output's clock. */
  private playhead = 0;
  private readonly stopped: string[] = [];
  private muted = false;
  private generation = 0;
  private ticker: unknown = null;
  private speaking = false;
  private wasActive = false;
  private blockedTold = false;

  constructor(private readonly opts: SpeechPlayerOptions) {
    this.timers = opts.timers ?? realTimers;
  }

  /** True while an utterance is queued, decoding or playing. */
  get active(): boolean {
    return this.queue.length > 0 || this.scheduled.length > 0;
  }

  /** The chunks scheduled now (utterance, seq, start and end time), for tests and debugging. */
  get schedule(): ReadonlyArray<{ utteranceId: string; seq: number; start: number; end: number }> {
    return this.scheduled.map(({ utteranceId, seq, start, end }) => ({ utteranceId, seq, start, end }));
  }

  get isMuted(): boolean {
    return this.muted;
  }

  /** Muted: plays nothing and stops what plays. */
  setMuted(muted: boolean): void {
    if (muted === this.muted) return;
    this.muted = muted;
    if (muted) this.stop();
  }

  apply(event: SpeechEvent): void {
    if (event.type !== 'speech.end' && this.outputState() === 'unavailable') {
      // No audio output at all: the text is all there is (and the mouth keeps its text rhythm).
      this.checkBlocked();
      return;
    }
    if (event.type === 'speech.start') {
      if (this.muted || this.stopped.includes(event.utteranceId)) return;
      this.utterance(event.utteranceId, event.replyId);
      this.update();
      return;
    }
    if (event.type === 'speech.end') {
      if (event.reason === 'stopped') {
        this.stopUtterance(event.utteranceId);
        return;
      }
      const u = this.queue.find((x) => x.id === event.utteranceId);
      if (!u) return;
      u.ended = true;
      this.pump();
      return;
    }
    this.chunk(event);
  }

  /** Barge-in: everything stops now, and what is still on its way for these utterances is dropped. */
  stop(): void {
    for (const u of this.queue) this.remember(u.id);
    for (const s of this.scheduled) this.remember(s.utteranceId);
    this.generation++;
    this.queue = [];
    const playing = this.scheduled;
    this.scheduled = [];
    for (const s of playing) stopSafely(s.sound);
    this.playhead = 0;
    this.update();
  }

  /** Resumes the output (call on a user gesture: the browser's autoplay rule). */
  unlock(): void {
    void Promise.resolve()
      .then(() => this.opts.output.resume())
      .then(() => {
        if (this.opts.output.state() === 'running') this.blockedTold = false;
      })
      .catch(() => {}); // a broken output stays silent; the text is all there is
  }

  dispose(): void {
    this.stop();
  }

  // ------------------------------------------------------------------ queue

  private utterance(id: string, replyId: string | null): Utterance {
    let u = this.queue.find((x) => x.id === id);
    if (!u) {
      u = { id, replyId, chunks: new Map(), nextSeq: 0, ended: false };
      this.queue.push(u);
    }
    return u;
  }

  private chunk(c: SpeechChunk): void {
    if (this.muted || this.stopped.includes(c.utteranceId)) return;
    // A chunk without its start (the page loaded mid-utterance) starts the utterance.
    const u = this.utterance(c.utteranceId, c.replyId);
    if (c.seq < u.nextSeq || u.chunks.has(c.seq)) return; // already played or a duplicate
    const generation = this.generation;
    const output = this.opts.output;
    if (this.outputState() === 'suspended') {
      void Promise.resolve()
        .then(() => output.resume())
        .then(() => this.checkBlocked())
        .catch(() => {});
    } else this.checkBlocked();
    // An output that throws (or a bad chunk) only skips this chunk.
    let started: Promise<DecodedAudio>;
    try {
      started = output.decode(base64ToBytes(c.data));
    } catch (err) {
      started = Promise.reject(err);
    }
    const decoding = started.then(
      (audio): Decoded => ({ audio, env: envelope(audio.samples, audio.sampleRate) }),
      // A chunk that cannot be decoded is skipped; the rest still plays.
      (): Decoded => ({ audio: null, env: new Float32Array(0) }),
    );
    u.chunks.set(
      c.seq,
      decoding.then((d) => {
        if (generation !== this.generation) return;
        u.chunks.set(c.seq, d);
        this.pump();
      }),
    );
    this.update();
  }

  /** Schedules every chunk that is ready and next in order. */
  private pump(): void {
    for (;;) {
      const u = this.queue[0];
      if (!u) break;
      const next = u.chunks.get(u.nextSeq);
      if (next && !(next instanceof Promise)) {
        u.chunks.delete(u.nextSeq);
        u.nextSeq++;
        if (next.audio) this.scheduleChunk(u, u.nextSeq - 1, next);
        continue;
      }
      if (next) break; // still decoding: later ones wait for it
      if (!u.ended) break; // not arrived yet
      // The utterance is over: a seq that never came is skipped, unless nothing else is left.
      const waiting = [...u.chunks.keys()].filter((s) => s > u.nextSeq);
      if (waiting.length > 0) {
        u.nextSeq = Math.min(...waiting);
        continue;
      }
      if (u.chunks.size > 0) break;
      this.queue.shift();
    }
    this.update();
  }

  private scheduleChunk(u: { id: string }, seq: number, d: Decoded): void {
    const output = this.opts.output;
    const now = this.clock();
    const start = Math.max(now, this.playhead);
    const end = start + d.audio!.duration;
    const entry: Scheduled = { utteranceId: u.id, seq, start, end, env: d.env, audio: d.audio!, sound: { stop() {} } };
    try {
      entry.sound = output.play(d.audio!, start, () => {
        const i = this.scheduled.indexOf(entry);
        if (i < 0) return;
        this.scheduled.splice(i, 1);
        this.update();
      });
    } catch {
      return; // the output refused it (closed, broken): skipped, the rest goes on
    }
    this.playhead = end;
    this.scheduled.push(entry);
  }

  private stopUtterance(id: string): void {
    this.remember(id);
    const u = this.queue.find((x) => x.id === id);
    if (u) this.queue.splice(this.queue.indexOf(u), 1);
    const mine = this.scheduled.filter((s) => s.utteranceId === id);
    if (mine.length === 0 && !u) return;
    // What was scheduled after it and has not started moves up, to play from now.
    const now = this.clock();
    const later = this.scheduled.filter((s) => s.utteranceId !== id && s.start > now);
    this.scheduled = this.scheduled.filter((s) => s.utteranceId !== id && !later.includes(s));
    for (const s of [...mine, ...later]) stopSafely(s.sound);
    this.playhead = this.scheduled.reduce((t, s) => Math.max(t, s.end), 0);
    for (const s of later) this.scheduleChunk({ id: s.utteranceId }, s.seq, { audio: s.audio, env: s.env });
    this.pump();
  }

  private remember(id: string): void {
    if (this.stopped.includes(id)) return;
    this.stopped.push(id);
    if (this.stopped.length > STOPPED_MEMORY) this.stopped.shift();
  }

  /** The output's clock (0 when the output is broken). */
  private clock(): number {
    try {
      return this.opts.output.now();
    } catch {
      return 0;
    }
  }

  /** The output's state; an output that throws counts as none. */
  private outputState(): 'running' | 'suspended' | 'unavailable' {
    try {
      return this.opts.output.state();
    } catch {
      return 'unavailable';
    }
  }

  private checkBlocked(): void {
    const state = this.outputState();
    if (state === 'running' || this.blockedTold) return;
    this.blockedTold = true;
    this.opts.onBlocked?.(state === 'unavailable' ? 'unavailable' : 'autoplay');
  }

  // ------------------------------------------------------------------ speaking and lip sync

  /** The loudness heard now (0 between chunks or when nothing plays). */
  levelNow(): number {
    const t = this.clock();
    const s = this.scheduled.find((x) => t >= x.start && t < x.end);
    return s ? levelAt(s.env, t - s.start) : 0;
  }

  private update(): void {
    if (this.active !== this.wasActive) {
      this.wasActive = this.active;
      this.opts.onActive?.(this.wasActive);
    }
    const speaking = this.scheduled.length > 0;
    if (speaking !== this.speaking) {
      this.speaking = speaking;
      this.opts.onSpeaking?.(speaking);
      if (!speaking) this.opts.onLevel?.(0);
    }
    if (speaking && this.ticker === null) this.tick();
    if (!speaking && this.ticker !== null) {
      this.timers.clearTimeout(this.ticker);
      this.ticker = null;
    }
  }

  private tick(): void {
    this.opts.onLevel?.(this.levelNow());
    this.ticker = this.timers.setTimeout(() => {
      this.ticker = null;
      if (this.scheduled.length > 0) this.tick();
    }, LEVEL_TICK_MS);
  }
}

/** Stops a sound; one that cannot be stopped (already gone, broken output) must not stop the others. */
function stopSafely(sound: PlayingSound): void {
  try {
    sound.stop();
  } catch {
    // Nothing more to do: it is dropped from the schedule either way.
  }
}
