// Task memory: learns the user's rhythm from real signals and keeps it in the database (bounded,
// see schema v3), so it is inspectable (`rhythm.summary`) and clearable (`rhythm.clear`).
//
// Signals:
//  - activity: each editor report (`context.update`, with the fused activity: coding, debugging,
//    running_tests, reading, terminal_work) and each chat message is one active minute of that
//    task in the current local hour; at most one per task per minute, however often reports come.
//  - sequences: the user's activity changes from A to B (idle is no task) within 300 s of last
//    seeing A. Only a real change counts, so the "just switched tasks" veto of idle talk fires on
//    a change, never on every observation (the seed's defect).
//  - sessions: a work session is activity without a gap of 30 minutes or more.
//  - interruptions: help offers and idle talk, with the hour and the task they interrupted.
import type { RhythmSummary } from '../../protocol';
import { QUIET_HOURS_WINDOW_MS, type QuietHoursOptions } from '../help/quiet-hours';
import { RHYTHM_MAX_AGE_MS, type InterruptionOutcome, type MemoryStore } from '../memory';
import { derivePatterns, type RhythmPatterns } from './patterns';

const SEQUENCE_WINDOW_MS = 300_000;
const SESSION_GAP_MS = 30 * 60_000;
/** Patterns are re-derived from the database at most this often (and after every change). */
const CACHE_MS = 60_000;
/** A task not seen for this long is not "current" any more. */
const CURRENT_TASK_MS = 5 * 60_000;
const SESSION_EXTEND_MS = 60_000;

interface RhythmServiceDeps {
  memory: () => MemoryStore;
  now?: () => number;
  hourOf?: (at: number) => number;
  quietHours?: QuietHoursOptions;
  log?: (line: string) => void;
  /** The user's task really changed (for the idle veto). */
  onTaskSwitch?: (from: string, to: string, at: number) => void;
}

export class RhythmService {
  private readonly now: () => number;
  private readonly hourOf: (at: number) => number;
  private lastMinute = new Map<string, number>();
  private lastTask: { task: string; seenAt: number } | null = null;
  private session: { id: number; lastActivityAt: number; savedEndAt: number } | null = null;
  private cache: { at: number; patterns: RhythmPatterns } | null = null;
  private quiet = new Set<number>();

  constructor(private readonly deps: RhythmServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.hourOf = deps.hourOf ?? ((at) => new Date(at).getHours());
    this.refresh();
  }

  private safely<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      // Losing a sample only slows learning; the companion carries on.
      this.deps.log?.(`rhythm: could not ${what}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** One observation of the user doing `task` ('idle' is ignored). */
  observe(task: string, at: number = this.now()): void {
    if (task === 'idle' || task === '') return;
    this.trackSession(at);
    const minute = Math.floor(at / 60_000);
    if (this.lastMinute.get(task) !== minute) {
      this.lastMinute.set(task, minute);
      if (this.lastMinute.size > 50) this.lastMinute.clear();
      this.safely('record activity', () => this.deps.memory().recordActivityMinute(task, at, this.hourOf(at)));
      this.cache = null;
    }
    if (task === 'chat') return;
    const prev = this.lastTask;
    this.lastTask = { task, seenAt: at };
    if (!prev || prev.task === task) return;
    if (at - prev.seenAt < SEQUENCE_WINDOW_MS) {
      this.safely('record a sequence', () => this.deps.memory().recordTaskSequence(prev.task, task, at));
      this.cache = null;
    }
    this.deps.onTaskSwitch?.(prev.task, task, at);
  }

  /** The task seen in the last few minutes, or null. */
  currentTask(at: number = this.now()): string | null {
    return this.lastTask && at - this.lastTask.seenAt < CURRENT_TASK_MS ? this.lastTask.task : null;
  }

  private trackSession(at: number): void {
    const s = this.session;
    if (s && at - s.lastActivityAt < SESSION_GAP_MS) {
      s.lastActivityAt = at;
      if (at - s.savedEndAt >= SESSION_EXTEND_MS) {
        s.savedEndAt = at;
        this.safely('extend the session', () => this.deps.memory().extendRhythmSession(s.id, at));
        this.cache = null;
      }
      return;
    }
    if (s) this.closeSession();
    const id = this.safely('start a session', () => this.deps.memory().startRhythmSession(at));
    this.session = id === undefined ? null : { id, lastActivityAt: at, savedEndAt: at };
  }

  private closeSession(): void {
    const s = this.session;
    if (!s) return;
    this.session = null;
    if (s.savedEndAt !== s.lastActivityAt) this.safely('close the session', () => this.deps.memory().extendRhythmSession(s.id, s.lastActivityAt));
  }

  /** Something she said unasked, and what the user did with it. */
  recordInterruption(kind: string, outcome: InterruptionOutcome, at: number, hour: number = this.hourOf(at), task: string | null = this.currentTask(at)): void {
    this.safely('record an interruption', () => this.deps.memory().recordInterruptionForTask(kind, outcome, at, hour, task));
    this.refresh();
  }

  isQuietHour(hour: number): boolean {
    this.patterns();
    return this.quiet.has(hour);
  }

  quietHours(): Set<number> {
    this.patterns();
    return new Set(this.quiet);
  }

  /** Re-derives the patterns now. */
  refresh(): void {
    this.cache = null;
    this.patterns();
  }

  patterns(): RhythmPatterns {
    const at = this.now();
    if (this.cache && at - this.cache.at < CACHE_MS) return this.cache.patterns;
    const derived = this.safely('read task memory', () => {
      const m = this.deps.memory();
      const since = at - RHYTHM_MAX_AGE_MS;
      const sizes = m.rhythmSizes();
      return derivePatterns(
        {
          activity: m.activityByHour(since),
          outcomes: m.interruptionStats(at - QUIET_HOURS_WINDOW_MS),
          byTask: m.interruptionsByTask(at - QUIET_HOURS_WINDOW_MS),
          sequences: m.taskSequences(since),
          sessionLengthsMs: m.rhythmSessionLengths(since),
        },
        { quietHours: this.deps.quietHours, samples: sizes.activityMinutes + sizes.interruptionRows + sizes.sessionRows },
      );
    });
    // A database that cannot be read keeps what was learned.
    const patterns = derived ?? this.cache?.patterns ?? derivePatterns({ activity: [], outcomes: [], byTask: [], sequences: [], sessionLengthsMs: [] });
    this.quiet = new Set(patterns.quietHours);
    this.cache = { at, patterns };
    return patterns;
  }

  summary(): RhythmSummary {
    const p = this.patterns();
    return {
      text: p.text,
      busyHours: p.busyHours,
      quietHours: p.quietHours,
      sequences: p.sequences,
      acceptance: p.acceptance,
      typicalSessionMinutes: p.typicalSessionMinutes,
      samples: p.samples,
    };
  }

  /** Background awareness for the prompt: one line, or none. */
  promptLines(): string[] {
    const line = this.patterns().promptLine;
    return line ? [`From earlier days (background only; do not bring it up): ${line.charAt(0).toLowerCase()}${line.slice(1)}`] : [];
  }

  clear(): void {
    this.deps.memory().clearRhythm();
    this.lastTask = null;
    this.lastMinute.clear();
    this.session = null;
    this.refresh();
  }

  stop(): void {
    this.closeSession();
  }
}
