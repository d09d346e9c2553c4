// Returning after a break (issue 17): what the user did before it, from editor events alone, and
// when a break ended. Pure apart from the clock the caller passes. The events are the
// `context.update`s the extension sends (already privacy-filtered): the files typed in, the errors
// that went away, what still fails (files with errors, failed commands not since run green). A
// break is a gap of `breakMs` with no sign of the user (typing, switching files, running
// commands; diagnostics alone are the language server, not the user); the first sign after it
// ends the break, and the recap is what happened before, in one deterministic sentence. Nothing
// matching the privacy globs is named, even where the extension's filter could not see it (a file
// named on a command line).
import { diagnosticSignature } from '../../common/fix-signature';
import { isExcludedPath } from '../../common/privacy/exclude-globs';
import { looksLikeTestRun } from '../context/activity-fuser';
import type { ContextUpdate } from '../../protocol/context';

export const DEFAULT_BREAK_MS = 30 * 60_000;
/** Files and commands kept per stretch of work (the recap names a few). */
const MAX_KEPT = 50;
const NAMED = 3;

export interface RecapFacts {
  /** Files typed in, most recent first (workspace-relative). */
  edited: string[];
  /** Files shown but not typed in, most recent first. */
  viewed: string[];
  /** Errors that went away. */
  fixed: number;
  /** Files that still have errors. */
  failingFiles: string[];
  /** Commands whose last run failed, most recent first. */
  failingCommands: string[];
}

interface TrackerOptions {
  breakMs?: number;
  /** alisa.privacy.excludeGlobs (absent: the defaults). */
  privacyGlobs?: readonly string[];
}

/** Keeps `key` as the most recent of an insertion-ordered set, bounded. */
function touch(set: Set<string>, key: string): void {
  set.delete(key);
  set.add(key);
  if (set.size > MAX_KEPT) set.delete(set.values().next().value!);
}

const newestFirst = (set: Set<string>) => [...set].reverse();
const baseName = (p: string) => p.slice(p.replace(/\\/g, '/').lastIndexOf('/') + 1) || p;

export class RecapTracker {
  breakMs: number;
  privacyGlobs: readonly string[] | undefined;
  private lastActivityAt: number | null = null;
  private editorPath: string | null = null;
  private editorText: string | null = null;
  /** The extension's typing flag as last reported (it is sent when it changes). */
  private typingNow = false;
  private edited = new Set<string>();
  private viewed = new Set<string>();
  private fixed = 0;
  /** Current errors by file and signature: how many. */
  private errors = new Map<string, { path: string; n: number }>();
  private failing = new Set<string>();

  constructor(opts: TrackerOptions = {}) {
    this.breakMs = opts.breakMs ?? DEFAULT_BREAK_MS;
    this.privacyGlobs = opts.privacyGlobs;
  }

  /**
   * Takes one update at `at`. `returned`: it is the first sign of the user after a break; `before`
   * is then what they did before it (and the next stretch starts empty, apart from what still fails).
   */
  observe(update: ContextUpdate, at: number): { returned: boolean; before: RecapFacts | null } {
    const active = update.typing === true || update.editor !== undefined || update.terminalFailure !== undefined || update.terminalSuccess !== undefined;
    let before: RecapFacts | null = null;
    if (active) {
      if (this.lastActivityAt !== null && at - this.lastActivityAt >= this.breakMs) {
        before = this.facts();
        this.edited.clear();
        this.viewed.clear();
        this.fixed = 0;
      }
      this.lastActivityAt = at;
    }
    this.apply(update);
    return { returned: before !== null, before };
  }

