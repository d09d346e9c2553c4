// @vitest-environment happy-dom
// Voice in the webview: the speech queue (order, gapless timing, barge-in, mute, lip sync) and
// the panel's controls (mute toggle, mic, transcripts, notices), driven the way the hosts drive
// the page: host.state, companion events, and answers to requests.
//
// happy-dom has no audio output, so the speech is played into RecordingOutput below: a test
// double of the browser's audio output (the AudioOutput interface that WebAudioOutput implements
// with a real AudioContext). It decodes real PCM WAV bytes, records what is scheduled when, and
// its clock moves only when the test says. It lives here, in tests/, not in the product.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import { FakeTimers } from './helpers/fake-timers';
import type { VoiceConfigure, VoiceStatus } from '../protocol';
import type { SpeechChunk } from '../protocol/voice';
import type { AudioOutput, DecodedAudio, PlayingSound } from '../webview/audio/audio-output';
import { SpeechPlayer } from '../webview/audio/speech-player';
import { MouthAnimator, type MouthShape } from '../webview/avatar/mouth-animator';
import type { App } from '../webview/ui/app';
import { decodeWav, encodeWav, type PcmAudio } from '../companion/voice/wav-io';
import { FakeHost as SharedFakeHost, type Answers } from './helpers/fake-host';
import { openPanel, settle as settleTurns } from './helpers/panel';
import { NEW_CHAT_ANSWERS, readyAnswers, voiceStatus as voiceStatusWith } from './helpers/webview-fixtures';

// ------------------------------------------------------------------ audio test double

const RATE = 8000;

/** A 16-bit mono PCM WAV: `seconds` of a 200 Hz tone at `amplitude` (0: silence). */
function wav(seconds: number, amplitude = 0.5): string {
  const samples = Int16Array.from({ length: Math.round(seconds * RATE) }, (_, i) => Math.round(Math.sin((2 * Math.PI * 200 * i) / RATE) * amplitude * 32767));
  return encodeWav(samples, RATE).toString('base64');
}

interface Played {
  duration: number;
  when: number;
  stopped: boolean;
  ended: boolean;
  onEnded: () => void;
}

class RecordingOutput implements AudioOutput {
  time = 0;
  current: 'running' | 'suspended' | 'unavailable' = 'running';
  /** Whether resume() succeeds (false: the autoplay rule holds until a gesture). */
  resumable = true;
  resumes = 0;
  played: Played[] = [];
  /** While set, decodes wait until release() (to make later chunks finish decoding first). */
  holding = false;
  private held: Array<{ duration: number; release: () => void }> = [];

  now(): number {
    return this.time;
  }
  state() {
    return this.current;
  }
  async resume(): Promise<void> {
    this.resumes++;
    if (this.resumable && this.current === 'suspended') this.current = 'running';
  }
  decode(bytes: ArrayBuffer): Promise<DecodedAudio> {
    let pcm: PcmAudio;
    try {
      pcm = decodeWav(Buffer.from(bytes));
    } catch {
      return Promise.reject(new Error('EncodingError'));
    }
    const samples = Float32Array.from(pcm.samples, (v) => v / 32768);
    const audio: DecodedAudio = { duration: samples.length / pcm.sampleRate, sampleRate: pcm.sampleRate, samples };
    if (!this.holding) return Promise.resolve(audio);
    return new Promise((resolve) => this.held.push({ duration: audio.duration, release: () => resolve(audio) }));
  }
  /** Finishes held decodes: those of the given durations, in that order (all when none given). */
  release(...durations: number[]): void {
    const order = durations.length ? durations : this.held.map((h) => h.duration);
    for (const d of order) {
      const i = this.held.findIndex((h) => h.duration === d);
      if (i >= 0) this.held.splice(i, 1)[0]!.release();
    }
  }
  play(audio: DecodedAudio, when: number, onEnded: () => void): PlayingSound {
    const p: Played = { duration: audio.duration, when, stopped: false, ended: false, onEnded };
    this.played.push(p);
    return {
      stop: () => {
        if (p.ended) return;
        p.stopped = true;
        p.ended = true;
        onEnded();
      },
    };
  }
  /** Moves the clock; sounds that have finished by then end. */
  advance(to: number): void {
    this.time = to;
    for (const p of this.played) {
      if (!p.ended && p.when + p.duration <= to + 1e-9) {
        p.ended = true;
        p.onEnded();
      }
    }
  }
  get audible(): Played[] {
    return this.played.filter((p) => !p.stopped);
  }
}

