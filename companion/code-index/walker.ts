// Which files of a workspace folder the codebase index reads (issue 17): what git would commit
// (`git ls-files --cached --others --exclude-standard`, so every .gitignore, nested ones, the
// repository's info/exclude and the user's global excludes count), or, outside a git repository,
// a walk that reads each folder's .gitignore itself. Never a file matching the user's privacy
// globs (`alisa.privacy.excludeGlobs`) or their exclude globs (`files.exclude`, `search.exclude`),
// a known binary or generated kind, a file over the size limit, or a link that leads out of the
// folder (a link is followed only when its target is inside).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Minimatch } from 'minimatch';
import { isExcludedPath } from '../../common/privacy/exclude-globs';
import { realPathOf } from '../../common/workspace-path';

export interface WalkOptions {
  /** `alisa.privacy.excludeGlobs`: nothing of a matching file is read. */
  privacyGlobs: readonly string[];
  /** Other globs the user excluded (VS Code's files.exclude and search.exclude). */
  excludeGlobs?: readonly string[];
  maxFileBytes: number;
  signal?: AbortSignal;
  /** Only these folder-relative paths (changed files): each is listed if git (or the .gitignore files) would list it. */
  only?: readonly string[];
}

export interface FoundFile {
  /** Folder-relative, `/` separators. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  files: FoundFile[];
  /** How many were left out, by reason (privacy, excluded, binary, too large, link out). */
  skipped: Record<SkipReason, number>;
  /** 'git' when git listed the files, 'walk' otherwise. */
  lister: 'git' | 'walk';
}

export type SkipReason = 'privacy' | 'excluded' | 'binary' | 'tooLarge' | 'linkOut';

/** Kinds that are never text worth searching: images, media, archives, compiled code, fonts, databases, models. */
const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif bmp ico icns webp avif tiff psd svgz mp3 mp4 m4a wav ogg oga flac webm mov avi mkv ' +
    'zip gz tgz bz2 xz zst 7z rar tar jar war ear whl egg nupkg vsix crx deb rpm dmg iso img ' +
    'exe dll so dylib a o obj lib node wasm class pyc pyo pdb bin dat ' +
    'woff woff2 ttf otf eot pdf doc docx xls xlsx ppt pptx odt ' +
    'sqlite sqlite3 db gguf onnx pt pth safetensors ckpt h5 pb tflite npy npz parquet arrow'
  ).split(/\s+/),
);
/** Generated files that only drown real code in matches. */
const GENERATED =
  /(?:^|\/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|npm-shrinkwrap\.json|Cargo\.lock|poetry\.lock|composer\.lock)$|\.min\.(?:js|css)$|\.map$/i;
/** Never listed, whatever git says (the walk skips it too). */
const ALWAYS_SKIPPED_DIRS = new Set(['.git', '.hg', '.svn']);

export function isBinaryName(rel: string): boolean {
  const dot = rel.lastIndexOf('.');
  return dot > rel.lastIndexOf('/') && BINARY_EXTENSIONS.has(rel.slice(dot + 1).toLowerCase());
}

/** A NUL byte in the first 8 KB: what git and grep take for binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

/** Lists the indexable files of `root`, sorted by path. */
export async function walkFolder(root: string, opts: WalkOptions): Promise<WalkResult> {
  const realRoot = realPathOf(root);
  const listed = await gitList(root, opts.only).catch(() => null);
  const rels = listed ?? (opts.only ? await notIgnored(root, opts.only) : await walkList(root, opts.signal));
  const skipped: Record<SkipReason, number> = { privacy: 0, excluded: 0, binary: 0, tooLarge: 0, linkOut: 0 };
  const files: FoundFile[] = [];
  let n = 0;
  for (const rel of rels) {
    if (++n % 500 === 0) {
      opts.signal?.throwIfAborted();
      await new Promise((r) => setImmediate(r));
    }
    if (rel.split('/').some((part) => ALWAYS_SKIPPED_DIRS.has(part))) continue;
    if (isExcludedPath(rel, opts.privacyGlobs)) {
      skipped.privacy++;
      continue;
    }
    if ((opts.excludeGlobs?.length && isExcludedPath(rel, opts.excludeGlobs)) || GENERATED.test(rel)) {
      skipped.excluded++;
      continue;
    }
    if (isBinaryName(rel)) {
      skipped.binary++;
      continue;
    }
    const abs = path.join(root, rel);
    let st;
    try {
      st = await fs.lstat(abs);
      if (st.isSymbolicLink()) {
        const target = realPathOf(abs);
        const back = path.relative(realRoot, target);
        if (back.startsWith('..') || path.isAbsolute(back)) {
          skipped.linkOut++;
          continue;
        }
        st = await fs.stat(abs);
      }
    } catch {
      // Listed by git but gone from the disk (deleted, not yet committed): nothing to read.
      continue;
    }
    if (!st.isFile()) continue;
    if (st.size > opts.maxFileBytes) {
      skipped.tooLarge++;
      continue;
    }
    files.push({ rel, abs, size: st.size, mtimeMs: st.mtimeMs });
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, skipped, lister: listed ? 'git' : 'walk' };
}

