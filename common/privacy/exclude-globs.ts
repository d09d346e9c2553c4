// The `alisa.privacy.excludeGlobs` patterns and how a workspace-relative path is matched against
// them: shared by the window (what may leave the editor) and the companion (what its codebase
// index may read), so a glob means the same on both sides. Pure, no `vscode`.
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