const settle = () => settleTurns(8);

const chunk = (utteranceId: string, seq: number, seconds: number, amplitude = 0.5): SpeechChunk => ({
  type: 'speech.chunk',
  utteranceId,
  replyId: 'r1',
  seq,
  text: `sentence ${seq}`,
  engine: 'espeak',
  mime: 'audio/wav',
  data: wav(seconds, amplitude),
  durationMs: seconds * 1000,
});
const start = (utteranceId: string) => ({ type: 'speech.start' as const, utteranceId, replyId: 'r1' });
const end = (utteranceId: string, reason: 'done' | 'stopped' | 'failed' = 'done') => ({ type: 'speech.end' as const, utteranceId, replyId: 'r1', reason });

// ------------------------------------------------------------------ the queue

describe('speech queue', () => {
  let out: RecordingOutput;
  let timers: FakeTimers;
  let levels: number[];
  let speaking: boolean[];
  let player: SpeechPlayer;

  beforeEach(() => {
    out = new RecordingOutput();
    timers = new FakeTimers();
    levels = [];
    speaking = [];
    player = new SpeechPlayer({ output: out, timers, onLevel: (l) => levels.push(l), onSpeaking: (s) => speaking.push(s) });
  });

  /** Gives the player these speech events, in order. */
  const feed = (...events: Parameters<SpeechPlayer['apply']>[0][]) => {
    for (const e of events) player.apply(e);
  };
  /** When each sound was scheduled to start, and how long it is. */
  const schedule = () => out.played.map((p) => [p.when, p.duration]);
  /** Once the events so far have been handled, the sounds were scheduled at these [start, duration]s. */
  const scheduled = async (...want: Array<[number, number]>) => {
    await settle();
    expect(schedule()).toEqual(want);
  };

  it('plays chunks back to back, each at the end of the one before', async () => {
    out.time = 1;
    feed(start('u1'), chunk('u1', 0, 0.5), chunk('u1', 1, 0.25), chunk('u1', 2, 0.75), end('u1'));
    await scheduled([1, 0.5], [1.5, 0.25], [1.75, 0.75]);
    expect(speaking).toEqual([true]);
    out.advance(2.5);
    expect(speaking).toEqual([true, false]);
    expect(player.active).toBe(false);
  });

  it('plays in seq order when chunks arrive out of order', async () => {
    feed(start('u1'), chunk('u1', 2, 0.75), chunk('u1', 0, 0.5));
    await settle();
    // Only seq 0 may play: seq 1 has not arrived.
    expect(out.played.map((p) => p.duration)).toEqual([0.5]);
    player.apply(chunk('u1', 1, 0.25));
    await scheduled([0, 0.5], [0.5, 0.25], [0.75, 0.75]);
  });

  it('keeps seq order when a later chunk finishes decoding first', async () => {
    out.holding = true;
    feed(start('u1'), chunk('u1', 0, 0.5), chunk('u1', 1, 0.25), chunk('u1', 2, 0.75));
    out.release(0.75, 0.25);
    await settle();
    expect(out.played).toHaveLength(0); // waits for seq 0
    out.release(0.5);
    await scheduled([0, 0.5], [0.5, 0.25], [0.75, 0.75]);
  });

  it('starts a chunk that comes after a pause now, not in the past', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5));
    await settle();
    out.advance(3); // the next sentence took long to synthesise
    player.apply(chunk('u1', 1, 0.25));
    await settle();
    expect(out.played.map((p) => p.when)).toEqual([0, 3]);
  });

  it('skips a chunk that cannot be decoded, and one that never came once the utterance ended', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5), { ...chunk('u1', 1, 0.25), data: Buffer.from('not audio').toString('base64') }, chunk('u1', 3, 0.75));
    await settle();
    expect(out.played.map((p) => p.duration)).toEqual([0.5]); // seq 2 is missing
    player.apply(end('u1'));
    await scheduled([0, 0.5], [0.5, 0.75]);
  });

  it('plays utterances one after another, not interleaved', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5), start('u2'), chunk('u2', 0, 0.25));
    await settle();
    expect(out.played.map((p) => p.duration)).toEqual([0.5]);
    feed(chunk('u1', 1, 0.75), end('u1'));
    await scheduled([0, 0.5], [0.5, 0.75], [1.25, 0.25]);
  });

  it('stops at once on barge-in, and drops what still arrives for that utterance', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5), chunk('u1', 1, 0.5));
    await settle();
    out.advance(0.2);
    player.stop();
    expect(out.played.every((p) => p.stopped)).toBe(true);
    expect(player.active).toBe(false);
    expect(speaking).toEqual([true, false]);
    player.apply(chunk('u1', 2, 0.5));
    await settle();
    expect(out.played).toHaveLength(2);
    // A new utterance plays again, starting now.
    feed(start('u2'), chunk('u2', 0, 0.25));
    await settle();
    expect(out.audible.map((p) => [p.when, p.duration])).toEqual([[0.2, 0.25]]);
  });

  it('a decode still running at barge-in does not play afterwards', async () => {
    out.holding = true;
    feed(start('u1'), chunk('u1', 0, 0.5));
    player.stop();
    out.release();
    await settle();
    expect(out.played).toHaveLength(0);
  });

  it('speech.end "stopped" silences that utterance; the next one moves up', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5), chunk('u1', 1, 0.5), end('u1'), start('u2'), chunk('u2', 0, 0.25));
    await settle();
    expect(out.played.map((p) => p.when)).toEqual([0, 0.5, 1]);
    out.advance(0.1);
    player.apply(end('u1', 'stopped'));
    expect(out.played.slice(0, 2).every((p) => p.stopped)).toBe(true);
    expect(out.played[2]!.stopped).toBe(true); // it was scheduled after u1: rescheduled now
    expect(out.audible.map((p) => [p.when, p.duration])).toEqual([[0.1, 0.25]]);
  });

  it('plays nothing while muted, and muting stops what plays', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5));
    await settle();
    player.setMuted(true);
    expect(out.played[0]!.stopped).toBe(true);
    feed(start('u2'), chunk('u2', 0, 0.5));
    await settle();
    expect(out.played).toHaveLength(1);
    player.setMuted(false);
    feed(start('u3'), chunk('u3', 0, 0.5));
    await settle();
    expect(out.audible).toHaveLength(1);
  });

  it('drives the mouth from the audio: loud while a loud chunk plays, 0 in a silent one', async () => {
    feed(start('u1'), chunk('u1', 0, 0.5, 0.8), chunk('u1', 1, 0.5, 0), end('u1'));
    await settle();
    levels.length = 0;
    out.time = 0.25;
    timers.advance(20);
    expect(levels.at(-1)).toBeGreaterThan(0.8);
    expect(player.levelNow()).toBeGreaterThan(0.8);
    out.advance(0.75);
    timers.advance(20);
    expect(levels.at(-1)).toBe(0);
    out.advance(1.0);
    expect(levels.at(-1)).toBe(0);
    const ticks = levels.length;
    timers.advance(200);
    expect(levels.length).toBe(ticks); // no ticking once nothing plays
  });

  it('tells once when the autoplay rule holds the audio back, and resumes on a gesture', async () => {
    const blocked: string[] = [];
    out.current = 'suspended';
    out.resumable = false;
    const p = new SpeechPlayer({ output: out, timers, onBlocked: (why) => blocked.push(why) });
    p.apply(start('u1'));
    p.apply(chunk('u1', 0, 0.5));
    p.apply(chunk('u1', 1, 0.5));
    await settle();
    expect(blocked).toEqual(['autoplay']);
    expect(out.resumes).toBeGreaterThan(0);
    out.resumable = true;
    p.unlock();
    await settle();
    expect(out.state()).toBe('running');
  });
});

