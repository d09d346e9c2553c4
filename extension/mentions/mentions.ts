// @-mentions in the window (issue 17), what lives from activation: the last terminal command's
// output (read through shell integration as it runs, like the awareness terminal watcher) and
// the entry points the chat view calls. Reading the workspace is mention-resolver.ts's, loaded on
// the first mention. Two internal commands (not in the palette) do the same for the extension
// host tests: `alisa.mentions.candidates` (query) and `alisa.mentions.resolve` (mentions).
import * as vscode from 'vscode';
import type { Mention } from '../../protocol/webview';
import { OutputTail } from '../awareness/terminal-output';

type Resolver = typeof import('./mention-resolver');
export type Resolved = Awaited<ReturnType<Resolver['resolveMention']>>;

let resolver: Promise<Resolver> | null = null;
const loadResolver = () => (resolver ??= import('./mention-resolver'));

export class Mentions implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];
  /** The output of the command that ended last (or runs now, when none ended since it began). */
  private last: OutputTail | null = null;

  constructor() {
    this.subscriptions = [
      vscode.window.onDidStartTerminalShellExecution((e) => {
        const tail = new OutputTail();
        this.last = tail;
        void (async () => {
          try {
            for await (const chunk of e.execution.read()) tail.push(chunk);
          } catch {
            // The stream ends with the terminal; what was read is kept.
          }
        })();
      }),
      vscode.commands.registerCommand('alisa.mentions.candidates', (query: unknown) => this.candidates(typeof query === 'string' ? query : '')),
      vscode.commands.registerCommand('alisa.mentions.resolve', (mentions: unknown) => this.resolve(Array.isArray(mentions) ? (mentions as Mention[]) : [])),
    ];
  }

  /** The last command's output, cleaned and bounded (null: none seen in this window). */
  terminalOutput(): string | null {
    return this.last?.value() || null;
  }

  async candidates(query: string): Promise<Mention[]> {
    return (await loadResolver()).mentionCandidates(query);
  }

  /** Each mention read into an attachment or refused with the reason, in order. */
  async resolve(mentions: readonly Mention[]): Promise<Resolved[]> {
    const r = await loadResolver();
    const out: Resolved[] = [];
    for (const m of mentions) out.push(await r.resolveMention(m, () => this.terminalOutput()));
    return out;
  }

  /** Opens a reply's source; the reason it cannot, or null. */
  async openSource(path: string, line: number | undefined): Promise<string | null> {
    return (await loadResolver()).openSource(path, line);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
