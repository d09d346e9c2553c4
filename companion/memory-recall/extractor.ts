// Facts about the user, written by the model in the background (issue 17). After an exchange the
// user started ends (reply.end, not spontaneous, not interrupted) and a model is ready, she asks
// it for at most three durable facts about the user or their projects from the last message and
// reply (secrets in them redacted), one per line ("- Works on the billing service"), or NONE. What comes back is read
// leniently (GenerateRequest has no raw grammar, so the embedded model is not constrained by one):
// only bulleted lines count, and a line is dropped when it is a question, too short or too long,
// holds what looks like a secret, or repeats a memory already kept. The rest is stored with
// source 'model', confidence 0.6, the user's message as its source, in the chat's workspace
// (global for a chat tied to none), and announced as memory.changed.
//
// One extraction at a time, never while a reply streams (a queued one waits; a reply that starts
// meanwhile stops it, and it is tried once more), at most EXTRACTIONS_PER_HOUR. A message that
// asks her to remember or forget something is left to capture.ts. `--memory-extract model|off`
// (default model). Nothing here may disturb the chat: failures are logged and dropped.
import type { ClientWorkspace, CompanionEvent } from '../../protocol';
import { hasSecret, redactSecrets } from '../../common/privacy/redact';
import type { EventHub } from '../events';
import type { LlmProvider } from '../llm';
import type { MemoryStore } from '../memory';
import { factKey } from '../memory/fact-store';
import { BackgroundModelQueue, type BackgroundQueueDeps } from './background-queue';
import { parseCapture } from './capture';
import { recallMatch } from './terms';

export type MemoryExtractMode = 'model' | 'off';

/** The instruction the model is given (tests recognise the request by it). */
export const EXTRACT_INSTRUCTION =
  'You note durable facts about the user from a conversation: who they are, what they work on, their projects, tools and preferences. ' +
  'List at most 3 such facts, one per line, each starting with "- ", written short and in the third person ("Works on ...", "Prefers ..."). ' +
  'Nothing temporary, no guesses, no secrets. If there is nothing worth remembering, answer NONE.';

export const MODEL_FACT_CONFIDENCE = 0.6;
export const EXTRACTIONS_PER_HOUR = 30;
const MAX_FACTS = 3;
const FACT_MIN_CHARS = 8;
const FACT_MAX_CHARS = 200;
const EXTRACT_TOKENS = 96;
const QUEUE_MAX = 4;

