// "Help when errors appear", the companion side: editor reports go to the activity fuser and the
// offer policy; a 1 s tick asks the policy and emits `help.offer`; the user's answer (or a direct
// explain / fix request) starts a reply through ChatService with a help prompt.
// Offers are about the present: at most one is open (a new one retracts the one before), an
// offer whose error is gone (fixed, or the failed command is old news) is retracted at the next
// report or tick (`help.retract`), and among errors due the active file's come first.
import { randomUUID } from 'node:crypto';
import type { ClientWorkspace, Params, Result } from '../../protocol';
import { diagnosticSignature, failureSignature } from '../../common/fix-signature';
import type { ActivityState, ContextUpdate, HelpTarget } from '../../protocol/context';
import type { LastFix } from '../../protocol/memory';
import type { ChatService } from '../chat/chat-service';
import type { ContextStore } from '../context/context-store';
import { errorKey } from '../context/activity-fuser';
import { AlisaError } from '../errors';
import type { MemoryStore } from '../memory';
import { lastFixFor } from '../memory/fix-memory';
import type { CompanionState } from '../state';
import { buildHelpPrompt, type HelpPromptInput } from './help-prompt';
import { OfferPolicy, type OfferPolicyOptions } from './offer-policy';
import { lastFixLine, offerText } from './offer-text';
import { learnQuietHours, QUIET_HOURS_WINDOW_MS, type QuietHoursOptions } from './quiet-hours';

const TICK_MS = 1000;
/** Offers remembered for `help.respond` (older ones are answered with not_found). */
const MAX_OFFERS = 20;
/** An offer left unanswered this long counts as ignored (for the learned quiet hours). */
export const OFFER_IGNORED_AFTER_MS = 10 * 60_000;
/**
 * Bounds of a fix's code block, from the replaced excerpt: a fix is rarely much longer or wider
 * than the lines it replaces. The reply's token budget covers the bound, so the block always
 * closes (each token is at least one character), up to FIX_MAX_TOKENS.
 */
const FIX_MIN_LINE_LENGTH = 60;
const FIX_EXTRA_LINES = 4;
const FIX_MAX_TOKENS = 4096;

interface HelpServiceDeps {
  chat: ChatService;
  context: ContextStore;
  state: CompanionState;
  policy?: OfferPolicyOptions;
  now?: () => number;
  /** The normal reply budget (fix replies get at least what their block needs). */
  maxReplyTokens?: number;
  /** Where offer outcomes are kept to learn quiet hours; may throw (database locked or gone). */
  memory?: () => MemoryStore;
  quietHours?: QuietHoursOptions;
  /**
   * Task memory: when given, it keeps the outcomes (with the task that was interrupted) and its
   * learned quiet hours are the ones offers respect, the same set idle talk respects.
   */
  rhythm?: {
    isQuietHour(hour: number): boolean;
    quietHours(): Set<number>;
    currentTask(): string | null;
    recordInterruption(kind: string, outcome: 'engaged' | 'declined' | 'ignored', at: number, hour: number, task: string | null): void;
  };
  log?: (line: string) => void;
}

function shortLine(prefix: string, target: HelpTarget): string {
  const msg = target.message.replace(/\s+/g, ' ').trim();
  const cut = msg.length > 80 ? `${msg.slice(0, 79)}…` : msg;
  const where = target.path ? ` (${target.path}${target.range ? `:${target.range.start.line + 1}` : ''})` : '';
  return `${prefix}: ${cut}${where}`;
}

export class HelpService {
  readonly policy: OfferPolicy;
  private readonly now: () => number;
  private offers = new Map<string, { key: string; target: HelpTarget; at: number; task: string | null; lastFix?: LastFix }>();
  private quiet = new Set<number>();
  private lastState: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The client whose context report came last (see onContextUpdate). */
  private contextClient: string | null = null;
  /** That client's workspace (what fixed an error last time is looked up there). */
  private contextWorkspace: string | null = null;

  constructor(private readonly deps: HelpServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.policy = new OfferPolicy({ now: this.now, quietHour: (hour) => (deps.rhythm ? deps.rhythm.isQuietHour(hour) : this.quiet.has(hour)), ...deps.policy });
    this.deps.context.activity.persistMs = this.policy.debounceMs;
    this.refreshQuietHours();
  }

  /** The local hours she has learned to keep quiet in, ascending. */
  quietHours(): number[] {
    return [...(this.deps.rhythm ? this.deps.rhythm.quietHours() : this.quiet)].sort((a, b) => a - b);
  }

  /** Re-reads the recorded outcomes; a database that cannot be read keeps what was learned. */
  refreshQuietHours(): void {
    if (this.deps.rhythm) {
      this.quiet = this.deps.rhythm.quietHours();
      return;
    }
    if (!this.deps.memory) return;
    try {
      this.quiet = learnQuietHours(this.deps.memory().interruptionStats(this.now() - QUIET_HOURS_WINDOW_MS), this.deps.quietHours);
    } catch (err) {
      this.deps.log?.(`help: could not read offer history: ${(err as Error).message}`);
    }
  }

