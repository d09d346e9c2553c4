// Voice controls (issue 6). In the header, next to the screen pill: the mute toggle
// (`.voice-mute`, aria-pressed = muted), which asks the companion with `voice.configure {muted}`.
// In the composer: the mic (`.voice-mic`, aria-pressed = listening). The companion records the
// microphone (webviews cannot), so the mic only sends `voice.listen {start|stop}`: a click
// toggles listening; pressing and holding listens until release (push-to-talk). Whether she
// listens is what `voice.state` says. Above the composer, a small line tells what she heard when
// it was a voice command ("Heard: stop talking"), or that audio needs a click to play.
//
// Both buttons stay hidden until the companion reports a VoiceStatus (an older companion without
// voice answers `voice.status` with an error: no buttons).
//
// Next to the mute toggle, an "online" badge (`.voice-online`) while the voice that speaks (the
// one that spoke last, else the first available) sends her words to a server on another machine
// (EngineState.online: Microsoft Edge's voices), so the user always sees it; hidden when muted.
import type { EngineState, VoiceConfigure, VoiceStatus } from '../../protocol';
import { el, icon } from './dom';
import { ICONS } from './icons';
import { showToggle, toggleOptimistically } from './toggle-button';

interface VoiceViewOptions {
  configure: (params: VoiceConfigure) => Promise<unknown>;
  listen: (action: 'start' | 'stop') => Promise<{ listening: boolean }>;
  /** Muting silences the page at once, before the companion answers. */
  onMuteClicked?: (muted: boolean) => void;
  /** Held at least this long, the mic is push-to-talk (release stops); shorter is a click (toggle). */
  holdMs?: number;
  now?: () => number;
}

/** The online engine that speaks now (or would speak next), or null. */
export function onlineVoice(status: VoiceStatus | null): EngineState | null {
  if (!status || status.muted) return null;
  const id = status.lastEngine ?? status.tts.find((t) => t.available)?.id ?? null;
  const engine = status.tts.find((t) => t.id === id);
  return engine?.online ? engine : null;
}

const ONLINE_NAMES: Record<string, string> = {
  msedge: "Microsoft Edge's online voice service",
  elevenlabs: "ElevenLabs' online voice service",
  fish: "Fish Audio's online voice service",
  'openai-tts': 'an OpenAI-compatible speech server on another machine',
  xtts: 'an XTTS server on another machine',
};

const HOLD_MS = 400;
const HEARD_MS = 8000;

export class VoiceView {
  readonly muteButton: HTMLButtonElement;
  readonly micButton: HTMLButtonElement;
  /** The small line above the composer ("Heard: …", the autoplay hint). */
  readonly line: HTMLElement;
  /** "online" while an online engine is her voice. */
  readonly onlineBadge: HTMLElement;
  private status: VoiceStatus | null = null;
  private listening = false;
  private pressedAt: number | null = null;
  private stopOnRelease = false;
  private readonly now: () => number;
  private lineTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: VoiceViewOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.muteButton = el('button', { type: 'button', class: 'icon-btn voice-mute', 'aria-pressed': 'false', hidden: true });
    this.micButton = el('button', { type: 'button', class: 'icon-btn voice-mic', 'aria-pressed': 'false', hidden: true });
    this.micButton.append(icon(ICONS.mic));
    this.line = el('div', { class: 'voice-line', role: 'status', 'aria-live': 'polite', hidden: true });
    this.onlineBadge = el('span', { class: 'voice-online', text: 'online', hidden: true });
    this.renderMute();
    this.renderMic();

