// The idle companion: a timer (unref'd) asks IdlePolicy whether to speak up; an utterance is
// generated through the real ChatService and model (1-2 sentences, no question, in the last
// emotion) and arrives as one complete spontaneous message. What the user does with it is
// recorded in `interruptions` (kind 'idle'): engaged when they write within ENGAGED_WITHIN_MS,
// ignored otherwise. Do not disturb and chattiness are kept in the settings table.
import type { Emotion, IdleConfigure, IdleStatus, Mode } from '../../protocol';
import type { ChatService } from '../chat/chat-service';
import type { ContextStore } from '../context/context-store';
import type { MemoryStore } from '../memory';
import type { CompanionState } from '../state';
import { IdlePolicy, SECOND, type IdleInputs, type IdlePolicyOptions, type UtteranceKind } from './idle-policy';
import { fallbackUtterance, shapeUtterance, utteranceInstruction } from './utterance';

/** A user message this soon after an utterance means they took her up on it. */
const ENGAGED_WITHIN_MS = 120 * SECOND;
/** Presence is looked at this often (reactions should not wait for the 30 s check). */
const PRESENCE_POLL_MS = 1000;

const MODE_EMOTION: Record<Mode, Emotion> = { teasing: 'teasing', serious: 'serious', calm: 'calm' };

/** What the idle loop needs from task memory. */
interface RhythmHooks {
  isQuietHour(hour: number): boolean;
  /** The user's current task (for the interruption record), or null. */
  currentTask(): string | null;
  recordInterruption(kind: string, outcome: 'engaged' | 'ignored', at: number, hour: number, task: string | null): void;
}

interface IdleServiceDeps {
  chat: ChatService;
  context: ContextStore;
  state: CompanionState;
  memory: () => MemoryStore;
  rhythm?: RhythmHooks;
  policy?: IdlePolicyOptions;
  /** Overrides the check period (default 30 s x timeScale). */
  checkMs?: number;
  /** Overrides the engagement window (default 2 min x timeScale). */
  engagedWithinMs?: number;
  /** Idle talk off entirely (the service answers status but never speaks). */
  disabled?: boolean;
  now?: () => number;
  /** The local hour of a time (injectable for tests). */
  hourOf?: (at: number) => number;
  log?: (line: string) => void;
}

export class IdleService {
  readonly policy: IdlePolicy;
  private readonly now: () => number;
  private readonly hourOf: (at: number) => number;
  private readonly checkMs: number;
  private readonly engagedWithinMs: number;
  private doNotDisturb = false;
  private chattiness = 1;
  private timer: NodeJS.Timeout | null = null;
  private lastCheckAt: number;
  private speaking = false;
  private lastEmotion: Emotion | null = null;
  private pendingOutcomes: Array<{ at: number; hour: number; task: string | null }> = [];
  private lastStatusJson = '';
  private unsubscribe: () => void;

  constructor(private readonly deps: IdleServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.hourOf = deps.hourOf ?? ((at) => new Date(at).getHours());
    this.policy = new IdlePolicy({ now: this.now, hourOf: this.hourOf, ...deps.policy });
    this.checkMs = deps.checkMs ?? this.policy.checkMs;
    this.engagedWithinMs = deps.engagedWithinMs ?? this.policy.ms(ENGAGED_WITHIN_MS);
    this.lastCheckAt = this.now();
    this.loadSettings();
    this.unsubscribe = deps.chat.onEvent((event) => {
      if (event.type === 'reply.start' && !event.spontaneous) this.onUserChat();
      else if (event.type === 'reply.end') {
        this.lastEmotion = event.emotion;
        this.policy.chat(false, this.now());
      }
    });
  }

  private loadSettings(): void {
    try {
      const m = this.deps.memory();
      this.doNotDisturb = m.getSetting('idle.doNotDisturb') === 'true';
      const c = Number(m.getSetting('idle.chattiness') ?? '1');
      if (Number.isFinite(c) && c >= 0 && c <= 2) this.chattiness = c;
    } catch {
      // No database: the defaults (Do not disturb off, chattiness 1).
    }
  }

  start(): void {
    if (this.timer || this.deps.disabled) return;
    const tickMs = Math.max(10, Math.min(PRESENCE_POLL_MS, this.checkMs));
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe();
  }

