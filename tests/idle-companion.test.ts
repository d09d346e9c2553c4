// Idle talk through the real companion and the real (tiny) model, with the seed's timings scaled
// by 0.01 (--idle-time-scale: the 600 s band opens after 6 s, checks every 300 ms) and every
// band's chance set to 1 (--idle-chance). A spontaneous message arrives after the silence, is
// complete for the panel (reply.start spontaneous ... reply.end) and for legacy clients (text,
// [EMOTION], [END]), is stored as spontaneous, and what the user does with it is recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CompanionMessage } from '../protocol';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('idle talk through the companion', () => {
  let companion: RunningCompanion;
  let client: TestClient;
  let legacy: WebSocket;
  const legacyFrames: string[] = [];

  beforeAll(async () => {
    requireModel();
    companion = await startCompanion({
      args: ['--legacy-port', '0', '--idle-time-scale', '0.01', '--idle-chance', '1', '--idle-engaged-ms', '20000', '--mute'],
    });
    client = await TestClient.connect(companion);
    legacy = new WebSocket(`ws://127.0.0.1:${companion.legacyPort}/ws/chat`);
    legacy.on('message', (d) => legacyFrames.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      legacy.once('open', () => resolve());
      legacy.once('error', reject);
    });
  });

  afterAll(async () => {
    legacy?.close();
    client?.close();
    await companion?.stop();
  });

  it('speaks up after the silence with one complete, stored, spontaneous message', async () => {
    const status = await client.request('idle.status', {});
    expect(status).toMatchObject({ doNotDisturb: false, chattiness: 1, lastSpokeAt: null });
    const start = (await client.waitFor((m) => m.type === 'reply.start' && m.spontaneous, 45_000)) as Ev<'reply.start'>;
    expect(start.userMessageId).toBeNull();
    const events = await client.reply(start.replyId);
    expect(events.map((e) => e.type).filter((t) => t.startsWith('reply.'))).toEqual(['reply.start', 'reply.emotion', 'reply.token', 'reply.end']);
    const end = events.find((e) => e.type === 'reply.end') as Ev<'reply.end'>;
    expect(end.text.length).toBeGreaterThan(0);
    expect(end.text).not.toContain('?');
    expect(end.text.match(/[.!…]+(\s|$)/g)?.length ?? 1).toBeLessThanOrEqual(2);
    expect((events.find((e) => e.type === 'reply.token') as Ev<'reply.token'>).text).toBe(end.text);

    const { messages } = await client.request('session.messages', { sessionId: start.sessionId });
    const stored = messages.find((m) => m.id === end.messageId);
    expect(stored).toMatchObject({ role: 'assistant', spontaneous: true, status: 'complete', text: end.text, emotion: end.emotion });

    // The legacy client got the same utterance, terminated.
    const deadline = Date.now() + 5000;
    while (!legacyFrames.includes('[END]') && Date.now() < deadline) await sleep(50);
    const frames = legacyFrames.filter((f) => !f.startsWith('[SPEECH_'));
    const endAt = frames.indexOf('[END]');
    expect(endAt).toBeGreaterThan(1);
    expect(frames.slice(0, endAt - 1).join('')).toBe(end.text);
    expect(frames[endAt - 1]).toBe(`[EMOTION]${end.emotion}`);
    const after = await client.request('idle.status', {});
    expect(after.lastSpokeAt).not.toBeNull();
  });

  it('records that the user took her up on it when they write back', async () => {
    const sent = await client.request('chat.send', { text: 'Hello Alisa' });
    await client.reply(sent.replyId!);
    const summary = await client.request('rhythm.summary', {});
    expect(summary.acceptance).toHaveLength(1);
    expect(summary.acceptance[0]).toMatchObject({ engaged: 1, total: 1 });
    expect(summary.samples).toBeGreaterThan(0);
    expect(typeof summary.text).toBe('string');
  });

  it('keeps quiet with Do not disturb, and reports it in idle.state', async () => {
    const status = await client.request('idle.configure', { doNotDisturb: true, chattiness: 1.5 });
    expect(status).toMatchObject({ doNotDisturb: true, chattiness: 1.5, quietReason: 'do not disturb' });
    const event = (await client.waitFor((m) => m.type === 'idle.state' && m.status.doNotDisturb)) as Ev<'idle.state'>;
    expect(event.status.quietReason).toBe('do not disturb');
    // Anything already being generated finishes (its reply.end, not a fixed wait).
    const spontaneous = () => client.events.filter((m): m is Ev<'reply.start'> => m.type === 'reply.start' && m.spontaneous);
    for (const s of spontaneous()) await client.reply(s.replyId);
    const before = spontaneous().length;
    // The window under test: do not disturb held through a whole band (it opens after 6 s of
    // silence at this time scale).
    await sleep(9000);
    expect(spontaneous().length).toBe(before);
    // The control that keeps the quiet from passing for the wrong reason (an idle loop that
    // never runs): with do not disturb off again she does speak up.
    const offAt = client.events.length;
    await client.request('idle.configure', { doNotDisturb: false, chattiness: 1 });
    const control = (await client.waitFor((m) => m.type === 'reply.start' && m.spontaneous && client.events.indexOf(m) >= offAt, 45_000)) as Ev<'reply.start'>;
    expect(spontaneous()).toHaveLength(before + 1);
    await client.reply(control.replyId);
  }, 90_000);

  it('learns from editor reports and forgets on rhythm.clear', async () => {
    await client.request('context.update', {
      editor: { path: 'src/a.ts', language: 'typescript', visibleRange: null, selection: null, text: 'let a = 1;', textStartLine: 0 },
    });
    const before = await client.request('rhythm.summary', {});
    expect(before.samples).toBeGreaterThan(0);
    expect(await client.request('rhythm.clear', {})).toEqual({ ok: true });
    const after = await client.request('rhythm.summary', {});
    expect(after).toMatchObject({ samples: 0, acceptance: [], busyHours: [], quietHours: [] });
  });
});
