// Summaries of older chats (issue 17): when the user moves on from a chat, the model writes what
// mattered in it as one memory (source 'summary', tied to the session: memory/summary-store.ts),
// which recall then finds like any other ("an earlier chat" in the Memory view). A chat is
// summarised when
//   - another chat becomes active (a reply the user asked for starts in another session), or
//   - it has been idle for IDLE_MS since its last reply (--memory-summary-idle-ms),
// and only when it has grown since its summary was written (at least MIN_USER_MESSAGES messages
// from the user in all): a longer chat replaces its summary; one that did not change keeps it.
//
// Gated like the fact extractor (extractor.ts): only with `--memory-extract model` (the setting
// alisa.memory.extract), only with a model ready, one at a time, never while a reply streams (a
// reply that starts stops it; it is tried once more), at most SUMMARIES_PER_HOUR. What the model
// reads is the chat's newest messages up to TRANSCRIPT_CHARS, secrets redacted; an answer holding
// what looks like a secret, or NONE, is not kept. Nothing here may disturb the chat.
import { hasSecret, redactSecrets } from '../../common/privacy/redact';
import type { CompanionEvent, Message } from '../../protocol';
import { MEMORY_TEXT_MAX } from '../../protocol/memory';
import type { EventHub } from '../events';
import type { LlmProvider } from '../llm';
import type { MemoryStore } from '../memory';
import { BackgroundModelQueue, type BackgroundQueueDeps } from './background-queue';
import type { MemoryExtractMode } from './extractor';

/** The instruction the model is given (tests recognise the request by it). */
export const SUMMARY_INSTRUCTION =
  'You summarise a past conversation between the user and Alisa for her long-term memory: what the user worked on, decided, ' +
  'asked for or told about themselves, and anything left to do. Write 1 to 3 short sentences in the third person ("The user ..."), ' +
  'no greetings, no secrets. If nothing in it is worth remembering, answer NONE.';

export const SUMMARY_IDLE_MS = 20 * 60_000;
export const SUMMARIES_PER_HOUR = 12;
const MIN_USER_MESSAGES = 2;
const TRANSCRIPT_CHARS = 6000;
const MESSAGE_CHARS = 1200;
const SUMMARY_TOKENS = 160;
/** What the memory says first, so the model reading it knows it is about a past chat. */
export const SUMMARY_PREFIX = 'In an earlier chat: ';

/** The summary in the model's answer, cleaned and cut to fit a memory; null for NONE or nothing usable. */
export function parseSummary(raw: string): string | null {
  let text = raw
    .replace(/<emotion=[a-z]+>/gi, ' ')
    .replace(/\[[A-Z_]+\]/g, ' ')
    .replace(/^\s*(?:summary|in an earlier chat)\s*:\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '' || /^none\b/i.test(text) || !/\p{L}/u.test(text) || hasSecret(text)) return null;
  const room = MEMORY_TEXT_MAX - SUMMARY_PREFIX.length;
  if (text.length > room) {
    // Whole sentences when they fit, else cut at a word.
    const cut = text.slice(0, room);
    const sentence = cut.lastIndexOf('. ');
    text = sentence > room / 3 ? cut.slice(0, sentence + 1) : `${cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : room - 1)}…`;
  }
  return `${SUMMARY_PREFIX}${text}`;
}

/** The chat as the model reads it: newest messages that fit, oldest first, secrets redacted. */
export function transcript(messages: readonly Message[]): string {
  const lines: string[] = [];
  let room = TRANSCRIPT_CHARS;
  for (let i = messages.length - 1; i >= 0 && room > 0; i--) {
    const m = messages[i]!;
    if ((m.role !== 'user' && m.role !== 'assistant') || m.text.trim() === '') continue;
    const line = `${m.role === 'user' ? 'User' : 'Alisa'}: ${redactSecrets(m.text.slice(0, MESSAGE_CHARS)).text.replace(/\s+/g, ' ').trim()}`;
    room -= line.length;
    lines.push(line);
  }
  return lines.reverse().join('\n');
}

export interface SessionSummarizerDeps extends BackgroundQueueDeps {
  memory: () => MemoryStore;
  events: EventHub;
  mode: MemoryExtractMode;
  /** How long a chat stays quiet before it is summarised (default SUMMARY_IDLE_MS). */
  idleMs?: number;
}

