// The original Alisa's text protocol on /ws/chat, spoken by a client the way the old Python
// clients speak it: raw text frames, no token. A JSON /ws client (the panel's view) watches the
// same companion: what it sees of the legacy session, and what legacy clients must never see.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CompanionEvent, CompanionMessage, Params } from '../protocol';
import type { ChatEventListener, ChatService, ReplyOrigin } from '../companion/chat/chat-service';
import { ContextStore } from '../companion/context/context-store';
import { LegacyServer } from '../companion/legacy/legacy-server';
import { LegacySession } from '../companion/legacy/legacy-session';
import { parseVisionDesktop, parseVisionScreen, VISION_LIMITS } from '../companion/legacy/legacy-vision';
import { MemoryStore } from '../companion/memory';
import type { CompanionSettings } from '../extension/companion-args';
import { requireModel } from './helpers/model';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { companionSettings, parsedArgs } from './helpers/ext-settings';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

const ESPEAK = (() => {
  try {
    execFileSync('which', ['espeak-ng']);
    return true;
  } catch {
    return false;
  }
})();
if (!ESPEAK) console.log('espeak-ng is not installed (apt install espeak-ng): the legacy speech-frame tests are skipped');

class OldClient {
  frames: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(d.toString());
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async connect(port: number, headers: Record<string, string> = {}): Promise<OldClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new OldClient(ws);
  }
  /** Waits until `done(frames since from)` holds; returns the frames since `from`. */
  async until(from: number, done: (frames: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.frames.slice(from))) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames.slice(from))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.frames.slice(from);
  }
  /** Waits until `count` [END] frames have arrived since `from`; returns the frames since `from`. */
  untilEnd(from: number, count = 1, timeoutMs = 30_000): Promise<string[]> {
    return this.until(from, (f) => f.filter((x) => x === '[END]').length >= count, timeoutMs);
  }
  /**
   * Everything the server sent this client before it answered a request sent now (`/mode
   * teasing`, the mode these tests keep): frames on one socket arrive in order, so whatever the
   * server sent earlier is in. Returns the frames since `from` that came before the answer.
   */
  async barrier(from: number): Promise<string[]> {
    const mark = this.frames.length;
    this.ws.send('/mode teasing');
    const after = await this.until(mark, (f) => {
      const i = f.indexOf('[MODE CHANGED]');
      return i !== -1 && f.indexOf('[END]', i) !== -1;
    });
    const answerAt = mark + after.indexOf('[MODE CHANGED]');
    return [...this.frames.slice(from, answerAt), ...this.frames.slice(answerAt + 2)];
  }
  /** A chat message and its whole reply (the frames up to its [END]). */
  async say(text: string): Promise<string[]> {
    const from = this.frames.length;
    this.ws.send(text);
    return this.untilEnd(from);
  }
}

/** The reply.end a /ws observer saw for the next reply after event index `from`. */
async function nextEnd(w: TestClient, from: number): Promise<Ev<'reply.end'>> {
  return (await w.waitFor((m) => m.type === 'reply.end' && w.events.indexOf(m) >= from, 60_000)) as Ev<'reply.end'>;
}

async function nextStart(w: TestClient, from: number): Promise<Ev<'reply.start'>> {
  return (await w.waitFor((m) => m.type === 'reply.start' && w.events.indexOf(m) >= from, 60_000)) as Ev<'reply.start'>;
}

/** A legacy chat turn, with what the panel saw of it. */
async function legacyTurn(l: OldClient, w: TestClient, text: string) {
  const from = w.events.length;
  const frames = await l.say(text);
  const start = await nextStart(w, from);
  const end = await nextEnd(w, from);
  return { frames, start, end };
}