/** The facts in the model's answer, cleaned, at most three; [] for NONE or nothing usable. */
export function parseExtractedFacts(raw: string): string[] {
  const facts: string[] = [];
  const seen = new Set<string>();
  for (const rawLine of raw.replace(/<emotion=[a-z]+>/gi, ' ').split('\n')) {
    const bullet = /^\s*(?:[-*•]|\d+[.)])\s+(.*)$/u.exec(rawLine);
    if (!bullet) continue; // a preamble ("Here are the facts:"), NONE, or rambling
    const text = bullet[1]!
      .replace(/\[[a-z]+\]/gi, ' ')
      .replace(/^["'“”‘’*_`]+|["'“”‘’*_`]+$/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (text.length < FACT_MIN_CHARS || text.length > FACT_MAX_CHARS) continue;
    if (/\?\s*$/u.test(text) || /^none\b/i.test(text) || !/\p{L}/u.test(text) || text.split(' ').length < 2) continue;
    if (hasSecret(text)) continue;
    const key = factKey(text);
    if (seen.has(key)) continue;
    seen.add(key);
    facts.push(text);
    if (facts.length === MAX_FACTS) break;
  }
  return facts;
}

export interface FactExtractorDeps extends BackgroundQueueDeps {
  memory: () => MemoryStore;
  events: EventHub;
  mode: MemoryExtractMode;
}

interface Job {
  sessionId: number;
  userMessageId: number;
  replyText: string;
  tries: number;
}

export class FactExtractor extends BackgroundModelQueue<Job> {
  /** Replies the user asked for, by replyId: their user message. */
  private readonly asked = new Map<string, number>();

  constructor(private readonly deps: FactExtractorDeps) {
    super(deps, EXTRACTIONS_PER_HOUR);
    if (deps.mode === 'off') return;
    deps.events.onEvent((event) => this.onEvent(event));
  }

  private onEvent(event: CompanionEvent): void {
    if (event.type === 'reply.start') {
      // A reply comes first: an extraction under way stops and is tried again later.
      this.interrupt();
      if (!event.spontaneous && event.userMessageId !== null) {
        this.asked.set(event.replyId, event.userMessageId);
        if (this.asked.size > 64) this.asked.delete(this.asked.keys().next().value!);
      }
      return;
    }
    if (event.type !== 'reply.end' && event.type !== 'reply.error') return;
    const userMessageId = this.asked.get(event.replyId);
    this.asked.delete(event.replyId);
    if (event.type === 'reply.end' && userMessageId !== undefined && !event.interrupted && event.text.trim() !== '') {
      this.queue.push({ sessionId: event.sessionId, userMessageId, replyText: event.text, tries: 0 });
      if (this.queue.length > QUEUE_MAX) this.queue.shift();
    }
    this.schedule(0);
  }

  protected limitReached(job: Job): string {
    return `memory: ${EXTRACTIONS_PER_HOUR} extractions this hour already; message ${job.userMessageId} skipped`;
  }

  /** True when a reply stopped it before the model answered (it may be tried again). */
  protected async run(provider: LlmProvider, job: Job, signal: AbortSignal): Promise<boolean> {
    try {
      const memory = this.deps.memory();
      const user = memory.getMessage(job.userMessageId);
      if (user?.role !== 'user' || parseCapture(user.text)) return false; // gone, or "remember/forget ...": capture.ts has it
      const result = await provider.generate({
        messages: [
          { role: 'system', content: EXTRACT_INSTRUCTION },
          {
            role: 'user',
            content: `User: ${redactSecrets(user.text.slice(0, 1200)).text}\nAssistant: ${redactSecrets(job.replyText.slice(0, 800)).text}\n\nFacts about the user:`,
          },
        ],
        maxTokens: EXTRACT_TOKENS,
        temperature: 0.2,
        cacheKey: 'memory-extract',
        signal,
        onText: () => {},
      });
      if (signal.aborted || result.stopReason === 'cancelled') return true;
      const facts = parseExtractedFacts(result.text);
      if (facts.length === 0) return false;
      const session = memory.getSession(job.sessionId);
      const workspace: ClientWorkspace | null = session?.workspace ? { id: session.workspace, name: session.workspaceName ?? '' } : null;
      for (const text of facts) {
        if (this.known(memory, text, workspace?.id ?? null)) continue;
        const r = memory.addFact({
          text,
          scope: workspace ? 'workspace' : 'global',
          workspace,
          source: 'model',
          sourceMessageId: job.userMessageId,
          confidence: MODEL_FACT_CONFIDENCE,
        });
        if (!r.created) continue;
        this.deps.events.emit({ type: 'memory.changed', fact: r.fact });
        if (r.pruned.length) this.deps.events.emit({ type: 'memory.changed', deletedIds: r.pruned });
      }
      return false;
    } catch (err) {
      if (signal.aborted) return true;
      this.deps.log?.(`memory: facts from message ${job.userMessageId} could not be extracted (${(err as Error).message})`);
      return false;
    }
  }

  /** Whether the same fact is already kept, globally or in this workspace. */
  private known(memory: MemoryStore, text: string, workspace: string | null): boolean {
    const match = recallMatch(text);
    if (!match) return false;
    const key = factKey(text);
    return memory.factCandidates(match, workspace, 20).some((h) => factKey(h.fact.text) === key);
  }
}
