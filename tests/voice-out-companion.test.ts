// Speech out through the real companion: the real model (stories260K) writes, real espeak-ng
// speaks, the real WebSocket carries it. Only Edge's cloud is replaced by a local server that
// speaks its wire format (tests/helpers/fake-edge-tts.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CompanionMessage } from '../protocol';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';
import { closedPort, hasEspeak } from './helpers/comp-voice';
import { useCompanionClient } from './helpers/comp-live';
import { startFakeEdge, type FakeEdge } from './helpers/fake-edge-tts';
import { requireModel } from './helpers/model';

const ESPEAK = hasEspeak();
if (!ESPEAK) console.log('espeak-ng is not installed (apt install espeak-ng): the speech-out companion tests are skipped');

const STORY = 'Once upon a time there was a little girl who loved the sea';
type Chunk = Extract<CompanionMessage, { type: 'speech.chunk' }>;
type End = Extract<CompanionMessage, { type: 'speech.end' }>;

/** Sends a message in a fresh session (same prompt, no history) and waits for reply and speech to end. */
async function speak(client: TestClient, text = STORY): Promise<{ replyId: string; events: CompanionMessage[]; end: End | null }> {
  const session = await client.request('session.create', {});
  const from = client.events.length;
  const sent = await client.request('chat.send', { text, sessionId: session.id });
  const replyId = sent.replyId!;
  await client.reply(replyId);
  let end: End | null = null;
  const started = client.events.slice(from).some((m) => m.type === 'speech.start' && m.replyId === replyId);
  if (started) end = (await client.waitFor((m) => m.type === 'speech.end' && m.replyId === replyId, 30_000)) as End;
  return { replyId, events: client.events.slice(from), end };
}

const chunksOf = (events: CompanionMessage[], replyId: string) => events.filter((m): m is Chunk => m.type === 'speech.chunk' && m.replyId === replyId);