describe('legacy /ws/chat protocol', () => {
  let c: RunningCompanion;
  let w: TestClient;
  const base = () => `http://127.0.0.1:${c.legacyPort}`;
  const summary = async () => (await fetch(`${base()}/history/summary`)).json();
  const clearBuffer = async () => (await fetch(`${base()}/history/clear`, { method: 'POST' })).json();
  /** Two old clients, connected one after the other; `a` then sends `lines`. */
  const twoOldClients = async (...lines: string[]) => {
    const a = await OldClient.connect(c.legacyPort!);
    const b = await OldClient.connect(c.legacyPort!);
    for (const line of lines) a.ws.send(line);
    return { a, b };
  };

  beforeAll(async () => {
    requireModel();
    // Voice on (espeak-ng) and no speech-frame flag: every legacy client below must see none of
    // her speech frames. Help offers without delay, so the VISION_DESKTOP offer comes at the next tick.
    c = await startCompanion({
      args: ['--legacy-port', '0', '--no-idle', '--help-debounce-ms', '0', '--help-cooldown-ms', '0', ...(ESPEAK ? ['--tts-engines', 'espeak'] : ['--mute'])],
    });
    expect(c.legacyPort).toBeGreaterThan(0);
    w = await TestClient.connect(c);
  });
  afterAll(async () => {
    w?.close();
    await c?.stop();
  });

  it('is off unless enabled', async () => {
    const plain = await startCompanion({ args: ['--no-model'] });
    try {
      expect(plain.legacyPort).toBeNull();
    } finally {
      await plain.stop();
    }
  });

  it('streams a reply as text frames, then [EMOTION]name, then [END], to the sender and every other client, and keeps it in the legacy session', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const b = await OldClient.connect(c.legacyPort!);
    const from = w.events.length;
    a.ws.send('Hello Alisa, tell me a story');
    const framesA = await a.untilEnd(0);
    const framesB = await b.untilEnd(0);
    for (const frames of [framesA, framesB]) {
      expect(frames.at(-1)).toBe('[END]');
      expect(frames.at(-2)).toMatch(/^\[EMOTION\](happy|calm|teasing|shy|serious|sad|neutral)$/);
      const text = frames.slice(0, -2);
      expect(text.length).toBeGreaterThan(1);
      expect(text.join('')).not.toMatch(/<\s*emotion|\[END\]|\[EMOTION\]|\[SPEECH_/i);
      expect(text).not.toContain(''); // no empty keep-alive frames
    }
    expect(framesB).toEqual(framesA);

    // Stored in a session of its own, which the panel lists.
    const start = await nextStart(w, from);
    const end = await nextEnd(w, from);
    expect(end.replyId).toBe(start.replyId);
    const { sessions } = await w.request('session.list', {});
    expect(sessions.find((s) => s.id === start.sessionId)?.title).toBe('Legacy clients');
    const { messages } = await w.request('session.messages', { sessionId: start.sessionId });
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'Hello Alisa, tell me a story'],
      ['assistant', framesA.slice(0, -2).join('')],
    ]);
    expect(end.emotion).toBe(framesA.at(-2)!.slice('[EMOTION]'.length));
    a.ws.close();
    b.ws.close();
  });

  it('accepts the JSON {"message": ...} form, in the same legacy session', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const first = await legacyTurn(a, w, 'Tell me about a cat');
    const second = await legacyTurn(a, w, JSON.stringify({ message: 'Tell me about a frog' }));
    expect(second.frames.at(-2)).toMatch(/^\[EMOTION\]/);
    expect(second.start.sessionId).toBe(first.start.sessionId);
    const { messages } = await w.request('session.messages', { sessionId: second.start.sessionId });
    expect(messages.some((m) => m.role === 'user' && m.text === 'Tell me about a frog')).toBe(true);
    a.ws.close();
  });

  it('switches mode with /mode, answering [MODE CHANGED] then [END] to the sender only', async () => {
    const { a, b } = await twoOldClients('/mode serious');
    expect(await a.untilEnd(0)).toEqual(['[MODE CHANGED]', '[END]']);
    expect((await w.request('status.get', {})).mode).toBe('serious');
    expect(await b.barrier(0)).toEqual([]); // b's own /mode answer excluded: nothing of a's reached b
    expect((await w.request('status.get', {})).mode).toBe('teasing');
    a.ws.close();
    b.ws.close();
  });

  it('relays [SPEECH_START]/[SPEECH_END] to the other clients, not back to the sender', async () => {
    const { a, b } = await twoOldClients('[SPEECH_START]', '[SPEECH_END]');
    expect(await b.until(0, (f) => f.length >= 2)).toEqual(['[SPEECH_START]', '[SPEECH_END]']);
    expect(await a.barrier(0)).toEqual([]);
    a.ws.close();
    b.ws.close();
  });

  it('answers two legacy clients writing at once, one reply after the other, each to both', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const b = await OldClient.connect(c.legacyPort!);
    const from = w.events.length;
    a.ws.send('First from a');
    b.ws.send('Second from b');
    const framesA = await a.untilEnd(0, 2);
    const framesB = await b.untilEnd(0, 2);
    expect(framesB).toEqual(framesA);
    expect(framesA).not.toContain('[ERROR]');
    const firstEnd = framesA.indexOf('[END]');
    expect(framesA[firstEnd - 1]).toMatch(/^\[EMOTION\]/);
    expect(framesA.at(-2)).toMatch(/^\[EMOTION\]/);
    const start = await nextStart(w, from);
    const { messages } = await w.request('session.messages', { sessionId: start.sessionId });
    const asked = messages.filter((m) => m.role === 'user').map((m) => m.text);
    expect(asked.slice(-2).sort()).toEqual(['First from a', 'Second from b']);
    a.ws.close();
    b.ws.close();
  });

  it('never shows a legacy client the replies to /ws requests, even in the legacy session', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const legacy = await legacyTurn(a, w, 'Hello again');
    const from = a.frames.length;

    // A request that names no session does not land in the legacy session.
    const sent = await w.request('chat.send', { text: 'A private question about my code' });
    const privateEnd = (await w.reply(sent.replyId!)).find((m) => m.type === 'reply.end') as Ev<'reply.end'>;
    expect(privateEnd.text.length).toBeGreaterThan(0);
    expect(sent.sessionId).not.toBe(legacy.start.sessionId);
    // The panel may write in the legacy session; its replies still stay in the panel.
    const inLegacy = await w.request('chat.send', { text: 'Written in the panel', sessionId: legacy.start.sessionId });
    const panelEnd = (await w.reply(inLegacy.replyId!)).find((m) => m.type === 'reply.end') as Ev<'reply.end'>;
    expect(panelEnd.sessionId).toBe(legacy.start.sessionId);

    expect(await a.barrier(from)).toEqual([]);
    a.ws.close();
  });

  it('GET /history/summary counts only the legacy conversation', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    await clearBuffer();
    expect(await summary()).toMatchObject({ messages: 0, turns: 0, estimated_tokens: 0 });
    const turn = await legacyTurn(a, w, 'Count this one');
    const sent = await w.request('chat.send', { text: 'Not this one, it is mine' });
    await w.reply(sent.replyId!);
    const s = await summary();
    expect(Object.keys(s).sort()).toEqual(['estimated_tokens', 'max_tokens', 'messages', 'turns']);
    const { messages } = await w.request('session.messages', { sessionId: turn.start.sessionId });
    expect(messages).toHaveLength(2);
    expect(s).toMatchObject({ messages: 2, turns: 1, estimated_tokens: Math.ceil(messages.reduce((n, m) => n + m.text.length, 0) / 4) });
    const all = await w.request('history.summary', {});
    expect(all.messages).toBeGreaterThan(s.messages);
    a.ws.close();
  });

  it('POST /history/clear resets the short-term buffer only: the database keeps every message, the next prompt has no earlier turns', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    expect(await clearBuffer()).toEqual({ status: 'History cleared' });
    const text = 'Where did the zebra sleep';
    const first = await legacyTurn(a, w, text);
    const second = await legacyTurn(a, w, text);
    // Same message, same mode and context: the second prompt is longer by the first turn.
    expect(second.start.sessionId).toBe(first.start.sessionId);
    expect(second.end.tokens.prompt).toBeGreaterThan(first.end.tokens.prompt);
    const before = (await w.request('session.messages', { sessionId: first.start.sessionId })).messages;
    const countBefore = (await w.request('history.summary', {})).messages;

    expect(await clearBuffer()).toEqual({ status: 'History cleared' });
    expect(await summary()).toMatchObject({ messages: 0, turns: 0 });
    // Nothing was deleted.
    expect((await w.request('session.messages', { sessionId: first.start.sessionId })).messages).toEqual(before);
    expect((await w.request('history.summary', {})).messages).toBe(countBefore);
    expect((await w.request('memory.search', { query: 'zebra' })).hits.length).toBeGreaterThanOrEqual(2);

    const third = await legacyTurn(a, w, text);
    expect(third.end.tokens.prompt).toBe(first.end.tokens.prompt);
    expect(third.start.sessionId).not.toBe(first.start.sessionId);
    expect(await summary()).toMatchObject({ messages: 2, turns: 1 });
    a.ws.close();
  });

  it('history.clear over the JSON protocol deletes nothing without confirm: true', async () => {
    const s = await w.request('session.create', { title: 'Throwaway' });
    const sent = await w.request('chat.send', { text: 'Something to forget', sessionId: s.id });
    await w.reply(sent.replyId!);
    const total = (await w.request('history.summary', {})).messages;
    await expect(w.request('history.clear', {} as never)).rejects.toMatchObject({
      info: { code: 'invalid_argument', message: expect.stringMatching(/confirm/) },
    });
    expect((await w.request('history.summary', {})).messages).toBe(total);
    expect(await w.request('history.clear', { sessionId: s.id, confirm: true })).toEqual({ ok: true });
    expect((await w.request('history.summary', {})).messages).toBe(total - 2);
  });

  it.skipIf(!ESPEAK)('sends none of her own speech frames by default, though she speaks the reply', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const from = w.events.length;
    const turn = await legacyTurn(a, w, 'Sing me a song about the sea');
    const spoken = (await w.waitFor((m) => m.type === 'speech.end' && m.replyId === turn.start.replyId, 60_000)) as Ev<'speech.end'>;
    expect(w.events.slice(from).some((m) => m.type === 'speech.start' && m.replyId === turn.start.replyId)).toBe(true);
    expect(spoken.reason).toBe('done');
    const frames = await a.barrier(0);
    expect(frames.filter((f) => f.startsWith('[SPEECH_'))).toEqual([]);
    expect(frames).toEqual(turn.frames);
    a.ws.close();
  });

  it('takes vision updates silently; a desktop error with an offer text brings the help offer to the panel and the legacy clients', async () => {
    const { a, b } = await twoOldClients(
      '[VISION_FACE]focused',
      '[VISION_DESKTOP]browsing|browser|web|False||Docs - Firefox|Some documentation',
      '[VISION_SCREEN]Firefox | some docs',
    );
    expect(await a.barrier(0)).toEqual([]);

    const from = w.events.length;
    const fromA = a.frames.length;
    const fromB = b.frames.length;
    a.ws.send(
      '[VISION_DESKTOP]running_python|terminal|code|True|Need help?|bash - python app.py|$ python app.py\nTraceback (most recent call last):\n  File "app.py", line 3, in <module>\n    print(1 / 0)\nZeroDivisionError: division by zero | again',
    );
    const offer = (await w.waitFor((m) => m.type === 'help.offer' && w.events.indexOf(m) >= from, 30_000)) as Ev<'help.offer'>;
    expect(offer.target).toMatchObject({ kind: 'screen', message: expect.stringContaining('ZeroDivisionError') });
    for (const [client, since] of [
      [a, fromA],
      [b, fromB],
    ] as const) {
      expect(await client.untilEnd(since)).toEqual([offer.text, `[EMOTION]${offer.emotion}`, '[END]']);
    }
    a.ws.close();
    b.ws.close();
  });

  it('redacts secrets in vision text before anything keeps it', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const from = w.events.length;
    a.ws.send(
      `[VISION_DESKTOP]terminal_work|terminal|code|True|Want help?|deploy ${token}|$ ./deploy\nError: login refused for password=hunter2secret9 with ${token}`,
    );
    const offer = (await w.waitFor((m) => m.type === 'help.offer' && w.events.indexOf(m) >= from, 30_000)) as Ev<'help.offer'>;
    expect(offer.target.message).toMatch(/\[REDACTED/);
    expect(JSON.stringify(offer)).not.toMatch(/hunter2secret9|ghp_A1b2/);
    const frames = await a.untilEnd(0);
    expect(frames.join('')).not.toMatch(/hunter2secret9|ghp_A1b2/);

    // Taking the offer stores the error line (and prompts with the lines around it).
    const answer = await w.request('help.respond', { offerId: offer.offerId, response: 'explain' });
    await w.reply(answer.replyId!);
    const { messages } = await w.request('session.messages', { sessionId: answer.sessionId! });
    const asked = messages.filter((m) => m.role === 'user').at(-1)!;
    expect(asked.text).toMatch(/^Explain: .*\[REDACTED/);
    expect(asked.text).not.toMatch(/hunter2secret9|ghp_A1b2/);
    expect((await w.request('memory.search', { query: 'hunter2secret9' })).hits).toEqual([]);
    // The help reply went to the panel, not to the legacy client.
    expect(await a.barrier(frames.length)).toEqual([]);
    a.ws.close();
  });

  it('keeps help offers about the editor in the panel', async () => {
    const a = await OldClient.connect(c.legacyPort!);
    const from = w.events.length;
    await w.request('context.update', {
      terminalFailure: { commandLine: 'npm run deploy-private', exitCode: 3, output: 'private output', cwd: null, at: Date.now() },
    });
    const offer = (await w.waitFor((m) => m.type === 'help.offer' && w.events.indexOf(m) >= from, 30_000)) as Ev<'help.offer'>;
    expect(offer.target.kind).toBe('terminal');
    expect(await a.barrier(0)).toEqual([]);
    a.ws.close();
  });

  it('reports a failed generation as [ERROR] then [END] to the requester', async () => {
    const broken = await startCompanion({ model: '/nonexistent/model.gguf', args: ['--legacy-port', '0', '--no-idle', '--mute'] });
    try {
      const a = await OldClient.connect(broken.legacyPort!);
      a.ws.send('hello');
      expect(await a.untilEnd(0)).toEqual(['[ERROR]', '[END]']);
      a.ws.close();
    } finally {
      await broken.stop();
    }
  });

  it('serves the old HTTP routes and refuses foreign browser origins', async () => {
    expect((await (await fetch(`${base()}/`)).json()).status).toBe('Alisa online');
    expect((await fetch(`${base()}/history/clear`, { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    await expect(OldClient.connect(c.legacyPort!, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    expect((await fetch(`${base()}/history/clear`, { method: 'POST' })).status).toBe(200);
    expect((await summary()).messages).toBe(0);
    expect((await w.request('history.summary', {})).messages).toBeGreaterThan(0);
  });
});

describe.skipIf(!ESPEAK)('legacy speech frames with --legacy-speech-frames', () => {
  it('tells legacy clients when she starts and stops speaking, start before end', async () => {
    requireModel();
    const c = await startCompanion({ args: ['--legacy-port', '0', '--legacy-speech-frames', '--no-idle', '--tts-engines', 'espeak'] });
    try {
      const a = await OldClient.connect(c.legacyPort!);
      a.ws.send('Tell me about the rain');
      const frames = await a.until(0, (f) => f.includes('[END]') && f.includes('[SPEECH_END]'), 60_000);
      const start = frames.indexOf('[SPEECH_START]');
      expect(start).toBeGreaterThan(-1);
      expect(frames.indexOf('[SPEECH_END]')).toBeGreaterThan(start);
      expect(frames.filter((f) => f === '[SPEECH_START]')).toHaveLength(1);
      a.ws.close();
    } finally {
      await c.stop();
    }
  });
});

describe('legacy vision frames (parsing, bounds, redaction)', () => {
  it('ignores a desktop frame with fewer than 7 fields, as the seed did', () => {
    expect(parseVisionDesktop('running_python|terminal|code|True|Need help?|bash')).toBeNull();
    expect(parseVisionDesktop('')).toBeNull();
  });

  it('keeps "|" inside the text field and offers only for has_error True with an offer text', () => {
    const p = parseVisionDesktop('t|terminal|code|True|Help?|win|line one | still text\nTypeError: x is not a function')!;
    expect(p.desktop.text).toBe('line one | still text\nTypeError: x is not a function');
    expect(p.desktop.screenErrors).toEqual([expect.objectContaining({ message: 'TypeError: x is not a function' })]);
    expect(parseVisionDesktop('t|terminal|code|True||win|TypeError: boom')!.desktop.screenErrors).toEqual([]);
    expect(parseVisionDesktop('t|terminal|code|False|Help?|win|TypeError: boom')!.desktop.screenErrors).toEqual([]);
    // No recognisable error line: the text's first line names it.
    expect(parseVisionDesktop('t|terminal|code|True|Help?|win|\n  something odd happened\nmore')!.desktop.screenErrors![0]!.message).toBe(
      'something odd happened',
    );
  });

  it('bounds every field and strips control characters', () => {
    const long = 'x'.repeat(10_000);
    const p = parseVisionDesktop(`${long}|${long}|${long}|True|${long}|${long}\u0007\n|${long}`)!;
    expect(p.desktop.task.length).toBeLessThanOrEqual(VISION_LIMITS.field);
    expect(p.desktop.fileCategory.length).toBeLessThanOrEqual(VISION_LIMITS.field);
    expect(p.desktop.offerText.length).toBeLessThanOrEqual(VISION_LIMITS.offerText);
    expect(p.desktop.window.length).toBeLessThanOrEqual(VISION_LIMITS.window);
    expect(p.desktop.window).not.toMatch(/[\u0000-\u001f]/);
    expect(p.desktop.text.length).toBeLessThanOrEqual(VISION_LIMITS.text);
    const s = parseVisionScreen(`${long} | ${long}`);
    expect(s.window.length).toBeLessThanOrEqual(VISION_LIMITS.window);
    expect(s.text.length).toBeLessThanOrEqual(VISION_LIMITS.text);
  });

  it('redacts secrets in every field before they are bounded', () => {
    const key = 'sk-proj-' + 'Zx9'.repeat(12);
    const p = parseVisionDesktop(`t|a|f|True|use ${key}|export OPENAI_API_KEY=${key}|${'y'.repeat(1990)} ${key}`)!;
    expect(JSON.stringify(p.desktop)).not.toContain('Zx9Zx9');
    // Cut at 2000 characters first, the text would keep the key's first 9 characters.
    expect(p.desktop.text).not.toContain('sk-proj');
    expect(p.redactions).toBeGreaterThanOrEqual(3);
    const s = parseVisionScreen(`psql postgres://admin:s3cretPass@db | password = "hunter2secret9"`);
    expect(s.window).toContain('[REDACTED');
    expect(s.window).not.toContain('s3cretPass');
    expect(s.text).not.toContain('hunter2secret9');
    expect(s.redactions).toBeGreaterThanOrEqual(2);
  });
});

// The order of frames when a spontaneous remark or a help offer comes while a reply streams
// cannot be produced on demand through the real model (it answers in milliseconds), so here the
// legacy server runs in-process with the chat pipeline's event stream driven by the test: the
// real server, real sockets, real SQLite; only the model's timing is chosen.
describe('legacy delivery order', () => {
  it('holds unsolicited utterances until the reply streaming to a client has ended; a client that came mid-reply gets none of it', async () => {
    const listeners = new Set<ChatEventListener>();
    const emit = (e: CompanionEvent, origin: ReplyOrigin | null = null) => listeners.forEach((l) => l(e, origin));
    const asked: Array<{ params: Params<'chat.send'>; origin: ReplyOrigin | null }> = [];
    let notify = () => {};
    const askedAt = (n: number) =>
      new Promise<void>((resolve) => {
        notify = () => asked.length >= n && resolve();
        notify();
      });
    const chat = {
      onEvent: (l: ChatEventListener) => (listeners.add(l), () => listeners.delete(l)),
      emit,
      send: (params: Params<'chat.send'>, origin: ReplyOrigin | null) => {
        asked.push({ params, origin });
        notify();
        return { replyId: `r${asked.length}`, sessionId: params.sessionId!, userMessageId: asked.length };
      },
      setModeByName: () => 'teasing',
    } as unknown as ChatService;
    const memory = MemoryStore.open(path.join(tempDir(), 'alisa.db'));
    const session = new LegacySession({ memory: () => memory, emit: (e) => emit(e), characterId: () => null });
    const server = new LegacyServer(0, { chat, context: new ContextStore(), session, historyTokens: 300, speechFrames: false, version: 'test', log: () => {} });
    const port = await server.listen();
    try {
      const a = await OldClient.connect(port);
      a.ws.send('[VISION_DESKTOP]running_node|terminal|code|True|Help?|bash|$ node app.js\nTypeError: boom');
      a.ws.send('hello');
      await askedAt(1);
      const { params, origin } = asked[0]!;
      expect(params).toEqual({ text: 'hello', sessionId: session.current() });
      emit({ type: 'reply.start', replyId: 'r1', sessionId: params.sessionId!, userMessageId: 1, spontaneous: false }, origin);
      emit({ type: 'reply.token', replyId: 'r1', text: 'Hel' }, origin);
      const late = await OldClient.connect(port);
      await a.until(0, (f) => f.includes('Hel'));
      // A message sent while a legacy reply streams waits for it instead of being refused inside it.
      late.ws.send('me too');
      expect(await late.barrier(0)).toEqual([]);
      expect(asked).toHaveLength(1);
      const timings = { firstTokenMs: 1, totalMs: 1, tokensPerSecond: null };
      emit({ type: 'reply.start', replyId: 's1', sessionId: 9, userMessageId: null, spontaneous: true });
      emit({ type: 'reply.emotion', replyId: 's1', emotion: 'calm' });
      emit({ type: 'reply.token', replyId: 's1', text: 'Hi there.' });
      emit({
        type: 'reply.end',
        replyId: 's1',
        sessionId: 9,
        messageId: 2,
        text: 'Hi there.',
        emotion: 'calm',
        interrupted: false,
        tokens: { prompt: 1, completion: 1 },
        timings,
        provider: 'x',
      });
      emit({
        type: 'help.offer',
        offerId: 'o1',
        text: 'Want help?',
        emotion: 'serious',
        target: { kind: 'screen', path: null, range: null, message: 'TypeError: boom', code: 'js_error' },
      });
      emit({
        type: 'help.offer',
        offerId: 'o2',
        text: 'Editor only',
        emotion: 'serious',
        target: { kind: 'screen', path: null, range: null, message: 'Something else', code: null },
      });
      emit({ type: 'reply.token', replyId: 'r1', text: 'lo' }, origin);
      emit(
        {
          type: 'reply.end',
          replyId: 'r1',
          sessionId: params.sessionId!,
          messageId: 3,
          text: 'Hello',
          emotion: 'happy',
          interrupted: false,
          tokens: { prompt: 1, completion: 1 },
          timings,
          provider: 'x',
        },
        origin,
      );
      await askedAt(2);
      expect(asked[1]).toMatchObject({ params: { text: 'me too', sessionId: params.sessionId } });
      expect(asked[1]!.origin).not.toEqual(origin);
      const unsolicited = ['Hi there.', '[EMOTION]calm', '[END]', 'Want help?', '[EMOTION]serious', '[END]'];
      expect(await a.until(0, (f) => f.length >= 10)).toEqual(['Hel', 'lo', '[EMOTION]happy', '[END]', ...unsolicited]);
      expect(await late.until(0, (f) => f.length >= 8)).toEqual(['[MODE CHANGED]', '[END]', ...unsolicited]);
      expect(await a.barrier(0)).toEqual(['Hel', 'lo', '[EMOTION]happy', '[END]', ...unsolicited]);
      a.ws.close();
      late.ws.close();
    } finally {
      await server.close();
      memory.close();
    }
  });
});

describe('alisa.legacy.speechFrames reaches the companion', () => {
  const settings = companionSettings({ modelPath: '/m.gguf', dataFolder: '/tmp/alisa', legacyPort: 8765 });
  const parsed = (s: CompanionSettings) => {
    const c = parsedArgs(s, 99);
    return { legacyPort: c.legacyPort, legacySpeechFrames: c.legacySpeechFrames };
  };
  it('is off by default, on when set, and never without the legacy port', () => {
    expect(parsed(settings)).toEqual({ legacyPort: 8765, legacySpeechFrames: false });
    expect(parsed({ ...settings, legacySpeechFrames: true })).toEqual({ legacyPort: 8765, legacySpeechFrames: true });
    expect(parsed({ ...settings, legacyPort: null, legacySpeechFrames: true })).toEqual({ legacyPort: null, legacySpeechFrames: false });
  });
});