describe('mouth: audio during speech, the text rhythm otherwise', () => {
  it('follows only the audio while her voice is under way, and flaps with the text without it', () => {
    const timers = new FakeTimers();
    const shapes: MouthShape[] = [];
    const mouth = new MouthAnimator({ timers, random: () => 0.5, onShape: (s) => shapes.push(s) });
    mouth.setSpeaking(true); // reply text streams
    timers.advance(500);
    expect(new Set(shapes).size).toBeGreaterThan(1); // the rhythm (muted / no audio: as before)
    mouth.setVoice(true);
    shapes.length = 0;
    timers.advance(500);
    expect(mouth.current).toBe('closed'); // waiting for the audio: no flapping
    expect(shapes.filter((s) => s !== 'closed')).toEqual([]);
    mouth.setAudioLevel(0.9);
    expect(mouth.current).toBe('wide');
    mouth.setAudioLevel(0);
    expect(mouth.current).toBe('closed'); // a pause in the speech shuts the mouth
    mouth.setVoice(false);
    timers.advance(500);
    expect(new Set(shapes).size).toBeGreaterThan(1);
    mouth.dispose();
  });
});

// ------------------------------------------------------------------ the panel

const voiceStatus: VoiceStatus = voiceStatusWith({ stt: [{ id: 'pocketsphinx', available: true, reason: null }] });

