// The voice service's Piper voice download, as a job the user starts and may cancel
// (voice.downloadPlan / voice.download / voice.cancelDownload; split out of voice-service.ts,
// issue 14). At most one runs at a time; its state is part of VoiceStatus, and each change is
// reported through `onChange`, progress at most five times a second (a new step at once, and the
// latest progress always follows). The download itself (network gate, resume, unpacking) is
// voice-download.ts's; nothing here starts one without the user's request.
import type { VoiceDownloadPlan, VoiceDownloadState } from '../../protocol';
import { AlisaError, toAlisaError } from '../errors';
import type { PiperCatalogVoice } from './tts/piper-voice';
import { downloadVoice, voiceDownloadPlan, type VoiceDownloadTimeouts } from './voice-download';

interface VoiceDownloadJobOptions {
  /** DATA/voices (null without a data folder: no downloads). */
  voicesDir: string | null;
  /** The voice it fetches. */
  catalogVoice: PiperCatalogVoice;
  timeouts?: Partial<VoiceDownloadTimeouts>;
  log: (line: string) => void;
  /** The state changed (VoiceStatus is worth sending again). */
  onChange: () => void;
  /** The voice was installed: Piper can speak now. */
  onInstalled: () => void;
}

export class VoiceDownloadJob {
  private download: { state: VoiceDownloadState; controller: AbortController | null } | null = null;
  private lastDownloadEmit = 0;
  private downloadTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: VoiceDownloadJobOptions) {}

  /** The latest state (a copy), or null when no download was started. */
  get state(): VoiceDownloadState | null {
    return this.download ? { ...this.download.state } : null;
  }

  /** True while a download runs. */
  get running(): boolean {
    return !!this.download?.controller;
  }

  private requireVoicesDir(): string {
    if (!this.opts.voicesDir)
      throw new AlisaError('voice_download_failed', 'Alisa has no data folder to keep a downloaded voice in.', 'Start the companion with --data DIR.');
    return this.opts.voicesDir;
  }

  /** voice.downloadPlan: size, free disk, where it goes. No network. */
  plan(): VoiceDownloadPlan {
    return voiceDownloadPlan(this.requireVoicesDir(), this.opts.catalogVoice);
  }

  /**
   * voice.download: starts downloading the voice in the background (or answers the one running).
   * Progress and the outcome come as `voice.state` events; when it is installed, Piper speaks.
   */
  start(): VoiceDownloadState {
    const dir = this.requireVoicesDir();
    if (this.download?.controller) return { ...this.download.state };
    const controller = new AbortController();
    const voice = this.opts.catalogVoice;
    const dl: { state: VoiceDownloadState; controller: AbortController | null } = {
      state: { state: 'downloading', voice: voice.id, name: voice.name, progress: null, receivedBytes: null, totalBytes: null, path: null, error: null },
      controller,
    };
    this.download = dl;
    this.opts.log(`voice: downloading the Piper voice ${voice.id} (asked for by the user)`);
    void downloadVoice({
      voicesDir: dir,
      voice,
      signal: controller.signal,
      timeouts: this.opts.timeouts,
      onState: (s) => {
        const step = s.state !== dl.state.state;
        dl.state = s;
        // Progress at most five times a second (the latest one always follows); a new step at once.
        const wait = 200 - (Date.now() - this.lastDownloadEmit);
        if (!step && wait > 0) {
          this.downloadTimer ??= setTimeout(() => {
            this.downloadTimer = null;
            this.lastDownloadEmit = Date.now();
            this.opts.onChange();
          }, wait);
          return;
        }
        this.lastDownloadEmit = Date.now();
        this.opts.onChange();
      },
    })
      .then(
        (installed) => {
          this.opts.log(`voice: the Piper voice ${voice.id} is installed in ${installed}`);
          this.opts.onInstalled();
        },
        (err) => this.opts.log(`voice: voice download: ${toAlisaError(err).message}`),
      )
      .finally(() => {
        dl.controller = null;
        this.opts.onChange();
      });
    this.opts.onChange();
    return { ...dl.state };
  }

  /** voice.cancelDownload: stops it; what arrived is kept and resumes next time. */
  cancel(): { cancelled: boolean } {
    const controller = this.download?.controller;
    if (!controller) return { cancelled: false };
    controller.abort(new AlisaError('cancelled', 'The voice download was cancelled.'));
    return { cancelled: true };
  }

  /** Cancels a running download and its pending progress report. */
  dispose(): void {
    this.cancel();
    if (this.downloadTimer) clearTimeout(this.downloadTimer);
  }
}
