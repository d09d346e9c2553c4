// The editor actions (issue 16), run in the VS Code window that asked, through the VS Code API.
// The companion's executor has already applied the policy (asked the user where it must); here
// every path is checked again against this window's folders (links resolved) and the privacy
// globs (`alisa.privacy.excludeGlobs`: such files are never read, listed or changed), and every
// output is capped. Commands run without a shell (the companion refused any metacharacter), their
// output shown live in an "Alisa" terminal and answered capped with the exit code.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ActionArgs, ActionName } from '../../protocol/actions';
import { splitWords } from '../../common/shell-words';
import { resolveInside } from '../../common/workspace-path';
import { isExcludedPath } from '../awareness/privacy';
import { readExcludeGlobs, sendablePathOf } from '../awareness/workspace-privacy';
import { fingerprintOf, type RevertLedger } from '../help/revert-ledger';
import { keepHead, keepTail } from './action-logic';

export const EDITOR_ACTIONS: readonly ActionName[] = [
  'open_file',
  'find_in_workspace',
  'read_file',
  'list_problems',
  'git_status',
  'git_diff',
  'propose_edit',
  'run_task',
  'run_in_terminal',
  'open_url',
];

/** What an editor action reads, finds and answers at most, and how long a command runs by default. */
const LIMITS = { read: 100_000, output: 20_000, matches: 50, files: 5000, fileBytes: 1024 * 1024, commandMs: 120_000 } as const;
const APPLY = 'Apply';
const DISCARD = 'Discard';

export class ActionFailure extends Error {}

/** The window's folders on disk (file: folders only). */
export function workspaceRoots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** A path of this workspace that may be touched: inside a folder (links resolved) and not private. */
function checkedPath(p: string): { abs: string; rel: string } {
  const roots = workspaceRoots();
  const inside = resolveInside(roots, p);
  if (!inside.ok) throw new ActionFailure(inside.reason);
  const rel = path.relative(inside.root, inside.path).split(path.sep).join('/');
  if (rel && isExcludedPath(rel, readExcludeGlobs()))
    throw new ActionFailure(`${rel} matches your privacy globs (alisa.privacy.excludeGlobs): Alisa never reads or changes it.`);
  return { abs: inside.path, rel: rel || '.' };
}

/**
 * The workspace-relative path of a file that may be shown, or null: outside every folder once links
 * are resolved (a link inside a folder may lead out; the file search follows links), or matching
 * the privacy globs. The settings and folders are read once per action,
 * not once per file of a search.
 */
function shownPaths(): (uri: vscode.Uri) => string | null {
  const globs = readExcludeGlobs();
  const roots = workspaceRoots();
  return (uri) => (uri.scheme === 'file' && resolveInside(roots, uri.fsPath).ok ? sendablePathOf(uri, globs) : null);
}

