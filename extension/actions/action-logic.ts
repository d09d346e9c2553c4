// The words and pure pieces of Alisa's actions in VS Code (no `vscode`): the question's modal
// text, the audit log as Markdown, output capping and the settings read as the companion wants
// them.
import { RISK_TEXT, type ActionAskInfo, type ActionAuditEntry, type Risk, type RiskRule } from '../../protocol/actions';

export const ALLOW = 'Allow';
export const ALWAYS_ALLOW = 'Always Allow in This Workspace';
export const DENY = 'Deny';
export const CLEAR_AUDIT = 'Clear the Audit Log';

export const ACTION_COMMANDS = {
  run: 'alisa.actions.run',
  showAudit: 'alisa.actions.showAudit',
  clearAudit: 'alisa.actions.clearAudit',
  forgetAllowed: 'alisa.actions.forgetAlwaysAllowed',
} as const;

/** The modal's message and detail: what, why it asks, where the instruction came from, the exact thing. */
export function askText(ask: ActionAskInfo, now = Date.now()): { message: string; detail: string } {
  const seconds = Math.max(0, Math.round((ask.expiresAt - now) / 1000));
  const from =
    ask.source === 'model'
      ? `Asked by the model${ask.provenance ? `: ${ask.provenance}` : ''}. Check it: text she read may be trying to make her do this.`
      : ask.source === 'voice'
        ? 'Asked by a voice command.'
        : ask.source === 'legacy'
          ? 'Asked by a legacy client.'
          : 'You asked for it.';
  const detail = [`This ${RISK_TEXT[ask.risk]}. ${from}`, ask.detail ? `\n${ask.detail}` : '', `\nUnanswered, it is cancelled in ${seconds} s.`].join('\n');
  return { message: `Alisa: ${ask.title}?`, detail };
}

export function decisionFor(choice: string | undefined): 'allow' | 'always' | 'deny' {
  return choice === ALLOW ? 'allow' : choice === ALWAYS_ALLOW ? 'always' : 'deny';
}

const STATUS_WORDS: Record<ActionAuditEntry['status'], string> = {
  done: 'done',
  refused: 'refused',
  denied: 'you said no',
  expired: 'expired',
  failed: 'failed',
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').slice(0, 300);

/** The audit log as a Markdown document. */
export function auditMarkdown(entries: readonly ActionAuditEntry[]): string {
  const lines = ['# What Alisa did, and what she was refused', ''];
  if (entries.length === 0) {
    lines.push('Nothing yet: no action has been asked for since the log was last cleared.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${entries.length} action(s), newest first. Secrets in them are redacted.`, '');
  lines.push('| When | Action | What | Asked by | Outcome |', '| --- | --- | --- | --- | --- |');
  for (const e of entries) {
    const outcome = e.reason ? `${STATUS_WORDS[e.status]}: ${e.reason}` : STATUS_WORDS[e.status];
    const by = e.provenance ? `${e.source} (${e.provenance})` : e.source;
    lines.push(`| ${new Date(e.at).toLocaleString()} | ${e.action} | ${cell(e.summary)} | ${cell(by)} | ${cell(outcome)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** At most `max` characters, keeping the end (a command's last lines say how it ended). */
export function keepTail(text: string, max: number): string {
  return text.length <= max ? text : `… (${text.length - max} earlier characters cut)\n${text.slice(text.length - max)}`;
}

/** At most `max` characters, keeping the start. */
export function keepHead(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters cut)`;
}

/** `alisa.actions.policy` as the companion wants it: known classes with known rules only. */
export function readRules(raw: unknown): Partial<Record<Risk, RiskRule>> {
  const out: Partial<Record<Risk, RiskRule>> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k in RISK_TEXT && (v === 'allow' || v === 'ask' || v === 'deny')) out[k as Risk] = v;
  }
  return out;
}
