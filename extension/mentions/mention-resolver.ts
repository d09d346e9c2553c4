// @-mentions in the user's window (issue 17): the candidates the panel's completion lists (files
// and folders of the workspace, its symbols) and each chosen mention read into an Attachment.
// Everything read here obeys the awareness rules: paths inside the workspace (links resolved),
// nothing of a file matching `alisa.privacy.excludeGlobs`, secrets redacted, binary files refused.
// Loaded on the first mention (it pulls in the protocol's schemas), not at activation.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { resolveInside } from '../../common/workspace-path';
import type { Attachment } from '../../protocol/attachments';
import type { Mention } from '../../protocol/webview';
import { isExcludedPath, relativeToRoots } from '../awareness/privacy';
import { SEVERITY } from '../awareness/vscode-diagnostics';
import { readExcludeGlobs, sendablePathOf } from '../awareness/workspace-privacy';
import { attachmentText, dropPrivateDiffSections, looksBinary, problemsText, rangeLabel, type ProblemLine } from './mention-text';

/** Candidates of each kind a query lists at most. */
const PER_KIND = 12;
/** Files read from the workspace for the completion (cached briefly: every key press filters them). */
const FILE_SCAN_MAX = 5000;
const FILE_CACHE_MS = 5000;
/** Entries a folder's listing shows at most. */
const FOLDER_LIST_MAX = 400;
/** Folders and files nobody means to mention (VS Code's files.exclude applies too). */
const SCAN_EXCLUDE = '**/{node_modules,.git,dist,out,build,.vscode-test}/**';
const GIT_TIMEOUT_MS = 10_000;

export type Resolved = { attachment: Attachment } | { error: string };

let fileCache: { at: number; paths: Promise<string[]> } | null = null;

function folders(): readonly vscode.WorkspaceFolder[] {
  return vscode.workspace.workspaceFolders ?? [];
}

/** A workspace-relative path as shown (a multi-root workspace prefixes the folder's name). */
function relPathOf(uri: vscode.Uri): string | null {
  return relativeToRoots(
    uri.path,
    folders().map((f) => f.uri.path),
  );
}

function workspaceFiles(): Promise<string[]> {
  if (fileCache && Date.now() - fileCache.at < FILE_CACHE_MS) return fileCache.paths;
  const paths = Promise.resolve(vscode.workspace.findFiles('**/*', SCAN_EXCLUDE, FILE_SCAN_MAX)).then((uris) =>
    uris
      .map(relPathOf)
      .filter((p): p is string => p !== null)
      .sort(),
  );
  fileCache = { at: Date.now(), paths };
  return paths;
}

/** How well `path` matches `query` (lower is better; null: no match): the file name first, then the path. */
function matchRank(path: string, query: string): number | null {
  if (query === '') return path.split('/').length;
  const q = query.toLowerCase();
  const p = path.toLowerCase();
  const base = p.slice(p.lastIndexOf('/') + 1);
  if (base.startsWith(q)) return 0;
  if (base.includes(q)) return 1;
  if (p.includes(q)) return 2;
  return null;
}

function best(paths: Iterable<string>, query: string): string[] {
  const ranked: Array<[string, number]> = [];
  for (const p of paths) {
    const r = matchRank(p, query);
    if (r !== null) ranked.push([p, r]);
  }
  return ranked
    .sort((a, b) => a[1] - b[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))
    .slice(0, PER_KIND)
    .map(([p]) => p);
}

/** The files, folders and symbols that match what the user typed after `@`. */
export async function mentionCandidates(query: string): Promise<Mention[]> {
  const q = query.trim();
  const files = await workspaceFiles();
  const dirs = new Set<string>();
  for (const f of files) {
    for (let i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i));
  }
  const out: Mention[] = [
    ...best(files, q).map((path): Mention => ({ kind: 'file', label: path, path })),
    ...best(dirs, q).map((path): Mention => ({ kind: 'folder', label: `${path}/`, path })),
  ];
  if (q.length >= 2) {
    const symbols =
      (await vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>('vscode.executeWorkspaceSymbolProvider', q).then(
        (s) => s,
        () => undefined,
      )) ?? [];
    const globs = readExcludeGlobs();
    for (const s of symbols) {
      const path = sendablePathOf(s.location.uri, globs);
      if (path === null) continue;
      const startLine = s.location.range.start.line + 1;
      const endLine = s.location.range.end.line + 1;
      out.push({
        kind: 'symbol',
        label: s.name,
        detail: `${s.containerName ? `${s.containerName} · ` : ''}${rangeLabel(path, startLine, endLine)}`,
        path,
        startLine,
        endLine,
      });
      if (out.filter((m) => m.kind === 'symbol').length >= PER_KIND) break;
    }
  }
  return out;
}

