// Paths an action may touch stay inside the roots it was given (the workspace folders, the notes
// folder), after resolving every symbolic link: `src/link -> /etc` does not lead out, nor does
// `../../etc/passwd`, nor a file that does not exist yet under a linked folder. Both the extension
// (editor actions) and the companion (notes, the legacy client's "read file") use this one check.
import { realpathSync } from 'node:fs';
import path from 'node:path';

export type Inside = { ok: true; path: string; root: string } | { ok: false; reason: string };

/** The real path of `p`: its longest existing prefix resolved (links included), the rest appended. */
export function realPathOf(p: string): string {
  let head = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync.native(head);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return path.resolve(p);
      rest.push(path.basename(head));
      head = parent;
    }
  }
}

function within(child: string, root: string): boolean {
  if (child === root) return true;
  const rel = path.relative(root, child);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

/**
 * Resolves `p` (relative: against the first root) and answers where it really is, if that is
 * inside one of `roots`; otherwise why not, in a sentence that names the roots' kind.
 */
export function resolveInside(roots: readonly string[], p: string, what = 'the workspace'): Inside {
  if (roots.length === 0) return { ok: false, reason: `No folder is open, so ${what} is empty: Alisa touches no file outside it.` };
  if (p.includes('\0')) return { ok: false, reason: 'A path cannot contain a NUL character.' };
  const candidate = realPathOf(path.isAbsolute(p) ? p : path.join(roots[0]!, p));
  for (const root of roots) {
    const realRoot = realPathOf(root);
    if (within(candidate, realRoot)) return { ok: true, path: candidate, root: realRoot };
  }
  return { ok: false, reason: `${p} is outside ${what} (it resolves to ${candidate}): Alisa touches no file outside it.` };
}
