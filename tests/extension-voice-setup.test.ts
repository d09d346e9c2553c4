// Getting Alisa her local voice in VS Code (extension/voice/voice-setup.ts): the offer when Piper
// has no voice (never a silent download), "Download Voice" (the size and disk first, then a
// notification with progress and Cancel that follows the companion's voice.state), the offline
// message with "Choose Voice…", and "Choose Voice…" writing the user setting. `vscode` is the shared
// fake (tests/helpers/fake-vscode.ts: this runs outside VS Code), its dialogs answered as a script
// says; the companion is a recording fake manager (the companion's side is tested in
// voice-download.test.ts).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { VoiceDownloadPlan, VoiceDownloadState } from '../protocol/voice';
import { EventEmitter, fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { VoiceSetup } from '../extension/voice/voice-setup';
import { DownloadFollower, progressText, VOICE_SETUP_COMMANDS } from '../extension/voice/voice-setup-logic';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const PLAN: VoiceDownloadPlan = {
  voice: 'en_US-amy-low',
  name: 'Amy (US English, Piper)',
  host: 'github.com',
  url: 'https://github.com/k2-fsa/sherpa-onnx/releases/download/tts-models/vits-piper-en_US-amy-low.tar.bz2',
  sizeBytes: 64 * 1024 ** 2,
  unpackedBytes: 80 * 1024 ** 2,
  freeDiskBytes: 50 * 1024 ** 3,
  dir: '/home/me/.local/share/alisa/voices/en_US-amy-low',
  installed: false,
  partialBytes: 0,
};

const state = (patch: Partial<VoiceDownloadState>): VoiceDownloadState => ({
  state: 'downloading',
  voice: PLAN.voice,
  name: PLAN.name,
  progress: null,
  receivedBytes: null,
  totalBytes: null,
  path: null,
  error: null,
  ...patch,
});

class FakeManager {
  events = new EventEmitter<unknown>();
  stateEvents = new EventEmitter<{ state: string }>();
  readonly onDidReceiveEvent = this.events.event;
  readonly onDidChangeState = this.stateEvents.event;
  requests: Array<{ method: string; params: unknown }> = [];
  plan: VoiceDownloadPlan = { ...PLAN };
  applied = 0;
  downloadStarted: () => void = () => {};
  async request(method: string, params: unknown): Promise<unknown> {
    this.requests.push({ method, params });
    if (method === 'voice.downloadPlan') return this.plan;
    if (method === 'voice.download') {
      // Like the companion: its voice.state events follow its answer.
      setTimeout(() => this.downloadStarted(), 0);
      return state({ receivedBytes: 0 });
    }
    if (method === 'voice.cancelDownload') return { cancelled: true };
    throw new Error(`unexpected ${method}`);
  }
  async applySettings(): Promise<void> {
    this.applied++;
  }
  voiceState(s: VoiceDownloadState): void {
    this.events.fire({ type: 'voice.state', status: { voiceDownload: s } });
  }
  methods(): string[] {
    return this.requests.map((r) => r.method);
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

let m: FakeManager;
let setup: VoiceSetup;
beforeEach(() => {
  fake.reset();
  setup?.dispose();
  m = new FakeManager();
  setup = new VoiceSetup(m as never);
});

describe('the commands as contributed', () => {
  it('Download Voice, Choose Voice… and Cancel Voice Download are in package.json and registered', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    const commands = pkg.contributes.commands as Array<{ command: string; title: string; category: string }>;
    expect(commands.find((c) => c.command === VOICE_SETUP_COMMANDS.download)).toMatchObject({ title: 'Download Voice', category: 'Alisa' });
    expect(commands.find((c) => c.command === VOICE_SETUP_COMMANDS.choose)).toMatchObject({ title: 'Choose Voice…', category: 'Alisa' });
    expect(commands.find((c) => c.command === VOICE_SETUP_COMMANDS.cancel)).toMatchObject({ title: 'Cancel Voice Download', category: 'Alisa' });
    for (const id of Object.values(VOICE_SETUP_COMMANDS)) expect(fake.commands.has(id)).toBe(true);
  });
});

describe('the offer when Piper has no voice', () => {
  it('asks once per session, and downloads nothing when the user says not now', async () => {
    fake.answers.push({ match: /Piper.*has no voice yet/, answer: 'Not Now' });
    const notice = {
      type: 'voice.notice',
      message: 'Alisa speaks with espeak-ng for now: Piper, her natural voice on this machine, has no voice yet.',
      action: null,
      code: 'piper_voice_missing',
    };
    m.events.fire(notice);
    m.events.fire(notice);
    m.events.fire({ type: 'voice.notice', message: 'Something else.', action: null, code: null });
    await flush();
    expect(fake.dialogs).toHaveLength(1);
    expect(fake.dialogs[0]).toMatchObject({ kind: 'info', buttons: ['Download Voice', 'Choose Voice…', 'Not Now'] });
    expect(fake.dialogs[0]!.message).toMatch(/about 64 MB, once; it runs on this machine/);
    expect(m.requests).toEqual([]);
  });

  it('"Download Voice" tells the size, disk and place first, then follows the download to the end', async () => {
    fake.answers.push({ match: /has no voice yet/, answer: 'Download Voice' }, { match: /^Download Alisa's voice/, answer: 'Download Voice' });
    m.downloadStarted = () => {
      m.voiceState(state({ progress: 0.5, receivedBytes: 32 * 1024 ** 2, totalBytes: 64 * 1024 ** 2 }));
      m.voiceState(state({ progress: 1, receivedBytes: 64 * 1024 ** 2, totalBytes: 64 * 1024 ** 2 }));
      m.voiceState(state({ state: 'unpacking', progress: 0.5 }));
      m.voiceState(state({ state: 'done', progress: 1, path: PLAN.dir }));
    };
    m.events.fire({ type: 'voice.notice', message: 'Piper has no voice yet.', action: null, code: 'piper_voice_missing' });
    await vi.waitFor(() => expect(fake.dialogs.some((s) => /voice is installed/.test(s.message))).toBe(true));
    expect(m.methods()).toEqual(['voice.downloadPlan', 'voice.download']);
    const confirm = fake.dialogs.find((s) => s.kind === 'warning')!;
    expect(confirm.message).toBe("Download Alisa's voice Amy (US English, Piper) (about 64 MB)?");
    expect(confirm.options?.detail).toMatch(
      /from github\.com takes about 64 MB \(about 80 MB once unpacked\); 50\.0 GB is free on that disk\. It goes to .*voices\/en_US-amy-low\. It resumes if interrupted, and you can cancel it\./,
    );
    expect(fake.progress.map((p) => p.message)).toEqual([
      'Starting…',
      'Downloading Amy (US English, Piper)…',
      'Downloading Amy (US English, Piper): 50% (32 MB of 64 MB)',
      'Downloading Amy (US English, Piper): 100% (64 MB of 64 MB)',
      'Unpacking Amy (US English, Piper): 50%',
    ]);
    expect(fake.progress.reduce((sum, p) => sum + (p.increment ?? 0), 0)).toBe(95);
    expect(fake.dialogs.at(-1)!.message).toMatch(/voice is installed \(.*en_US-amy-low\): she speaks with Piper from her next sentence/);
  });

  it('no yes, no download: closing the size dialog stops there', async () => {
    await setup.download();
    expect(fake.dialogs.map((s) => s.kind)).toEqual(['warning']);
    expect(m.methods()).toEqual(['voice.downloadPlan']);
  });

  it('not enough disk: says how much is needed and offers a voice file instead', async () => {
    m.plan = { ...PLAN, freeDiskBytes: 10 * 1024 ** 2 };
    await setup.download();
    expect(fake.dialogs).toHaveLength(1);
    expect(fake.dialogs[0]).toMatchObject({ kind: 'error', buttons: ['Choose Voice…'] });
    expect(fake.dialogs[0]!.message).toMatch(/Not enough disk space for the voice Amy.*needs about 144 MB, 10 MB is free/);
    expect(m.methods()).toEqual(['voice.downloadPlan']);
  });
});

describe('the download notification', () => {
  it('Cancel stops it in the companion and says how to resume', async () => {
    fake.answers.push({ match: /^Download Alisa's voice/, answer: 'Download Voice' });
    m.downloadStarted = () => {
      m.voiceState(state({ progress: 0.1, receivedBytes: 6 * 1024 ** 2, totalBytes: 64 * 1024 ** 2 }));
      fake.cancel.fire();
      m.voiceState(state({ state: 'cancelled', error: { code: 'cancelled', message: 'The download of the voice Amy was cancelled.' } }));
    };
    await setup.download();
    expect(m.methods()).toEqual(['voice.downloadPlan', 'voice.download', 'voice.cancelDownload']);
    expect(fake.dialogs.at(-1)!.message).toMatch(/cancelled\. Run "Alisa: Download Voice" again to resume it/);
  });

  it('offline: the companion\'s message with what to do, and "Choose Voice…" sets alisa.voice.piperModel (a user setting) and restarts', async () => {
    fake.answers.push({ match: /^Download Alisa's voice/, answer: 'Download Voice' }, { match: /Could not reach github\.com/, answer: 'Choose Voice…' });
    fake.quickPickIndex = 0;
    fake.openDialogResult = [{ fsPath: '/home/me/voices/vits-piper-en_GB-alba-medium' }];
    m.downloadStarted = () =>
      m.voiceState(
        state({
          state: 'error',
          error: {
            code: 'voice_download_failed',
            message:
              'Could not reach github.com to download the voice Amy (US English, Piper): the machine may be offline (fetch failed: getaddrinfo ENOTFOUND github.com).',
            action:
              'Choose a voice folder or .onnx file you already have ("Alisa: Choose Voice…" in VS Code, or alisa.voice.piperModel / --piper-model) instead, or try again when online (what arrived is kept and resumes).',
          },
        }),
      );
    await setup.download();
    const error = fake.dialogs.find((s) => s.kind === 'error')!;
    expect(error.message).toMatch(/^Could not reach github\.com .* may be offline .* Choose a voice folder or \.onnx file you already have/);
    expect(error.buttons).toEqual(['Choose Voice…', 'Retry']);
    if (process.platform !== 'darwin') expect(fake.quickPicks).toHaveLength(1);
    expect(fake.openDialogs[0]).toMatchObject({ canSelectFolders: true, openLabel: 'Use This Voice' });
    expect(fake.updates).toEqual([{ key: 'alisa.voice.piperModel', value: '/home/me/voices/vits-piper-en_GB-alba-medium', target: 1 }]);
    expect(m.applied).toBe(1);
  });
});

describe('DownloadFollower', () => {
  it('turns states into one growing bar and an outcome; an old outcome before this download is not news', () => {
    const f = new DownloadFollower();
    expect(f.step(state({ state: 'error', error: { code: 'voice_download_failed', message: 'old' } }))).toBeNull();
    expect(f.step(state({ state: 'cancelled' }))).toBeNull();
    const steps = [state({ progress: 0.2 }), state({ progress: 0.1 }), state({ progress: 1 }), state({ state: 'unpacking', progress: 1 })].map((s) =>
      f.step(s),
    );
    expect(steps.map((s) => (s && 'progress' in s ? s.progress.increment : null))).toEqual([18, 0, 72, 10]);
    expect(f.step(state({ state: 'error', error: { code: 'voice_download_failed', message: 'broke' } }))).toEqual({
      outcome: { kind: 'error', error: { code: 'voice_download_failed', message: 'broke' } },
    });
    expect(progressText(state({ progress: null, receivedBytes: 2048 }))).toBe('Downloading Amy (US English, Piper)… (2 KB)');
  });
});
