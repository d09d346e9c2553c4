// Summaries of older chats (issue 17): one memory per session (source 'summary', memories.session_id
// unique), written by memory-recall/session-summarizer.ts and replaced when the session grows.
// Recall and the Memory view see it as any other memory. It goes with its session (ON DELETE
// CASCADE), and its vector with it. Its `norm` is the session's, not its text's: a summary never
// clashes with a fact of the same words, and it is never what "remember that ..." refreshes.
import type { MemoryFact } from '../../protocol';
import { MEMORY_TEXT_MAX } from '../../protocol/memory';
import { hasSecret } from '../../common/privacy/redact';
import { AlisaError } from '../errors';
import type { Db } from './database';
import { cleanFactText, type FactRow, toFact } from './fact-store';
import { VectorStore } from './vector-store';

/** How confident recall is in a summary (the model wrote it, about a whole chat). */
export const SUMMARY_CONFIDENCE = 0.6;

function statements(db: Db) {
  return {
    upsert: db.prepare<
      { text: string; norm: string; workspace: string | null; workspaceName: string | null; sessionId: number; now: number; confidence: number },
      FactRow
    >(
      `INSERT INTO memories (text, norm, scope, workspace, workspace_name, source, confidence, pinned, created_ts, updated_ts, session_id)
       VALUES (@text, @norm, CASE WHEN @workspace IS NULL THEN 'global' ELSE 'workspace' END, @workspace, @workspaceName, 'summary', @confidence, 0, @now, @now, @sessionId)
       ON CONFLICT (session_id) WHERE session_id IS NOT NULL DO UPDATE SET text = excluded.text, updated_ts = excluded.updated_ts
       RETURNING *`,
    ),
    bySession: db.prepare<[number], FactRow>('SELECT * FROM memories WHERE session_id = ?'),
    forgetVector: db.prepare('DELETE FROM memory_vectors WHERE memory_id = ?'),
  };
}

/** The summary methods of MemoryStore. */
export abstract class SummaryStore extends VectorStore {
  private summarySql: ReturnType<typeof statements> | null = null;

  private get ssql(): ReturnType<typeof statements> {
    this.summarySql ??= statements(this.db);
    return this.summarySql;
  }

  /** The session's summary, or null. */
  sessionSummary(sessionId: number): MemoryFact | null {
    return this.guard(() => {
      const row = this.ssql.bySession.get(sessionId);
      return row ? toFact(row) : null;
    });
  }

  /**
   * Writes the session's summary, replacing the one before (in the session's workspace, or global
   * for a session tied to none). Throws invalid_argument for an empty or too long text or a secret,
   * not_found for a session that is gone.
   */
  putSessionSummary(sessionId: number, rawText: string): MemoryFact {
    const text = cleanFactText(rawText);
    if (text === '' || text.length > MEMORY_TEXT_MAX) throw new AlisaError('invalid_argument', `A summary is 1 to ${MEMORY_TEXT_MAX} characters.`);
    if (hasSecret(text)) throw new AlisaError('invalid_argument', 'That summary holds what looks like a secret: it is not kept.');
    return this.transaction(() => {
      const session = this.getSession(sessionId);
      if (!session) throw new AlisaError('not_found', `There is no chat ${sessionId}.`);
      const before = this.ssql.bySession.get(sessionId);
      const row = this.ssql.upsert.get({
        text,
        norm: `\u0000session ${sessionId}`,
        workspace: session.workspace,
        workspaceName: session.workspaceName,
        sessionId,
        now: this.now(),
        confidence: SUMMARY_CONFIDENCE,
      })!;
      // A new text: the old vector no longer says what it says.
      if (before && before.text !== text) this.ssql.forgetVector.run(row.id);
      return toFact(row);
    });
  }

  abstract getSession(id: number): { workspace: string | null; workspaceName: string | null } | null;
}
