// When Alisa speaks up on her own: the seed's idle policy as one pure module. It keeps the little
// state it needs (recent chats, her last utterance, presence transitions) and is asked
// `check(inputs)` by whoever runs the clock; the clock and the random source are injected.
//
// Rules (seed numbers, all durations multiplied by `timeScale` for tests):
//  - silence = time since the last real chat message (the user's or hers, spontaneous ones
//    included; control frames and context updates do not count); before any, since start.
//  - bands: < 120 s never; 120-300 s 8 %; 300-600 s 15 %; 600-1800 s 25 %; >= 1800 s 40 %.
//    The first two ("short", "medium") only after 3 or more chats from the user this run.
//  - at least 90 s between two spontaneous utterances (presence reactions included).
//  - multipliers: presence absent x0.3, distracted x1.2, focused x0.7 (present x1); mode (read
//    live) serious x0.6, teasing x1.2, calm x0.8; local hour 00-06 x0.2, 06-09 x0.7, 22-24 x0.5;
//    the user's chat rate > 2 chats/min x0.7, > 1 x0.85, as the average over the last 10 minutes
//    (a rate over the last minute alone could never apply: any chat in it means < 120 s of
//    silence, when she never speaks anyway); the user's chattiness setting 0..2
//    multiplies the chance (0 = never). The result is capped at 1.
//  - never while the user types, while a reply streams, in a learned quiet hour, with Do not
//    disturb, or right after a real change of task (the seed's veto, which fired on every
//    observation; here only a change of activity starts it).
//  - presence reactions (no dice roll, same vetoes): welcome back (absent -> present/focused,
//    30 s cooldown), leaving (present/focused -> absent, 60 s), drifting (focused -> distracted,
//    60 s).
import type { Mode } from '../../protocol';

export type PresenceState = 'present' | 'absent' | 'focused' | 'distracted';
export type UtteranceKind = 'idle' | 'welcome_back' | 'leaving' | 'drifting';

export const SECOND = 1000;
/** [from, to) silence in ms, base chance, and whether the band needs 3+ chats first. */
const SILENCE_BANDS: ReadonlyArray<{ fromMs: number; toMs: number; chance: number; needsChats: boolean }> = [
  { fromMs: 120 * SECOND, toMs: 300 * SECOND, chance: 0.08, needsChats: true },
  { fromMs: 300 * SECOND, toMs: 600 * SECOND, chance: 0.15, needsChats: true },
  { fromMs: 600 * SECOND, toMs: 1800 * SECOND, chance: 0.25, needsChats: false },
  { fromMs: 1800 * SECOND, toMs: Infinity, chance: 0.4, needsChats: false },
];
const CHECK_MS = 30 * SECOND;
const MIN_GAP_MS = 90 * SECOND;
const MIN_CHATS_FOR_SHORT_BANDS = 3;
const REACTION_COOLDOWN_MS: Record<Exclude<UtteranceKind, 'idle'>, number> = {
  welcome_back: 30 * SECOND,
  leaving: 60 * SECOND,
  drifting: 60 * SECOND,
};
/** The user's chat rate is averaged over this window. */
const CHAT_RATE_WINDOW_MS = 10 * 60 * SECOND;
/** The user typed this recently: typing. */
const TYPING_QUIET_MS = 2500;
/** After a real change of task she waits this long (the seed's veto, fixed). */
const TASK_SWITCH_QUIET_MS = 60 * SECOND;

const PRESENCE_FACTOR: Record<PresenceState, number> = { absent: 0.3, distracted: 1.2, focused: 0.7, present: 1 };
const MODE_FACTOR: Record<Mode, number> = { serious: 0.6, teasing: 1.2, calm: 0.8 };

function hourFactor(hour: number): number {
  if (hour < 6) return 0.2;
  if (hour < 9) return 0.7;
  if (hour >= 22) return 0.5;
  return 1;
}

function chatRateFactor(chatsPerMinute: number): number {
  if (chatsPerMinute > 2) return 0.7;
  if (chatsPerMinute > 1) return 0.85;
  return 1;
}

/** What the policy reads at each check; everything live (the mode is never a stale copy). */
export interface IdleInputs {
  presence: PresenceState | null;
  mode: Mode;
  /** A reply (hers) is streaming now. */
  streaming: boolean;
  /** The local hour is a learned quiet hour. */
  quietHour: boolean;
  doNotDisturb: boolean;
  /** 0..2; 1 is the seed. */
  chattiness: number;
}

type QuietReason = 'do not disturb' | 'never (chattiness 0)' | 'typing' | 'streaming' | 'quiet hour' | 'just switched tasks';

interface IdleDecision {
  speak: UtteranceKind | null;
  /** The chance that was rolled against (idle talk only), for tests and logs. */
  chance: number;
  quietReason: QuietReason | null;
}

export interface IdlePolicyOptions {
  now?: () => number;
  random?: () => number;
  hourOf?: (at: number) => number;
  /** Multiplies every duration (bands, check period, gaps, cooldowns); tests use e.g. 0.01. */
  timeScale?: number;
  /** Replaces every band's base chance (tests: 1 = always when a band applies). */
  chanceOverride?: number;
}

export class IdlePolicy {
  readonly timeScale: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly hourOf: (at: number) => number;
  private readonly chanceOverride: number | undefined;
  private readonly startedAt: number;
  private lastChatAt: number | null = null;
  private userChats: number[] = [];
  private userChatCount = 0;
  private lastSpokeAt: number | null = null;
  private lastTypingAt: number | null = null;
  private lastTaskSwitchAt: number | null = null;
  private presence: PresenceState | null = null;
  private pendingReaction: { kind: Exclude<UtteranceKind, 'idle'>; at: number } | null = null;
  private lastReactionAt: Partial<Record<UtteranceKind, number>> = {};

