// The network gate in VS Code: `alisa.network` goes to the companion (`network.configure`) on every
// connection and every change, at once (it is also a launch flag, so a new companion starts right);
// a `network.ask` from the companion becomes a modal (Allow Once / Always Allow This Host / Block;
// closing it blocks), one host at a time, answering every question for that host; and
// "Alisa: Show Network Activity" opens what left the machine as a Markdown document.
import * as vscode from 'vscode';
import type { NetworkAskInfo, NetworkStatus } from '../../protocol/network';
import type { CompanionManager } from '../companion-manager';
import { FeatureSync } from '../feature-sync';
import { readNetworkMode } from '../settings';
import { activityMarkdown, ALLOW_ONCE, ALWAYS_ALLOW, askText, BLOCK, decisionFor, FORGET_ANSWERS, NETWORK_COMMANDS } from './network-logic';

interface HostQuestion {
  ask: NetworkAskInfo;
  ids: Set<string>;
}

export class NetworkController implements vscode.Disposable {
  private readonly sync: FeatureSync<{ mode: ReturnType<typeof readNetworkMode> }, 'network.configure', 'network.state'>;
  private readonly questions = new Map<string, HostQuestion>();
  private asking = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly manager: CompanionManager) {
    this.sync = new FeatureSync(manager, {
      section: 'alisa.network',
      read: () => ({ mode: readNetworkMode() }),
      configure: 'network.configure',
      stateEvent: 'network.state',
      params: (s) => ({ mode: s.mode }),
    });
    this.disposables.push(
      this.sync,
      manager.onDidReceiveEvent((e) => {
        if (e.type === 'network.ask') this.onAsk(e);
        else if (e.type === 'network.askDone') this.onDone(e.id);
      }),
      manager.onDidChangeState((s) => {
        // A new companion asks anew; old questions are void.
        if (s.state !== 'ready') this.questions.clear();
      }),
      vscode.commands.registerCommand(NETWORK_COMMANDS.showActivity, () => this.showActivity()),
    );
  }

  /** The companion's network status; null while unknown. */
  get status(): NetworkStatus | null {
    return this.sync.status;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private onAsk(ask: NetworkAskInfo): void {
    const q = this.questions.get(ask.host);
    if (q) q.ids.add(ask.id);
    else this.questions.set(ask.host, { ask, ids: new Set([ask.id]) });
    void this.askNext();
  }

  private onDone(id: string): void {
    for (const [host, q] of this.questions) {
      q.ids.delete(id);
      if (q.ids.size === 0) this.questions.delete(host);
    }
  }

  /** One modal at a time; the answer goes to every question for that host. */
  private async askNext(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      for (;;) {
        const next = this.questions.values().next();
        if (next.done) return;
        const q = next.value;
        const { message, detail } = askText(q.ask);
        const choice = await vscode.window.showWarningMessage(message, { modal: true, detail }, ALLOW_ONCE, ALWAYS_ALLOW, BLOCK);
        const { allow, remember } = decisionFor(choice);
        const ids = [...q.ids];
        // Answered elsewhere meanwhile: the ids are gone (the companion would not know them).
        if (this.questions.get(q.ask.host) === q) this.questions.delete(q.ask.host);
        for (const id of ids) {
          try {
            await this.manager.request('network.decide', { id, allow, remember });
          } catch (err) {
            this.manager.log.warn(`network.decide failed: ${(err as Error).message}`);
          }
        }
      }
    } finally {
      this.asking = false;
    }
  }

  /** "Alisa: Show Network Activity". */
  async showActivity(): Promise<void> {
    if (!this.manager.connected) {
      void vscode.window.showInformationMessage('Alisa is not running yet. Try again when she is.');
      return;
    }
    let activity;
    try {
      activity = await this.manager.request('network.activity', {});
    } catch (err) {
      void vscode.window.showWarningMessage(`Alisa cannot list her network activity: ${(err as Error).message}`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: activityMarkdown(activity) });
    await vscode.window.showTextDocument(doc, { preview: true });
    const remembered = [...activity.allowedHosts];
    const status = this.sync.status;
    const answered = remembered.length + (status?.sessionAllowed.length ?? 0) + (status?.sessionBlocked.length ?? 0);
    if (answered > 0) {
      const choice = await vscode.window.showInformationMessage(
        remembered.length ? `Alisa always allows: ${remembered.join(', ')}.` : 'Alisa remembers your answers about hosts until she restarts.',
        FORGET_ANSWERS,
      );
      if (choice === FORGET_ANSWERS) {
        await this.sync.send({ forgetHosts: true });
        vscode.window.setStatusBarMessage('$(check) Alisa forgot your answers: she asks again', 3000);
      }
    }
  }
}
