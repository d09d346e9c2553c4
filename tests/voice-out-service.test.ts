// VoiceService on its own: reply events in, speech events out. The reply events come from a
// plain event source (what ChatService.onEvent delivers); speech is synthesised by msedge-tts
// against the local Edge-protocol server (whose answers can be delayed per sentence) and by real
// espeak-ng.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompanionEvent } from '../protocol';
import { VoiceService } from '../companion/voice/voice-service';
import { startFakeEdge, type FakeEdge } from './helpers/fake-edge-tts';
import { tempDir } from './helpers/companion';
import { hasEspeak, Replies } from './helpers/comp-voice';

const ESPEAK = hasEspeak();

function setup(options: ConstructorParameters<typeof VoiceService>[0]['options'], onEmit?: (e: CompanionEvent) => void) {
  const chat = new Replies();
  const events: CompanionEvent[] = [];
  const waiters: Array<() => void> = [];
  const voice = new VoiceService({
    events: chat,
    emit: (e) => {
      onEmit?.(e);
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    dataDir: tempDir('alisa-voice-'),
    log: () => {},
    options,
  });
  const waitFor = async (pred: (e: CompanionEvent) => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events.map((e) => e.type))}`);
      await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 50)));
    }
  };
  return { chat, events, voice, waitFor };
}

let fake: FakeEdge | null = null;
let service: VoiceService | null = null;
afterEach(async () => {
  await service?.dispose();
  service = null;
  await fake?.close();
  fake = null;
});

describe('VoiceService', () => {
  it('emits chunks in order even when a later sentence is synthesised first', async () => {
    // The first sentence takes 400 ms at "Edge", the second 0 ms: both are in flight at once.
    fake = await startFakeEdge({ delayMs: (ssml) => (ssml.includes('First') ? 400 : 0) });
    const { chat, events, voice, waitFor } = setup({ ttsEngines: ['msedge'], edgeEndpoint: fake.url, diskCacheBytes: 0 });
    service = voice;
    chat.start('r1');
    chat.token('r1', 'First sentence here. Second one');
    chat.token('r1', ' follows! Third');
    chat.end('r1', 'First sentence here. Second one follows! Third');
    await waitFor((e) => e.type === 'speech.end');
    const speech = events.filter((e) => e.type.startsWith('speech.'));
    expect(speech.map((e) => e.type)).toEqual(['speech.start', 'speech.chunk', 'speech.chunk', 'speech.chunk', 'speech.end']);
    const chunks = speech.filter((e): e is Extract<CompanionEvent, { type: 'speech.chunk' }> => e.type === 'speech.chunk');
    expect(chunks.map((c) => [c.seq, c.text])).toEqual([
      [0, 'First sentence here.'],
      [1, 'Second one follows!'],
      [2, 'Third'],
    ]);
    expect(chunks.every((c) => c.engine === 'msedge' && c.mime === 'audio/mpeg' && c.replyId === 'r1')).toBe(true);
    expect(speech.at(-1)).toMatchObject({ type: 'speech.end', reason: 'done', replyId: 'r1' });
  });

  it('while the reply is still being written, synthesises one sentence at a time (the model keeps the cores); then at full depth', async () => {
    // Sentence 2 answers late, sentence 3 at once: with two in flight, 3 is requested before 2's chunk goes out.
    fake = await startFakeEdge({ delayMs: (ssml) => (ssml.includes('Second') ? 300 : 0) });
    const edge = fake;
    const requestedAtChunk: number[] = [];
    const { chat, voice, waitFor } = setup({ ttsEngines: ['msedge'], edgeEndpoint: edge.url, diskCacheBytes: 0 }, (e) => {
      if (e.type === 'speech.chunk') requestedAtChunk.push(edge.ssml.filter((x) => x.includes('<speak')).length);
    });
    service = voice;
    chat.start('r2');
    chat.token('r2', 'First sentence here. Second one follows! Third one is here. ');
    await waitFor((e) => e.type === 'speech.chunk');
    // Still writing: only the first sentence was sent to synthesis when its audio went out.
    expect(requestedAtChunk[0]).toBe(1);
    chat.end('r2', 'First sentence here. Second one follows! Third one is here.');
    await waitFor((e) => e.type === 'speech.end');
    // Complete: the rest synthesised side by side (the third requested before the second's audio went out).
    expect(requestedAtChunk).toHaveLength(3);
    expect(requestedAtChunk[1]).toBe(3);
  });

  it('a new reply stops the current one at once; nothing of it is emitted later', async () => {
    fake = await startFakeEdge({ delayMs: () => 300 });
    const { chat, events, voice, waitFor } = setup({ ttsEngines: ['msedge'], edgeEndpoint: fake.url, diskCacheBytes: 0 });
    service = voice;
    chat.start('r1');
    chat.token('r1', 'One. Two. Three. ');
    await waitFor((e) => e.type === 'speech.start');
    chat.start('r2');
    const end = await waitFor((e) => e.type === 'speech.end' && e.replyId === 'r1');
    expect(end).toMatchObject({ reason: 'stopped' });
    // r2 speaks to its end: its sentence was sent to "Edge" after r1's last one, so by r2's
    // speech.end anything late of r1 would have come (an event, not a fixed sleep).
    chat.token('r2', 'Four.');
    chat.end('r2', 'Four.');
    expect(await waitFor((e) => e.type === 'speech.end' && e.replyId === 'r2')).toMatchObject({ reason: 'done' });
    expect(events.some((e) => e.type === 'speech.chunk' && e.replyId === 'r1')).toBe(false);
    expect(events.filter((e) => e.type === 'speech.chunk').map((e) => (e as { replyId: string }).replyId)).toEqual(['r2']);
    expect((await voice.status()).speaking).toBe(false);
  });

  it('muted: nothing is synthesised; an interrupted reply stops its speech', async () => {
    fake = await startFakeEdge();
    const { chat, events, voice, waitFor } = setup({ ttsEngines: ['msedge'], edgeEndpoint: fake.url, muted: true });
    service = voice;
    chat.start('r1');
    chat.token('r1', 'Hello there. Bye now.');
    chat.end('r1');
    await voice.configure({ muted: false });
    chat.start('r2');
    chat.token('r2', 'Good morning. See');
    chat.end('r2', '', true);
    expect(await waitFor((e) => e.type === 'speech.end' && e.replyId === 'r2')).toMatchObject({ reason: 'stopped' });
    // r2's end came after r1 was done with: nothing of the muted r1 was spoken or synthesised.
    expect(events.filter((e) => e.type.startsWith('speech.') && (e as { replyId?: string }).replyId !== 'r2')).toEqual([]);
    expect(fake.ssml.filter((s) => /Hello there|Bye now/.test(s))).toEqual([]);
  });

  it.skipIf(!ESPEAK)('a TCP server that never answers the WebSocket upgrade: espeak-ng speaks within the time limit', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const { chat, events, voice, waitFor } = setup({ edgeEndpoint: `ws://127.0.0.1:${port}/edge`, timings: { firstAudioMs: 300 }, diskCacheBytes: 0 });
    service = voice;
    const t0 = performance.now();
    chat.start('r1');
    chat.token('r1', 'Hello there. ');
    chat.end('r1');
    await waitFor((e) => e.type === 'speech.end');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(events.find((e) => e.type === 'speech.chunk')).toMatchObject({ engine: 'espeak', mime: 'audio/wav' });
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('says once per cause when it cannot speak, and answers voice.listen with voice_unavailable', async () => {
    const { chat, events, voice, waitFor } = setup({ ttsEngines: ['piper'] });
    service = voice;
    for (const id of ['r1', 'r2']) {
      chat.start(id);
      chat.token(id, 'Hello there. ');
      chat.end(id);
      expect(await waitFor((e) => e.type === 'speech.end' && e.replyId === id)).toMatchObject({ reason: 'failed' });
    }
    const notices = events.filter((e) => e.type === 'voice.notice');
    expect(notices).toHaveLength(1);
    // Built-in Piper without a voice: the notice says how to get one (code piper_voice_missing: the UI offers it) and names espeak-ng too.
    expect(notices[0]).toMatchObject({
      message: expect.stringMatching(/Piper has no voice yet/),
      action: expect.stringMatching(/Download Piper's voice.*apt install espeak-ng/),
      code: 'piper_voice_missing',
    });
    // What the user reads is one short sentence; each engine's own error goes under "Details".
    expect(notices[0]).toMatchObject({
      message: 'Alisa stays silent for now (the chat goes on): Piper has no voice yet.',
      details: expect.stringMatching(/^Piper[^\n]*: /),
    });
    await expect(voice.listenAction('start')).rejects.toMatchObject({ code: 'voice_unavailable' });
    const status = await voice.status();
    expect(status).toMatchObject({ stt: [], listening: false, error: { code: 'voice_unavailable' } });
  });
});
