// Task memory, derived: from the counts MemoryStore keeps (active minutes per hour, interruption
// outcomes per hour and task, task pairs, session lengths) to the patterns she uses and shows.
// Pure functions, no clock.
//
// Rules:
//  - quiet hours: learnQuietHours (help/quiet-hours.ts) over every interruption (help offers and
//    idle talk): >= 3 in the window and at most 25 % engaged. The same set vetoes help offers and
//    idle talk.
//  - busy hours: hours with activity on at least 2 distinct days and at least 30 active minutes
//    in all, ranked by active minutes (ties: earlier hour), top 3, and NEVER a quiet hour: quiet
//    is decided first (it rests on what the user did with interruptions, and it is what changes
//    her behaviour), busy hours are picked among the rest. One session can therefore never make
//    an hour both (the seed's defect), and neither can anything else.
//  - sequences: task pairs (A then B within 300 s) seen twice or more, top 5.
//  - typical session: the median length of work sessions of 5 minutes or more, once there are 2.
import type { RhythmSummary } from '../../protocol';
import { learnQuietHours, type QuietHoursOptions } from '../help/quiet-hours';
import type { HourOutcomes } from '../memory';

const BUSY_MIN_DAYS = 2;
const BUSY_MIN_MINUTES = 30;
const BUSY_TOP = 3;
const SEQUENCE_MIN_COUNT = 2;
const SEQUENCE_TOP = 5;
const SESSION_MIN_MS = 5 * 60_000;
const SESSION_MIN_COUNT = 2;
/** A task with at least this many interruptions and at most this share engaged is "not now". */
const TASK_MIN_SAMPLES = 3;
const TASK_MAX_ACCEPTANCE = 0.25;

interface RhythmCounts {
  activity: ReadonlyArray<{ hour: number; minutes: number; days: number }>;
  outcomes: readonly HourOutcomes[];
  byTask: ReadonlyArray<{ task: string; engaged: number; total: number }>;
  sequences: ReadonlyArray<{ from: string; to: string; count: number }>;
  sessionLengthsMs: readonly number[];
}

export interface RhythmPatterns extends RhythmSummary {
  /** Tasks during which she is rarely taken up on anything. */
  reluctantTasks: string[];
  acceptanceByTask: Array<{ task: string; engaged: number; total: number }>;
  /** The same findings about the user in the third person, for the prompt ('' when none). */
  promptLine: string;
}

export function quietHoursOf(outcomes: readonly HourOutcomes[], opts?: QuietHoursOptions): Set<number> {
  return learnQuietHours(outcomes, opts);
}

export function busyHoursOf(activity: RhythmCounts['activity'], quiet: ReadonlySet<number>): number[] {
  return activity
    .filter((a) => a.days >= BUSY_MIN_DAYS && a.minutes >= BUSY_MIN_MINUTES && !quiet.has(a.hour))
    .sort((a, b) => b.minutes - a.minutes || a.hour - b.hour)
    .slice(0, BUSY_TOP)
    .map((a) => a.hour)
    .sort((a, b) => a - b);
}

function typicalSessionMinutes(lengthsMs: readonly number[]): number | null {
  const long = lengthsMs.filter((l) => l >= SESSION_MIN_MS).sort((a, b) => a - b);
  if (long.length < SESSION_MIN_COUNT) return null;
  const mid = long.length >> 1;
  const median = long.length % 2 ? long[mid]! : (long[mid - 1]! + long[mid]!) / 2;
  const minutes = median / 60_000;
  return minutes >= 15 ? Math.round(minutes / 5) * 5 : Math.round(minutes);
}

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** "after coding" / "you often run tests" wording of a task. */
const TASK_WORDS: Record<string, { ing: string; verb: string }> = {
  coding: { ing: 'coding', verb: 'write code' },
  debugging: { ing: 'debugging', verb: 'debug' },
  running_tests: { ing: 'running tests', verb: 'run tests' },
  reading: { ing: 'reading', verb: 'read' },
  terminal_work: { ing: 'working in the terminal', verb: 'work in the terminal' },
  chat: { ing: 'chatting with me', verb: 'chat with me' },
};

function taskWords(task: string): { ing: string; verb: string } {
  const known = TASK_WORDS[task];
  if (known) return known;
  const words = task.replace(/_/g, ' ').trim();
  return { ing: words, verb: `go on to ${words}` };
}

export function derivePatterns(counts: RhythmCounts, opts: { quietHours?: QuietHoursOptions; samples?: number } = {}): RhythmPatterns {
  const quiet = quietHoursOf(counts.outcomes, opts.quietHours);
  const busyHours = busyHoursOf(counts.activity, quiet);
  const quietHours = [...quiet].sort((a, b) => a - b);
  const sequences = counts.sequences
    .filter((s) => s.from !== s.to && s.count >= SEQUENCE_MIN_COUNT)
    .slice()
    .sort((a, b) => b.count - a.count)
    .slice(0, SEQUENCE_TOP)
    .map((s) => ({ from: s.from, to: s.to, count: s.count }));
  const acceptance = counts.outcomes
    .map((o) => ({ hour: o.hour, engaged: o.engaged, total: o.engaged + o.declined + o.ignored }))
    .filter((a) => a.total > 0)
    .sort((a, b) => a.hour - b.hour);
  const acceptanceByTask = counts.byTask.map((t) => ({ task: t.task, engaged: t.engaged, total: t.total }));
  const reluctantTasks = acceptanceByTask.filter((t) => t.total >= TASK_MIN_SAMPLES && t.engaged / t.total <= TASK_MAX_ACCEPTANCE).map((t) => t.task);
  const session = typicalSessionMinutes(counts.sessionLengthsMs);

  const you: string[] = [];
  const they: string[] = [];
  if (busyHours.length) {
    you.push(`you're usually busiest around ${list(busyHours.map(hh))}`);
    they.push(`the user is usually busiest around ${list(busyHours.map(hh))}`);
  }
  if (quietHours.length) {
    you.push(`you rarely take me up on things around ${list(quietHours.map(hh))}`);
    they.push(`they rarely welcome being interrupted around ${list(quietHours.map(hh))}`);
  }
  if (reluctantTasks.length) {
    const ing = list(reluctantTasks.map((t) => taskWords(t).ing));
    you.push(`you'd rather not be interrupted while ${ing}`);
    they.push(`they'd rather not be interrupted while ${ing}`);
  }
  for (const s of sequences.slice(0, 2)) {
    you.push(`after ${taskWords(s.from).ing} you often ${taskWords(s.to).verb}`);
    they.push(`after ${taskWords(s.from).ing} they often ${taskWords(s.to).verb}`);
  }
  if (session !== null) {
    you.push(`your sessions last about ${session} minutes`);
    they.push(`their sessions last about ${session} minutes`);
  }
  const sentence = (parts: string[]) => {
    const s = parts.join('; ');
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  };
  // For the user ("What Have You Learned About Me?"): each finding its own sentence, not one
  // long run of semicolons. The prompt line stays one compact sentence.
  const text = you.length ? you.map((part) => sentence([part])).join(' ') : "I haven't learned much about your rhythm yet.";
  return {
    text,
    busyHours,
    quietHours,
    sequences,
    acceptance,
    typicalSessionMinutes: session,
    samples: opts.samples ?? 0,
    reluctantTasks,
    acceptanceByTask,
    promptLine: they.length ? sentence(they) : '',
  };
}
