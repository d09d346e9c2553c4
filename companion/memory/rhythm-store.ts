// What the memory store learns about the user's rhythm (issue 14 split it out of
// memory-store.ts): the outcome of each thing Alisa said unasked (interruptions, per hour and per
// task), active minutes per task and hour, which task tends to follow which, and the lengths of
// work sessions. Every table here is bounded (by age, by row count, or both) and pruned in the
// same transaction that writes to it, so it stays small however long Alisa runs. MemoryStore
// inherits these methods; callers see one store.
import { AlisaError } from '../errors';
import { StoreCore } from './store-core';
import * as v from './validate';

export const INTERRUPTION_OUTCOMES = ['engaged', 'declined', 'ignored'] as const;
export type InterruptionOutcome = (typeof INTERRUPTION_OUTCOMES)[number];
export interface HourOutcomes {
  hour: number;
  engaged: number;
  declined: number;
  ignored: number;
}
export const INTERRUPTION_MAX_AGE_MS = 60 * 24 * 3600_000;
export const INTERRUPTION_MAX_ROWS = 5000;
/** Task memory keeps this much history (buckets, pairs and sessions older are dropped). */
export const RHYTHM_MAX_AGE_MS = 60 * 24 * 3600_000;
/** A task pair's count stops growing here (the order of pairs is all that matters). */
export const RHYTHM_MAX_COUNT = 10_000;
export const RHYTHM_MAX_SEQUENCES = 400;
export const RHYTHM_MAX_SESSIONS = 1000;
const RHYTHM_MAX_TASK = 64;
const DAY_MS = 24 * 3600_000;

/** The interruption and task-memory methods of MemoryStore (see the opening comment). */
export abstract class RhythmStore extends StoreCore {
  // ---- interruptions --------------------------------------------------------------------

  /**
   * Records what the user did with something she said unasked. Rows older than
   * INTERRUPTION_MAX_AGE_MS, and all but the newest INTERRUPTION_MAX_ROWS, are dropped, so the
   * table stays small however long Alisa runs.
   */
  recordInterruption(kind: string, outcome: InterruptionOutcome, at: number = this.now(), hour: number = new Date(at).getHours()): void {
    if (!INTERRUPTION_OUTCOMES.includes(outcome)) throw new AlisaError('invalid_argument', `Unknown interruption outcome "${outcome}".`);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new AlisaError('invalid_argument', `An hour is 0-23, got ${hour}.`);
    const kindText = v.checkText(kind, 'The interruption kind');
    this.write(() => {
      this.sql.addInterruption.run(at, hour, kindText, outcome);
      this.sql.pruneInterruptionsBefore.run(at - INTERRUPTION_MAX_AGE_MS);
      this.sql.pruneInterruptionsOverCount.run(INTERRUPTION_MAX_ROWS);
    });
  }

  /** Outcome counts per local hour for interruptions since `since` (hours with none are absent). */
  interruptionStats(since: number): HourOutcomes[] {
    return this.guard(() => this.sql.interruptionStats.all(since));
  }

  // ---- task memory (the user's rhythm) -------------------------------------------------

  /** Like recordInterruption, also noting the task it interrupted (null: unknown). */
  recordInterruptionForTask(kind: string, outcome: InterruptionOutcome, at: number, hour: number, task: string | null): void {
    if (!INTERRUPTION_OUTCOMES.includes(outcome)) throw new AlisaError('invalid_argument', `Unknown interruption outcome "${outcome}".`);
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new AlisaError('invalid_argument', `An hour is 0-23, got ${hour}.`);
    const kindText = v.checkText(kind, 'The interruption kind');
    const taskText = task === null ? null : v.checkText(v.wellFormed(task.slice(0, RHYTHM_MAX_TASK)), 'The task');
    this.write(() => {
      this.sql.addInterruptionWithTask.run(at, hour, kindText, outcome, taskText);
      this.sql.pruneInterruptionsBefore.run(at - INTERRUPTION_MAX_AGE_MS);
      this.sql.pruneInterruptionsOverCount.run(INTERRUPTION_MAX_ROWS);
    });
  }