  /** Editor reports: typing, and (from task memory) a real change of task. */
  typing(at: number = this.now()): void {
    this.policy.typing(at);
  }

  taskSwitched(at: number = this.now()): void {
    this.policy.taskSwitched(at);
  }

  private onUserChat(): void {
    const at = this.now();
    this.policy.chat(true, at);
    // Any utterance still waiting for an answer was taken up.
    for (const o of this.pendingOutcomes.splice(0)) this.record('engaged', o);
  }

  private record(outcome: 'engaged' | 'ignored', o: { at: number; hour: number; task: string | null }): void {
    try {
      if (this.deps.rhythm) this.deps.rhythm.recordInterruption('idle', outcome, o.at, o.hour, o.task);
      else this.deps.memory().recordInterruption('idle', outcome, o.at, o.hour);
    } catch (err) {
      this.deps.log?.(`idle: could not record an outcome: ${(err as Error).message}`);
    }
  }

  private inputs(at: number): IdleInputs {
    const p = this.deps.context.presence;
    const hour = this.hourOf(at);
    return {
      presence: p ? p.state : null,
      mode: this.deps.state.mode, // read live, every time
      streaming: this.speaking || this.deps.chat.activeReplies().length > 0,
      quietHour: this.deps.rhythm?.isQuietHour(hour) ?? false,
      doNotDisturb: this.doNotDisturb,
      chattiness: this.chattiness,
    };
  }

  status(): IdleStatus {
    const at = this.now();
    return {
      doNotDisturb: this.doNotDisturb,
      chattiness: this.chattiness,
      quietReason: this.deps.disabled ? 'idle talk is off' : this.policy.quietReason(this.inputs(at), at),
      lastSpokeAt: this.policy.spokeAt,
    };
  }

  configure(p: IdleConfigure): IdleStatus {
    if (p.doNotDisturb !== undefined) this.doNotDisturb = p.doNotDisturb;
    if (p.chattiness !== undefined) this.chattiness = p.chattiness;
    try {
      const m = this.deps.memory();
      if (p.doNotDisturb !== undefined) m.setSetting('idle.doNotDisturb', String(p.doNotDisturb));
      if (p.chattiness !== undefined) m.setSetting('idle.chattiness', String(p.chattiness));
    } catch (err) {
      this.deps.log?.(`idle: settings not saved: ${(err as Error).message}`);
    }
    this.emitStatusIfChanged();
    return this.status();
  }

  private emitStatusIfChanged(): void {
    const status = this.status();
    const json = JSON.stringify(status);
    if (json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    this.deps.chat.emit({ type: 'idle.state', status });
  }

  /** One step of the clock (public for tests). */
  async tick(): Promise<void> {
    const at = this.now();
    for (let i = this.pendingOutcomes.length - 1; i >= 0; i--) {
      const o = this.pendingOutcomes[i]!;
      if (at - o.at < this.engagedWithinMs) continue;
      this.pendingOutcomes.splice(i, 1);
      this.record('ignored', o);
    }
    const p = this.deps.context.presence;
    this.policy.observePresence(p ? p.state : null, at);
    this.emitStatusIfChanged();
    if (this.speaking || at - this.lastCheckAt < this.checkMs) return;
    this.lastCheckAt = at;
    const decision = this.policy.check(this.inputs(at), at);
    if (decision.speak) await this.speak(decision.speak);
  }

  private async speak(kind: UtteranceKind): Promise<void> {
    this.speaking = true;
    try {
      const mode = this.deps.state.mode;
      const emotion = this.lastEmotion ?? MODE_EMOTION[mode];
      const said = await this.deps.chat.speakUnprompted({
        instruction: utteranceInstruction(kind, emotion),
        emotion,
        shape: shapeUtterance,
        fallback: () => fallbackUtterance(kind, this.deps.state.mode),
      });
      if (!said) return;
      const at = this.now();
      this.policy.spoke(kind, at);
      this.lastEmotion = emotion;
      this.pendingOutcomes.push({ at, hour: this.hourOf(at), task: this.deps.rhythm?.currentTask() ?? null });
      this.deps.log?.(`idle: said something (${kind})`);
    } catch (err) {
      this.deps.log?.(`idle: ${(err as Error).message}`);
    } finally {
      this.speaking = false;
      this.emitStatusIfChanged();
    }
  }
}
