// What the memory store keeps about Alisa's actions (issue 16): the audit log (every action,
// allowed or refused, with who asked, what was shown and what came of it; the user can read and
// clear it) and the "always allow" answers, per workspace and per action. The audit log is
// bounded: rows older than 90 days and all but the newest 10,000 are dropped on every insert.
import type { ActionAuditEntry, ActionSource, ActionStatus, Risk } from '../../protocol/actions';
import { CharacterStore } from './character-store';
import type { Db } from './database';

export const AUDIT_MAX_ROWS = 10_000;
export const AUDIT_MAX_AGE_MS = 90 * 24 * 3600_000;
/** A summary is what the user was shown, capped. */
const SUMMARY_MAX = 4000;
const REASON_MAX = 1000;

export interface AuditInput {
  action: string;
  risk: Risk;
  source: ActionSource;
  provenance: string | null;
  summary: string;
  status: ActionStatus;
  reason: string | null;
  workspace: string | null;
  at?: number;
}

function statements(db: Db) {
  return {
    add: db.prepare('INSERT INTO action_audit (ts, action, risk, source, provenance, summary, status, reason, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    pruneAge: db.prepare('DELETE FROM action_audit WHERE ts < ?'),
    pruneCount: db.prepare('DELETE FROM action_audit WHERE id <= (SELECT id FROM action_audit ORDER BY id DESC LIMIT 1 OFFSET ?)'),
    list: db.prepare('SELECT id, ts AS at, action, risk, source, provenance, summary, status, reason, workspace FROM action_audit ORDER BY id DESC LIMIT ?'),
    clear: db.prepare('DELETE FROM action_audit'),
    allow: db.prepare('INSERT OR IGNORE INTO action_allow (workspace, action, ts) VALUES (?, ?, ?)'),
    allowed: db.prepare('SELECT 1 FROM action_allow WHERE workspace = ? AND action = ?'),
    allowedAll: db.prepare('SELECT workspace, action FROM action_allow ORDER BY workspace, action'),
    forgetAllowed: db.prepare('DELETE FROM action_allow'),
  };
}

/** The audit and "always allow" methods of MemoryStore. */
export abstract class ActionStore extends CharacterStore {
  private actionSql: ReturnType<typeof statements> | null = null;

  private get asql(): ReturnType<typeof statements> {
    this.actionSql ??= statements(this.db);
    return this.actionSql;
  }

  /** Records one action's outcome; returns its row id. */
  recordAction(entry: AuditInput): number {
    const at = entry.at ?? this.now();
    return this.write(() => {
      const r = this.asql.add.run(
        at,
        entry.action,
        entry.risk,
        entry.source,
        entry.provenance?.slice(0, REASON_MAX) ?? null,
        entry.summary.slice(0, SUMMARY_MAX),
        entry.status,
        entry.reason?.slice(0, REASON_MAX) ?? null,
        entry.workspace,
      );
      this.asql.pruneAge.run(at - AUDIT_MAX_AGE_MS);
      this.asql.pruneCount.run(AUDIT_MAX_ROWS);
      return Number(r.lastInsertRowid);
    });
  }

  /** The newest entries first. */
  listActions(limit = 200): ActionAuditEntry[] {
    return this.guard(() => this.asql.list.all(Math.max(1, Math.min(limit, AUDIT_MAX_ROWS))) as ActionAuditEntry[]);
  }

  clearActions(): number {
    return this.write(() => this.asql.clear.run().changes);
  }

  /** `workspace` "" is no workspace (a legacy client, the browser UI). */
  alwaysAllow(workspace: string, action: string): void {
    this.write(() => this.asql.allow.run(workspace, action, this.now()));
  }

  isAlwaysAllowed(workspace: string, action: string): boolean {
    return this.guard(() => this.asql.allowed.get(workspace, action) !== undefined);
  }

  alwaysAllowed(): Array<{ workspace: string; action: string }> {
    return this.guard(() => this.asql.allowedAll.all() as Array<{ workspace: string; action: string }>);
  }

  forgetAlwaysAllowed(): number {
    return this.write(() => this.asql.forgetAllowed.run().changes);
  }
}