class FakeHost extends SharedFakeHost {
  override kind: 'vscode' | 'browser' = 'vscode';
  voice: VoiceStatus | null = voiceStatus;
  override answers: Answers = {
    ...readyAnswers(),
    'session.list': () => ({ sessions: [{ id: 9, title: '', characterId: 1, createdAt: 1, updatedAt: 1, messageCount: 0 }] }),
    ...NEW_CHAT_ANSWERS,
    'screen.status': () => {
      throw { code: 'unknown_method', message: 'no screen' };
    },
    'chat.send': () => ({ replyId: 'r2', sessionId: 9, userMessageId: 5 }),
    'voice.status': () => {
      if (!this.voice) throw { code: 'unknown_method', message: 'No voice here.' };
      return this.voice;
    },
    'voice.configure': (p: VoiceConfigure) => {
      this.voice = { ...this.voice!, ...(p.muted !== undefined ? { muted: p.muted } : {}) };
      const s = this.voice;
      queueMicrotask(() => this.emit({ type: 'voice.state', status: s }));
      return s;
    },
    'voice.listen': (p: { action: 'start' | 'stop' }) => {
      this.voice = { ...this.voice!, listening: p.action === 'start' };
      return { listening: p.action === 'start' };
    },
    'voice.stop': () => ({ ok: true }),
  };
}

let host: FakeHost;
let out: RecordingOutput;
let app: App;
const muteButton = () => document.querySelector<HTMLButtonElement>('.app-header .voice-mute')!;
const micButton = () => document.querySelector<HTMLButtonElement>('#composer .voice-mic')!;
const input = () => document.querySelector<HTMLTextAreaElement>('#message-input')!;
const line = () => document.querySelector<HTMLElement>('.voice-line')!;
const notices = () => [...document.querySelectorAll<HTMLElement>('#alerts .banner[data-notice]')];

async function startApp(opts: { voice?: VoiceStatus | null; kind?: 'vscode' | 'browser'; audio?: RecordingOutput } = {}): Promise<void> {
  host = new FakeHost();
  if (opts.kind) host.kind = opts.kind;
  if (opts.voice !== undefined) host.voice = opts.voice;
  out = opts.audio ?? new RecordingOutput();
  app = await openPanel(host, { audio: out }, 8);
}

async function speak(utteranceId = 'u1'): Promise<void> {
  host.emit(start(utteranceId));
  host.emit(chunk(utteranceId, 0, 0.5));
  host.emit(chunk(utteranceId, 1, 0.5));
  await settle();
  expect(out.audible).toHaveLength(2);
}

afterEach(() => {
  app?.speech.stop();
  document.body.innerHTML = '';
});