/** Why a workspace path may not be read, or its URI. */
function workspaceUri(path: string): { uri: vscode.Uri } | { error: string } {
  const roots = folders().filter((f) => f.uri.scheme === 'file');
  if (roots.length === 0) return { error: 'No folder is open, so there is nothing to attach.' };
  // Paths are relative to their folder (as the awareness code sends them); in a multi-root
  // workspace the first folder that has the file is meant, or the one its first segment names.
  const tries = [
    ...roots.map((f) => vscode.Uri.joinPath(f.uri, path).fsPath),
    ...roots.filter((f) => path.startsWith(`${f.name}/`)).map((f) => vscode.Uri.joinPath(f.uri, path.slice(f.name.length + 1)).fsPath),
  ];
  const target = tries.find((p) => existsSync(p)) ?? tries[0]!;
  const inside = resolveInside(
    roots.map((f) => f.uri.fsPath),
    target,
  );
  if (!inside.ok) return { error: inside.reason };
  const globs = readExcludeGlobs();
  // Through a link too: what the path really is must not be private either.
  if (isExcludedPath(path, globs) || isExcludedPath(relativeToRoots(inside.path, [inside.root]) ?? path, globs)) {
    return { error: `${path} matches your privacy globs (alisa.privacy.excludeGlobs): Alisa does not read it.` };
  }
  return { uri: vscode.Uri.file(inside.path) };
}

/** The text of a document: the open editor's (unsaved changes included), else the file's. */
async function documentText(uri: vscode.Uri): Promise<{ text: string } | { error: string }> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return { text: open.getText() };
  let bytes: Uint8Array;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type & vscode.FileType.Directory) return { error: 'That is a folder: mention it as a folder.' };
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (err) {
    return { error: `It could not be read: ${(err as Error).message}` };
  }
  if (looksBinary(bytes)) return { error: 'It is a binary file: only text can be attached.' };
  return { text: new TextDecoder().decode(bytes) };
}

async function resolveFile(m: Mention): Promise<Resolved> {
  const where = workspaceUri(m.path ?? '');
  if ('error' in where) return where;
  const doc = await documentText(where.uri);
  if ('error' in doc) return { error: `${m.path}: ${doc.error}` };
  const t = attachmentText(doc.text);
  const label = t.cut ? rangeLabel(m.path!, 1, t.lines) : m.path!;
  return { attachment: { kind: 'file', label, path: m.path, ...(t.cut ? { startLine: 1, endLine: t.lines } : {}), text: t.text } };
}

async function resolveSymbol(m: Mention): Promise<Resolved> {
  const where = workspaceUri(m.path ?? '');
  if ('error' in where) return where;
  if (m.startLine === undefined) return { error: `${m.label}: the symbol has no place in a file.` };
  const doc = await documentText(where.uri);
  if ('error' in doc) return { error: `${m.path}: ${doc.error}` };
  const lines = doc.text.split(/\r?\n/);
  const end = Math.min(m.endLine ?? m.startLine, lines.length);
  const t = attachmentText(lines.slice(m.startLine - 1, end).join('\n'));
  const endLine = t.cut ? m.startLine + t.lines - 1 : end;
  return { attachment: { kind: 'symbol', label: rangeLabel(m.path!, m.startLine, endLine), path: m.path, startLine: m.startLine, endLine, text: t.text } };
}

async function resolveFolder(m: Mention): Promise<Resolved> {
  const path = (m.path ?? '').replace(/\/+$/, '');
  const where = workspaceUri(path);
  if ('error' in where) return where;
  const globs = readExcludeGlobs();
  const files = (await workspaceFiles()).filter((f) => f.startsWith(`${path}/`) && !isExcludedPath(f, globs));
  if (files.length === 0) return { error: `${path}/ has no files Alisa may list.` };
  const shown = files.slice(0, FOLDER_LIST_MAX).map((f) => f.slice(path.length + 1));
  const more = files.length > shown.length ? `\n… and ${files.length - shown.length} more files` : '';
  return { attachment: { kind: 'folder', label: `${path}/`, path, text: attachmentText(`Files in ${path}/:\n${shown.join('\n')}${more}`).text } };
}

