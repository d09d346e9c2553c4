// Fuses what the editor reports (`context.update`: editor, diagnostics, terminal failures, debug
// stops) with the legacy desktop context into one current ActivityState, and lists the current
// errors the help policy may offer help with. Pure apart from the injected clock.
import type {
  ActivityState,
  ContextUpdate,
  DebugStop,
  DiagnosticCount,
  DiagnosticsTruncation,
  EditorContext,
  FileDiagnostics,
  HelpTarget,
  Range,
  TerminalFailure,
} from '../../protocol/context';
import type { DesktopContext, ScreenErrorInfo } from './context-store';

/** A debug stop counts (activity debugging, an error to help with) this long. */
const DEBUG_RECENT_MS = 2 * 60_000;
/** A failed command counts this long (unless a newer command succeeded, which we cannot see). */
const FAILURE_RECENT_MS = 5 * 60_000;
/** The editor counts as being edited when it changed this recently. */
const EDIT_RECENT_MS = 60_000;
/** Nothing reported for this long: idle. */
const IDLE_AFTER_MS = 10 * 60_000;
const DESKTOP_FRESH_MS = 5 * 60_000;
/** The editor reported this recently: its own diagnostics beat OCR of the editor window. */
const EDITOR_PRECEDENCE_MS = 5 * 60_000;

const TEST_RUNNER =
  /(^|[\s;&|/])(npm( run)? test|npm t\b|yarn test|pnpm test|npx (vitest|jest|mocha|playwright)|vitest|jest|mocha|pytest|python3? -m (pytest|unittest)|go test|cargo test|dotnet test|mvn test|gradlew? test|rspec|phpunit|ctest|make test|tox)\b/i;

export function looksLikeTestRun(commandLine: string): boolean {
  return TEST_RUNNER.test(commandLine);
}

/** A current error the policy may offer help with; `key` is stable while the error persists. */
interface CurrentError {
  key: string;
  target: HelpTarget;
}

/** What the prompt may use about a target: the code around it and related information. */
interface TargetDetail {
  path?: string;
  language?: string;
  excerpt?: string;
  excerptStartLine?: number;
  related?: Array<{ path: string; range: Range; message: string }>;
}

export function errorKey(target: HelpTarget): string {
  switch (target.kind) {
    case 'diagnostic':
      return `diag|${target.path ?? ''}|${target.code ?? ''}|${target.message}`;
    case 'terminal':
      return `term|${target.message}`;
    case 'debug':
      return `debug|${target.message}`;
    default:
      // OCR reads the same error slightly differently from frame to frame.
      return `screen|${target.message
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, ' ')
        .trim()}`;
  }
}

function terminalTarget(f: TerminalFailure): HelpTarget {
  return { kind: 'terminal', path: f.cwd, range: null, message: `\`${f.commandLine}\` exited with code ${f.exitCode}`, code: String(f.exitCode) };
}

function debugTarget(d: DebugStop): HelpTarget {
  const line = d.topFrame?.line ?? null;
  return {
    kind: 'debug',
    path: d.topFrame?.path ?? null,
    range: line !== null && line > 0 ? { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } } : null,
    message: d.exceptionMessage,
    code: null,
  };
}

const LANGUAGE_NAMES: Record<string, string> = {
  typescript: 'TypeScript',
  typescriptreact: 'TypeScript (React)',
  javascript: 'JavaScript',
  javascriptreact: 'JavaScript (React)',
  python: 'Python',
  rust: 'Rust',
  go: 'Go',
  java: 'Java',
  csharp: 'C#',
  cpp: 'C++',
  c: 'C',
  json: 'JSON',
  markdown: 'Markdown',
  html: 'HTML',
  css: 'CSS',
  shellscript: 'shell script',
};

function languageName(id: string | null | undefined): string | null {
  if (!id) return null;
  return LANGUAGE_NAMES[id] ?? id;
}