describe('webview voice controls', () => {
  it('shows the mute toggle next to the screen pill and the mic in the composer, once voice is known', async () => {
    await startApp();
    expect(host.requests('voice.status')).toHaveLength(1);
    expect(muteButton().hidden).toBe(false);
    expect(muteButton().parentElement!.querySelector('.screen-indicator')).not.toBeNull();
    expect(muteButton().getAttribute('aria-pressed')).toBe('false');
    expect(muteButton().getAttribute('aria-label')).toBe("Mute Alisa's voice");
    expect(micButton().hidden).toBe(false);
    expect(micButton().getAttribute('aria-pressed')).toBe('false');
  });

  it('has no voice buttons with a companion without voice', async () => {
    await startApp({ voice: null });
    expect(muteButton().hidden).toBe(true);
    expect(micButton().hidden).toBe(true);
  });

  it('plays speech events in order through the audio output, and the avatar moves its mouth with it', async () => {
    await startApp();
    host.emit(start('u1'));
    host.emit(chunk('u1', 1, 0.25, 0.8));
    host.emit(chunk('u1', 0, 0.5, 0.8));
    await settle();
    expect(out.played.map((p) => [p.when, p.duration])).toEqual([
      [0, 0.5],
      [0.5, 0.25],
    ]);
    const avatar = document.querySelector<HTMLElement>('#avatar')!;
    expect(avatar.dataset.speaking).toBe('true');
    // The player ticks every 20 ms with the level heard now.
    out.time = 0.2;
    await vi.waitFor(() => expect(avatar.dataset.mouth).toBe('wide'), { timeout: 5000, interval: 10 });
    out.advance(1);
    await settle();
    expect(avatar.dataset.speaking).toBe('false');
  });

  it('mute: silences at once, asks the companion, shows the pressed state; unmute again', async () => {
    await startApp();
    await speak();
    muteButton().click();
    expect(out.played.every((p) => p.stopped)).toBe(true);
    await settle();
    expect(host.requests('voice.configure').map((r) => r.params)).toEqual([{ muted: true }]);
    expect(muteButton().getAttribute('aria-pressed')).toBe('true');
    expect(muteButton().getAttribute('aria-label')).toBe("Unmute Alisa's voice");
    // Muted: speech that still comes does not play.
    host.emit(start('u2'));
    host.emit(chunk('u2', 0, 0.5));
    await settle();
    expect(out.audible).toHaveLength(0);
    muteButton().click();
    await settle();
    expect(host.requests('voice.configure').map((r) => r.params)).toEqual([{ muted: true }, { muted: false }]);
    expect(muteButton().getAttribute('aria-pressed')).toBe('false');
  });

  it('follows a mute from elsewhere (the status bar, another client) through voice.state', async () => {
    await startApp();
    await speak();
    host.emit({ type: 'voice.state', status: { ...voiceStatus, muted: true } });
    expect(muteButton().getAttribute('aria-pressed')).toBe('true');
    expect(out.audible).toHaveLength(0);
  });

  it('barge-in: a new reply stops her at once', async () => {
    await startApp();
    await speak();
    host.emit({ type: 'reply.start', replyId: 'r2', sessionId: 9, userMessageId: null, spontaneous: true });
    expect(out.audible).toHaveLength(0);
  });

  it('barge-in: sending a message stops her, and tells the companion', async () => {
    await startApp();
    await speak();
    input().value = 'wait, one question';
    input().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(out.audible).toHaveLength(0);
    await settle();
    expect(host.requests('voice.stop')).toHaveLength(1);
    expect(host.requests('chat.send').map((r) => r.params)).toEqual([{ text: 'wait, one question', sessionId: 9 }]);
  });

  it('barge-in: speech.end "stopped" stops that utterance', async () => {
    await startApp();
    await speak();
    host.emit(end('u1', 'stopped'));
    expect(out.audible).toHaveLength(0);
  });

  it('mic: a click starts listening, another stops; the state follows voice.state', async () => {
    await startApp();
    micButton().click();
    expect(micButton().getAttribute('aria-pressed')).toBe('true');
    await settle();
    expect(host.requests('voice.listen').map((r) => r.params)).toEqual([{ action: 'start' }]);
    expect(micButton().dataset.state).toBe('listening');
    micButton().click();
    await settle();
    expect(host.requests('voice.listen').map((r) => r.params)).toEqual([{ action: 'start' }, { action: 'stop' }]);
    expect(micButton().getAttribute('aria-pressed')).toBe('false');
    // Hands-free or the command: the companion says it listens.
    host.emit({ type: 'voice.state', status: { ...voiceStatus, listening: true } });
    expect(micButton().getAttribute('aria-pressed')).toBe('true');
  });

  it('mic: press and hold listens until release; a short press keeps listening', async () => {
    await startApp();
    let t = 0;
    const view = (app as unknown as { voice: { now: () => number } }).voice;
    (view as { now: () => number }).now = () => t;
    const press = (type: string) => micButton().dispatchEvent(new PointerEvent(type, { button: 0, bubbles: true }));
    press('pointerdown');
    t = 1500;
    press('pointerup');
    await settle();
    expect(host.requests('voice.listen').map((r) => r.params)).toEqual([{ action: 'start' }, { action: 'stop' }]);
    press('pointerdown');
    t += 100;
    press('pointerup');
    await settle();
    expect(host.requests('voice.listen').map((r) => r.params)).toHaveLength(3);
    expect(micButton().getAttribute('aria-pressed')).toBe('true');
    press('pointerdown');
    press('pointerup');
    await settle();
    expect(
      host
        .requests('voice.listen')
        .map((r) => r.params)
        .at(-1),
    ).toEqual({ action: 'stop' });
    expect(micButton().getAttribute('aria-pressed')).toBe('false');
  });

  it('mic: a refusal (no microphone) shows as not listening and tells why', async () => {
    await startApp();
    host.answers['voice.listen'] = () => {
      throw { code: 'voice_unavailable', message: 'No microphone was found.', action: 'Install sox.' };
    };
    micButton().click();
    await settle();
    expect(micButton().getAttribute('aria-pressed')).toBe('false');
    expect(notices().map((n) => n.dataset.notice)).toEqual(['No microphone was found. Install sox.']);
  });

  it('transcript "insert": the text goes into the box, after what is there', async () => {
    await startApp();
    host.emit({ type: 'voice.transcript', text: 'why is this test failing', engine: 'sherpa', command: null, mode: 'insert' });
    expect(input().value).toBe('why is this test failing');
    host.emit({ type: 'voice.transcript', text: 'in CI', engine: 'sherpa', command: null, mode: 'insert' });
    expect(input().value).toBe('why is this test failing in CI');
    await settle();
    expect(host.requests('chat.send')).toHaveLength(0);
  });

  it('transcript "send": the text is sent at once (but a draft in the box is not lost)', async () => {
    await startApp();
    host.emit({ type: 'voice.transcript', text: 'hello Alisa', engine: 'openai', command: null, mode: 'send' });
    await settle();
    expect(host.requests('chat.send').map((r) => r.params)).toEqual([{ text: 'hello Alisa', sessionId: 9 }]);
    expect(input().value).toBe('');
    input().value = 'my draft';
    host.emit({ type: 'voice.transcript', text: 'and this', engine: 'openai', command: null, mode: 'send' });
    await settle();
    expect(host.requests('chat.send')).toHaveLength(1);
    expect(input().value).toBe('my draft and this');
  });

  it('a recognised voice command is shown as "Heard: …", not typed', async () => {
    await startApp();
    host.emit({ type: 'voice.transcript', text: 'stop talking', engine: 'pocketsphinx', command: 'stop talking', mode: 'insert' });
    expect(line().hidden).toBe(false);
    expect(line().textContent).toBe('Heard: stop talking');
    expect(input().value).toBe('');
  });

  it('voice.notice appears once as a banner', async () => {
    await startApp();
    const notice = {
      type: 'voice.notice' as const,
      message: 'Alisa cannot speak: no speech engine works.',
      action: 'Install espeak-ng (sudo apt install espeak-ng)',
    };
    host.emit(notice);
    host.emit(notice);
    // Joined as sentences: the action gets its full stop.
    expect(notices().map((n) => n.dataset.notice)).toEqual(['Alisa cannot speak: no speech engine works. Install espeak-ng (sudo apt install espeak-ng).']);
    notices()[0]!.querySelector<HTMLButtonElement>('.banner-dismiss')?.click();
    host.emit(notice);
    expect(notices()).toHaveLength(0);
  });

  it('autoplay: a hint once when audio is held back; a click in the panel lets it play', async () => {
    const audio = new RecordingOutput();
    audio.current = 'suspended';
    audio.resumable = false;
    await startApp({ audio });
    await speak();
    expect(line().hidden).toBe(false);
    expect(line().textContent).toMatch(/Click anywhere in Alisa's panel/);
    audio.resumable = true;
    document.querySelector<HTMLElement>('#messages')!.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    await settle();
    expect(audio.state()).toBe('running');
    expect(line().hidden).toBe(true);
    await speak('u2');
    expect(line().hidden).toBe(true);
  });

  it('without any audio output: a hint once, and the mouth keeps its text rhythm', async () => {
    const audio = new RecordingOutput();
    audio.current = 'unavailable';
    await startApp({ audio });
    host.emit(start('u1'));
    host.emit(chunk('u1', 0, 0.5));
    host.emit(chunk('u1', 1, 0.5));
    await settle();
    expect(audio.played).toHaveLength(0);
    expect(app.speech.active).toBe(false);
    expect(line().textContent).toMatch(/cannot play here/);
  });

  it('pressing the mic stops her speaking', async () => {
    await startApp();
    await speak();
    micButton().click();
    expect(out.audible).toHaveLength(0);
    await settle();
    expect(host.requests('voice.stop')).toHaveLength(1);
  });

  it('works in the browser host the same way', async () => {
    await startApp({ kind: 'browser' });
    expect(document.body.dataset.host).toBe('browser');
    await speak();
    muteButton().click();
    await settle();
    expect(host.requests('voice.configure').map((r) => r.params)).toEqual([{ muted: true }]);
    expect(out.audible).toHaveLength(0);
  });

  it('a lost connection silences her and hides the buttons', async () => {
    await startApp();
    await speak();
    host.connection('restarting');
    expect(out.audible).toHaveLength(0);
    expect(muteButton().hidden).toBe(true);
  });
});
