// Getting Alisa her local voice (Piper) in VS Code, like the model (model-setup.ts):
//   - "Alisa: Download Voice": the size, free disk space and where it goes first (a modal), then
//     the companion downloads it (`voice.download`, through the network gate), followed in a
//     notification with progress and Cancel (`voice.cancelDownload`; what arrived is kept and
//     resumes next time). Offline, the companion's message says so, with "Choose Voice…".
//   - "Alisa: Choose Voice…": a voice folder (vits-piper-*) or its .onnx file into
//     alisa.voice.piperModel (a user setting); the companion restarts with it.
//   - The first time Piper has no voice when she speaks (voice.notice piper_voice_missing), an
//     offer to download it or choose one: never a silent download. Meanwhile espeak-ng speaks.
import * as vscode from 'vscode';
import type { VoiceDownloadPlan, VoiceDownloadState } from '../../protocol/voice';
import { formatBytes } from '../../common/plan-text';
import { describeVoicePlan, voiceLacksDisk } from '../../common/voice-plan-text';
import type { CompanionManager } from '../companion-manager';
import { SECTION } from '../settings';
import { DownloadFollower, downloadErrorText, PIPER_MODEL_KEY, PIPER_VOICE_MISSING, VOICE_SETUP_COMMANDS, type DownloadOutcome } from './voice-setup-logic';

const DOWNLOAD = 'Download Voice';
const CHOOSE = 'Choose Voice…';
const RETRY = 'Retry';
const NOT_NOW = 'Not Now';