function resolveProblems(): Resolved {
  const globs = readExcludeGlobs();
  const problems: ProblemLine[] = [];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    const path = sendablePathOf(uri, globs);
    if (path === null) continue;
    for (const d of diagnostics) {
      problems.push({
        path,
        line: d.range.start.line,
        character: d.range.start.character,
        severity: SEVERITY[d.severity] ?? 'error',
        message: d.message,
        source: d.source ?? null,
        code: d.code === undefined ? null : typeof d.code === 'object' ? d.code.value : d.code,
      });
    }
  }
  if (problems.length === 0) return { error: 'There are no problems in the workspace right now.' };
  return { attachment: { kind: 'problems', label: `@problems (${problems.length})`, text: attachmentText(problemsText(problems)).text } };
}

function resolveSelection(): Resolved {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor || editor.selection.isEmpty) return { error: 'Nothing is selected: select some code in an editor, then mention @selection.' };
  const path = sendablePathOf(editor.document.uri);
  if (path === null) return { error: 'The selected file is outside the workspace or matches your privacy globs: Alisa does not read it.' };
  const sel = editor.selection;
  const startLine = sel.start.line + 1;
  // A selection ending at the start of a line does not take that line.
  const endLine = Math.max(startLine, sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1);
  const t = attachmentText(editor.document.getText(sel));
  const shownEnd = t.cut ? startLine + t.lines - 1 : endLine;
  return { attachment: { kind: 'selection', label: rangeLabel(path, startLine, shownEnd), path, startLine, endLine: shownEnd, text: t.text } };
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // No shell: the arguments are ours and the folder is the workspace's.
    execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 8 * 1024 * 1024, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error((stderr || err.message).trim().split('\n')[0] || 'git failed'));
      else resolve(stdout);
    });
  });
}

async function resolveDiff(): Promise<Resolved> {
  const roots = folders().filter((f) => f.uri.scheme === 'file');
  if (roots.length === 0) return { error: 'No folder is open, so there is no git diff.' };
  const globs = readExcludeGlobs();
  const parts: string[] = [];
  let dropped = 0;
  for (const f of roots) {
    let diff: string;
    try {
      // Staged and unstaged changes against the last commit; a repository without one: the working tree's.
      diff = await git(f.uri.fsPath, ['diff', '--no-color', '--no-ext-diff', 'HEAD']).catch(() => git(f.uri.fsPath, ['diff', '--no-color', '--no-ext-diff']));
    } catch (err) {
      if (roots.length === 1) return { error: `git diff failed: ${(err as Error).message}` };
      continue;
    }
    const prefix = roots.length > 1 ? `${f.name}/` : '';
    const kept = dropPrivateDiffSections(diff, (p) => isExcludedPath(prefix + p, globs));
    dropped += kept.dropped;
    if (kept.text.trim()) parts.push(kept.text);
  }
  if (parts.length === 0) return { error: dropped ? 'The only changes are in files that match your privacy globs.' : 'There are no uncommitted changes.' };
  const note = dropped ? `\n(${dropped} changed file${dropped === 1 ? '' : 's'} matching your privacy globs left out)` : '';
  return { attachment: { kind: 'diff', label: '@diff', text: attachmentText(parts.join('\n') + note).text } };
}

/** Reads one mention into an attachment, or says why it cannot be attached. */
export async function resolveMention(m: Mention, terminalOutput: () => string | null): Promise<Resolved> {
  try {
    switch (m.kind) {
      case 'file':
        return await resolveFile(m);
      case 'folder':
        return await resolveFolder(m);
      case 'symbol':
        return await resolveSymbol(m);
      case 'problems':
        return resolveProblems();
      case 'selection':
        return resolveSelection();
      case 'diff':
        return await resolveDiff();
      case 'terminal': {
        const out = terminalOutput();
        if (!out) return { error: 'No terminal output yet: run a command in a terminal (with shell integration), then mention @terminal.' };
        return { attachment: { kind: 'terminal', label: '@terminal', text: attachmentText(out).text } };
      }
      case 'memory':
        if (!m.text) return { error: 'That memory has no text.' };
        return { attachment: { kind: 'memory', label: m.label, text: attachmentText(m.text).text } };
      case 'codebase':
        return { attachment: { kind: 'codebase', label: m.label, text: '' } };
    }
  } catch (err) {
    return { error: `${m.label} could not be read: ${(err as Error).message}` };
  }
}

/** Opens a workspace-relative path at a line (a reply's source link); refuses what is outside or private. */
export async function openSource(path: string, line: number | undefined): Promise<string | null> {
  const where = workspaceUri(path);
  if ('error' in where) return where.error;
  try {
    const doc = await vscode.workspace.openTextDocument(where.uri);
    const at = new vscode.Position(Math.max(0, Math.min((line ?? 1) - 1, doc.lineCount - 1)), 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at), preview: true });
    return null;
  } catch (err) {
    return `${path} could not be opened: ${(err as Error).message}`;
  }
}
