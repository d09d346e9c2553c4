// @vitest-environment happy-dom
// The network gate in the panel: in a browser, the companion's question (`network.ask`) is a card
// with Allow once / Always allow / Block answered with `network.decide` (VS Code asks with a modal,
// so its panel shows none); a question answered elsewhere goes away; a question asked before the
// page connected is shown too. And the "online" badge next to the mute toggle while an online
// engine is her voice. Driven the way the hosts drive the page.
import { describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { NetworkAskInfo, NetworkStatus, VoiceStatus } from '../protocol';
import { onlineVoice } from '../webview/ui/voice-view';
import { computeBanners } from '../webview/status/status-banners';
import type { AudioOutput } from '../webview/audio/audio-output';
import { FakeHost as SharedFakeHost, type Answers, READY_STATUS } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, settle as settleTurns } from './helpers/panel';
import { hostState, NO_CHATS, readyAnswers, voiceStatus } from './helpers/webview-fixtures';

const edgeVoice: VoiceStatus = voiceStatus({
  tts: [
    { id: 'msedge', available: true, reason: null, online: true },
    { id: 'espeak', available: true, reason: null, online: false },
  ],
});
const question: NetworkAskInfo = {
  id: 'q1',
  host: 'huggingface.co',
  port: 443,
  feature: 'model-download',
  purpose: 'download the language model hf:x',
  expiresAt: 0,
};

class FakeHost extends SharedFakeHost {
  pending: NetworkAskInfo[] = [];
  voice: VoiceStatus = edgeVoice;
  constructor(kind: 'vscode' | 'browser') {
    super(kind);
  }
  override answers: Answers = {
    ...readyAnswers(),
    ...NO_CHATS,
    'voice.status': () => this.voice,
    'network.status': (): NetworkStatus => ({ mode: 'ask', allowedHosts: [], sessionAllowed: [], sessionBlocked: [], pending: this.pending }),
    'network.decide': () => ({ applied: true }),
  };
  override setState(): void {}
}

/** No speech is played in these tests: an output that has none. */
const silent: AudioOutput = {
  now: () => 0,
  state: () => 'unavailable',
  resume: async () => {},
  decode: async () => {
    throw new Error('no audio in this test');
  },
  play: () => {
    throw new Error('no audio in this test');
  },
};

const settle = () => settleTurns(8);

let host: FakeHost;
async function startApp(kind: 'vscode' | 'browser', pending: NetworkAskInfo[] = []): Promise<void> {
  host = new FakeHost(kind);
  host.pending = pending;
  await openPanel(host, { audio: silent }, 8);
}

const cards = () => [...document.querySelectorAll<HTMLElement>('.network-ask')];
const badge = () => document.querySelector<HTMLElement>('.app-header .voice-online')!;

clearBodyAfterEach();

describe('the network question in the panel', () => {
  it('in a browser: a card per host; "Always allow" answers every question for that host, then goes', async () => {
    await startApp('browser');
    host.emit({ type: 'network.ask', ...question });
    host.emit({ type: 'network.ask', ...question, id: 'q2' });
    await settle();
    expect(cards()).toHaveLength(1);
    expect(cards()[0]!.querySelector('.network-ask-text')!.textContent).toBe('Alisa wants to connect to huggingface.co to download the language model hf:x.');
    expect([...cards()[0]!.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Allow once', 'Always allow', 'Block']);
    cards()[0]!.querySelector<HTMLButtonElement>('[data-choice="always"]')!.click();
    await settle();
    expect(host.requests('network.decide').map((r) => r.params)).toEqual([
      { id: 'q1', allow: true, remember: true },
      { id: 'q2', allow: true, remember: true },
    ]);
    expect(cards()).toHaveLength(0);
  });

  it('"Block" answers no; a question answered elsewhere goes away unanswered', async () => {
    await startApp('browser');
    host.emit({ type: 'network.ask', ...question });
    host.emit({ type: 'network.ask', ...question, id: 'e1', host: 'example.org' });
    await settle();
    expect(cards()).toHaveLength(2);
    host.emit({ type: 'network.askDone', id: 'e1', allow: true });
    await settle();
    expect(cards().map((c) => c.dataset.host)).toEqual(['huggingface.co']);
    cards()[0]!.querySelector<HTMLButtonElement>('[data-choice="block"]')!.click();
    await settle();
    expect(host.requests('network.decide').map((r) => r.params)).toEqual([{ id: 'q1', allow: false, remember: false }]);
  });

  it('a question asked before the page connected is shown', async () => {
    await startApp('browser', [question]);
    expect(cards().map((c) => c.dataset.host)).toEqual(['huggingface.co']);
  });

  it('in VS Code the extension asks (a modal): no card', async () => {
    await startApp('vscode', [question]);
    host.emit({ type: 'network.ask', ...question });
    await settle();
    expect(cards()).toHaveLength(0);
    expect(host.requests('network.status')).toHaveLength(0);
  });
});

describe('the "online" badge', () => {
  it('shows while an online engine is her voice, and not when muted or a local voice speaks', async () => {
    await startApp('vscode');
    expect(badge().hidden).toBe(false);
    expect(badge().textContent).toBe('online');
    expect(badge().title).toMatch(/Microsoft Edge's online voice service: what she says is sent there/);
    host.emit({ type: 'voice.state', status: { ...edgeVoice, lastEngine: 'espeak' } });
    await settle();
    expect(badge().hidden).toBe(true);
    host.emit({ type: 'voice.state', status: { ...edgeVoice, lastEngine: 'msedge' } });
    await settle();
    expect(badge().hidden).toBe(false);
    host.emit({ type: 'voice.state', status: { ...edgeVoice, muted: true } });
    await settle();
    expect(badge().hidden).toBe(true);
  });

  it('follows the engine that would speak: Edge cooling down (blocked offline) means the local voice', () => {
    expect(onlineVoice({ ...edgeVoice, tts: [{ id: 'msedge', available: false, reason: 'blocked', online: true }, edgeVoice.tts[1]!] })).toBeNull();
    expect(onlineVoice(edgeVoice)?.id).toBe('msedge');
    expect(onlineVoice(null)).toBeNull();
  });
});

describe('a blocked download in the model banner', () => {
  it('says the gate did not connect, with what to do: a file, the setting, or try again', () => {
    const error = {
      code: 'network_blocked' as const,
      message: 'Alisa works offline (alisa.network is "offline"), so she did not connect to huggingface.co to download the language model hf:x.',
      action: 'To allow it, set alisa.network to "ask" or "allowed".',
    };
    const banners = computeBanners(hostState({ actions: ['chooseModelFile', 'openSettings', 'downloadModel', 'showLogs'] }), {
      ...READY_STATUS,
      model: { provider: 'embedded', state: 'error', model: 'x', progress: null, error },
    });
    const model = banners.find((b) => b.id === 'model')!;
    expect(model).toMatchObject({
      kind: 'error',
      title: 'Alisa did not connect to another machine (alisa.network)',
      detail: `${error.message} ${error.action}`,
    });
    expect(model.actions.map((a) => [a.action, a.label])).toEqual([
      ['chooseModelFile', expect.any(String)],
      ['openSettings', 'Settings'],
      ['downloadModel', 'Try again'],
    ]);
  });
});