  private apply(u: ContextUpdate): void {
    if (u.editor !== undefined) {
      const next = u.editor;
      // Its text changed while the user types: they type in it. (Switching files while typing
      // sends no new typing flag: it is still on.)
      const typedIn = next !== null && next.path === this.editorPath && next.text !== this.editorText && this.typingNow;
      this.editorPath = next?.path ?? null;
      this.editorText = next?.text ?? null;
      if (typedIn) this.markEdited();
      else if (this.editorPath && !this.edited.has(this.editorPath)) touch(this.viewed, this.editorPath);
    }
    if (u.typing !== undefined) this.typingNow = u.typing;
    if (u.typing) this.markEdited();
    if (u.diagnostics !== undefined) {
      // By signature, not message: an error reworded while the user types ('fo' -> 'foo') is the
      // same error, not one fixed and one new.
      const now = new Map<string, { path: string; n: number }>();
      for (const file of u.diagnostics)
        for (const d of file.diagnostics) {
          if (d.severity !== 'error') continue;
          const key = `${file.path}|${diagnosticSignature(d)}`;
          now.set(key, { path: file.path, n: (now.get(key)?.n ?? 0) + 1 });
        }
      for (const [key, was] of this.errors) this.fixed += Math.max(0, was.n - (now.get(key)?.n ?? 0));
      this.errors = now;
    }
    if (u.terminalFailure) touch(this.failing, u.terminalFailure.commandLine.trim());
    if (u.terminalSuccess) this.failing.delete(u.terminalSuccess.commandLine.trim());
  }

  private markEdited(): void {
    if (!this.editorPath) return;
    this.viewed.delete(this.editorPath);
    touch(this.edited, this.editorPath);
  }

  /** What happened in this stretch of work so far. */
  facts(): RecapFacts {
    return {
      edited: newestFirst(this.edited),
      viewed: newestFirst(this.viewed),
      fixed: this.fixed,
      failingFiles: [...new Set([...this.errors.values()].map((e) => e.path))],
      failingCommands: newestFirst(this.failing),
    };
  }

  /** Whether the privacy globs allow naming `path`. */
  private nameable(path: string): boolean {
    return !isExcludedPath(path, this.privacyGlobs);
  }

  /** A command line may be named when none of its words is a private file. */
  private nameableCommand(commandLine: string): boolean {
    return commandLine.split(/\s+/).every((w) => w === '' || this.nameable(w.replace(/^['"]|['"]$/g, '')));
  }

  /**
   * The recap sentence: "Before your break: you edited db.ts and api.ts, fixed 2 errors; api.ts
   * still has errors; `npm test` still fails." Null when there is nothing to say.
   */
  recapText(f: RecapFacts): string | null {
    const files = (paths: string[]) => {
      const named = paths.filter((p) => this.nameable(p)).map(baseName);
      const unique = [...new Set(named)];
      return { shown: unique.slice(0, NAMED), more: unique.length - NAMED };
    };
    const list = ({ shown, more }: { shown: string[]; more: number }) =>
      more > 0 ? `${shown.join(', ')} and ${more} more` : shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : (shown[0] ?? '');
    const did: string[] = [];
    const edited = files(f.edited);
    const viewed = files(f.viewed);
    if (edited.shown.length) did.push(`you edited ${list(edited)}`);
    else if (viewed.shown.length) did.push(`you were in ${list(viewed)}`);
    if (f.fixed > 0) did.push(`fixed ${f.fixed} error${f.fixed === 1 ? '' : 's'}`);
    const still: string[] = [];
    const failing = files(f.failingFiles);
    if (failing.shown.length) still.push(`${list(failing)} still ${failing.shown.length + Math.max(0, failing.more) === 1 ? 'has' : 'have'} errors`);
    const commands = f.failingCommands.filter((c) => this.nameableCommand(c));
    const tests = commands.filter(looksLikeTestRun);
    const others = commands.filter((c) => !looksLikeTestRun(c));
    const short = (c: string) => `\`${c.length > 40 ? `${c.slice(0, 39)}…` : c}\``;
    if (tests.length) still.push(`tests still fail (${tests.slice(0, 2).map(short).join(', ')})`);
    if (others.length) still.push(`${others.slice(0, 2).map(short).join(' and ')} failed`);
    if (did.length === 0 && still.length === 0) return null;
    const first = did.length ? did.join(', ') : '';
    const sentence = [first, still.join('; ')].filter((s) => s !== '').join('; ');
    return `Before your break: ${sentence}.`;
  }
}
