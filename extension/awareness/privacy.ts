// What may leave the editor (pure, no `vscode`): the `alisa.privacy.excludeGlobs` patterns, the
// workspace-relative check, and the size caps. Nothing from a matching file, or from a file
// outside the workspace, is ever sent to the companion.
import { Minimatch } from 'minimatch';

export const DEFAULT_EXCLUDE_GLOBS: readonly string[] = [
  '**/.env*',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/*.crt',
  '**/id_rsa*',
  '**/id_ed25519*',
  '**/secrets.*',
  '**/*.keystore',
];

const cache = new Map<string, RegExp>();

/**
 * A glob as an anchored, case-insensitive regular expression over `/` paths, by minimatch (npm's
 * and glob's matcher), so `alisa.privacy.excludeGlobs` means what the same glob means elsewhere
 * (`**`, `*`, `?`, `{a,b}`, `[abc]`, `[!a]`, extglobs). Dot files and dot folders match like any
 * other (`**` goes into `.git/`). A pattern minimatch cannot read matches itself, literally.
 */
export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let compiled: RegExp;
  try {
    const re = new Minimatch(glob, { dot: true, nocase: true }).makeRe();
    if (!re) throw new Error('not a glob');
    compiled = re;
  } catch {
    compiled = new RegExp(`^${glob.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'i');
  }
  if (cache.size > 500) cache.clear();
  cache.set(glob, compiled);
  return compiled;
}

/** Normalizes a workspace-relative path: forward slashes, no leading `./` or `/`. */
function normalizeRelPath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
}

/**
 * True when `relPath` (workspace-relative) matches an exclude glob. A glob without a slash also
 * matches a bare file name anywhere (`.env` behaves like `** /.env`).
 */
export function isExcludedPath(relPath: string, globs: readonly string[] = DEFAULT_EXCLUDE_GLOBS): boolean {
  const p = normalizeRelPath(relPath);
  const base = p.slice(p.lastIndexOf('/') + 1);
  return globs.some((g) => {
    const glob = normalizeRelPath(g.trim());
    if (!glob) return false;
    const re = globToRegExp(glob);
    return re.test(p) || (!glob.includes('/') && re.test(base));
  });
}

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
