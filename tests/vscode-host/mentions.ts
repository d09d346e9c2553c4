// @-mentions (issue 17) in a real extension host: the window lists files of a real workspace for
// the completion and reads mentions into attachments through the internal commands the chat view
// uses (`alisa.mentions.candidates`, `alisa.mentions.resolve`): a file (secrets redacted), a
// selection with its lines, the problems (a real diagnostic collection), the git diff; a file of
// the privacy globs, a binary file and a link leading outside are refused with the reason. The
// panel's side (typing @, the chip, the source link) is in tests/e2e/mentions.e2e.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Attachment } from '../../protocol/attachments';
import type { Mention } from '../../protocol/webview';

type Test = (name: string, fn: () => Promise<void>) => void;
type Resolved = { attachment: Attachment } | { error: string };

const DIR = 'mentions-test';
const SECRET = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const APP = `export function total(xs: number[]): number {\n  const token = '${SECRET}';\n  return xs.reduce((a, b) => a + b, 0);\n}\n`;

const resolve = async (...mentions: Mention[]) => (await vscode.commands.executeCommand<Resolved[]>('alisa.mentions.resolve', mentions)) ?? [];
const attachment = (r: Resolved | undefined): Attachment => {
  assert.ok(r && 'attachment' in r, `not attached: ${JSON.stringify(r)}`);
  return r.attachment;
};
const refusal = (r: Resolved | undefined): string => {
  assert.ok(r && 'error' in r, `not refused: ${JSON.stringify(r)}`);
  return r.error;
};

export function registerMentionTests(test: Test): void {
  let root = '';
  const diagnostics = vscode.languages.createDiagnosticCollection('mentions-test');

  test('mentions: the completion lists the workspace files and folders that match', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    root = folder.uri.fsPath;
    mkdirSync(path.join(root, DIR), { recursive: true });
    writeFileSync(path.join(root, DIR, 'app.ts'), APP);
    writeFileSync(path.join(root, DIR, '.env.local'), 'TOKEN=abc\n');
    writeFileSync(path.join(root, DIR, 'logo.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
    const outside = mkdtempSync(path.join(os.tmpdir(), 'alisa-mention-out-'));
    writeFileSync(path.join(outside, 'x.ts'), 'outside\n');
    symlinkSync(outside, path.join(root, DIR, 'out-link'));
    // The file list is cached for a few seconds: wait until the new files are in it.
    const deadline = Date.now() + 20_000;
    let found: Mention[] = [];
    while (Date.now() < deadline) {
      found = (await vscode.commands.executeCommand<Mention[]>('alisa.mentions.candidates', 'app.ts')) ?? [];
      if (found.some((m) => m.path === `${DIR}/app.ts`)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(
      found.some((m) => m.kind === 'file' && m.path === `${DIR}/app.ts`),
      JSON.stringify(found),
    );
    const folders = (await vscode.commands.executeCommand<Mention[]>('alisa.mentions.candidates', DIR)) ?? [];
    assert.ok(
      folders.some((m) => m.kind === 'folder' && m.path === DIR && m.label === `${DIR}/`),
      JSON.stringify(folders),
    );
  });

  test('mentions: a file is read with its secrets redacted; a private, binary or outside one is refused with the reason', async () => {
    const [file, env, bin, link, up] = await resolve(
      { kind: 'file', label: `${DIR}/app.ts`, path: `${DIR}/app.ts` },
      { kind: 'file', label: `${DIR}/.env.local`, path: `${DIR}/.env.local` },
      { kind: 'file', label: `${DIR}/logo.bin`, path: `${DIR}/logo.bin` },
      { kind: 'file', label: `${DIR}/out-link/x.ts`, path: `${DIR}/out-link/x.ts` },
      { kind: 'file', label: '../x', path: '../x' },
    );
    const a = attachment(file);
    assert.equal(a.label, `${DIR}/app.ts`);
    assert.match(a.text, /return xs\.reduce/);
    assert.ok(!a.text.includes(SECRET), 'the secret is redacted');
    assert.match(a.text, /\[REDACTED/);
    assert.match(refusal(env), /privacy globs/);
    assert.match(refusal(bin), /binary/);
    assert.match(refusal(link), /outside the workspace/);
    assert.match(refusal(up), /outside the workspace/);
  });

  test('mentions: the selection comes with its path and lines; the problems as lines', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root, DIR, 'app.ts')));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(2, 0, 3, 1);
    const uri = doc.uri;
    diagnostics.set(uri, [new vscode.Diagnostic(new vscode.Range(2, 9, 2, 18), 'Property "reduce" is suspicious.', vscode.DiagnosticSeverity.Error)]);
    const [selection, problems] = await resolve({ kind: 'selection', label: '@selection' }, { kind: 'problems', label: '@problems' });
    const s = attachment(selection);
    assert.equal(s.label, `${DIR}/app.ts:3-4`);
    assert.equal(s.path, `${DIR}/app.ts`);
    assert.equal(s.startLine, 3);
    assert.equal(s.endLine, 4);
    assert.equal(s.text, '  return xs.reduce((a, b) => a + b, 0);\n}');
    const p = attachment(problems);
    assert.match(p.text, new RegExp(`^${DIR}/app\\.ts:3:10 error: Property "reduce" is suspicious\\.`, 'm'));
    diagnostics.clear();
  });

  test('mentions: the git diff of the workspace, without the sections of private files', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Alisa Test', '-c', 'user.email=alisa@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
        cwd: root,
        encoding: 'utf8',
      });
    try {
      git('rev-parse', '--git-dir');
    } catch {
      git('init', '-q');
    }
    git('add', '-f', `${DIR}/app.ts`, `${DIR}/.env.local`);
    git('commit', '-q', '-m', 'mentions test');
    writeFileSync(path.join(root, DIR, 'app.ts'), `${APP}export const changed = 'diff-marker-42';\n`);
    writeFileSync(path.join(root, DIR, '.env.local'), 'TOKEN=changed-private-value\n');
    const d = attachment((await resolve({ kind: 'diff', label: '@diff' }))[0]);
    assert.match(d.text, /diff-marker-42/);
    assert.ok(!d.text.includes('changed-private-value'), 'the private file is left out');
    assert.match(d.text, /matching your privacy globs left out/);
  });
}