export class VoiceSetup implements vscode.Disposable {
  private downloading = false;
  private offered = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.disposables.push(
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'voice.notice' && e.code === PIPER_VOICE_MISSING && !this.offered && !this.downloading) {
          this.offered = true; // once per VS Code session
          void this.offer(e.message);
        }
      }),
      vscode.commands.registerCommand(VOICE_SETUP_COMMANDS.download, () => this.download()),
      vscode.commands.registerCommand(VOICE_SETUP_COMMANDS.choose, () => this.choose()),
      vscode.commands.registerCommand(VOICE_SETUP_COMMANDS.cancel, () => this.cancel()),
    );
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Piper has no voice: ask (she speaks with espeak-ng meanwhile). */
  private async offer(message: string): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      `${message} Download her voice (about 64 MB, once; it runs on this machine), or choose a Piper voice you have?`,
      DOWNLOAD,
      CHOOSE,
      NOT_NOW,
    );
    if (choice === DOWNLOAD) await this.download();
    else if (choice === CHOOSE) await this.choose();
  }

  /** "Alisa: Download Voice": tell the size and disk first, then download with a cancellable notification. */
  async download(): Promise<void> {
    if (this.downloading) {
      void vscode.window.showInformationMessage("Alisa's voice is already downloading; see its notification.");
      return;
    }
    let plan: VoiceDownloadPlan;
    try {
      plan = await this.manager.request('voice.downloadPlan', {});
    } catch (err) {
      void vscode.window.showErrorMessage(`Alisa cannot download a voice now: ${(err as Error).message}`);
      return;
    }
    if (plan.installed) {
      void vscode.window.showInformationMessage(`The voice ${plan.name} is already installed (${plan.dir}).`);
      return;
    }
    if (voiceLacksDisk(plan)) {
      const choice = await vscode.window.showErrorMessage(
        `Not enough disk space for the voice ${plan.name}: it needs about ${formatBytes(plan.sizeBytes + plan.unpackedBytes - plan.partialBytes)}, ${formatBytes(plan.freeDiskBytes!)} is free.`,
        { modal: true, detail: 'Free some space (or set alisa.dataFolder to another disk), or choose a voice you already have.' },
        CHOOSE,
      );
      if (choice === CHOOSE) await this.choose();
      return;
    }
    const choice = await vscode.window.showWarningMessage(
      `Download Alisa's voice ${plan.name} (about ${formatBytes(plan.sizeBytes)})?`,
      {
        modal: true,
        detail: `${describeVoicePlan(plan)} It resumes if interrupted, and you can cancel it. Once installed, her voice is made on this machine: what she says never leaves it.`,
      },
      DOWNLOAD,
      CHOOSE,
    );
    if (choice === CHOOSE) return this.choose();
    if (choice !== DOWNLOAD) return;
    this.downloading = true;
    try {
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Alisa: getting her voice', cancellable: true },
        (progress, token) => this.follow(progress, token),
      );
      await this.report(outcome);
    } finally {
      this.downloading = false;
    }
  }

  /** "Alisa: Cancel Voice Download". */
  async cancel(): Promise<void> {
    try {
      const { cancelled } = await this.manager.request('voice.cancelDownload', {});
      if (!cancelled) void vscode.window.showInformationMessage('No voice download is in progress.');
    } catch (err) {
      void vscode.window.showErrorMessage((err as Error).message);
    }
  }

  /** "Alisa: Choose Voice…": a voice folder or .onnx file into alisa.voice.piperModel; the companion restarts. */
  async choose(): Promise<void> {
    let folders = true;
    if (process.platform !== 'darwin') {
      // Other systems' dialogs pick files or folders, not both.
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'A voice folder', description: 'vits-piper-…: the .onnx, tokens.txt and espeak-ng-data/', folders: true },
          { label: 'A voice .onnx file', description: 'in such a folder, or a Piper voice for the piper program (with its .onnx.json)', folders: false },
        ],
        { title: 'Choose a Piper voice for Alisa' },
      );
      if (!pick) return;
      folders = pick.folders;
    }
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: !folders || process.platform === 'darwin',
      canSelectFolders: folders,
      canSelectMany: false,
      ...(folders && process.platform !== 'darwin' ? {} : { filters: { 'Piper voice': ['onnx'] } }),
      openLabel: 'Use This Voice',
      title: 'Choose a Piper voice for Alisa',
    });
    const uri = picked?.[0];
    if (!uri) return;
    const config = vscode.workspace.getConfiguration(SECTION);
    // A user setting: it names a file the companion loads (never a workspace's value).
    await config.update(PIPER_MODEL_KEY, uri.fsPath, vscode.ConfigurationTarget.Global);
    await this.manager.applySettings();
    void vscode.window.showInformationMessage(
      `Alisa speaks with the Piper voice ${uri.fsPath} now (if it cannot be loaded, the voice status says why and espeak-ng speaks).`,
    );
  }

  /** Starts the download and follows `voice.state` until it is over. */
  private follow(progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<DownloadOutcome> {
    return new Promise<DownloadOutcome>((resolve) => {
      const follower = new DownloadFollower();
      const disposables: vscode.Disposable[] = [];
      let finished = false;
      const finish = (outcome: DownloadOutcome) => {
        if (finished) return;
        finished = true;
        for (const d of disposables.splice(0)) d.dispose();
        resolve(outcome);
      };
      const onState = (state: VoiceDownloadState | null | undefined) => {
        if (finished) return;
        const step = follower.step(state);
        if (!step) return;
        if ('progress' in step) progress.report(step.progress);
        else finish(step.outcome);
      };
      // voice.state carries the last download's state too: only what comes after the companion
      // answered voice.download (it answers once the new download has replaced the old) is news.
      let answered = false;
      disposables.push(
        this.manager.onDidReceiveEvent((e) => {
          if (e.type === 'voice.state' && answered) onState(e.status.voiceDownload);
        }),
        this.manager.onDidChangeState((s) => {
          if (s.state === 'failed' || s.state === 'stopped')
            finish({
              kind: 'error',
              error: s.error ?? {
                code: 'internal',
                message: s.message ?? 'Alisa stopped during the download; run "Alisa: Download Voice" again to resume it.',
              },
            });
        }),
        token.onCancellationRequested(() => {
          void this.manager.request('voice.cancelDownload', {}).catch(() => {});
          // The companion answers with a 'cancelled' state; do not leave the user waiting for it.
          setTimeout(() => finish({ kind: 'cancelled' }), 3000);
        }),
      );
      progress.report({ message: 'Starting…' });
      this.manager.request('voice.download', {}).then(
        (state) => {
          answered = true;
          onState(state);
        },
        (err: Error) => finish({ kind: 'error', error: { code: 'internal', message: err.message } }),
      );
    });
  }

  private async report(outcome: DownloadOutcome): Promise<void> {
    if (outcome.kind === 'done') {
      void vscode.window.showInformationMessage(
        `Alisa's voice is installed${outcome.path ? ` (${outcome.path})` : ''}: she speaks with Piper from her next sentence, all on this machine.`,
      );
      return;
    }
    if (outcome.kind === 'cancelled') {
      void vscode.window.showInformationMessage('The voice download was cancelled. Run "Alisa: Download Voice" again to resume it.');
      return;
    }
    const choice = await vscode.window.showErrorMessage(downloadErrorText(outcome.error), CHOOSE, RETRY);
    if (choice === CHOOSE) await this.choose();
    else if (choice === RETRY) await this.download();
  }
}
