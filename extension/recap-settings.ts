// Returning after a break (issue 17), the editor's settings: alisa.memory.recapAfterBreak
// (ask / on / off), alisa.memory.breakMinutes and the privacy globs go to the companion as
// `recap.configure` on every connection and every change. The panel's one-time question
// ("Recap what you were doing when you come back?") answers with `recap.consent`; the chat view
// hands the answer here (saveRecapConsent), where it becomes the user's setting, so it is asked
// once and can be changed in Settings like any other.
import * as vscode from 'vscode';
import type { RecapMode } from '../protocol/recap';
import { readExcludeGlobs } from './awareness/workspace-privacy';
import type { CompanionManager } from './companion-manager';

const SECTION = 'alisa.memory';
const MODE_KEY = 'recapAfterBreak';
const BREAK_KEY = 'breakMinutes';
const DEFAULT_BREAK_MINUTES = 30;

/** The settings as `recap.configure` takes them. */
export function readRecapSettings(): { mode: RecapMode; breakMinutes: number; privacyGlobs: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const mode = c.get<string>(MODE_KEY, 'ask');
  const minutes = c.get<number>(BREAK_KEY, DEFAULT_BREAK_MINUTES);
  return {
    mode: mode === 'on' || mode === 'off' ? mode : 'ask',
    breakMinutes: typeof minutes === 'number' && Number.isFinite(minutes) && minutes >= 1 ? Math.min(minutes, 24 * 60) : DEFAULT_BREAK_MINUTES,
    privacyGlobs: readExcludeGlobs(),
  };
}

/** The user answered the panel's question: saved for every window (User settings). */
export async function saveRecapConsent(params: unknown): Promise<void> {
  const allow = typeof params === 'object' && params !== null && (params as { allow?: unknown }).allow;
  if (typeof allow !== 'boolean') return;
  await vscode.workspace.getConfiguration(SECTION).update(MODE_KEY, allow ? 'on' : 'off', vscode.ConfigurationTarget.Global);
}

export class RecapSettingsSync implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly manager: CompanionManager) {
    this.disposables = [
      manager.onDidChangeState((s) => {
        if (s.state === 'ready') void this.send();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration(`${SECTION}.${MODE_KEY}`) ||
          e.affectsConfiguration(`${SECTION}.${BREAK_KEY}`) ||
          e.affectsConfiguration('alisa.privacy.excludeGlobs')
        )
          void this.send();
      }),
    ];
    if (manager.connected) void this.send();
  }

  private async send(): Promise<void> {
    if (!this.manager.connected) return;
    try {
      await this.manager.request('recap.configure', readRecapSettings());
    } catch (err) {
      // An older companion without recaps: nothing to configure, nothing lost.
      this.manager.log.warn(`recap.configure failed: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
