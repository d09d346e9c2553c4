// A voice command that asks for an action (issue 16), through the real companion: "Take a note,
// buy milk." spoken (espeak-ng, a WAV input), transcribed by an OpenAI-compatible transcription
// server in tests/ (it answers the text for the exact bytes it receives), becomes write_note from
// the voice: the question goes to the VS Code window, and only its yes writes the note. The
// transcript carries the phrase as the command, so no client also sends it as chat.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../companion/voice/recorder';
import { cutSegment, findSpeech } from '../companion/voice/vad';
import { decodeWav, encodeWav, toMono16k } from '../companion/voice/wav-io';
import { type ActionWindow, type Ev, nextAsk, startActionWindow } from './helpers/action-window';
import type { TestClient } from './helpers/companion';
import { sha256, startFakeTranscribeServer, type FakeTranscribeServer } from './helpers/fake-transcribe-server';

const missing = ['espeak-ng', 'sox'].filter((t) => !findExecutable(t));
const SKIP = missing.length ? `${missing.join(', ')} missing (apt install espeak-ng sox)` : null;
if (SKIP) console.log(`voice action test skipped: ${SKIP}`);

describe.skipIf(SKIP !== null)('an action asked for by voice', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-voice-act-'));
  const notes = path.join(dir, 'notes');
  let server: FakeTranscribeServer;
  let aw: ActionWindow;
  let win: TestClient;
  let wav = '';

  beforeAll(async () => {
    const raw = path.join(dir, 'note.raw.wav');
    wav = path.join(dir, 'note.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, 'take a note, buy milk']);
    execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav, 'pad', '0.5', '1.0']);
    server = await startFakeTranscribeServer({});
    // The server gets the VAD's cut of the file: it answers the dictation for exactly those bytes.
    const pcm = toMono16k(decodeWav(readFileSync(wav)));
    const speech = findSpeech(pcm);
    server.transcripts.set(sha256(encodeWav(cutSegment(pcm, { start: speech[0]!.start, end: speech[speech.length - 1]!.end }))), 'Take a note, buy milk.');
    aw = await startActionWindow({ model: null, args: ['--no-idle', '--mute', '--stt-endpoint', server.url, '--notes-dir', notes] });
    win = aw.win;
  }, 60_000);
  afterAll(() => aw?.close(server));

  it('asks in the window, writes the note after the yes, and the transcript names it as the command', async () => {
    await win.request('voice.configure', { sttEngine: 'openai', input: wav, transcript: 'send' });
    const from = win.events.length;
    await win.request('voice.listen', { action: 'start' });
    const transcript = (await win.waitFor((m) => m.type === 'voice.transcript' && win.events.indexOf(m) >= from, 60_000)) as Ev<'voice.transcript'>;
    expect(transcript).toMatchObject({ text: 'Take a note, buy milk.', command: 'Take a note, buy milk.' });
    const ask = await nextAsk(win, from);
    expect(ask).toMatchObject({ action: 'write_note', source: 'voice', canAlwaysAllow: true, detail: expect.stringContaining('buy milk') });
    expect(existsSync(notes)).toBe(false);
    await win.request('action.decide', { id: ask.id, decision: 'allow' });
    const done = (await win.waitFor((m) => m.type === 'action.done' && m.outcome.callId === ask.callId)) as Ev<'action.done'>;
    expect(done).toMatchObject({ source: 'voice', outcome: { status: 'done' } });
    expect(readdirSync(notes).map((f) => readFileSync(path.join(notes, f), 'utf8'))).toEqual(['buy milk\n']);
    // Nothing was sent as chat.
    expect(win.events.slice(from).some((m) => m.type === 'reply.start')).toBe(false);
  });
});
