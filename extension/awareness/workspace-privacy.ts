// The privacy rules applied to VS Code URIs: the workspace-relative path of a file that may be
// sent, or null (outside the workspace, not a file, or matching `alisa.privacy.excludeGlobs`).
import * as vscode from 'vscode';
import { DEFAULT_EXCLUDE_GLOBS, isExcludedPath, relativeToRoots } from './privacy';

const AWARENESS_SECTION = 'alisa';

export function readExcludeGlobs(): string[] {
  const globs = vscode.workspace.getConfiguration(AWARENESS_SECTION).get<unknown>('privacy.excludeGlobs', DEFAULT_EXCLUDE_GLOBS);
  return Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string') : [...DEFAULT_EXCLUDE_GLOBS];
}

export function awarenessEnabled(): boolean {
  return vscode.workspace.getConfiguration(AWARENESS_SECTION).get<boolean>('awareness.enabled', true) !== false;
}

/** The workspace-relative path of `uri` when something of it may be sent, else null. */
export function sendablePathOf(uri: vscode.Uri, globs: readonly string[] = readExcludeGlobs()): string | null {
  const roots = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === uri.scheme && f.uri.authority === uri.authority)
    .map((f) => f.uri.path);
  const rel = relativeToRoots(uri.path, roots);
  if (rel === null || isExcludedPath(rel, globs)) return null;
  return rel;
}

/** Like sendablePathOf, for a file system path (debugger frames, terminal cwd). */
export function sendableFsPath(fsPath: string, globs: readonly string[] = readExcludeGlobs()): string | null {
  return sendablePathOf(vscode.Uri.file(fsPath), globs);
}