  private recordOutcome(outcome: 'engaged' | 'declined' | 'ignored', at: number, task: string | null = null): void {
    if (this.deps.rhythm) {
      this.deps.rhythm.recordInterruption('help_offer', outcome, at, this.policy.hourAt(at), task);
      this.refreshQuietHours();
      return;
    }
    if (!this.deps.memory) return;
    try {
      this.deps.memory().recordInterruption('help_offer', outcome, at, this.policy.hourAt(at));
    } catch (err) {
      // Losing one sample only makes learning slower; the offer itself was handled.
      this.deps.log?.(`help: could not record an offer outcome: ${(err as Error).message}`);
      return;
    }
    this.refreshQuietHours();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * `clientId`: the window that reported it. With several windows on one companion, the latest
   * report is the window the user works in, and that window alone gets the offers about it.
   */
  onContextUpdate(update: ContextUpdate, clientId: string | null = null, workspace: string | null = null): { state: ActivityState } {
    if (clientId !== null) {
      this.contextClient = clientId;
      this.contextWorkspace = workspace;
    }
    const at = this.now();
    const fuser = this.deps.context.activity;
    fuser.apply(update);
    if (update.typing) this.policy.typing(at);
    if (update.focusMode !== undefined) this.policy.setFocusMode(update.focusMode);
    const errors = fuser.currentErrors();
    this.policy.observe(errors, at);
    this.retractResolved(errors);
    const state = fuser.state();
    this.emitStateIfChanged(state);
    return { state };
  }

  /** One step of the clock: state changes that come with time, and a due offer. */
  tick(): void {
    const fuser = this.deps.context.activity;
    // Time-limited errors (a failed command, a debug stop) expire without an update.
    const errors = fuser.currentErrors();
    this.policy.observe(errors, this.now());
    this.retractResolved(errors);
    this.emitStateIfChanged(fuser.state());
    this.expireOffers();
    const due = this.policy.due(this.now(), fuser.editor?.path ?? null);
    if (!due) return;
    // One open offer at a time: the newest is about what the user faces now.
    for (const id of [...this.offers.keys()]) this.retract(id, 'replaced');
    const task = due.target.kind === 'screen' ? this.deps.context.desktop?.task : undefined;
    const { text, emotion } = offerText({
      target: due.target,
      mode: this.deps.state.mode,
      repeated: fuser.failureCount(due.key) > 1,
      ...(task ? { task } : {}),
    });
    const offerId = randomUUID();
    const lastFix = this.lastFixFor(due.target);
    this.offers.set(offerId, { ...due, at: this.now(), task: this.deps.rhythm?.currentTask() ?? null, ...(lastFix ? { lastFix } : {}) });
    if (this.offers.size > MAX_OFFERS) {
      const [oldestId, oldest] = this.offers.entries().next().value!;
      this.offers.delete(oldestId);
      this.recordOutcome('ignored', oldest.at, oldest.task);
    }
    // An offer about a window's editor goes to that window only; one about the screen to all.
    const to = due.target.kind !== 'screen' && this.contextClient !== null ? { clientId: this.contextClient, only: true } : null;
    const said = lastFix ? `${text} ${lastFixLine(lastFix)}` : text;
    this.deps.chat.emit({ type: 'help.offer', offerId, text: said, emotion, target: due.target, ...(lastFix ? { lastFix } : {}) }, to);
  }

  /** The error's signature as the extension computes it (common/fix-signature.ts); null for kinds never fixed by a proposal. */
  signatureOf(target: HelpTarget): string | null {
    const fuser = this.deps.context.activity;
    if (target.kind === 'diagnostic') {
      const file = fuser.diagnostics.find((f) => f.path === target.path);
      const d = file?.diagnostics.find((x) => x.message === target.message && (x.code ?? null) === (target.code ?? null));
      return diagnosticSignature({ source: target.source ?? d?.source ?? null, code: target.code, message: target.message });
    }
    if (target.kind === 'terminal' && fuser.terminalFailure) return failureSignature(fuser.terminalFailure);
    return null;
  }

  /** What fixed this error last time in the reporting window's workspace (a database that cannot be read: nothing). */
  lastFixFor(target: HelpTarget, workspace: string | null = this.contextWorkspace): LastFix | null {
    const signature = this.signatureOf(target);
    if (signature === null || !this.deps.memory) return null;
    try {
      return lastFixFor(this.deps.memory(), signature, workspace);
    } catch (err) {
      this.deps.log?.(`help: could not read the memory of fixes: ${(err as Error).message}`);
      return null;
    }
  }

  /** Offers nobody answered in time are taken as ignored. */
  private expireOffers(): void {
    const now = this.now();
    for (const [id, offer] of this.offers) {
      if (now - offer.at < OFFER_IGNORED_AFTER_MS) continue;
      this.offers.delete(id);
      this.recordOutcome('ignored', offer.at, offer.task);
    }
  }

  /** Open offers whose error is no longer current are withdrawn. */
  private retractResolved(errors: ReadonlyArray<{ key: string }>): void {
    if (this.offers.size === 0) return;
    const current = new Set(errors.map((e) => e.key));
    for (const [id, offer] of [...this.offers]) if (!current.has(offer.key)) this.retract(id, 'resolved');
  }

  /**
   * Withdraws an open offer: clients drop its card, and an answer gets `not_found`. One replaced
   * by a newer offer went unanswered while it was up: it counts as ignored (for the learned quiet
   * hours). One whose error is gone counts as nothing: the user fixed it without her.
   */
  private retract(offerId: string, reason: 'resolved' | 'replaced'): void {
    const offer = this.offers.get(offerId);
    if (!offer) return;
    this.offers.delete(offerId);
    if (reason === 'replaced') this.recordOutcome('ignored', offer.at, offer.task);
    this.deps.chat.emit({ type: 'help.retract', offerId, reason });
  }

  private emitStateIfChanged(state: ActivityState): void {
    const json = JSON.stringify(state);
    if (json === this.lastState) return;
    this.lastState = json;
    this.deps.chat.emit({ type: 'context.state', state });
  }

  /** `workspace`: the answering client's, where the reply goes (see ChatService.send). */
  respond(p: Params<'help.respond'>, workspace: ClientWorkspace | null = null): Result<'help.respond'> {
    const offer = this.offers.get(p.offerId);
    if (!offer) throw new AlisaError('not_found', 'That help offer is no longer open.', 'Ask about the error directly instead.');
    this.offers.delete(p.offerId);
    if (p.response === 'dismiss') {
      this.policy.declined(offer.key, this.now());
      this.recordOutcome('declined', offer.at, offer.task);
      return { replyId: null, sessionId: null };
    }
    this.policy.engaged(offer.key);
    this.recordOutcome('engaged', offer.at, offer.task);
    const detail = this.deps.context.activity.detailFor(offer.target);
    const lastFix = offer.lastFix ? { lastFix: offer.lastFix.text } : {};
    const started = this.startHelpReply(p.response, { target: offer.target, ...detail, ...lastFix }, workspace);
    return { replyId: started.replyId, sessionId: started.sessionId };
  }

  explain(p: Params<'help.explain'>, workspace: ClientWorkspace | null = null): Result<'help.explain'> {
    this.policy.engaged(errorKey(p.target));
    const held = this.deps.context.activity.detailFor(p.target);
    const input: HelpPromptInput = { target: p.target, ...held };
    if (p.excerpt !== undefined) {
      input.excerpt = p.excerpt;
      delete input.excerptStartLine;
    }
    if (p.language !== undefined) input.language = p.language;
    return this.startHelpReply('explain', input, workspace);
  }

  proposeFix(p: Params<'fix.propose'>, workspace: ClientWorkspace | null = null): Result<'fix.propose'> {
    this.policy.engaged(errorKey(p.target));
    return this.startHelpReply(
      'fix',
      {
        target: p.target,
        path: p.path,
        language: p.language,
        excerpt: p.excerpt,
        excerptStartLine: p.excerptStartLine,
        ...(p.related ? { related: p.related } : {}),
        ...this.lastFixPrompt(p.target, workspace),
      },
      workspace,
    );
  }

  /** The prompt's line about what fixed this error last time, for a direct fix request. */
  private lastFixPrompt(target: HelpTarget, workspace: ClientWorkspace | null): { lastFix?: string } {
    const found = this.lastFixFor(target, workspace?.id ?? null);
    return found ? { lastFix: found.text } : {};
  }

  private startHelpReply(kind: 'explain' | 'fix', input: HelpPromptInput, workspace: ClientWorkspace | null): { replyId: string; sessionId: number } {
    const promptText = buildHelpPrompt(kind, input);
    const shownText = shortLine(kind === 'fix' ? 'Fix' : 'Explain', { ...input.target, path: input.path ?? input.target.path });
    if (kind === 'explain') {
      const started = this.deps.chat.startReply({ shownText, promptText, workspace });
      return { replyId: started.replyId, sessionId: started.sessionId };
    }
    const lines = input.excerpt ? input.excerpt.replace(/\r\n/g, '\n').split('\n') : [];
    const maxLines = lines.length * 2 + FIX_EXTRA_LINES;
    const maxLineLength = Math.max(FIX_MIN_LINE_LENGTH, ...lines.map((l) => l.length * 2));
    const needed = maxLines * (maxLineLength + 1) + 40;
    const maxTokens = Math.min(FIX_MAX_TOKENS, Math.max(this.deps.maxReplyTokens ?? 0, needed));
    const started = this.deps.chat.startReply({
      shownText,
      promptText,
      format: 'code-block',
      language: input.language ?? '',
      maxLines,
      maxLineLength,
      maxTokens,
      workspace,
    });
    return { replyId: started.replyId, sessionId: started.sessionId };
  }
}