  constructor(opts: IdlePolicyOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.hourOf = opts.hourOf ?? ((at) => new Date(at).getHours());
    this.timeScale = opts.timeScale ?? 1;
    this.chanceOverride = opts.chanceOverride;
    this.startedAt = this.now();
  }

  ms(n: number): number {
    return n * this.timeScale;
  }

  get checkMs(): number {
    return this.ms(CHECK_MS);
  }

  get spokeAt(): number | null {
    return this.lastSpokeAt;
  }

  /** A real chat message: `fromUser` for the user's (counts toward the chat rules). */
  chat(fromUser: boolean, at: number = this.now()): void {
    this.lastChatAt = Math.max(this.lastChatAt ?? at, at);
    if (!fromUser) return;
    this.userChatCount++;
    const window = this.ms(CHAT_RATE_WINDOW_MS);
    this.userChats = [...this.userChats.filter((t) => this.lastChatAt! - t <= window), at];
  }

  typing(at: number = this.now()): void {
    this.lastTypingAt = at;
  }

  /** The user's task really changed (not merely another observation of the same one). */
  taskSwitched(at: number = this.now()): void {
    this.lastTaskSwitchAt = at;
  }

  /** The presence state now; a transition may queue a reaction for the next check. */
  observePresence(state: PresenceState | null, at: number = this.now()): void {
    const before = this.presence;
    this.presence = state;
    if (before === null || state === null || before === state) return;
    let kind: Exclude<UtteranceKind, 'idle'> | null = null;
    if (before === 'absent' && (state === 'present' || state === 'focused')) kind = 'welcome_back';
    else if ((before === 'present' || before === 'focused') && state === 'absent') kind = 'leaving';
    else if (before === 'focused' && state === 'distracted') kind = 'drifting';
    // A newer transition replaces one not yet spoken (she reacts to how things are now).
    this.pendingReaction = kind ? { kind, at } : null;
  }

  /** She spoke unasked (an utterance was delivered). Counts as a chat message for the silence. */
  spoke(kind: UtteranceKind, at: number = this.now()): void {
    this.lastSpokeAt = at;
    this.lastChatAt = at;
    if (kind !== 'idle') this.lastReactionAt[kind] = at;
  }

  silenceMs(at: number = this.now()): number {
    return at - (this.lastChatAt ?? this.startedAt);
  }

  /** The user's chats per (scaled) minute, averaged over the last 10 minutes. */
  chatsPerMinute(at: number = this.now()): number {
    const window = this.ms(CHAT_RATE_WINDOW_MS);
    const n = this.userChats.filter((t) => at - t <= window).length;
    return n / (window / this.ms(60 * SECOND));
  }

  /** Why she would stay quiet now whatever the silence, or null. */
  quietReason(inputs: IdleInputs, at: number = this.now()): QuietReason | null {
    if (inputs.doNotDisturb) return 'do not disturb';
    if (!(inputs.chattiness > 0)) return 'never (chattiness 0)';
    if (this.lastTypingAt !== null && at - this.lastTypingAt < TYPING_QUIET_MS) return 'typing';
    if (inputs.streaming) return 'streaming';
    if (inputs.quietHour) return 'quiet hour';
    if (this.lastTaskSwitchAt !== null && at - this.lastTaskSwitchAt < this.ms(TASK_SWITCH_QUIET_MS)) return 'just switched tasks';
    return null;
  }

  /** The chance of idle talk now (0 when no band applies), before the vetoes. */
  chance(inputs: IdleInputs, at: number = this.now()): number {
    const silence = this.silenceMs(at);
    const band = SILENCE_BANDS.find((b) => silence >= this.ms(b.fromMs) && silence < this.ms(b.toMs));
    if (!band) return 0;
    if (band.needsChats && this.userChatCount < MIN_CHATS_FOR_SHORT_BANDS) return 0;
    let p = this.chanceOverride ?? band.chance;
    if (inputs.presence) p *= PRESENCE_FACTOR[inputs.presence];
    p *= MODE_FACTOR[inputs.mode];
    p *= hourFactor(this.hourOf(at));
    p *= chatRateFactor(this.chatsPerMinute(at));
    p *= Math.max(0, Math.min(2, inputs.chattiness));
    return Math.min(1, p);
  }

  /**
   * One check. A presence reaction is answered first (at most once; it expires after its own
   * cooldown); otherwise idle talk is rolled. The caller reports delivery with `spoke`.
   */
  check(inputs: IdleInputs, at: number = this.now()): IdleDecision {
    const quietReason = this.quietReason(inputs, at);
    const gapOk = this.lastSpokeAt === null || at - this.lastSpokeAt >= this.ms(MIN_GAP_MS);
    const reaction = this.pendingReaction;
    if (reaction) {
      const cooldown = this.ms(REACTION_COOLDOWN_MS[reaction.kind]);
      if (at - reaction.at > cooldown) this.pendingReaction = null;
      else if (!quietReason && gapOk) {
        const last = this.lastReactionAt[reaction.kind];
        this.pendingReaction = null;
        if (last === undefined || at - last >= cooldown) return { speak: reaction.kind, chance: 1, quietReason };
      }
    }
    if (quietReason || !gapOk) return { speak: null, chance: 0, quietReason };
    const p = this.chance(inputs, at);
    if (p <= 0) return { speak: null, chance: 0, quietReason };
    return { speak: this.random() < p ? 'idle' : null, chance: p, quietReason };
  }
}
