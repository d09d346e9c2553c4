// What may leave the editor (pure, no `vscode`): the `alisa.privacy.excludeGlobs` patterns, the
// workspace-relative check, and the size caps. Nothing from a matching file, or from a file
// outside the workspace, is ever sent to the companion.
export { DEFAULT_EXCLUDE_GLOBS, globToRegExp, isExcludedPath } from '../../common/privacy/exclude-globs';
import { isExcludedPath } from '../../common/privacy/exclude-globs';

/**
 * The workspace-relative path of `fsPath`, or null when it is in no folder of `roots` (absolute
 * fs paths). Comparison is by path segments; Windows paths are compared case-insensitively.
 */
export function relativeToRoots(fsPath: string, roots: readonly string[]): string | null {
  const norm = (s: string) => s.replace(/\\/g, '/').replace(/\/+$/, '');
  const file = norm(fsPath);
  const win = /^[a-z]:\//i.test(file);
  for (const r of roots) {
    const root = norm(r);
    const a = win ? file.toLowerCase() : file;
    const b = win ? root.toLowerCase() : root;
    if (a.startsWith(b + '/') && a.length > b.length + 1) return file.slice(root.length + 1);
  }
  return null;
}

/** The path to send for a file, or null when nothing of it may be sent (outside, or excluded). */
export function sendablePath(fsPath: string, roots: readonly string[], globs: readonly string[]): string | null {
  const rel = relativeToRoots(fsPath, roots);
  if (rel === null || isExcludedPath(rel, globs)) return null;
  return rel;
}

/** Cuts `text` to at most `max` characters, keeping the start (marked with an ellipsis). */
export function capHead(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + '…';
}

/** Cuts `text` to at most `max` characters, keeping the end (the tail of an output). */
export function capTail(text: string, max: number): string {
  return text.length <= max ? text : '…' + text.slice(text.length - Math.max(0, max - 1));
}