    this.muteButton.addEventListener('click', () => void this.toggleMute());
    // Pointer: press starts, release stops if it was held (push-to-talk) or if it was pressed
    // while listening (a click to stop). Keyboard (Enter/Space) arrives as a click with detail 0.
    this.micButton.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      if (this.listening) {
        this.stopOnRelease = true;
        return;
      }
      this.pressedAt = this.now();
      this.listen('start');
    });
    const release = () => {
      const held = this.pressedAt !== null && this.now() - this.pressedAt >= (this.opts.holdMs ?? HOLD_MS);
      this.pressedAt = null;
      if (held || this.stopOnRelease) {
        this.stopOnRelease = false;
        this.listen('stop');
      }
    };
    this.micButton.addEventListener('pointerup', release);
    this.micButton.addEventListener('pointercancel', release);
    this.micButton.addEventListener('click', (ev) => {
      if (ev.detail !== 0) return; // a pointer click: handled on press and release
      this.listen(this.listening ? 'stop' : 'start');
    });
  }

  private listen(action: 'start' | 'stop'): void {
    this.setListening(action === 'start');
    this.opts.listen(action).then(
      (r) => this.setListening(r.listening),
      () => this.setListening(false),
    );
  }

  get muted(): boolean {
    return this.status?.muted ?? false;
  }

  get isListening(): boolean {
    return this.listening;
  }

  /** The companion's voice status; null when unknown (not connected, or no voice there). */
  setStatus(status: VoiceStatus | null): void {
    this.status = status;
    this.muteButton.hidden = status === null;
    this.micButton.hidden = status === null;
    if (status) this.listening = status.listening;
    else this.listening = false;
    this.renderMute();
    this.renderMic();
  }

  /** What `voice.listen` answered (the companion may refuse: no microphone, no engine). */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.renderMic();
  }

  /** Shows a short line above the composer (replacing the previous one). */
  showLine(text: string, kind: 'heard' | 'hint'): void {
    if (this.lineTimer !== null) clearTimeout(this.lineTimer);
    // "Heard: …" is news for a moment; the hint stays until the user clicks.
    this.lineTimer = kind === 'heard' ? setTimeout(() => this.hideLine('heard'), HEARD_MS) : null;
    this.line.hidden = false;
    this.line.dataset.kind = kind;
    this.line.textContent = text;
  }

  hideLine(kind?: 'heard' | 'hint'): void {
    if (kind && this.line.dataset.kind !== kind) return;
    this.line.hidden = true;
    this.line.textContent = '';
    delete this.line.dataset.kind;
  }

  private async toggleMute(): Promise<void> {
    if (!this.status || this.muteButton.disabled) return;
    const muted = !this.status.muted;
    this.opts.onMuteClicked?.(muted);
    await toggleOptimistically(
      this.muteButton,
      muted,
      (value) => {
        if (this.status) this.status = { ...this.status, muted: value };
        this.renderMute();
      },
      (value) => this.opts.configure({ muted: value }),
    );
  }

  private renderMute(): void {
    const muted = this.muted;
    const label = muted ? "Unmute Alisa's voice" : "Mute Alisa's voice";
    showToggle(this.muteButton, muted, label, muted ? ICONS.speakerMuted : ICONS.speaker);
    this.renderOnline();
  }

  private renderOnline(): void {
    const engine = onlineVoice(this.status);
    this.onlineBadge.hidden = engine === null;
    if (!engine) return;
    const title = `Alisa's voice is ${ONLINE_NAMES[engine.id] ?? `${engine.id}, online`}: what she says is sent there to be spoken (alisa.voice.ttsEngines; "Alisa: Show Network Activity" lists every connection).`;
    this.onlineBadge.title = title;
    this.onlineBadge.setAttribute('aria-label', title);
    this.onlineBadge.dataset.engine = engine.id;
  }

  private renderMic(): void {
    const label = this.listening ? 'Stop listening' : 'Talk to Alisa (click to start and stop, or hold while you speak)';
    this.micButton.setAttribute('aria-pressed', String(this.listening));
    this.micButton.setAttribute('aria-label', label);
    this.micButton.title = label;
    this.micButton.dataset.state = this.listening ? 'listening' : 'idle';
  }
}