/** Runs a program without a shell in `cwd`; output capped (the end kept), killed after `timeoutMs`. */
function runProgram(
  words: string[],
  cwd: string,
  timeoutMs: number,
  onOutput?: (chunk: string) => void,
): Promise<{ output: string; exitCode: number | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(words[0]!, words.slice(1), { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const add = (d: Buffer) => {
      const s = d.toString('utf8');
      onOutput?.(s);
      output = keepTail(output + s, LIMITS.output * 2);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ActionFailure(err.code === 'ENOENT' ? `There is no program called "${words[0]}" here.` : `${words[0]} could not start: ${err.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ output: keepTail(output, LIMITS.output), exitCode: code, timedOut });
    });
  });
}

/** An "Alisa" terminal showing a command's output as it comes (a pseudoterminal: nothing typed there runs). */
function outputTerminal(command: string): { write(s: string): void; end(code: number | null): void } {
  const writer = new vscode.EventEmitter<string>();
  const pty: vscode.Pseudoterminal = { onDidWrite: writer.event, open: () => {}, close: () => {} };
  const terminal = vscode.window.createTerminal({ name: 'Alisa', pty });
  terminal.show(true);
  const queued: string[] = [`$ ${command}\r\n`];
  // The terminal opens asynchronously; what arrives before is written once it does.
  setTimeout(() => {
    for (const q of queued.splice(0)) writer.fire(q);
  }, 50);
  return {
    write: (s) => {
      const text = s.replace(/\r?\n/g, '\r\n');
      if (queued.length) queued.push(text);
      else writer.fire(text);
    },
    end: (code) => writer.fire(`\r\n[exit code ${code ?? 'none'}]\r\n`),
  };
}

export interface EditorActionDeps {
  ledger: RevertLedger;
  log(line: string): void;
}

export async function runEditorAction<A extends ActionName>(action: A, raw: ActionArgs<A>, deps: EditorActionDeps): Promise<Record<string, unknown>> {
  const args = raw as Record<string, unknown>;
  const root = workspaceRoots()[0];
  switch (action) {
    case 'open_file': {
      const { abs, rel } = checkedPath(String(args.path));
      const line = typeof args.line === 'number' ? args.line - 1 : 0;
      const pos = new vscode.Position(Math.max(0, line), 0);
      await vscode.window.showTextDocument(vscode.Uri.file(abs), { selection: new vscode.Range(pos, pos), preview: false });
      return { text: `Opened ${rel}${typeof args.line === 'number' ? `:${args.line}` : ''}.` };
    }
    case 'read_file': {
      const { abs, rel } = checkedPath(String(args.path));
      let st;
      try {
        st = statSync(abs);
      } catch {
        throw new ActionFailure(`There is no file ${rel}.`);
      }
      if (!st.isFile()) throw new ActionFailure(`${rel} is not a file.`);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(abs));
      const from = typeof args.startLine === 'number' ? args.startLine : 1;
      const to = Math.min(doc.lineCount, typeof args.endLine === 'number' ? args.endLine : doc.lineCount);
      const lines: string[] = [];
      for (let i = from; i <= to; i++) lines.push(doc.lineAt(i - 1).text);
      return { text: keepHead(`${rel}:${from}-${to}\n${lines.join('\n')}`, LIMITS.read) };
    }
    case 'find_in_workspace': {
      const query = String(args.query);
      const relOf = shownPaths();
      if (args.kind === 'symbol') {
        const symbols = (await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', query)) ?? [];
        const matches = symbols
          .map((s) => ({ rel: relOf(s.location.uri), s }))
          .filter((m): m is { rel: string; s: vscode.SymbolInformation } => m.rel !== null)
          .slice(0, LIMITS.matches)
          .map(({ rel, s }) => ({ path: rel, line: s.location.range.start.line + 1, text: `${vscode.SymbolKind[s.kind]} ${s.name}` }));
        return { text: matches.length ? matches.map((m) => `${m.path}:${m.line} ${m.text}`).join('\n') : `No symbol matches "${query}".`, matches };
      }
      const needle = query.toLowerCase();
      const files = await vscode.workspace.findFiles('**/*', undefined, LIMITS.files);
      const matches: Array<{ path: string; line: number; text: string }> = [];
      for (const uri of files) {
        if (matches.length >= LIMITS.matches) break;
        const rel = relOf(uri);
        if (rel === null) continue;
        let bytes: Uint8Array;
        try {
          if (statSync(uri.fsPath).size > LIMITS.fileBytes) continue;
          bytes = await vscode.workspace.fs.readFile(uri);
        } catch {
          continue;
        }
        if (bytes.includes(0)) continue;
        const lines = Buffer.from(bytes).toString('utf8').split('\n');
        for (let i = 0; i < lines.length && matches.length < LIMITS.matches; i++) {
          if (lines[i]!.toLowerCase().includes(needle)) matches.push({ path: rel, line: i + 1, text: lines[i]!.trim().slice(0, 200) });
        }
      }
      matches.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
      return { text: matches.length ? matches.map((m) => `${m.path}:${m.line}: ${m.text}`).join('\n') : `"${query}" is nowhere in the workspace.`, matches };
    }
    case 'list_problems': {
      const relOf = shownPaths();
      const lines: string[] = [];
      for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
        const rel = relOf(uri);
        if (rel === null) continue;
        for (const d of diagnostics) {
          if (d.severity > vscode.DiagnosticSeverity.Warning) continue;
          lines.push(`${rel}:${d.range.start.line + 1}: ${d.severity === vscode.DiagnosticSeverity.Error ? 'error' : 'warning'}: ${d.message.split('\n')[0]}`);
        }
      }
      lines.sort();
      return { text: lines.length ? keepHead(lines.join('\n'), LIMITS.read) : 'No problems: no errors or warnings in the workspace.' };
    }
    case 'git_status':
    case 'git_diff': {
      if (!root) throw new ActionFailure('No folder is open.');
      const extra = action === 'git_diff' && typeof args.path === 'string' ? ['--', checkedPath(args.path).abs] : [];
      const cmd = action === 'git_status' ? ['git', 'status', '--short', '--branch'] : ['git', '--no-pager', 'diff', ...extra];
      const r = await runProgram(cmd, root, 30_000);
      if (r.exitCode !== 0) throw new ActionFailure(`git failed: ${r.output.trim().split('\n').slice(-2).join(' ') || `exit code ${r.exitCode}`}`);
      return { text: r.output.trim() || (action === 'git_diff' ? 'No uncommitted changes.' : 'Nothing to report.') };
    }
    case 'run_in_terminal': {
      if (!root) throw new ActionFailure('No folder is open.');
      const command = String(args.command);
      const term = outputTerminal(command);
      const r = await runProgram(splitWords(command), root, typeof args.timeoutMs === 'number' ? args.timeoutMs : LIMITS.commandMs, (s) => term.write(s));
      term.end(r.exitCode);
      const how = r.timedOut ? 'was stopped: it ran too long' : `ended with exit code ${r.exitCode}`;
      return { text: `\`${command}\` ${how}.\n${r.output}`, exitCode: r.exitCode, timedOut: r.timedOut };
    }
    case 'run_task': {
      const name = String(args.name);
      const tasks = await vscode.tasks.fetchTasks();
      const task =
        tasks.find((t) => t.name === name) ??
        tasks.find((t) => t.name.toLowerCase() === name.toLowerCase()) ??
        (name.toLowerCase() === 'test' ? tasks.find((t) => t.group === vscode.TaskGroup.Test) : undefined);
      if (!task)
        throw new ActionFailure(
          `There is no task "${name}" in this workspace${
            tasks.length
              ? ` (there are: ${tasks
                  .map((t) => t.name)
                  .slice(0, 10)
                  .join(', ')})`
              : ''
          }.`,
        );
      // Listening before it starts: a quick task may end before executeTask's answer arrives.
      const ended: vscode.TaskProcessEndEvent[] = [];
      let check = () => {};
      const sub = vscode.tasks.onDidEndTaskProcess((e) => {
        ended.push(e);
        check();
      });
      let code: number | undefined;
      try {
        const execution = await vscode.tasks.executeTask(task);
        code = await new Promise<number | undefined>((resolve) => {
          check = () => {
            const e = ended.find((x) => x.execution === execution);
            if (e) resolve(e.exitCode);
          };
          check();
        });
      } finally {
        sub.dispose();
      }
      return { text: `The task "${task.name}" ended with exit code ${code ?? 'unknown'}.` };
    }
    case 'open_url': {
      const ok = await vscode.env.openExternal(vscode.Uri.parse(String(args.url), true));
      return { text: ok ? `Opened ${args.url}.` : `VS Code could not open ${args.url}.` };
    }
    case 'propose_edit':
      return proposeEdit(String(args.path), String(args.content), deps);
  }
  throw new ActionFailure(`${action} is not an editor action.`);
}

/** The proposed file shown as a diff; the user applies it (one undo step, in the Revert list) or discards it. */
async function proposeEdit(p: string, content: string, deps: EditorActionDeps): Promise<Record<string, unknown>> {
  const { abs, rel } = checkedPath(p);
  const uri = vscode.Uri.file(abs);
  let exists = true;
  try {
    exists = statSync(abs).isFile();
  } catch {
    exists = false;
  }
  const proposed = await vscode.workspace.openTextDocument({
    content,
    language: exists ? (await vscode.workspace.openTextDocument(uri)).languageId : undefined,
  });
  if (exists) await vscode.commands.executeCommand('vscode.diff', uri, proposed.uri, `${rel} ↔ Alisa's proposal`, { preview: true });
  else await vscode.window.showTextDocument(proposed, { preview: true });
  const choice = await vscode.window.showInformationMessage(
    exists ? `Alisa proposes a change to ${rel}: apply it?` : `Alisa proposes a new file ${rel}: create it?`,
    APPLY,
    DISCARD,
  );
  if (choice !== APPLY) return { text: `You did not apply the change to ${rel}.` };
  const edit = new vscode.WorkspaceEdit();
  let oldText = '';
  if (exists) {
    const doc = await vscode.workspace.openTextDocument(uri);
    oldText = doc.getText();
    edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(oldText.length)), content);
  } else {
    edit.createFile(uri, { ignoreIfExists: false });
    edit.insert(uri, new vscode.Position(0, 0), content);
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new ActionFailure(`VS Code refused the change to ${rel} (the file may have changed meanwhile).`);
  const doc = await vscode.workspace.openTextDocument(uri);
  await doc.save();
  deps.ledger.record({
    uri: uri.toString(),
    name: rel,
    offset: 0,
    oldText,
    newText: content,
    versionAfter: doc.version,
    fingerprint: fingerprintOf(doc.getText()),
  });
  return { text: `Applied the change to ${rel}.` };
}
