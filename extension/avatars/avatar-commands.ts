// "Alisa: Import Avatar…" and "Alisa: Choose Avatar…" (issue 18): the avatar store through VS
// Code's dialogs. The companion reads, checks and stores the file (companion/avatars/); this asks
// what only the user can answer: which file or folder, whether a plain glTF (no expressions) is
// what she meant, whether to replace an avatar of the same name (never silently: the default is
// a new one, "Name (2)"), and which avatar to show. The panel's picker runs Import through here.
//
// The companion reads the file by its path: it runs on this machine (the extension spawned it, or
// another window of this machine did).
import path from 'node:path';
import * as vscode from 'vscode';
import { EMOTIONS, type AvatarInfo, type Emotion, type Params } from '../../protocol';
import type { CompanionManager } from '../companion-manager';
import { describeAvatar, emotionLabel } from '../../common/avatar-words';

export const AVATAR_COMMANDS = {
  importAvatar: 'alisa.importAvatar',
  chooseAvatar: 'alisa.chooseAvatar',
  adjustExpressions: 'alisa.adjustAvatarExpressions',
} as const;

const MODEL_FILTERS = { 'VRM and glTF models': ['vrm', 'glb', 'gltf'] };

type CompanionError = Error & { info?: { code: string; message: string; action?: string } };

export class AvatarCommands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly manager: CompanionManager) {
    const run = <A extends unknown[]>(id: string, fn: (...args: A) => Promise<unknown>) =>
      vscode.commands.registerCommand(id, async (...args: A) => {
        try {
          return await fn(...args);
        } catch (err) {
          const info = (err as CompanionError).info;
          if (!info) manager.log.error(`${id} failed: ${(err as Error).stack ?? String(err)}`);
          void vscode.window.showErrorMessage(info ? [info.message, info.action].filter(Boolean).join(' ') : (err as Error).message);
          return undefined;
        }
      });
    this.disposables = [
      run(AVATAR_COMMANDS.importAvatar, (uri?: unknown) => this.importAvatar(uri instanceof vscode.Uri ? uri : undefined)),
      run(AVATAR_COMMANDS.chooseAvatar, () => this.chooseAvatar()),
      run(AVATAR_COMMANDS.adjustExpressions, (id?: unknown) => this.adjustExpressions(typeof id === 'string' ? id : undefined)),
    ];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /**
   * Imports `given` (a file or a sprite folder: the explorer's context menu, another extension), or
   * what the user picks; answers the stored avatar (undefined: cancelled).
   */
  async importAvatar(given?: vscode.Uri): Promise<AvatarInfo | undefined> {
    let uri = given;
    let sprites = false;
    if (uri) {
      sprites = ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
    } else {
      const what = await vscode.window.showQuickPick(
        [
          { label: '$(file) A 3D model…', description: '.vrm, .glb or .gltf', sprites: false },
          { label: '$(folder) A sprite set…', description: 'a folder with one PNG per emotion (neutral.png at least)', sprites: true },
        ],
        { title: 'Import an avatar' },
      );
      if (!what) return undefined;
      sprites = what.sprites;
      [uri] =
        (await vscode.window.showOpenDialog({
          title: sprites ? 'Choose the sprite set’s folder' : 'Choose a VRM, GLB or glTF model',
          canSelectMany: false,
          canSelectFiles: !sprites,
          canSelectFolders: sprites,
          ...(sprites ? {} : { filters: MODEL_FILTERS }),
          openLabel: 'Import',
        })) ?? [];
      if (!uri) return undefined;
    }
    if (uri.scheme !== 'file') throw new Error('Alisa can import avatars from this machine’s disk only; copy the file here first.');
    let params: Params<'avatar.import'> = { path: uri.fsPath, ...(sprites ? { kind: 'sprites' as const } : {}) };
    const { avatars } = await this.manager.request('avatar.list', {});
    // The same file name as a stored avatar: replace it, or keep both (the default never overwrites).
    const base = path.basename(uri.fsPath, path.extname(uri.fsPath)).toLowerCase();
    const same = avatars.find((a) => !a.builtin && a.name.toLowerCase() === base);
    if (same) {
      const choice = await vscode.window.showWarningMessage(
        `An avatar named “${same.name}” already exists.`,
        { modal: true, detail: 'Replace puts the new one in its place (characters that use it get the new one). Keep Both adds it as another avatar.' },
        'Replace',
        'Keep Both',
      );
      if (!choice) return undefined;
      if (choice === 'Replace') params = { ...params, replaceId: same.id, name: same.name };
    }
    const result = await this.withProgress(params);
    if (!result) return undefined;
    const use = 'Use It';
    const skipped = result.skipped.length ? ` ${result.skipped.length} file(s) were not used: ${result.skipped.slice(0, 3).join('; ')}.` : '';
    // Not awaited: the command answers at once (the message stays until the user dismisses it).
    void vscode.window.showInformationMessage(`Imported the avatar “${result.avatar.name}”.${skipped}`, use).then(async (pick) => {
      if (pick === use) await this.manager.request('avatar.select', { id: result.avatar.id }).catch(() => {});
    });
    return result.avatar;
  }