  /** Engaged and total interruptions per task since `since`. */
  interruptionsByTask(since: number): Array<{ task: string; engaged: number; total: number }> {
    return this.guard(() => this.sql.interruptionsByTask.all(since));
  }

  /**
   * One active minute of `task` in (UTC day of `at`, local `hour`). Buckets hold at most 60 and
   * those older than RHYTHM_MAX_AGE_MS are dropped, so the table stays bounded.
   */
  recordActivityMinute(task: string, at: number, hour: number): void {
    if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new AlisaError('invalid_argument', `An hour is 0-23, got ${hour}.`);
    const taskText = v.checkText(v.wellFormed(task.slice(0, RHYTHM_MAX_TASK)), 'The task');
    const day = Math.floor(at / DAY_MS);
    this.write(() => {
      this.sql.addActivityMinute.run(day, hour, taskText);
      this.sql.pruneActivityBefore.run(day - Math.ceil(RHYTHM_MAX_AGE_MS / DAY_MS));
    });
  }

  /** Active minutes and distinct days per local hour since `since`. */
  activityByHour(since: number): Array<{ hour: number; minutes: number; days: number }> {
    return this.guard(() => this.sql.activityByHour.all(Math.floor(since / DAY_MS)));
  }

  /** `to` followed `from`; counts are capped and old or surplus pairs dropped. */
  recordTaskSequence(from: string, to: string, at: number): void {
    const f = v.checkText(v.wellFormed(from.slice(0, RHYTHM_MAX_TASK)), 'The task');
    const t = v.checkText(v.wellFormed(to.slice(0, RHYTHM_MAX_TASK)), 'The task');
    this.write(() => {
      this.sql.addSequence.run(f, t, at, RHYTHM_MAX_COUNT);
      this.sql.pruneSequencesBefore.run(at - RHYTHM_MAX_AGE_MS);
      this.sql.pruneSequencesOverCount.run(RHYTHM_MAX_SEQUENCES);
    });
  }

  /** Task pairs seen at least `minCount` times since `since`, most frequent first. */
  taskSequences(since: number, minCount = 1): Array<{ from: string; to: string; count: number }> {
    return this.guard(() => this.sql.sequences.all(since, minCount));
  }

  /** Starts a work session; returns its id for `extendRhythmSession`. */
  startRhythmSession(at: number): number {
    return this.write(() => {
      const id = this.sql.insertRhythmSession.get(at, at)!;
      this.sql.pruneRhythmSessionsBefore.run(at - RHYTHM_MAX_AGE_MS);
      this.sql.pruneRhythmSessionsOverCount.run(RHYTHM_MAX_SESSIONS);
      return id;
    });
  }

  extendRhythmSession(id: number, endAt: number): void {
    this.write(() => {
      this.sql.updateRhythmSession.run(endAt, id);
    });
  }

  /** Lengths (ms) of work sessions started since `since`, oldest first. */
  rhythmSessionLengths(since: number): number[] {
    return this.guard(() => this.sql.rhythmSessionLengths.all(since));
  }

  /** Row counts of the task-memory tables (for the summary and the bounds tests). */
  rhythmSizes(): { activityRows: number; activityMinutes: number; sequenceRows: number; sessionRows: number; interruptionRows: number } {
    return this.guard(() => ({
      activityRows: this.sql.activityRows.get()!,
      activityMinutes: this.sql.activityTotal.get()!,
      sequenceRows: this.sql.sequenceRows.get()!,
      sessionRows: this.sql.rhythmSessionRows.get()!,
      interruptionRows: this.sql.interruptionCount.get()!,
    }));
  }

  /** Forgets everything learned about the user's rhythm, interruption outcomes included. */
  clearRhythm(): void {
    this.write(() => {
      this.sql.clearRhythm.run();
      this.sql.clearSequences.run();
      this.sql.clearRhythmSessions.run();
      this.sql.clearInterruptions.run();
    });
  }
}