interface Job {
  sessionId: number;
  tries: number;
}

export class SessionSummarizer extends BackgroundModelQueue<Job> {
  /** The session of the last reply the user asked for, and its idle timer. */
  private active: number | null = null;
  private idle: NodeJS.Timeout | null = null;
  /**
   * How many messages each chat had when it was last summed up here: a summary the user deleted is
   * not written again until the chat grows (nor is one rewritten because the chat was renamed).
   */
  private readonly summarisedAt = new Map<number, number>();
  constructor(private readonly deps: SessionSummarizerDeps) {
    super(deps, SUMMARIES_PER_HOUR);
    if (deps.mode === 'off') return;
    deps.events.onEvent((event) => this.onEvent(event));
  }

  dispose(): void {
    if (this.idle) clearTimeout(this.idle);
    this.stopAll();
  }

  private onEvent(event: CompanionEvent): void {
    if (event.type === 'reply.start') {
      this.interrupt();
      if (event.spontaneous) return;
      // Another chat became active: the one before is done with, for now.
      if (this.active !== null && this.active !== event.sessionId) this.enqueue(this.active);
      this.active = event.sessionId;
      if (this.idle) clearTimeout(this.idle);
      return;
    }
    if ((event.type === 'reply.end' || event.type === 'reply.error') && event.sessionId === this.active) {
      const session = event.sessionId;
      if (this.idle) clearTimeout(this.idle);
      this.idle = setTimeout(() => this.enqueue(session), this.deps.idleMs ?? SUMMARY_IDLE_MS);
      this.idle.unref();
    }
    if (event.type === 'reply.end' || event.type === 'reply.error') this.schedule(0);
  }

  private enqueue(sessionId: number): void {
    if (!this.queue.some((job) => job.sessionId === sessionId)) this.queue.push({ sessionId, tries: 0 });
    this.schedule(0);
  }

  protected limitReached(job: Job): string {
    return `memory: ${SUMMARIES_PER_HOUR} chat summaries this hour already; chat ${job.sessionId} is summarised later`;
  }

  protected override wanted(job: Job): boolean {
    return this.needsSummary(job.sessionId);
  }

  /** The session still exists, has enough of the user in it, and grew since its summary. */
  private needsSummary(sessionId: number): boolean {
    try {
      const memory = this.deps.memory();
      const session = memory.getSession(sessionId);
      if (!session) return false;
      const seen = this.summarisedAt.get(sessionId);
      if (seen !== undefined && session.messageCount <= seen) return false;
      const summary = memory.sessionSummary(sessionId);
      if (seen === undefined && summary && summary.updatedAt >= session.updatedAt) return false;
      const users = memory.listMessages(sessionId, { limit: 200 }).filter((m) => m.role === 'user' && m.text.trim() !== '').length;
      return users >= MIN_USER_MESSAGES;
    } catch (err) {
      this.deps.log?.(`memory: chat ${sessionId} cannot be summarised (${(err as Error).message})`);
      return false;
    }
  }

  /** True when a reply stopped it before the model answered (it may be tried again). */
  protected async run(provider: LlmProvider, { sessionId }: Job, signal: AbortSignal): Promise<boolean> {
    try {
      const memory = this.deps.memory();
      const chat = transcript(memory.listMessages(sessionId, { limit: 200 }));
      const result = await provider.generate({
        messages: [
          { role: 'system', content: SUMMARY_INSTRUCTION },
          { role: 'user', content: `${chat}\n\nSummary:` },
        ],
        maxTokens: SUMMARY_TOKENS,
        temperature: 0.2,
        cacheKey: 'memory-summary',
        signal,
        onText: () => {},
      });
      if (signal.aborted || result.stopReason === 'cancelled') return true;
      const session = memory.getSession(sessionId);
      if (!session) return false;
      this.summarisedAt.set(sessionId, session.messageCount);
      if (this.summarisedAt.size > 256) this.summarisedAt.delete(this.summarisedAt.keys().next().value!);
      const text = parseSummary(result.text);
      if (!text) return false;
      this.deps.events.emit({ type: 'memory.changed', fact: memory.putSessionSummary(sessionId, text) });
      return false;
    } catch (err) {
      if (signal.aborted) return true;
      this.deps.log?.(`memory: chat ${sessionId} could not be summarised (${(err as Error).message})`);
      return false;
    }
  }
}