  /** The import with progress; a model without VRM asks whether a plain glTF is what the user wants. */
  private async withProgress(params: Params<'avatar.import'>) {
    const run = (p: Params<'avatar.import'>) =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Alisa: importing ${path.basename(p.path)}…` }, () =>
        this.manager.request('avatar.import', p),
      );
    try {
      return await run(params);
    } catch (err) {
      const info = (err as CompanionError).info;
      if (!params.kind && info?.message.includes('without a VRM extension')) {
        const plain = 'Import as Plain glTF';
        const choice = await vscode.window.showWarningMessage(info.message, { modal: true, detail: info.action }, plain);
        return choice === plain ? run({ ...params, kind: 'gltf' }) : null;
      }
      throw err;
    }
  }

  /**
   * "Alisa: Adjust Avatar Expressions…": which expression of a 3D model each of her seven emotions
   * shows. Avatar (`id`, else the one shown now, else a pick), then emotion, then expression, until
   * the user is done; each choice is stored at once (avatar.update), so the panel shows it live.
   * Answers the avatar as last stored (undefined: nothing to adjust or cancelled at the start).
   */
  async adjustExpressions(id?: string): Promise<AvatarInfo | undefined> {
    const { avatars, active } = await this.manager.request('avatar.list', {});
    const models = avatars.filter((a) => a.kind === 'vrm' || a.kind === 'gltf');
    let avatar = id ? avatars.find((a) => a.id === id) : undefined;
    if (id && !avatar) throw new Error(`There is no avatar "${id}"; it may have been deleted.`);
    if (avatar && !models.includes(avatar)) {
      throw new Error(`“${avatar.name}” is not a 3D model: only VRM and glTF avatars have expressions to choose.`);
    }
    if (!avatar) {
      if (!models.length) {
        const imp = 'Import Avatar…';
        const pick = await vscode.window.showInformationMessage('There is no 3D avatar yet: import a VRM model, then choose its expressions.', imp);
        if (pick === imp) await this.importAvatar();
        return undefined;
      }
      // The one shown now first, so Enter adjusts it.
      const ordered = [...models].sort((a, b) => Number(b.id === active.id) - Number(a.id === active.id));
      const pick =
        ordered.length === 1
          ? { avatar: ordered[0]! }
          : await vscode.window.showQuickPick(
              ordered.map((a) => ({ label: a.name, description: describeAvatar(a), detail: a.id === active.id ? 'shown now' : undefined, avatar: a })),
              { title: 'Adjust the expressions of which avatar?' },
            );
      if (!pick) return undefined;
      avatar = pick.avatar;
    }
    if (avatar.expressions && !avatar.expressions.length) {
      throw new Error(`“${avatar.name}” has no expressions (no VRM expressions or named morph targets), so her emotions cannot be mapped on it.`);
    }
    const done = { label: '$(check) Done', done: true as const };
    const reset = { label: '$(discard) Reset All to Default', description: 'her own mix of the model’s expressions', reset: true as const };
    for (;;) {
      const map: Partial<Record<Emotion, string>> = { ...avatar.expressionMap };
      const items = EMOTIONS.map((e) => ({ label: emotionLabel(e), description: map[e] ?? 'Default', emotion: e }));
      const choice = await vscode.window.showQuickPick<vscode.QuickPickItem & { emotion?: Emotion; done?: true; reset?: true }>(
        [...items, { label: '', kind: vscode.QuickPickItemKind.Separator }, reset, done],
        { title: `${avatar.name}: which emotion?`, placeHolder: 'Each emotion shows the expression beside it; changes apply at once' },
      );
      if (!choice || choice.done) return avatar;
      if (choice.reset) {
        avatar = (await this.manager.request('avatar.update', { id: avatar.id, expressionMap: null })).avatar;
        continue;
      }
      const emotion = choice.emotion!;
      const name = await this.pickExpression(avatar, emotion, map[emotion]);
      if (name === undefined) continue;
      if (name === null) delete map[emotion];
      else map[emotion] = name;
      avatar = (await this.manager.request('avatar.update', { id: avatar.id, expressionMap: map })).avatar;
    }
  }

  /** The expression for `emotion`: a name, null for the default mix, undefined when cancelled. */
  private async pickExpression(avatar: AvatarInfo, emotion: Emotion, current: string | undefined): Promise<string | null | undefined> {
    if (!avatar.expressions) {
      // The model's file could not be read: the user types the name (the renderer checks it when it loads).
      const typed = await vscode.window.showInputBox({
        title: `${avatar.name}: ${emotionLabel(emotion)}`,
        prompt: 'The name of the model’s expression (empty: the default)',
        value: current ?? '',
      });
      return typed === undefined ? undefined : typed.trim() || null;
    }
    const pick = await vscode.window.showQuickPick(
      [
        { label: `${current === undefined ? '$(check) ' : ''}Default`, description: 'her own mix of the model’s expressions', name: null },
        ...avatar.expressions.map((n) => ({ label: `${n === current ? '$(check) ' : ''}${n}`, name: n })),
      ],
      { title: `${avatar.name}: ${emotionLabel(emotion)} shows…`, placeHolder: 'An expression of the model' },
    );
    return pick ? pick.name : undefined;
  }

  async chooseAvatar(): Promise<void> {
    const { avatars, selectedId, active } = await this.manager.request('avatar.list', {});
    const items: Array<vscode.QuickPickItem & { id?: string; import?: true }> = avatars.map((a) => ({
      label: `${a.id === selectedId ? '$(check) ' : ''}${a.name}`,
      description: describeAvatar(a),
      detail: a.id === active.id && a.id !== selectedId ? 'shown now: the active character’s own avatar' : undefined,
      id: a.id,
    }));
    items.push({ label: '$(add) Import an avatar…', import: true });
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Which avatar should Alisa show?',
      placeHolder: 'A character with her own avatar keeps it',
    });
    if (!pick) return;
    if (pick.import) {
      await this.importAvatar();
      return;
    }
    if (pick.id) await this.manager.request('avatar.select', { id: pick.id });
  }
}
