// "Alisa: Import Character Card…" and "Alisa: Export Character Card…" (issue 18): SillyTavern
// character cards (V1/V2/V3, PNG or JSON) through VS Code's file dialogs. The companion reads,
// checks and stores the card (persona/character-card-service.ts); this asks the questions only the
// user can answer: which file, and, when a character of that name exists, whether to replace her
// or keep both (never overwritten silently; the built-in Alisa is never replaced).
//
// A small card goes to the companion inline (it may run on another machine); a bigger one by its
// path. An export comes back as content and is written with VS Code's file system, so it lands
// where the user's dialog said, wherever the companion runs.
import os from 'node:os';
import * as vscode from 'vscode';
import { CARD_INLINE_MAX_BYTES, type Character, type Params, type Result } from '../../protocol';
import type { ChatViewProvider } from '../chat-view-provider';
import type { CompanionManager } from '../companion-manager';
import { conflictQuestion } from './card-conflict';

export const CARD_COMMANDS = {
  importCard: 'alisa.importCharacterCard',
  exportCard: 'alisa.exportCharacterCard',
} as const;

const CARD_FILTERS = { 'Character cards': ['png', 'json'], 'PNG card': ['png'], 'JSON card': ['json'] };

export class CharacterCardCommands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly manager: CompanionManager,
    private readonly view: ChatViewProvider,
  ) {
    const run = <A extends unknown[]>(id: string, fn: (...args: A) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async (...args: A) => {
        try {
          return await fn(...args);
        } catch (err) {
          manager.log.error(`${id} failed: ${(err as Error).stack ?? String(err)}`);
          const info = (err as { info?: { message: string; action?: string } }).info;
          void vscode.window.showErrorMessage(info ? [info.message, info.action].filter(Boolean).join(' ') : (err as Error).message);
        }
      });
    this.disposables = [
      run(CARD_COMMANDS.importCard, (uri?: vscode.Uri) => this.importCard(uri)),
      run(CARD_COMMANDS.exportCard, (characterId?: number, target?: vscode.Uri) => this.exportCard(characterId, target)),
    ];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** `file`: a card to import without the open dialog (another extension, a test). Answers with her, or undefined. */
  async importCard(file?: vscode.Uri): Promise<Character | undefined> {
    const [uri] = file
      ? [file]
      : ((await vscode.window.showOpenDialog({ title: 'Import a character card', canSelectMany: false, filters: CARD_FILTERS, openLabel: 'Import' })) ?? []);
    if (!uri) return undefined;
    const stat = await vscode.workspace.fs.stat(uri);
    const source: Params<'character.import'> =
      stat.size <= CARD_INLINE_MAX_BYTES || uri.scheme !== 'file'
        ? { data: Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('base64') }
        : { path: uri.fsPath };
    let r: Result<'character.import'> = await this.manager.request('character.import', source);
    if (r.status === 'conflict') {
      const q = conflictQuestion(r.character, r.cardName);
      const choice = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, ...q.buttons);
      if (!choice) return undefined;
      r = await this.manager.request('character.import', { ...source, onConflict: choice === 'Replace' ? 'replace' : 'keepBoth' });
    }
    await this.view.postCommand({ type: 'host.command', command: 'charactersChanged' });
    const talk = 'Talk to Her';
    const imported = r.character;
    const done = `${r.status === 'replaced' ? 'Replaced' : 'Imported'} “${imported.name}”.`;
    // Stored, but not all of it (her image did not become her avatar): a warning, with the reason.
    const shown = r.warning ? vscode.window.showWarningMessage(`${done} ${r.warning}`, talk) : vscode.window.showInformationMessage(done, talk);
    // Not awaited: the command is done; the button may be clicked any time later, or never.
    void shown.then(async (pick) => {
      if (pick === talk) await this.manager.request('character.select', { characterId: imported.id }).catch(() => {});
    });
    return imported;
  }

  /**
   * `characterId` and `target` (a .png or .json file): export without asking (another extension, a
   * test); the format follows the target's extension. Answers with the file written, or undefined.
   */
  async exportCard(characterId?: number, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (characterId !== undefined && target) {
      const format = target.path.toLowerCase().endsWith('.png') ? 'png' : 'json';
      const r = await this.manager.request('character.export', { characterId, format });
      await vscode.workspace.fs.writeFile(target, format === 'png' ? Buffer.from(r.content ?? '', 'base64') : new TextEncoder().encode(r.content ?? ''));
      return target;
    }
    const { characters, activeId } = await this.manager.request('character.list', {});
    const ordered = [...characters].sort((a, b) => Number(b.id === activeId) - Number(a.id === activeId));
    const who = await vscode.window.showQuickPick(
      ordered.map((c) => ({
        label: c.name,
        description: c.id === activeId ? 'active' : c.builtin ? 'built in' : c.card ? 'from a card' : undefined,
        character: c,
      })),
      { title: 'Export which character as a card?' },
    );
    if (!who) return undefined;
    const c = who.character;
    const format = await vscode.window.showQuickPick(
      [
        { label: 'PNG', description: c.portrait ? 'her image with the card inside' : 'a plain image with the card inside', format: 'png' as const },
        { label: 'JSON', description: 'the card only', format: 'json' as const },
      ],
      { title: `Export “${c.name}” as…` },
    );
    if (!format) return undefined;
    const r = await this.manager.request('character.export', { characterId: c.id, format: format.format });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const chosen = await vscode.window.showSaveDialog({
      title: `Export “${c.name}” as a character card`,
      defaultUri: vscode.Uri.joinPath(folder, r.fileName),
      filters: { [format.format === 'png' ? 'PNG card' : 'JSON card']: [format.format] },
      saveLabel: 'Export',
    });
    if (!chosen) return undefined;
    const bytes = format.format === 'png' ? Buffer.from(r.content ?? '', 'base64') : new TextEncoder().encode(r.content ?? '');
    await vscode.workspace.fs.writeFile(chosen, bytes);
    const note = r.placeholderImage ? ' She has no image of her own: the PNG shows a plain square.' : '';
    void vscode.window.showInformationMessage(`Exported “${c.name}” to ${chosen.fsPath}.${note}`);
    return chosen;
  }
}
