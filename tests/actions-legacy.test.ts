// The original Alisa's text client acting through the real companion (issue 16): "take note: buy
// milk" then "yes" writes the note; "no" writes nothing; "read file /etc/passwd" is refused with
// a clear reason (the original read any path); a question unanswered expires; other legacy
// clients hear the result frames too, as in the original.
import { readdirSync, readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startCompanion, tempDir, type RunningCompanion } from './helpers/companion';

/** A legacy text client: raw frames in order, waiting by predicate (event-driven, no polling). */
class TextClient {
  readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(d.toString());
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async connect(port: number): Promise<TextClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new TextClient(ws);
  }
  /** Sends `text` and answers the frames up to the next [END]. */
  async say(text: string, timeoutMs = 20_000): Promise<string[]> {
    const from = this.frames.length;
    this.ws.send(text);
    return this.untilEnd(from, timeoutMs);
  }
  async untilEnd(from: number, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.frames.slice(from);
      const end = got.indexOf('[END]');
      if (end >= 0) return got.slice(0, end + 1);
      if (Date.now() > deadline) throw new Error(`no [END]; frames: ${JSON.stringify(got)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, deadline - Date.now()).unref();
      });
    }
  }
  close(): void {
    this.ws.close();
  }
}

let c: RunningCompanion;
const notes = path.join(tempDir('alisa-legacy-notes-'), 'notes');
const noteTexts = () => (existsSync(notes) ? readdirSync(notes).map((f) => readFileSync(path.join(notes, f), 'utf8')) : []);

/** One legacy client for the test, closed after it. */
async function withClient(fn: (a: TextClient) => Promise<void>): Promise<void> {
  const a = await TextClient.connect(c.legacyPort!);
  try {
    await fn(a);
  } finally {
    a.close();
  }
}

beforeAll(async () => {
  c = await startCompanion({ args: ['--no-idle', '--legacy-port', '0', '--notes-dir', notes, '--action-ask-ms', '1500', '--mute'] });
}, 60_000);
afterAll(async () => {
  await c?.stop();
});

describe('the legacy text client takes actions', () => {
  it('"take note: buy milk" asks, "yes" writes the note, and both clients hear the result', async () => {
    const a = await TextClient.connect(c.legacyPort!);
    const b = await TextClient.connect(c.legacyPort!);
    try {
      const question = await a.say('take note: buy milk');
      expect(question).toEqual([expect.stringMatching(/^Shall I write a note.*buy milk.*\? Say yes or no\.$/), '[EMOTION]neutral', '[END]']);
      expect(noteTexts()).toEqual([]);
      const bFrom = b.frames.length;
      const result = await a.say('yes');
      expect(result).toEqual([expect.stringMatching(/^\[TEASING\] Wrote the note .*note_\d{8}_\d{6}(-\d+)?\.txt\.$/), '[EMOTION]neutral', '[END]']);
      expect(noteTexts()).toEqual(['buy milk\n']);
      expect(await b.untilEnd(bFrom)).toEqual(result);
    } finally {
      a.close();
      b.close();
    }
  });

  it('"no" writes nothing and answers as the original did', () =>
    withClient(async (a) => {
      await a.say('write note: never mind');
      expect(await a.say('nope')).toEqual(['[CALM] Alright, no problem.', '[EMOTION]neutral', '[END]']);
      expect(noteTexts().some((t) => t.includes('never mind'))).toBe(false);
    }));

  it('"read file /etc/passwd" is refused with a clear reason, and a note can be read back', () =>
    withClient(async (a) => {
      const refused = await a.say('read file /etc/passwd');
      expect(refused).toEqual([expect.stringMatching(/^\[SERIOUS\] \/etc\/passwd is outside the notes folder/), '[EMOTION]neutral', '[END]']);
      expect(refused.join('')).not.toContain('root:');
      mkdirSync(notes, { recursive: true });
      writeFileSync(path.join(notes, 'todo.txt'), 'call mum\n');
      expect(await a.say('read file todo.txt')).toEqual(['[TEASING] call mum\n', '[EMOTION]neutral', '[END]']);
    }));

  it('a question left unanswered expires: the later "yes" is ordinary chat and nothing is written', () =>
    withClient(async (a) => {
      const from = a.frames.length;
      a.ws.send('take note: forgotten');
      await a.untilEnd(from);
      const expired = await a.untilEnd(a.frames.length);
      expect(expired[0]).toMatch(/^\[SERIOUS\] Nobody answered within 2 s/);
      const reply = await a.say('yes', 60_000);
      expect(reply[0]).not.toMatch(/^\[(TEASING|SERIOUS|CALM)\]/);
      expect(noteTexts().some((t) => t.includes('forgotten'))).toBe(false);
    }));

  it('ordinary chat that only mentions a phrase stays chat', () =>
    withClient(async (a) => {
      const reply = await a.say('Tell me a story about opening a door', 60_000);
      expect(reply[0]).not.toMatch(/^(Shall I|\[(TEASING|SERIOUS|CALM)\])/);
    }));
});
