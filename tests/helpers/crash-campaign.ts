// The crash campaign (issue 12), shared by tests/campaign-crash.test.ts and bench/crash-bench.ts:
// cycles of "start the real companion on one data folder, send a few messages, kill -9 it at a
// random moment while a reply streams", then one clean start (which marks what the kills cut off)
// and a clean stop, then the figures read straight from the SQLite file (read-only):
// integrity_check, acknowledged user messages lost, killed replies left unmarked.
// Deterministic choices from a seeded PRNG; every wait is for an event, never a sleep.
import Database from 'better-sqlite3';
import path from 'node:path';
import type { CompanionMessage } from '../../protocol';
import { startCompanion, TestClient } from './companion';

/** The shared seeded PRNG (mulberry32), by the name the campaigns use. */
import { seededRandom as prng } from './seeded-random';
export { prng };

interface Acked {
  id: number;
  text: string;
}

interface Killed {
  cycle: number;
  userMessageId: number;
  sessionId: number;
  /** reply.token events the client saw before the kill (>= 1: the reply row exists). */
  tokenEvents: number;
  /** reply.end seen before the kill. */
  ended: boolean;
}

export interface CrashReport {
  cycles: number;
  acknowledged: number;
  lost: Array<{ id: number; text: string; found: string | null }>;
  integrity: string;
  killedReplies: number;
  /** Killed replies with a stored row (a token was seen), and how their rows ended. */
  killedWithRow: number;
  interruptedMarked: number;
  completeBeforeKill: number;
  /** Killed replies whose row is neither 'interrupted' nor 'complete' (must be none). */
  unmarked: Array<{ cycle: number; userMessageId: number; status: string | null }>;
  streamingLeft: number;
  interruptedRows: number;
  elapsedMs: number;
}

export interface CrashOptions {
  dataDir: string;
  cycles: number;
  seed?: number;
  /** Extra companion arguments. */
  args?: string[];
  onCycle?: (i: number) => void;
}

export async function runCrashCampaign(opts: CrashOptions): Promise<CrashReport> {
  const rand = prng(opts.seed ?? 12);
  const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const acked: Acked[] = [];
  const killed: Killed[] = [];
  const started = performance.now();

  for (let cycle = 0; cycle < opts.cycles; cycle++) {
    opts.onCycle?.(cycle);
    const c = await startCompanion({ dataDir: opts.dataDir, args: opts.args });
    let client: TestClient | null = null;
    try {
      client = await TestClient.connect(c);
      // 0-2 messages answered in full, then one whose reply is killed.
      const full = pick(0, 2);
      for (let m = 0; m <= full; m++) {
        const text = `cycle ${cycle} message ${m} ${Math.floor(rand() * 1e9).toString(36)}`;
        const last = m === full;
        const sent = await client.request('chat.send', { text });
        if (sent.userMessageId !== null) acked.push({ id: sent.userMessageId, text });
        if (!last) {
          await client.reply(sent.replyId!);
          continue;
        }
        // The moment: right after the acknowledgement, after reply.start, or after k token events.
        const moment = pick(-1, 12);
        const replyId = sent.replyId!;
        const isEnd = (e: CompanionMessage) => (e.type === 'reply.end' || e.type === 'reply.error') && 'replyId' in e && e.replyId === replyId;
        if (moment >= 0) {
          await client.waitFor((e) => (e.type === 'reply.start' && e.replyId === replyId) || isEnd(e));
          if (moment > 0) {
            let seen = 0;
            await client.waitFor((e) => (e.type === 'reply.token' && e.replyId === replyId && ++seen >= moment) || isEnd(e));
          }
        }
        await c.stop('SIGKILL');
        const tokenEvents = client.events.filter((e) => e.type === 'reply.token' && e.replyId === replyId).length;
        const ended = client.events.some(isEnd);
        killed.push({ cycle, userMessageId: sent.userMessageId!, sessionId: sent.sessionId, tokenEvents, ended });
      }
    } finally {
      client?.close();
      await c.stop('SIGKILL');
    }
  }

  // One clean life: marks what the last kill cut off, then a clean stop.
  const last = await startCompanion({ dataDir: opts.dataDir, args: opts.args });
  const code = await last.stop('SIGTERM');
  if (code !== 0) throw new Error(`the final companion stopped with ${code}: ${last.stderr()}`);

  const db = new Database(path.join(opts.dataDir, 'alisa.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    const byId = db.prepare<[number], { text: string; role: string }>('SELECT text, role FROM messages WHERE id = ?');
    const lost = acked.flatMap((a) => {
      const row = byId.get(a.id);
      return row && row.role === 'user' && row.text === a.text ? [] : [{ id: a.id, text: a.text, found: row ? `${row.role}: ${row.text}` : null }];
    });
    const replyRow = db.prepare<[number, number], { status: string }>(
      "SELECT status FROM messages WHERE session_id = ? AND id > ? AND role = 'assistant' ORDER BY id LIMIT 1",
    );
    let killedWithRow = 0;
    let interruptedMarked = 0;
    let completeBeforeKill = 0;
    const unmarked: CrashReport['unmarked'] = [];
    for (const k of killed) {
      if (k.tokenEvents === 0) continue; // killed before its row could be known to exist
      killedWithRow++;
      const row = replyRow.get(k.sessionId, k.userMessageId);
      if (row?.status === 'interrupted') interruptedMarked++;
      else if (row?.status === 'complete') completeBeforeKill++;
      else unmarked.push({ cycle: k.cycle, userMessageId: k.userMessageId, status: row?.status ?? null });
    }
    const count = (status: string) => (db.prepare('SELECT COUNT(*) AS n FROM messages WHERE status = ?').get(status) as { n: number }).n;
    return {
      cycles: opts.cycles,
      acknowledged: acked.length,
      lost,
      integrity,
      killedReplies: killed.length,
      killedWithRow,
      interruptedMarked,
      completeBeforeKill,
      unmarked,
      streamingLeft: count('streaming'),
      interruptedRows: count('interrupted'),
      elapsedMs: performance.now() - started,
    };
  } finally {
    db.close();
  }
}