/** The files git would commit under `root` (tracked, and untracked but not ignored); null when `root` is in no repository. */
function gitList(root: string, only?: readonly string[]): Promise<string[] | null> {
  return new Promise((resolve) => {
    const args = ['-c', 'core.quotepath=off', '--literal-pathspecs', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'];
    // The paths go on stdin: a thousand changed files would not fit on a command line.
    if (only) args.push('--pathspec-from-file=-', '--pathspec-file-nul');
    const child = execFile('git', args, { cwd: root, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', windowsHide: true }, (err, stdout) => {
      if (err) return resolve(null);
      // A file deleted and staged appears once per stage; one is enough.
      resolve([...new Set(stdout.split('\0').filter(Boolean))]);
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(only ? only.join('\0') : undefined);
  });
}

/** Those of `rels` that no .gitignore on their way down from `root` ignores (outside a repository). */
async function notIgnored(root: string, rels: readonly string[]): Promise<string[]> {
  const rulesOf = new Map<string, IgnoreRule[]>();
  const rules = async (dir: string): Promise<IgnoreRule[]> => {
    const known = rulesOf.get(dir);
    if (known) return known;
    const parent = dir ? await rules(dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '') : [];
    const text = await fs.readFile(path.join(root, dir, '.gitignore'), 'utf8').catch(() => '');
    const all = text ? [...parent, ...parseGitignore(text, dir)] : parent;
    rulesOf.set(dir, all);
    return all;
  };
  const out: string[] = [];
  for (const rel of rels) {
    const parts = rel.split('/');
    let ok = true;
    // A file in an ignored folder is ignored, whatever the rules say of the file.
    for (let i = 1; i <= parts.length && ok; i++) {
      const sub = parts.slice(0, i).join('/');
      const dir = parts.slice(0, i - 1).join('/');
      if (ignored(await rules(dir), sub, i < parts.length)) ok = false;
    }
    if (ok) out.push(rel);
  }
  return out;
}

/** One .gitignore's rules, each relative to the folder holding it. */
interface IgnoreRule {
  base: string;
  match: Minimatch;
  negate: boolean;
  dirOnly: boolean;
}

/** Reads a .gitignore into rules (gitignore(5): `#` comments, `!` negation, `/` anchoring, trailing `/` for folders). */
export function parseGitignore(text: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    line = line.replace(/^\\([#!])/, '$1');
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.slice(0, -1);
    // A pattern with a slash (other than at its end) is anchored to its folder; one without matches at any depth.
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    if (!line) continue;
    const pattern = anchored ? line : `**/${line}`;
    rules.push({ base, match: new Minimatch(pattern, { dot: true }), negate, dirOnly });
  }
  return rules;
}

/** Whether the rules in force ignore `rel` (the last matching rule wins, as in git). */
function ignored(rules: readonly IgnoreRule[], rel: string, isDir: boolean): boolean {
  let result = false;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    const sub = r.base ? (rel.startsWith(`${r.base}/`) ? rel.slice(r.base.length + 1) : null) : rel;
    if (sub !== null && r.match.match(sub)) result = !r.negate;
  }
  return result;
}

/** Walks `root` reading each folder's .gitignore (for folders outside any git repository). */
async function walkList(root: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rules: IgnoreRule[]): Promise<void> => {
    signal?.throwIfAborted();
    let entries;
    try {
      entries = await fs.readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    const here = entries.find((e) => e.name === '.gitignore' && e.isFile());
    if (here) {
      const text = await fs.readFile(path.join(root, dir, '.gitignore'), 'utf8').catch(() => '');
      rules = [...rules, ...parseGitignore(text, dir)];
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!ALWAYS_SKIPPED_DIRS.has(e.name) && !ignored(rules, rel, true)) await walk(rel, rules);
      } else if ((e.isFile() || e.isSymbolicLink()) && !ignored(rules, rel, false)) {
        out.push(rel);
      }
    }
  };
  await walk('', []);
  return out;
}
