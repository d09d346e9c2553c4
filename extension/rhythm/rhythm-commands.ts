// What Alisa learns about the user's rhythm (issue 7), inspectable and clearable from the editor:
// "What Have You Learned About Me?" asks the companion (`rhythm.summary`) and shows its words in
// a dialog with "Forget It All"; "Forget What You Learned About Me" asks for confirmation first,
// then `rhythm.clear`. In both dialogs the first button (the default, what Enter picks) keeps
// everything: forgetting is never one keystroke away. The companion keeps the data (on this machine); the extension only shows it.
import * as vscode from 'vscode';
import type { CompanionManager } from '../companion-manager';
import { RHYTHM_COMMANDS, rhythmSummaryDetail } from './rhythm-logic';

export const SUMMARY_TITLE = 'What Alisa has learned about you';
export const FORGET_BUTTON = 'Forget It All';
export const CONFIRM_BUTTON = 'Forget';
/** The non-destructive first button of both dialogs (a modal's first item is its default). */
export const KEEP_BUTTON = 'Keep It';

type Manager = Pick<CompanionManager, 'connected' | 'request' | 'log'>;

export class RhythmCommands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly manager: Manager) {
    this.disposables = [
      vscode.commands.registerCommand(RHYTHM_COMMANDS.show, () => this.show()),
      vscode.commands.registerCommand(RHYTHM_COMMANDS.clear, () => this.clear()),
    ];
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** "What Have You Learned About Me?": her summary in plain words, with a way to forget it. */
  async show(): Promise<void> {
    if (!this.running()) return;
    let detail: string;
    let samples: number;
    try {
      const summary = await this.manager.request('rhythm.summary', {});
      detail = rhythmSummaryDetail(summary);
      samples = summary.samples;
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa cannot tell what she has learned: ${(err as Error).message}`);
      return;
    }
    const buttons = samples > 0 ? [KEEP_BUTTON, FORGET_BUTTON] : [];
    const choice = await vscode.window.showInformationMessage(SUMMARY_TITLE, { modal: true, detail }, ...buttons);
    // The user has just read what would be forgotten: no second question.
    if (choice === FORGET_BUTTON) await this.forget();
  }

  /** "Forget What You Learned About Me": only after the user confirms. */
  async clear(): Promise<void> {
    if (!this.running()) return;
    const choice = await vscode.window.showWarningMessage(
      'Forget what Alisa has learned about you?',
      {
        modal: true,
        detail:
          'Your busy and quiet hours, what usually follows what, and when her remarks were welcome are deleted. This cannot be undone; she starts learning again from now.',
      },
      KEEP_BUTTON,
      CONFIRM_BUTTON,
    );
    if (choice !== CONFIRM_BUTTON) return;
    await this.forget();
  }

  private async forget(): Promise<void> {
    try {
      await this.manager.request('rhythm.clear', {});
      vscode.window.setStatusBarMessage('$(check) Alisa has forgotten what she learned about you', 3000);
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa could not forget: ${(err as Error).message}`);
    }
  }

  private running(): boolean {
    if (this.manager.connected) return true;
    void vscode.window.showInformationMessage('Alisa is not running yet. Try again when she is.');
    return false;
  }
}
