// Long-term memory in the chat (issue 17): what the user asks her to remember or forget is taken
// from each message she sends (capture.ts), and each reply's prompt gets the memories relevant to
// it (recall.ts), chosen with the store's FTS5 index and, with an embedding model, by meaning too
// (memory-vectors.ts: hybrid recall). Every change is announced as memory.changed.
// Nothing here may stop a reply: failures are logged and the chat goes on.
import type { ClientWorkspace, CompanionEvent } from '../../protocol';
import type { MemoryStore } from '../memory';
import { chooseForget, parseCapture } from './capture';
import type { VectorHit } from './vector-index';
import { chooseRecall, fuseCandidates, recallBlock, RECALL_BUDGET_TOKENS } from './recall';
import { recallMatch, recallTerms } from './terms';

/** Candidates read from the index per recall (the budget keeps far fewer). */
const CANDIDATES = 40;
const PINNED_MAX = 50;
/** Memories closest in meaning read per recall (hybrid recall). */
const SIMILAR = 20;

/** What hybrid recall needs of memory-vectors.ts. */
export interface SimilarMemories {
  /** Embeds the message before its prompt is built (false: no vector, BM25 alone). */
  prepare(text: string): Promise<boolean>;
  search(text: string, workspace: string | null, limit: number): VectorHit[];
}

export interface RecallRequest {
  text: string;
  /** The chat and the message replied to: the user's message before it joins the query. */
  sessionId?: number;
  userMessageId?: number;
  /** The user's previous message (instead of looking it up). */
  previous?: string | null;
  workspace: string | null;
  countTokens?: (text: string) => number;
  budgetTokens?: number;
}

export class MemoryRecall {
  constructor(
    private readonly deps: {
      memory: () => MemoryStore;
      emit: (event: CompanionEvent) => void;
      log: (line: string) => void;
      now?: () => number;
      /** Hybrid recall's vectors (null or absent: BM25 alone). */
      similar?: () => SimilarMemories | null;
    },
  ) {}

  /** Before a prompt is built for `text`: its vector, within the embedder's time limit. */
  async prepare(text: string): Promise<void> {
    await this.deps.similar?.()?.prepare(text);
  }

  /** A message the user sent (committed as `messageId`): remembers or forgets what it asks to. */
  onUserMessage(text: string, workspace: ClientWorkspace | null, messageId: number | null): void {
    const capture = parseCapture(text);
    if (!capture) return;
    try {
      const memory = this.deps.memory();
      if (capture.kind === 'refused') {
        this.deps.log('memory: a "remember" request held what looks like a secret; nothing was remembered');
        return;
      }
      if (capture.kind === 'remember') {
        const r = memory.addFact({
          text: capture.text,
          scope: capture.workspace && workspace ? 'workspace' : 'global',
          workspace,
          source: 'explicit',
          sourceMessageId: messageId,
          confidence: 1,
        });
        this.deps.emit({ type: 'memory.changed', fact: r.fact });
        if (r.pruned.length) this.deps.emit({ type: 'memory.changed', deletedIds: r.pruned });
        return;
      }
      const match = recallMatch(capture.text);
      if (!match) return;
      const target = chooseForget(
        capture.text,
        memory.factCandidates(match, workspace?.id ?? null, 10).map((h) => h.fact),
      );
      if (target && memory.deleteFact(target.id)) this.deps.emit({ type: 'memory.changed', deletedIds: [target.id] });
    } catch (err) {
      this.deps.log(`memory: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The block for a reply's prompt ('' when nothing is relevant); the chosen ones are marked used. */
  recall(req: RecallRequest): string {
    try {
      const memory = this.deps.memory();
      const now = (this.deps.now ?? Date.now)();
      const terms = recallTerms(req.text, req.previous ?? this.previousUserText(memory, req));
      let candidates = terms.length ? memory.factCandidates(terms, req.workspace, CANDIDATES) : [];
      const hits = this.deps.similar?.()?.search(req.text, req.workspace, SIMILAR) ?? [];
      if (hits.length) {
        // Each similar memory's row, read again: it may be gone, or moved to another workspace.
        const facts = new Map(
          memory
            .factsIn(
              hits.map((h) => h.id),
              req.workspace,
            )
            .map((f) => [f.id, f]),
        );
        const similar = hits.flatMap((h) => {
          const fact = facts.get(h.id);
          return fact ? [{ fact, score: h.score }] : [];
        });
        candidates = fuseCandidates(candidates, similar);
      }
      const pinned = memory.pinnedFacts(req.workspace, PINNED_MAX);
      const chosen = chooseRecall(pinned, candidates, {
        now,
        workspace: req.workspace,
        budgetTokens: req.budgetTokens ?? RECALL_BUDGET_TOKENS,
        countTokens: req.countTokens,
      });
      if (chosen.length)
        memory.markFactsUsed(
          chosen.map((f) => f.id),
          now,
        );
      return recallBlock(chosen);
    } catch (err) {
      this.deps.log(`memory: recall failed: ${err instanceof Error ? err.message : String(err)}`);
      return '';
    }
  }

  private previousUserText(memory: MemoryStore, req: RecallRequest): string {
    if (req.sessionId === undefined || req.userMessageId === undefined) return '';
    return (
      memory
        .listMessages(req.sessionId, { limit: 6, beforeId: req.userMessageId })
        .reverse()
        .find((m) => m.role === 'user')?.text ?? ''
    );
  }
}