export class ActivityFuser {
  editor: EditorContext | null = null;
  diagnostics: FileDiagnostics[] = [];
  /** Files with problems the editor sent by their counts only (a big workspace). */
  diagnosticCounts: DiagnosticCount[] = [];
  /** What the editor's last diagnostics snapshot left out (null: nothing). */
  diagnosticsTruncated: DiagnosticsTruncation | null = null;
  terminalFailure: (TerminalFailure & { receivedAt: number }) | null = null;
  debugStop: (DebugStop & { receivedAt: number }) | null = null;
  private editorChangedAt: number | null = null;
  private lastUpdateAt: number | null = null;
  /** When each current error key was first seen (forgotten when the error goes). */
  private firstSeen = new Map<string, number>();
  /** How often each failure key (command + exit code, exception) happened this session. */
  private failureCounts = new Map<string, number>();
  /** Errors must persist this long before they count as "stuck" (broken). */
  persistMs: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly desktop: () => DesktopContext | null = () => null,
    opts: { persistMs?: number } = {},
  ) {
    this.persistMs = opts.persistMs ?? 4000;
  }

  apply(update: ContextUpdate): void {
    const now = this.now();
    this.lastUpdateAt = now;
    if (update.editor !== undefined) {
      const prev = this.editor;
      const next = update.editor;
      if (next && (!prev || prev.path !== next.path || prev.text !== next.text)) {
        // Switching files or changing text; the very first snapshot counts as a change only if typing.
        if (prev || update.typing) this.editorChangedAt = now;
      }
      if (!next) this.editorChangedAt = null;
      this.editor = next;
    }
    if (update.typing) this.editorChangedAt = now;
    if (update.diagnostics !== undefined) {
      this.diagnostics = update.diagnostics;
      // Older extensions send the list alone: nothing counted, nothing left out.
      if (update.diagnosticCounts === undefined) this.diagnosticCounts = [];
      if (update.diagnosticsTruncated === undefined) this.diagnosticsTruncated = null;
    }
    if (update.diagnosticCounts !== undefined) this.diagnosticCounts = update.diagnosticCounts;
    if (update.diagnosticsTruncated !== undefined) this.diagnosticsTruncated = update.diagnosticsTruncated;
    if (update.terminalFailure) {
      this.terminalFailure = { ...update.terminalFailure, receivedAt: now };
      this.countFailure(errorKey(terminalTarget(update.terminalFailure)));
    }
    if (update.debugStop) {
      this.debugStop = { ...update.debugStop, receivedAt: now };
      this.countFailure(errorKey(debugTarget(update.debugStop)));
    }
    const current = new Set(this.currentErrors().map((e) => e.key));
    for (const key of [...this.firstSeen.keys()]) if (!current.has(key)) this.firstSeen.delete(key);
    for (const key of current) if (!this.firstSeen.has(key)) this.firstSeen.set(key, now);
  }

  private countFailure(key: string): void {
    this.failureCounts.set(key, (this.failureCounts.get(key) ?? 0) + 1);
    if (this.failureCounts.size > 200) this.failureCounts.delete(this.failureCounts.keys().next().value!);
  }

  /** How many times this failure happened this session (1 for the first). */
  failureCount(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  private recentFailure(now: number): (TerminalFailure & { receivedAt: number }) | null {
    return this.terminalFailure && now - this.terminalFailure.receivedAt < FAILURE_RECENT_MS ? this.terminalFailure : null;
  }

  private recentDebugStop(now: number): (DebugStop & { receivedAt: number }) | null {
    return this.debugStop && now - this.debugStop.receivedAt < DEBUG_RECENT_MS ? this.debugStop : null;
  }

  /** Every current error: diagnostics of severity error, a recent failed command, a recent debug stop. */
  currentErrors(): CurrentError[] {
    const now = this.now();
    const out: CurrentError[] = [];
    const seen = new Set<string>();
    for (const file of this.diagnostics) {
      for (const d of file.diagnostics) {
        if (d.severity !== 'error') continue;
        const target: HelpTarget = { kind: 'diagnostic', path: file.path, range: d.range, message: d.message, code: d.code };
        const key = errorKey(target);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ key, target });
      }
    }
    const failure = this.recentFailure(now);
    if (failure) {
      const target = terminalTarget(failure);
      out.push({ key: errorKey(target), target });
    }
    const stop = this.recentDebugStop(now);
    if (stop) {
      const target = debugTarget(stop);
      out.push({ key: errorKey(target), target });
    }
    for (const e of this.screenErrors(now)) {
      const target: HelpTarget = { kind: 'screen', path: null, range: null, message: e.message, code: e.kind };
      const key = errorKey(target);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ key, target });
    }
    return out;
  }

  /**
   * Offer-worthy errors from a fresh screen reading. The screen showing a code editor while the
   * editor itself reports: its diagnostics take precedence over OCR of the same window.
   */
  private screenErrors(now: number): ScreenErrorInfo[] {
    const d = this.desktop();
    if (!d?.screenErrors?.length || now - d.at >= DESKTOP_FRESH_MS) return [];
    if (d.app === 'code' && this.lastUpdateAt !== null && now - this.lastUpdateAt < EDITOR_PRECEDENCE_MS) return [];
    return d.screenErrors;
  }

  /** The code and related information the prompt may use for a target. */
  detailFor(target: HelpTarget): TargetDetail {
    const detail: TargetDetail = {};
    if (target.path) detail.path = target.path;
    const file = target.path ? this.diagnostics.find((f) => f.path === target.path) : undefined;
    if (file?.language) detail.language = file.language;
    if (target.kind === 'diagnostic' && file) {
      const diag = file.diagnostics.find((d) => d.message === target.message && (d.code ?? null) === (target.code ?? null));
      if (diag?.related.length) detail.related = diag.related;
    }
    const line = target.range?.start.line;
    if (line !== undefined) {
      // Excerpts are keyed by the 0-based line of their first line.
      for (const [k, text] of Object.entries(file?.excerpts ?? {})) {
        const start = Number(k);
        if (Number.isInteger(start) && start <= line && line < start + text.split('\n').length) {
          detail.excerpt = text;
          detail.excerptStartLine = start;
          break;
        }
      }
      const ed = this.editor;
      if (detail.excerpt === undefined && ed && ed.path === target.path) {
        const lines = ed.text.split('\n');
        const rel = line - ed.textStartLine;
        if (rel >= 0 && rel < lines.length) {
          const from = Math.max(0, rel - 8);
          detail.excerpt = lines.slice(from, rel + 9).join('\n');
          detail.excerptStartLine = ed.textStartLine + from;
        }
      }
      if (!detail.language && ed && ed.path === target.path) detail.language = ed.language;
    }
    if (target.kind === 'terminal' && this.terminalFailure?.output) {
      detail.excerpt = this.terminalFailure.output;
    }
    if (target.kind === 'screen') {
      const seen = this.screenErrors(this.now()).find((e) => errorKey({ ...target, message: e.message }) === errorKey(target));
      if (seen) detail.excerpt = seen.context;
      if (target.code?.startsWith('python')) detail.language = 'python';
    }
    return detail;
  }

  /** Persisting errors (seen for `persistMs`), a recent failed command or a recent debug stop. */
  broken(): boolean {
    const now = this.now();
    if (this.recentFailure(now) || this.recentDebugStop(now)) return true;
    for (const at of this.firstSeen.values()) if (now - at >= this.persistMs) return true;
    return false;
  }

  state(): ActivityState {
    const now = this.now();
    const ed = this.editor;
    const failure = this.recentFailure(now);
    const stop = this.recentDebugStop(now);
    let activity: ActivityState['activity'] = 'idle';
    let language: string | null = ed?.language ?? null;
    let file: string | null = ed?.path ?? null;
    const editorRecent = this.editorChangedAt !== null && now - this.editorChangedAt < EDIT_RECENT_MS;
    const desktop = this.desktop();
    const desktopFresh = desktop && now - desktop.at < DESKTOP_FRESH_MS ? desktop : null;
    if (stop) activity = 'debugging';
    else if (failure && looksLikeTestRun(failure.commandLine) && (this.editorChangedAt === null || failure.receivedAt >= this.editorChangedAt))
      activity = 'running_tests';
    else if (failure && (this.editorChangedAt === null || failure.receivedAt > this.editorChangedAt)) activity = 'terminal_work';
    else if (ed?.language && editorRecent) activity = 'coding';
    else if (ed && this.lastUpdateAt !== null && now - this.lastUpdateAt < IDLE_AFTER_MS) activity = 'reading';
    else if (desktopFresh) {
      const t = desktopFresh.task;
      if (t.startsWith('coding') || t === 'editing_data' || t === 'configuration') activity = 'coding';
      else if (t === 'terminal_work' || t.startsWith('running_') || t === 'using_git') activity = 'terminal_work';
      else if (t.startsWith('reading') || t.startsWith('browsing') || t === 'researching_problem') activity = 'reading';
      if (!ed) {
        language = null;
        file = null;
      }
    }
    const broken = this.broken() || Boolean(desktopFresh?.hasError);
    const truncated = this.diagnosticsTruncated;
    return {
      activity,
      language,
      file,
      broken,
      summary: this.summary(activity, language, file, broken),
      ...(truncated ? { diagnosticsTruncated: truncated } : {}),
    };
  }

  private summary(activity: ActivityState['activity'], language: string | null, file: string | null, broken: boolean): string {
    const lang = languageName(language);
    const where = file ? ` (${file})` : '';
    let s: string;
    switch (activity) {
      case 'coding':
        s = `The user seems to be coding${lang ? ` in ${lang}` : ''}${where}`;
        break;
      case 'debugging':
        s = `The user seems to be debugging${this.debugStop ? `; it stopped on "${this.debugStop.exceptionMessage.slice(0, 120)}"` : ''}`;
        break;
      case 'running_tests':
        s = 'The user seems to be running tests';
        break;
      case 'terminal_work':
        s = 'The user seems to be working in the terminal';
        break;
      case 'reading':
        s = `The user seems to be reading code${where}`;
        break;
      default:
        s = 'The user seems to be taking it easy';
    }
    if (broken) s += `; ${this.troubleWords()}`;
    return `${s}.`;
  }

  private troubleWords(): string {
    const now = this.now();
    const failure = this.recentFailure(now);
    if (this.recentDebugStop(now)) return 'something threw while they were debugging';
    if (failure) {
      const n = this.failureCount(errorKey(terminalTarget(failure)));
      return n > 1 ? `\`${failure.commandLine.slice(0, 80)}\` keeps failing` : `\`${failure.commandLine.slice(0, 80)}\` just failed`;
    }
    const errors = this.currentErrors().filter((e) => e.target.kind === 'diagnostic');
    const first = errors[0];
    if (!first) return 'something seems to have gone wrong';
    const kind = /type/i.test(first.target.message) ? 'a type error' : 'an error';
    // In a big workspace most files come by their counts only.
    const total = errors.length + this.diagnosticCounts.reduce((n, c) => n + c.errors, 0);
    return total > 1 ? `there are ${total} errors, one they have been stuck on` : `there is ${kind} they have been stuck on`;
  }

  /** Lines for the prompt's passive context (intuition, never "I am watching"). */
  passiveLines(): string[] {
    if (this.lastUpdateAt === null) return [];
    if (this.now() - this.lastUpdateAt >= IDLE_AFTER_MS) return [];
    return [this.state().summary];
  }
}
