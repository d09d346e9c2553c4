// The transcription server engines in the real companion, as the extension starts it: the
// endpoint, the model name as launch flags (--stt-endpoint, --stt-server-model), the key only in
// the environment (ALISA_STT_API_KEY, where the extension puts it from VS Code's secret storage).
// Real speech (espeak-ng + sox) is the microphone's stand-in (a WAV input); the local servers in
// tests/helpers/fake-stt-servers.ts speak the whisper.cpp and OpenAI wire formats.
// Needs (Debian/Ubuntu): apt install espeak-ng sox
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companionArgs, companionEnv } from '../extension/companion-args';
import { findExecutable } from '../companion/voice/recorder';
import { cutSegment, findSpeech } from '../companion/voice/vad';
import { decodeWav, encodeWav, toMono16k } from '../companion/voice/wav-io';
import { startCompanion, TestClient } from './helpers/companion';
import { companionSettings } from './helpers/ext-settings';
import { type FakeSttServer, sha256, startFakeSttServer } from './helpers/fake-stt-servers';

const missing = ['espeak-ng', 'sox'].filter((t) => !findExecutable(t));
const SKIP = missing.length ? `${missing.join(', ')} missing (apt install espeak-ng sox)` : null;
if (SKIP) console.log(`stt engines companion test skipped: ${SKIP}`);

const KEY = 'sk-companion-stt-0123456789abcdef';
const TEXT = 'Please rename the helper function.';

describe('the extension hands the transcription server to the companion', () => {
  it('endpoint and model as flags, the key only in the environment', () => {
    const voice = { piperBinary: null, piperModel: null, sttModel: null, sttEndpoint: 'http://127.0.0.1:8080/v1', sttServerModel: 'whisper-large-v3' };
    const s = companionSettings({ voice });
    const args = companionArgs(s, 1);
    expect(args).toContain('--stt-endpoint=http://127.0.0.1:8080/v1');
    expect(args).toContain('--stt-server-model=whisper-large-v3');
    expect(args.join(' ')).not.toContain(KEY);
    expect(companionEnv(s, undefined, KEY)).toEqual({ ALISA_STT_API_KEY: KEY });
    expect(companionEnv(s, undefined, undefined)).toEqual({});
  });
});

describe.skipIf(SKIP !== null)('the real companion transcribing through a server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-stt-comp-'));
  let wav = '';
  let cutSha = '';

  beforeAll(() => {
    const raw = path.join(dir, 'raw.wav');
    wav = path.join(dir, 'speech.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, 'please rename the helper function']);
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav, 'pad', '0.5', '1.0']);
    // The companion sends the VAD's cut of the recording: the servers answer for exactly those bytes.
    const pcm = toMono16k(decodeWav(readFileSync(wav)));
    const speech = findSpeech(pcm);
    cutSha = sha256(encodeWav(cutSegment(pcm, { start: speech[0]!.start, end: speech[speech.length - 1]!.end })));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function transcribeWith(server: FakeSttServer, args: string[], env: NodeJS.ProcessEnv) {
    const c = await startCompanion({ model: null, args: ['--no-idle', '--mute', `--stt-endpoint=${server.endpoint}`, ...args], env });
    const win = await TestClient.connect(c);
    try {
      const status = await win.request('voice.configure', { sttEngine: 'auto', input: wav, transcript: 'insert' });
      const from = win.events.length;
      await win.request('voice.listen', { action: 'start' });
      const msg = await win.waitFor(
        (m) => win.events.indexOf(m) >= from && (m.type === 'voice.transcript' || (m.type === 'voice.state' && !!m.status.error && !m.status.listening)),
        60_000,
      );
      return { status, msg, stderr: () => c.stderr() };
    } finally {
      win.close();
      await c.stop();
    }
  }

  it('whisper.cpp /inference: the transcript arrives as voice.transcript from engine whispercpp', async () => {
    const server = await startFakeSttServer('whispercpp');
    server.transcripts.set(cutSha, TEXT);
    try {
      const { status, msg } = await transcribeWith(server, [], {});
      expect(status.stt.map((s) => [s.id, s.available])).toContainEqual(['whispercpp', true]);
      expect(msg).toMatchObject({ type: 'voice.transcript', text: TEXT, engine: 'whispercpp', command: null });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.wav).toMatchObject({ format: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });
      expect(server.requests[0]!.fields).toEqual({ temperature: '0.0', response_format: 'json' });
    } finally {
      await server.close();
    }
  }, 90_000);

  it('OpenAI-compatible: the model flag and the key from the environment reach the server; a wrong key is a clear error, logged without it', async () => {
    const server = await startFakeSttServer('openai', { apiKey: KEY });
    server.transcripts.set(cutSha, TEXT);
    try {
      const ok = await transcribeWith(server, ['--stt-server-model=whisper-large-v3'], { ALISA_STT_API_KEY: KEY });
      expect(ok.msg).toMatchObject({ type: 'voice.transcript', text: TEXT, engine: 'openai' });
      expect(server.requests.at(-1)!.fields).toMatchObject({ model: 'whisper-large-v3', response_format: 'json' });
      expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(ok.stderr()).not.toContain(KEY);

      const wrong = 'sk-wrong-companion-key-987654321';
      const bad = await transcribeWith(server, [], { ALISA_STT_API_KEY: wrong });
      expect(bad.msg).toMatchObject({
        type: 'voice.state',
        status: { error: { code: 'voice_unavailable', message: expect.stringMatching(/refused the key \(401/) } },
      });
      expect(JSON.stringify(bad.msg)).not.toContain(wrong);
      expect(bad.stderr()).toMatch(/refused the key/);
      expect(bad.stderr()).not.toContain(wrong);
    } finally {
      await server.close();
    }
  }, 120_000);
});
