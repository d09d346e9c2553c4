// Getting Alisa a language model: choosing a GGUF file, downloading the recommended one with a
// cancellable progress notification, and the first-run prompt that offers both.
import * as vscode from 'vscode';
import type { DownloadPlan, ErrorInfo, ModelState, Status } from '../protocol/common';
import { isRemoteModel } from '../common/model-uri';
import { describePlan, formatBytes, lacksDisk } from '../common/plan-text';
import { RECOMMENDED_MODEL } from './companion-args';
import type { CompanionManager } from './companion-manager';
import { downloadFailedMessage } from './download-messages';
import { SECTION, settingTarget } from './settings';
import { errorText } from '../common/sentences';
import { showWithDetails } from './error-details';

const MODEL_PATH_KEY = 'model.path';
const CHOOSE_FILE = 'Choose File…';
const DOWNLOAD = 'Download';
/** How long a download may show no news at all before the notification gives up waiting. */
const SILENT_ERROR_MS = 15_000;

type DownloadOutcome = { kind: 'ready' } | { kind: 'cancelled' } | { kind: 'error'; error: ErrorInfo };

export class ModelSetup implements vscode.Disposable {
  private downloading = false;
  private firstRunShown = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    // First-run guided path: once per session, when Alisa is up but has nothing to think with.
    this.disposables.push(
      manager.onDidChangeState((s) => {
        if (s.state === 'ready' && !manager.modelConfigured && !this.firstRunShown) {
          this.firstRunShown = true;
          void this.offerModel();
        }
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  async offerModel(): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      'Alisa needs a language model: choose a GGUF file you have, or download the recommended one (~2 GB; you see the disk and RAM it needs before it starts).',
      CHOOSE_FILE,
      DOWNLOAD,
    );
    if (choice === CHOOSE_FILE) await this.chooseModelFile();
    if (choice === DOWNLOAD) await this.downloadRecommendedModel();
  }

  /** Open dialog for *.gguf; the choice goes into alisa.model.path and the companion restarts. */
  async chooseModelFile(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      filters: { 'GGUF models': ['gguf'] },
      openLabel: 'Use This Model',
      title: 'Choose a GGUF model for Alisa',
    });
    const file = picked?.[0];
    if (!file) return;
    await this.saveModelPath(file.fsPath);
    // Restart now rather than after the settings debounce; the companion loads the file at start.
    await this.manager.applySettings();
  }

  /**
   * Asks first (size, free disk, RAM), then configures the model (the configured hf:/https: one,
   * else the recommended one), restarts, and follows the download in a notification.
   */
  async downloadRecommendedModel(): Promise<void> {
    if (this.downloading) {
      void vscode.window.showInformationMessage('The model is already downloading; see its notification.');
      return;
    }
    const configured = vscode.workspace.getConfiguration(SECTION).get<string>(MODEL_PATH_KEY, '').trim();
    const uri = isRemoteModel(configured) ? configured : RECOMMENDED_MODEL;
    if (!(await this.confirmDownload(uri))) return;
    this.downloading = true;
    try {
      await this.saveModelPath(uri);
      await this.manager.applySettings();
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Alisa: getting the language model', cancellable: true },
        (progress, token) => this.followLoad(progress, token),
      );
      await this.report(outcome);
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not start the model download: ${(err as Error).message}`);
    } finally {
      this.downloading = false;
    }
  }

  /** The user's yes to a download, told its size, the free disk space and the RAM it needs. */
  private async confirmDownload(uri: string): Promise<boolean> {
    let plan: DownloadPlan | null = null;
    try {
      plan = await this.manager.request('model.downloadPlan', { uri });
    } catch {
      // The companion is not up: ask without the figures rather than not at all.
    }
    if (plan && lacksDisk(plan)) {
      const choice = await vscode.window.showErrorMessage(
        `Not enough disk space for ${plan.name}: it takes ${formatBytes(plan.sizeBytes!)}, ${formatBytes(plan.freeDiskBytes!)} is free.`,
        { modal: true, detail: 'Free some space (or set alisa.dataFolder to another disk), or choose a GGUF file you already have.' },
        CHOOSE_FILE,
      );
      if (choice === CHOOSE_FILE) await this.chooseModelFile();
      return false;
    }
    const detail = plan ? describePlan(plan) : `Downloading ${uri} may take several GB of disk space and RAM.`;
    const choice = await vscode.window.showWarningMessage(
      `Download ${plan?.name ?? uri}${plan?.sizeBytes ? ` (${formatBytes(plan.sizeBytes)})` : ''}?`,
      { modal: true, detail: `${detail} It resumes if interrupted, and you can cancel it.` },
      DOWNLOAD,
      CHOOSE_FILE,
    );
    if (choice === CHOOSE_FILE) await this.chooseModelFile();
    return choice === DOWNLOAD;
  }

  async cancelDownload(): Promise<void> {
    try {
      const { cancelled } = await this.manager.request('model.cancelLoad', {});
      if (!cancelled) void vscode.window.showInformationMessage('No model download or load is in progress.');
    } catch (err) {
      void vscode.window.showErrorMessage((err as Error).message);
    }
  }

  // ------------------------------------------------------------------ internals

  /** Writes where it takes effect: a workspace value would hide a global one. */
  private async saveModelPath(value: string): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const target = settingTarget(config, MODEL_PATH_KEY);
    if (config.get<string>(MODEL_PATH_KEY) !== value) await config.update(MODEL_PATH_KEY, value, target);
  }

  /** Calls model.load and reports the embedded model's state from `status` events until it settles. */
  private followLoad(progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<DownloadOutcome> {
    return new Promise<DownloadOutcome>((resolve) => {
      let reported = 0;
      // The state from before this load (say an earlier failure) is not news: errors count only
      // after this attempt has shown progress, or when nothing happens for a while.
      let moving = false;
      const disposables: vscode.Disposable[] = [];
      const finish = (outcome: DownloadOutcome) => {
        clearTimeout(silence);
        for (const d of disposables.splice(0)) d.dispose();
        resolve(outcome);
      };
      const silence = setTimeout(() => {
        const model = embedded(this.manager.status);
        if (model?.state === 'error' && model.error) finish({ kind: 'error', error: model.error });
      }, SILENT_ERROR_MS);

      const onModel = (model: ModelState | null) => {
        if (!model) return;
        switch (model.state) {
          case 'downloading': {
            moving = true;
            const percent = Math.round((model.progress ?? 0) * 100);
            progress.report({ message: `Downloading ${model.model ?? 'the model'}: ${percent}%`, increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
            return;
          }
          case 'loading':
            moving = true;
            progress.report({ message: `Loading ${model.model ?? 'the model'}…` });
            return;
          case 'ready':
            finish({ kind: 'ready' });
            return;
          case 'none':
            if (model.error?.code === 'cancelled') finish({ kind: 'cancelled' });
            return;
          case 'error':
            if (moving && model.error) finish({ kind: 'error', error: model.error });
            return;
        }
      };

      disposables.push(
        this.manager.onDidReceiveEvent((e) => {
          if (e.type === 'status') onModel(embedded(e.status));
        }),
        this.manager.onDidChangeState((s) => {
          if (s.state === 'failed' || s.state === 'stopped')
            finish({ kind: 'error', error: s.error ?? { code: 'internal', message: s.message ?? 'Alisa stopped.' } });
        }),
        token.onCancellationRequested(() => {
          void this.manager.request('model.cancelLoad', {}).catch(() => {});
          // The companion answers with a 'none' + cancelled state; do not leave the user waiting for it.
          setTimeout(() => finish({ kind: 'cancelled' }), 3000);
        }),
      );
      progress.report({ message: 'Starting…' });
      this.manager.request('model.load', {}).then(
        ({ model }) => {
          if (model.state === 'ready') finish({ kind: 'ready' });
        },
        (err: Error) => finish({ kind: 'error', error: { code: 'internal', message: err.message } }),
      );
    });
  }

  private async report(outcome: DownloadOutcome): Promise<void> {
    if (outcome.kind === 'ready') {
      void vscode.window.showInformationMessage("Alisa's language model is ready.");
      return;
    }
    if (outcome.kind === 'cancelled') {
      void vscode.window.showInformationMessage('The model download was cancelled. Run "Alisa: Download Recommended Model" again to resume it.');
      return;
    }
    const { error } = outcome;
    const text = error.code === 'model_download_failed' ? downloadFailedMessage(error.message) : errorText(error);
    const choice = await showWithDetails('error', text, error.details, this.manager.log, CHOOSE_FILE);
    if (choice === CHOOSE_FILE) await this.chooseModelFile();
  }
}

/** The embedded model's state (the download concerns it, whatever provider answers chat now). */
function embedded(status: Status | null): ModelState | null {
  if (!status) return null;
  return status.providers.find((p) => p.provider === 'embedded') ?? status.model;
}
