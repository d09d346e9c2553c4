// Her voice in the panel (issue 14 moved it out of app.ts): the player that speaks the
// companion's audio (SpeechPlayer), its controls (VoiceView: mute, mic, the hint line), the
// autoplay unlock on the first touch of the page, barge-in (the user speaks, sends or mutes: she
// stops), and voice notices (each shown once). Every step runs through `step`, so a broken audio
// path only loses her voice: the chat goes on. The avatar's mouth moves while either the text
// or the audio says she is speaking.
import type { HostToWebview, VoiceStatus } from '../../protocol';
import { WebAudioOutput, type AudioOutput } from '../audio/audio-output';
import { SpeechPlayer } from '../audio/speech-player';
import type { AvatarRenderer } from '../avatar/avatar-renderer';
import { request, type Host } from '../host/host';
import type { BannerView } from './banner-view';
import { VoiceView } from './voice-view';

const AUTOPLAY_HINT = "Click anywhere in Alisa's panel to let her voice play.";
const NO_AUDIO_HINT = "Alisa's voice cannot play here (no audio output); her replies stay in text.";

interface VoiceControllerDeps {
  host: Host;
  doc: Document;
  avatar: AvatarRenderer;
  banners: BannerView;
  /** Where speech plays (default: Web Audio). */
  audio?: AudioOutput;
  /** Runs a request for a user action (a failure is shown as a notice). */
  call: (p: Promise<unknown>) => void;
}

export class VoiceController {
  readonly speech: SpeechPlayer;
  readonly view: VoiceView;
  /** Notices already shown (`voice.notice` comes once per cause; a reload must not repeat it). */
  private readonly voiceNotices = new Set<string>();
  private textSpeaking = false;
  private audioSpeaking = false;
  private readonly host: Host;
  private readonly avatar: AvatarRenderer;
  private readonly banners: BannerView;

  constructor(deps: VoiceControllerDeps) {
    const { host, doc } = deps;
    this.host = host;
    this.avatar = deps.avatar;
    this.banners = deps.banners;
    const win = doc.defaultView ?? window;
    this.speech = new SpeechPlayer({
      output: deps.audio ?? new WebAudioOutput(win),
      onLevel: (level) => this.avatar.setAudioLevel(level),
      onActive: (active) => this.avatar.setVoice(active),
      onSpeaking: (speaking) => {
        this.audioSpeaking = speaking;
        this.avatar.setSpeaking(this.textSpeaking || this.audioSpeaking);
      },
      onBlocked: (why) => this.view.showLine(why === 'autoplay' ? AUTOPLAY_HINT : NO_AUDIO_HINT, 'hint'),
    });
    this.view = new VoiceView({
      configure: (params) => {
        const call = request(host, 'voice.configure', params).then((s) => this.setStatus(s));
        deps.call(call);
        return call;
      },
      listen: (action) => {
        // The user starts to talk: she stops.
        if (action === 'start') this.bargeIn();
        const call = request(host, 'voice.listen', { action });
        deps.call(call);
        return call;
      },
      onMuteClicked: (muted) => {
        if (muted) this.bargeIn();
      },
    });
  }

  /** The autoplay rule: audio may start only after the user has touched the page. */
  listenForUnlock(doc: Document): void {
    const unlock = () =>
      this.step(() => {
        this.speech.unlock();
        this.view.hideLine('hint');
      });
    doc.addEventListener('pointerdown', unlock, true);
    doc.addEventListener('keydown', unlock, true);
  }

  /** Whether the text (a reply streaming) says she is speaking. */
  setTextSpeaking(speaking: boolean): void {
    this.textSpeaking = speaking;
    this.avatar.setSpeaking(this.textSpeaking || this.audioSpeaking);
  }

  /** Silences her now (the user speaks, sends or mutes): here at once, and in the companion. */
  bargeIn(): void {
    this.step(() => {
      if (!this.speech.active) return;
      this.speech.stop();
      request(this.host, 'voice.stop', {}).catch(() => {});
    });
  }

  setStatus(status: VoiceStatus | null): void {
    this.step(() => this.view.setStatus(status));
    this.step(() => this.speech.setMuted(status?.muted ?? false));
  }

  /** A `voice.notice`: shown once per message (in VS Code a missing Piper voice is the extension's to offer). */
  notice(m: Extract<HostToWebview, { type: 'voice.notice' }>): void {
    // Piper has no voice yet: in VS Code the extension offers the download (a notification); the browser shows it here.
    if (m.code === 'piper_voice_missing' && this.host.kind === 'vscode') return;
    if (this.voiceNotices.has(m.message)) return;
    this.voiceNotices.add(m.message);
    this.banners.notify(
      { code: 'voice_unavailable', message: m.message, ...(m.action ? { action: m.action } : {}), ...(m.details ? { details: m.details } : {}) },
      'Voice',
    );
  }

  /** Runs a step of her voice (playback, its controls): a broken audio path must never block chatting. */
  step(step: () => void): void {
    try {
      step();
    } catch (err) {
      console.warn('Alisa: her voice failed here (the chat goes on without it)', err);
    }
  }
}
