// VS Code notifications about companion errors (issue 15): the toast says what happened and what
// to do as joined sentences; the raw output (ErrorInfo.details) is behind a "Details" button that
// writes it to Alisa's output channel and shows it. Driven through "Push to Talk" with a
// companion that has no microphone, the way the user meets it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter, fake } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import type { ErrorInfo } from '../protocol';
import { DETAILS_BUTTON, detailsOf, errorFromInfo, showWithDetails } from '../extension/error-details';
import { VoiceController } from '../extension/voice/voice-controller';

const RAW =
  'Voice input: default\n- ffmpeg (pulse): ffmpeg exited with 1: default: Connection refused\n- sox: sox exited with 2: no default audio device configured';
const MIC: ErrorInfo = {
  code: 'microphone_unavailable',
  message: 'Alisa could not open the microphone.',
  action: 'Connect a microphone and check that the system sees it, or set the voice input (alisa.voice.input) to a device name',
  details: RAW,
};

class FakeManager {
  connected = true;
  status = { characterId: 1 };
  readonly state = new EventEmitter<{ state: string }>();
  readonly events = new EventEmitter<unknown>();
  readonly onDidChangeState = this.state.event;
  readonly onDidReceiveEvent = this.events.event;
  readonly log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), show: vi.fn() };
  refuse: ErrorInfo | null = MIC;
  async request(method: string): Promise<unknown> {
    await Promise.resolve();
    if (method === 'voice.listen' && this.refuse) throw errorFromInfo(this.refuse);
    if (method === 'voice.listen') return { listening: true };
    if (method === 'character.list') return { characters: [], activeId: 1 };
    throw new Error(`no ${method}`);
  }
}

describe('errors in VS Code notifications', () => {
  let m: FakeManager;
  let voice: VoiceController;

  beforeEach(() => {
    fake.reset();
    m = new FakeManager();
    voice = new VoiceController(m as never);
  });

  it('an error from the companion keeps its code and details, its words joined as sentences', () => {
    const e = errorFromInfo(MIC);
    expect(e.message).toBe(
      'Alisa could not open the microphone. Connect a microphone and check that the system sees it, or set the voice input (alisa.voice.input) to a device name.',
    );
    expect(e.code).toBe('microphone_unavailable');
    expect(detailsOf(e)).toBe(RAW);
    expect(detailsOf(errorFromInfo({ code: 'internal', message: 'x' }))).toBeUndefined();
  });

  it('no microphone: a short warning with a "Details" button; Details shows the raw output in the output channel', async () => {
    fake.answers.push(DETAILS_BUTTON);
    await voice.pushToTalk();
    await vi.waitFor(() => expect(m.log.show).toHaveBeenCalled());
    const d = fake.dialogs.at(-1)!;
    expect(d.kind).toBe('warning');
    expect(d.message).toBe(errorFromInfo(MIC).message);
    expect(d.message).not.toMatch(/exited|\n/);
    expect(d.buttons).toEqual([DETAILS_BUTTON]);
    expect(m.log.info).toHaveBeenCalledWith(expect.stringContaining(RAW));
    expect(m.log.show).toHaveBeenCalledWith(true);
  });

  it('dismissed, nothing is written; an error without details has no Details button', async () => {
    await voice.pushToTalk();
    await vi.waitFor(() => expect(fake.dialogs).toHaveLength(1));
    expect(m.log.info).not.toHaveBeenCalled();
    m.refuse = { code: 'voice_unavailable', message: 'No speech-to-text engine.', action: 'Install pocketsphinx.' };
    await voice.pushToTalk();
    await vi.waitFor(() => expect(fake.dialogs).toHaveLength(2));
    expect(fake.dialogs[1]!.buttons).toEqual([]);
    expect(fake.dialogs[1]!.message).toBe('No speech-to-text engine. Install pocketsphinx.');
  });

  it('other buttons come first and are returned as chosen', async () => {
    const channel = { info: vi.fn(), show: vi.fn() };
    fake.answers.push('Retry');
    expect(await showWithDetails('error', 'It failed.', 'raw', channel, 'Retry', 'Turn Off')).toBe('Retry');
    expect(fake.dialogs.at(-1)!.buttons).toEqual(['Retry', 'Turn Off', DETAILS_BUTTON]);
    expect(channel.info).not.toHaveBeenCalled();
  });
});