describe.skipIf(!ESPEAK)('speech out with espeak-ng through the real companion', () => {
  let c: RunningCompanion;
  let client: TestClient;
  useCompanionClient((started, connected) => ((c = started), (client = connected)), {
    args: ['--tts-engines', 'espeak', '--temperature', '0', '--max-reply-tokens', '300', '--legacy-port', '0', '--legacy-speech-frames'],
  });

  it('reports its status: speech out on, espeak in the chain, speech-in engines listed', async () => {
    const s = await client.request('voice.status', {});
    expect(s).toMatchObject({ muted: false, speaking: false, listening: false, error: null });
    expect(s.tts).toEqual([{ id: 'espeak', available: true, reason: null }]);
    expect(s.stt.map((e) => e.id)).toContain('pocketsphinx');
    const reordered = await client.request('voice.configure', { ttsEngines: ['piper', 'espeak'] });
    expect(reordered.tts.map((t) => t.id)).toEqual(['piper', 'espeak']);
    expect(reordered.tts[0]).toMatchObject({ available: false, reason: expect.stringMatching(/Piper has no voice yet: download one/) });
    await expect(client.request('voice.configure', { rate: 'fast please' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    expect((await client.request('voice.configure', { ttsEngines: ['espeak'], rate: '+15%', pitch: '+10Hz' })).tts).toHaveLength(1);
  });

  it('hears a spoken command: a WAV stands in for the microphone, pocketsphinx recognises it offline', async (ctx) => {
    const hasTools = ['pocketsphinx_continuous', 'sox'].every((t) => {
      try {
        execFileSync('which', [t]);
        return true;
      } catch {
        return false;
      }
    });
    if (!hasTools) {
      const reason = 'pocketsphinx or sox is missing (apt-get install pocketsphinx pocketsphinx-en-us sox)';
      console.log(`SKIPPED the spoken-command case: ${reason}.`);
      return ctx.skip(reason);
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-voice-cmd-'));
    const raw = path.join(dir, 'raw.wav');
    const wav = path.join(dir, 'stop.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, 'stop talking']);
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav, 'pad', '0.3', '1.0']);
    await client.request('voice.configure', { input: wav });
    const from = client.events.length;
    expect(await client.request('voice.listen', { action: 'start' })).toEqual({ listening: true });
    const heard = await client.waitFor((m) => m.type === 'voice.transcript' && client.events.indexOf(m) >= from, 30_000);
    expect(heard).toMatchObject({ type: 'voice.transcript', command: 'stop talking', engine: 'pocketsphinx' });
    await client.request('voice.configure', { input: 'default' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks a multi-sentence reply in ordered chunks, the first before the reply has ended', async () => {
    const { replyId, events, end } = await speak(client);
    const chunks = chunksOf(events, replyId);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks.map((ch) => ch.seq)).toEqual(chunks.map((_, i) => i));
    const utterance = chunks[0]!.utteranceId;
    for (const ch of chunks) {
      expect(ch).toMatchObject({ utteranceId: utterance, engine: 'espeak', mime: 'audio/wav' });
      const wav = Buffer.from(ch.data, 'base64');
      expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
      expect(ch.durationMs).toBeGreaterThan(0);
      expect(ch.text).not.toMatch(/<|>|\*|`|#/);
    }
    expect(end).toMatchObject({ utteranceId: utterance, reason: 'done' });
    const types = events.map((m) => m.type);
    const startAt = types.indexOf('speech.start');
    const firstChunkAt = types.indexOf('speech.chunk');
    const replyEndAt = types.indexOf('reply.end');
    expect(startAt).toBeGreaterThan(-1);
    expect(startAt).toBeLessThan(firstChunkAt);
    expect(firstChunkAt).toBeLessThan(replyEndAt);
    expect(types.lastIndexOf('speech.chunk')).toBeLessThan(types.indexOf('speech.end'));
    // What was spoken is the reply's text, sentence by sentence.
    const reply = events.find((m) => m.type === 'reply.end') as Extract<CompanionMessage, { type: 'reply.end' }>;
    const spoken = chunks.map((ch) => ch.text).join(' ');
    expect(reply.text.replace(/\s+/g, ' ')).toContain(chunks[0]!.text.slice(0, 20));
    expect(spoken.length).toBeGreaterThan(reply.text.length * 0.7);
  });

  it('serves a repeated reply from the cache (same audio, no new files)', async () => {
    const first = await speak(client);
    const cacheDir = path.join(c.dataDir, 'voice-cache');
    expect(existsSync(cacheDir)).toBe(true);
    const files = readdirSync(cacheDir).length;
    expect(files).toBeGreaterThan(0);
    const second = await speak(client);
    const a = chunksOf(first.events, first.replyId);
    const b = chunksOf(second.events, second.replyId);
    expect(b.map((ch) => ch.text)).toEqual(a.map((ch) => ch.text));
    expect(b.map((ch) => ch.data)).toEqual(a.map((ch) => ch.data));
    expect(readdirSync(cacheDir).length).toBe(files);
  });

  it('stops at once when the user sends a new message while she speaks (barge-in)', async () => {
    const s1 = await client.request('session.create', {});
    const s2 = await client.request('session.create', {});
    const from = client.events.length;
    const sent = await client.request('chat.send', { text: 'Tell me a long story about a dragon and a cat', sessionId: s1.id, maxTokens: 600 });
    await client.waitFor((m) => m.type === 'speech.chunk' && m.replyId === sent.replyId);
    await client.request('chat.send', { text: 'Stop, tell me about the moon', sessionId: s2.id });
    const end = (await client.waitFor((m) => m.type === 'speech.end' && m.replyId === sent.replyId)) as End;
    expect(end.reason).toBe('stopped');
    // Nothing of the stopped utterance after its end, though its reply went on being written.
    await client.reply(sent.replyId!);
    const endAt = client.events.indexOf(end);
    expect(client.events.slice(endAt + 1).some((m) => m.type === 'speech.chunk' && m.utteranceId === end.utteranceId)).toBe(false);
    expect(client.events.slice(from).filter((m) => m.type === 'speech.end' && m.replyId === sent.replyId)).toHaveLength(1);
    const other = client.events.slice(from).find((m) => m.type === 'reply.start' && m.replyId !== sent.replyId);
    if (other?.type === 'reply.start') {
      const otherId = other.replyId;
      await client.reply(otherId);
      await client.waitFor((m) => m.type === 'speech.end' && m.replyId === otherId, 30_000).catch(() => {});
    }
  });

  it('voice.stop stops the current utterance', async () => {
    const session = await client.request('session.create', {});
    const sent = await client.request('chat.send', { text: 'Tell me a long story about a dragon and a cat', sessionId: session.id, maxTokens: 600 });
    await client.waitFor((m) => m.type === 'speech.start' && m.replyId === sent.replyId);
    expect(await client.request('voice.stop', {})).toEqual({ ok: true });
    const end = (await client.waitFor((m) => m.type === 'speech.end' && m.replyId === sent.replyId)) as End;
    expect(['stopped', 'done']).toContain(end.reason);
    await client.reply(sent.replyId!);
  });

  it('muted: the reply is written but nothing is synthesised', async () => {
    const status = await client.request('voice.configure', { muted: true });
    expect(status.muted).toBe(true);
    expect(client.events.some((m) => m.type === 'voice.state' && m.status.muted)).toBe(true);
    const { replyId, events } = await speak(client);
    expect(events.some((m) => m.type === 'reply.end' && m.replyId === replyId)).toBe(true);
    expect(events.filter((m) => m.type.startsWith('speech.'))).toEqual([]);
    await client.request('voice.configure', { muted: false });
  });

  it('tells legacy clients when she starts and stops speaking (--legacy-speech-frames)', async () => {
    const frames: string[] = [];
    let onFrame = (): void => {};
    const ws = new WebSocket(`ws://127.0.0.1:${c.legacyPort}/ws/chat`);
    ws.on('message', (d) => (frames.push(d.toString()), onFrame()));
    await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
    const { end } = await speak(client, 'The dog ran to the park');
    expect(end).not.toBeNull();
    // Wait for the legacy end frame itself (it may trail the protocol's speech.end).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no [SPEECH_END] frame; frames: ${JSON.stringify(frames.slice(-5))}`)), 30_000);
      onFrame = () => {
        if (!frames.includes('[SPEECH_END]')) return;
        clearTimeout(timer);
        resolve();
      };
      onFrame();
    });
    ws.close();
    const start = frames.indexOf('[SPEECH_START]');
    expect(start).toBeGreaterThan(-1);
    expect(frames.indexOf('[SPEECH_END]')).toBeGreaterThan(start);
  });
});

describe.skipIf(!ESPEAK)('Edge fallback through the real companion', () => {
  let fake: FakeEdge;
  beforeAll(async () => {
    requireModel();
    fake = await startFakeEdge({ mode: 'hang' });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('an unreachable Edge falls back to espeak-ng at once and the reply completes', async () => {
    // Edge is online and opt-in: chosen here, in front of espeak-ng.
    const c = await startCompanion({
      args: ['--tts-engines', 'msedge,espeak', '--edge-endpoint', `ws://127.0.0.1:${await closedPort()}/edge`, '--max-reply-tokens', '80'],
    });
    try {
      const client = await TestClient.connect(c);
      const { replyId, events, end } = await speak(client);
      const chunks = chunksOf(events, replyId);
      expect(events.some((m) => m.type === 'reply.end')).toBe(true);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.every((ch) => ch.engine === 'espeak')).toBe(true);
      expect(end?.reason).toBe('done');
      const status = await client.request('voice.status', {});
      expect(status.tts.map((t) => t.id)).toEqual(['msedge', 'espeak']);
      expect(status.tts[0]!.available).toBe(false);
      // At once: Edge failed on the refused connection, not on the first-audio time limit.
      expect(status.tts[0]!.reason).toMatch(/Failed recently/);
      expect(status.tts[0]!.reason).not.toMatch(/no audio within/);
      expect(status.lastEngine).toBe('espeak');
      client.close();
    } finally {
      await c.stop();
    }
  });

  it('a hanging Edge is given up after the time limit, then tried again after the cool-down', async () => {
    const c = await startCompanion({
      args: ['--tts-engines', 'msedge,espeak', '--edge-endpoint', fake.url, '--tts-timeout-ms', '500', '--tts-cooldown-ms', '1500', '--max-reply-tokens', '80'],
    });
    try {
      const client = await TestClient.connect(c);
      const first = await speak(client);
      expect(first.events.some((m) => m.type === 'reply.end')).toBe(true);
      const chunks = chunksOf(first.events, first.replyId);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.every((ch) => ch.engine === 'espeak')).toBe(true);
      expect(first.end?.reason).toBe('done');
      // Edge answers again: after the cool-down it speaks (MP3) once more.
      fake.mode = 'ok';
      // Wait until the companion says the cool-down is over (not for a fixed time).
      const until = Date.now() + 30_000;
      while (!(await client.request('voice.status', {})).tts[0]!.available && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect((await client.request('voice.status', {})).tts[0]).toMatchObject({ id: 'msedge', available: true });
      const second = await speak(client, 'The cat sat on the mat');
      const again = chunksOf(second.events, second.replyId);
      expect(again[0]).toMatchObject({ engine: 'msedge', mime: 'audio/mpeg' });
      expect(Buffer.from(again[0]!.data, 'base64').equals(fake.audio)).toBe(true);
      expect(fake.ssml.at(-1)).toContain('en-US-AnaNeural');
      client.close();
    } finally {
      await c.stop();
    }
  });

  it('no engine works: silent, speech.end failed, one notice per cause', async () => {
    const c = await startCompanion({ args: ['--tts-engines', 'piper', '--max-reply-tokens', '40'] });
    try {
      const client = await TestClient.connect(c);
      const first = await speak(client);
      expect(first.events.some((m) => m.type === 'reply.end')).toBe(true);
      expect(chunksOf(first.events, first.replyId)).toEqual([]);
      expect(first.end?.reason).toBe('failed');
      await speak(client, 'The dog ran to the park');
      const notices = client.events.filter((m) => m.type === 'voice.notice');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ action: expect.stringContaining('sudo apt install espeak-ng'), code: 'piper_voice_missing' });
      expect(notices[0]).toMatchObject({ action: expect.stringMatching(/Download Piper's voice .* or choose a voice you have/) });
      expect(notices[0]!.type === 'voice.notice' && notices[0]!.message).toMatch(/Piper/);
      const status = await client.request('voice.status', {});
      expect(status.error?.code).toBe('voice_unavailable');
      client.close();
    } finally {
      await c.stop();
    }
  });
});
