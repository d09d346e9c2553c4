// @vitest-environment happy-dom
// The panel after the companion died and came back (the end-to-end "brings the companion back
// after it is killed"): her voice was still under way when the process was killed, the extension
// reported the loss (connecting, restarting with a message) and then ready again, and the panel
// reloaded. The user's next message must go: typed after she is back, and also typed while she
// is still restarting (the e2e types as soon as the new process exists, when the host still says
// "restarting"). A broken audio path must never keep a message in the box either.
import { afterEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { HostToWebview, Status, VoiceStatus } from '../protocol';
import type { AudioOutput, DecodedAudio, PlayingSound } from '../webview/audio/audio-output';
import { App } from '../webview/ui/app';
import { decodeWav, encodeWav } from '../companion/voice/wav-io';
import { FakeHost, READY_STATUS } from './helpers/fake-host';
import { mountPanelBody, settle as settleTurns } from './helpers/panel';
import { messageMaker, readyAnswers, voiceStatus } from './helpers/webview-fixtures';

const RATE = 8000;
/** A 16-bit mono PCM WAV (base64): `seconds` of a 200 Hz tone. */
function wav(seconds: number): string {
  const samples = Int16Array.from({ length: Math.round(seconds * RATE) }, (_, i) => Math.round(Math.sin((2 * Math.PI * 200 * i) / RATE) * 0.5 * 32767));
  return encodeWav(samples, RATE).toString('base64');
}

/** A stand-in for the browser's audio output; `broken` makes every call throw, `suspended` never resumes. */
class TestOutput implements AudioOutput {
  time = 0;
  current: 'running' | 'suspended' | 'unavailable' = 'running';
  broken = false;
  /** Decodes wait until release(). */
  holding = false;
  held: Array<() => void> = [];
  played: Array<{ stopped: boolean }> = [];
  private check(): void {
    if (this.broken) throw new Error('InvalidStateError: the AudioContext is closed');
  }
  now(): number {
    this.check();
    return this.time;
  }
  state() {
    this.check();
    return this.current;
  }
  resume(): Promise<void> {
    this.check();
    return new Promise(() => {}); // Chromium without a user gesture: never settles
  }
  decode(bytes: ArrayBuffer): Promise<DecodedAudio> {
    this.check();
    const n = decodeWav(Buffer.from(bytes)).samples.length;
    const audio: DecodedAudio = { duration: n / RATE, sampleRate: RATE, samples: new Float32Array(n) };
    if (!this.holding) return Promise.resolve(audio);
    return new Promise((resolve) => this.held.push(() => resolve(audio)));
  }
  play(_audio: DecodedAudio, _when: number, onEnded: () => void): PlayingSound {
    this.check();
    const p = { stopped: false };
    this.played.push(p);
    return {
      stop: () => {
        this.check();
        p.stopped = true;
        onEnded();
      },
    };
  }
}

const status: Status = { ...READY_STATUS };
const speaking: VoiceStatus = voiceStatus({ speaking: true });
const msg = messageMaker(9, 0);

/** The shared fake host answering as the companion does; a variant may hold an answer back (`late`) or drop one. */
function reconnectHost(): FakeHost {
  return new FakeHost('vscode', {
    actions: ['showLogs', 'restartCompanion'],
    answers: {
      ...readyAnswers(status),
      'screen.status': () => {
        throw { code: 'unknown_method', message: 'no screen' };
      },
      'voice.status': () => speaking,
      'session.list': () => ({ sessions: [{ id: 9, title: 'Cats', characterId: 1, createdAt: 1, updatedAt: 2, messageCount: 2 }] }),
      'session.messages': () => ({ messages: [msg(1, 'user', 'Tell me a story'), { ...msg(2, 'assistant', 'Once upon a time.'), emotion: 'happy' }] }),
      'chat.send': (p: { text: string }) => ({ replyId: `r-${p.text.length}`, sessionId: 9, userMessageId: 50 }),
      'voice.stop': () => ({ ok: true }),
    },
  });
}

const settle = () => settleTurns(10);
const input = () => document.querySelector<HTMLTextAreaElement>('#message-input')!;
const sendButton = () => document.querySelector<HTMLButtonElement>('#send')!;
const userTexts = () => [...document.querySelectorAll<HTMLElement>('[data-role="user"]')].map((n) => n.textContent ?? '');

let app: App | null = null;
afterEach(() => {
  try {
    app?.speech.stop();
  } catch {
    // a broken output in the test
  }
  app = null;
  document.body.innerHTML = '';
});

function startApp(out: TestOutput): FakeHost {
  mountPanelBody();
  const host = reconnectHost();
  app = new App(host, document.querySelector<HTMLElement>('#app')!, { audio: out });
  return host;
}

function type(text: string): void {
  input().value = text;
  input().dispatchEvent(new Event('input', { bubbles: true }));
  input().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}

/** Connected, one exchange, her reply done and her voice still under way (no speech.end). */
async function chatAndSpeak(host: FakeHost): Promise<void> {
  host.connection('ready');
  await settle();
  type('Tell me a story');
  await settle();
  expect(host.requests('chat.send')).toHaveLength(1);
  host.emit({ type: 'reply.start', replyId: 'r1', sessionId: 9, userMessageId: 50, spontaneous: false });
  host.emit({ type: 'reply.token', replyId: 'r1', text: 'Once upon ' });
  host.emit({
    type: 'reply.end',
    replyId: 'r1',
    sessionId: 9,
    messageId: 51,
    text: 'Once upon a time.',
    emotion: 'happy',
    interrupted: false,
    timings: { firstTokenMs: 5, totalMs: 10 },
  } as HostToWebview);
  host.emit({ type: 'speech.start', utteranceId: 'u1', replyId: 'r1' });
  host.emit(speechChunk('r1', 0, 'Once upon a time.', 0.5));
  await settle();
}

/** A chunk of utterance u1 in eSpeak's voice: `seconds` of tone. */
function speechChunk(replyId: string | null, seq: number, text: string, seconds: number): HostToWebview {
  return { type: 'speech.chunk', utteranceId: 'u1', replyId, seq, text, engine: 'espeak', mime: 'audio/wav', data: wav(seconds), durationMs: seconds * 1000 };
}

/** Her voice under way in a chat (with the variant's setup), then the companion killed (and what the variant does meanwhile). */
async function killedWhileSpeaking(v: Variant): Promise<FakeHost> {
  const out = new TestOutput();
  const host = startApp(out);
  v.setup?.(out, host);
  await chatAndSpeak(host);
  killed(host);
  v.during?.(out, host);
  await settle();
  return host;
}

/** The companion is killed: the extension says so, restarts it, and it is ready again. */
function killed(host: FakeHost): void {
  host.connection('connecting', 'Lost the connection to Alisa; reconnecting…');
  host.connection('restarting', "Alisa's companion stopped unexpectedly (killed by SIGKILL). Restarting in 0 s (attempt 1 of 4)…");
  host.connection('restarting', "Alisa's companion stopped unexpectedly (killed by SIGKILL). Restarting now (attempt 1 of 4)…");
}

async function expectSent(host: FakeHost, text: string): Promise<void> {
  await settle();
  expect(host.requests('chat.send').map((r) => r.params)).toContainEqual({ text, sessionId: 9 });
  expect(input().value).toBe('');
}

type Variant = { name: string; setup?: (out: TestOutput, host: FakeHost) => void; during?: (out: TestOutput, host: FakeHost) => void };
const variants: Variant[] = [
  { name: 'plain' },
  { name: 'the output is suspended and never resumes', setup: (out) => (out.current = 'suspended') },
  { name: 'a decode is still pending when she is stopped', setup: (out) => (out.holding = true), during: (out) => out.held.splice(0).forEach((r) => r()) },
  { name: 'the output breaks (closed AudioContext) after playing', during: (out) => (out.broken = true) },
  { name: 'the voice.status answer comes late', during: (_o, host) => host.late.add('voice.status') },
  {
    name: 'an older companion without voice, presence or idle',
    setup: (_o, host) => {
      host.answers['voice.status'] = () => {
        throw { code: 'unknown_method', message: 'No voice.status here.' };
      };
    },
  },
];

describe('after the companion was killed while she spoke', () => {
  for (const v of variants) {
    it(`sends the next message typed once she is back (${v.name})`, async () => {
      const host = await killedWhileSpeaking(v);
      // Late speech from the dead process, then the new one is ready and the panel reloads.
      host.emit(speechChunk('r1', 1, 'The end.', 0.25));
      host.connection('ready');
      host.emit({ type: 'status', status });
      await settle();
      host.flush();
      await settle();
      expect(sendButton().hidden).toBe(false);
      type('Are you back?');
      await expectSent(host, 'Are you back?');
    });

    it(`sends a message typed while she is still restarting, once she is back (${v.name})`, async () => {
      const host = await killedWhileSpeaking(v);
      type('Are you back?');
      expect(input().value).toBe(''); // taken: it goes when she is back
      expect(userTexts().some((t) => t.includes('Are you back?'))).toBe(true); // shown at once
      await settle();
      expect(host.requests('chat.send')).toHaveLength(1); // not yet
      host.connection('ready');
      await settle();
      host.flush();
      await expectSent(host, 'Are you back?');
      expect(userTexts().filter((t) => t.includes('Are you back?'))).toHaveLength(1);
    });
  }

  it('a message typed while she restarts comes back to the box if she does not come back', async () => {
    const out = new TestOutput();
    const host = startApp(out);
    await chatAndSpeak(host);
    killed(host);
    type('Are you back?');
    host.connection('failed', 'Alisa stopped', { code: 'internal', message: 'It crashed 4 times.' });
    await settle();
    expect(input().value).toBe('Are you back?');
    expect(host.requests('chat.send')).toHaveLength(1);
  });

  it('a broken audio output never blocks chatting (speech events, barge-in, the unlock gesture)', async () => {
    const out = new TestOutput();
    out.broken = true;
    const host = startApp(out);
    host.connection('ready');
    await settle();
    host.emit({ type: 'speech.start', utteranceId: 'u1', replyId: null });
    host.emit(speechChunk(null, 0, 'Hi.', 0.25));
    host.emit({ type: 'speech.end', utteranceId: 'u1', replyId: null, reason: 'stopped' });
    await settle();
    document.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    type('Still there?');
    await expectSent(host, 'Still there?');
  });
});
