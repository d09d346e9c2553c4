// "Apply…" on a code block (extension/help/apply-code.ts) against the shared fake `vscode`: the
// user picks the selection, the whole active file or another file, and the code goes to the
// proposal controller as a region (the same diff flow as her fixes; nothing changes here).
// Refused plainly: a file outside the workspace, a redacted secret the target cannot fill.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, Uri } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { applyCodeToFile, codeForFile, targetLines } from '../extension/help/apply-code';
import type { ProposalDraft } from '../extension/help/proposal-controller';

const FILE = '/ws/src/app.ts';
const SOURCE = ['const a = 1;', 'const b = 2;', 'const c = 3;', 'export { a, b, c };', ''].join('\n');

function editor(selection: { start: number; end: number; endCharacter?: number } | null) {
  const sel = selection ?? { start: 0, end: 0, endCharacter: 0 };
  return {
    document: { uri: Uri.file(FILE), getText: () => SOURCE, languageId: 'typescript' },
    selection: { isEmpty: selection === null, start: { line: sel.start, character: 0 }, end: { line: sel.end, character: sel.endCharacter ?? 5 } },
  };
}

function setup(active: ReturnType<typeof editor> | undefined) {
  (fake.api.window as { activeTextEditor?: unknown }).activeTextEditor = active;
  const opened: ProposalDraft[] = [];
  return { opened, proposals: { open: vi.fn(async (d: ProposalDraft) => void opened.push(d)) } };
}

beforeEach(() => {
  fake.reset();
  fake.setWorkspaceFolders(['/ws']);
  fake.files.set(FILE, SOURCE);
});

describe('where the code goes', () => {
  it('takes whole lines of the selection (not the line a selection ends at the start of), or the whole file', () => {
    expect(targetLines(SOURCE, { start: 1, end: 1, endCharacter: 4 })).toEqual({ start: 1, count: 1 });
    expect(targetLines(SOURCE, { start: 1, end: 3, endCharacter: 0 })).toEqual({ start: 1, count: 2 });
    expect(targetLines(SOURCE, null)).toEqual({ start: 0, count: 4 }); // the final newline stays
    expect(codeForFile('x\r\ny\n')).toBe('x\ny');
  });

  it('replaces the selected lines, through the diff', async () => {
    const { opened, proposals } = setup(editor({ start: 1, end: 1 }));
    fake.quickPickIndex = 0; // "The selected lines of app.ts"
    await applyCodeToFile('const b = 20;\nconst bb = 21;\n', proposals);
    expect(fake.quickPicks.at(-1)!.items).toEqual(['$(selection) The selected lines of app.ts', '$(file) All of app.ts', '$(folder-opened) Another file…']);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      path: 'src/app.ts',
      name: 'app.ts',
      languageId: 'typescript',
      region: { start: 1, oldLines: ['const b = 2;'], newLines: ['const b = 20;', 'const bb = 21;'] },
    });
  });

  it('replaces the whole file when chosen; says so when nothing would change', async () => {
    const { opened, proposals } = setup(editor(null));
    fake.quickPickIndex = 0; // "All of app.ts" (no selection: first)
    await applyCodeToFile('const a = 1;\n', proposals);
    expect(opened[0]!.region).toMatchObject({ start: 0, newLines: ['const a = 1;'] });
    expect(opened[0]!.region.oldLines).toHaveLength(4);
    await applyCodeToFile(SOURCE, proposals);
    expect(opened).toHaveLength(1);
    expect(fake.dialogs.at(-1)!.message).toMatch(/already holds this code/);
  });

  it('refuses a file outside the workspace, and a secret it cannot fill', async () => {
    const { opened, proposals } = setup(undefined);
    fake.openDialogResult = [Uri.file('/elsewhere/x.ts')];
    await applyCodeToFile('x', proposals); // one choice only: another file
    expect(fake.dialogs.at(-1)!.message).toMatch(/outside the workspace/);
    setup(editor(null));
    fake.quickPickIndex = 0;
    await applyCodeToFile('const key = "[REDACTED:api_key]";', proposals);
    expect(fake.dialogs.at(-1)!.message).toMatch(/redacted/);
    expect(opened).toHaveLength(0);
  });

  it('does nothing when the user closes the choice', async () => {
    const { opened, proposals } = setup(editor(null));
    fake.quickPickIndex = undefined;
    await applyCodeToFile('x', proposals);
    expect(opened).toHaveLength(0);
  });
});
