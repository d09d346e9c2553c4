// What the window tells the companion's codebase index (issue 17), as plain data (no `vscode`,
// unit-tested): the globs the user excluded in VS Code, the changed paths worth reporting, and
// the words of the status and progress.
import type { CodeIndexStatus } from '../../protocol/code-index';

/** Keys of `files.exclude` / `search.exclude` objects whose value is `true` (a `when` clause is not evaluated: left indexed). */
export function excludeGlobsOf(...settings: unknown[]): string[] {
  const out = new Set<string>();
  for (const s of settings) {
    if (!s || typeof s !== 'object') continue;
    for (const [glob, on] of Object.entries(s as Record<string, unknown>)) if (on === true && glob.length <= 1000) out.add(glob);
  }
  return [...out].slice(0, 500);
}

/** Folders whose every change is noise for the index (VCS data, dependencies and build output that git ignores anyway). */
const NOISY = /[\\/](?:\.git|\.hg|\.svn|node_modules|\.venv|__pycache__)(?:[\\/]|$)/;

/** The changed paths worth sending, without repeats. */
export function changedPaths(paths: Iterable<string>): string[] {
  return [...new Set([...paths].filter((p) => !NOISY.test(p)))];
}

/** "1,234 of 5,000 files" while a pass reads, or what the index holds. */
export function progressText(s: Pick<CodeIndexStatus, 'state' | 'filesDone' | 'filesTotal' | 'files' | 'chunks'>): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (s.state === 'scanning') return 'Listing files…';
  if (s.state === 'indexing') return `${n(s.filesDone)} of ${n(s.filesTotal)} files`;
  return `${n(s.files)} files, ${n(s.chunks)} chunks`;
}

/** Folder names as the index's paths start with them: two folders of the same name become `name` and `name (2)`; a `/` becomes `-`. */
export function uniqueNames<T extends { name: string }>(folders: readonly T[]): T[] {
  const used = new Set<string>();
  return folders.map((f) => {
    const base = f.name.replace(/\//g, '-') || 'folder';
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base} (${n})`;
    used.add(name);
    return { ...f, name };
  });
}
