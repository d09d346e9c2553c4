// The vscode-free part of getting Alisa a Piper voice (voice-setup.ts): what the progress
// notification says for each state of the companion's voice download, when the download is over,
// and what the user reads when it failed. Type imports only (no zod at activation).
import { formatBytes } from '../../common/plan-text';
import type { ErrorInfo } from '../../protocol/common';
import type { VoiceDownloadState } from '../../protocol/voice';
import { errorText } from '../../common/sentences';

export const VOICE_SETUP_COMMANDS = {
  download: 'alisa.downloadVoice',
  choose: 'alisa.chooseVoice',
  cancel: 'alisa.cancelVoiceDownload',
} as const;

/** The companion's voice.notice code when built-in Piper has no voice yet. */
export const PIPER_VOICE_MISSING = 'piper_voice_missing';

/** The setting "Choose Voice…" writes (a user setting: it names a file). */
export const PIPER_MODEL_KEY = 'voice.piperModel';

export type DownloadOutcome = { kind: 'done'; path: string | null } | { kind: 'cancelled' } | { kind: 'error'; error: ErrorInfo };

interface ProgressStep {
  message: string;
  /** Percent points to add to the notification's bar (it only grows). */
  increment: number;
}

/**
 * Follows the voice download through `voice.state` events: `step` for each state says what the
 * notification shows, or (once) how it ended. A failure or cancel counts only once this download
 * was seen running (the answer to voice.download is its first state).
 */
export class DownloadFollower {
  private shown = 0;
  private running = false;

  step(state: VoiceDownloadState | null | undefined): { progress: ProgressStep } | { outcome: DownloadOutcome } | null {
    if (!state) return null;
    switch (state.state) {
      case 'downloading':
      case 'unpacking': {
        this.running = true;
        // One bar for both steps (VS Code's bar only grows): the download is 90 %, unpacking the rest.
        const fraction = state.progress ?? 0;
        const overall = state.state === 'downloading' ? fraction * 90 : 90 + fraction * 10;
        const increment = Math.max(0, Math.round(overall) - this.shown);
        this.shown += increment;
        return { progress: { message: progressText(state), increment } };
      }
      case 'done':
        return this.running || state.path ? { outcome: { kind: 'done', path: state.path } } : null;
      case 'cancelled':
        return this.running ? { outcome: { kind: 'cancelled' } } : null;
      case 'error':
        return this.running
          ? { outcome: { kind: 'error', error: state.error ?? { code: 'voice_download_failed', message: 'The voice download failed.' } } }
          : null;
    }
  }

  /** The download ran (the companion accepted it). */
  get started(): boolean {
    return this.running;
  }
}

/** "Downloading Amy (US English, Piper): 42% (27 of 64 MB)" / "Unpacking Amy …: 30%". */
export function progressText(state: VoiceDownloadState): string {
  const pct = state.progress === null ? null : Math.round(state.progress * 100);
  if (state.state === 'unpacking') return `Unpacking ${state.name}${pct === null ? '…' : `: ${pct}%`}`;
  const bytes =
    state.receivedBytes !== null && state.totalBytes
      ? ` (${formatBytes(state.receivedBytes)} of ${formatBytes(state.totalBytes)})`
      : state.receivedBytes
        ? ` (${formatBytes(state.receivedBytes)})`
        : '';
  return `Downloading ${state.name}${pct === null ? '…' : `: ${pct}%`}${bytes}`;
}

/** What the user reads when it failed: the companion's message and what to do. */
export function downloadErrorText(error: ErrorInfo): string {
  return errorText(error);
}
