// The one policy every action goes through (issue 16), as pure decisions the executor applies:
// whether an action runs at once, asks the user first, or is refused, and how many may run a
// minute. The rules, in order:
//   1. actions turned off (`alisa.actions.enabled`), or the risk class set to deny: refused;
//   2. Restricted Mode (an untrusted workspace): only reading runs; the rest is refused;
//   3. reading inside the workspace runs (paths are checked where the file is read);
//   4. the model's calls that do more than read always ask, every time, and offer no "always
//      allow": the model may be repeating what it read on the screen, in a file, a terminal or a
//      tool's result (prompt injection), so only the user's yes lets such a call through;
//   5. the user's own requests run when the risk class is set to allow or the user said "always
//      allow" for this action in this workspace; otherwise they ask, showing the exact command,
//      path, address or diff.
import { DEFAULT_RISK_RULES, RISKS, type ActionSource, type Risk, type RiskRule } from '../../protocol/actions';

export type Verdict = { kind: 'run' } | { kind: 'ask'; canAlwaysAllow: boolean } | { kind: 'refuse'; reason: string };

export interface PolicySettings {
  enabled: boolean;
  rules: Record<Risk, RiskRule>;
  perMinute: number;
}

export const DEFAULT_POLICY: PolicySettings = { enabled: true, rules: { ...DEFAULT_RISK_RULES }, perMinute: 10 };

export interface PolicyQuestion {
  action: string;
  risk: Risk;
  source: ActionSource;
  /** False in VS Code's Restricted Mode. */
  trusted: boolean;
  /** The user said "always allow" for this action in this workspace. */
  alwaysAllowed: boolean;
}

export function decide(settings: PolicySettings, q: PolicyQuestion): Verdict {
  if (!settings.enabled) return { kind: 'refuse', reason: 'Alisa\'s actions are turned off (the setting "alisa.actions.enabled").' };
  const rule = settings.rules[q.risk] ?? 'ask';
  if (rule === 'deny') return { kind: 'refuse', reason: `Actions that ${riskVerb(q.risk)} are turned off (the setting "alisa.actions.policy").` };
  if (!q.trusted && q.risk !== 'read')
    return { kind: 'refuse', reason: `This workspace is in Restricted Mode: Alisa does not ${riskVerb(q.risk)} here until you trust it.` };
  if (q.risk === 'read' && rule === 'allow') return { kind: 'run' };
  if (q.source === 'model') return { kind: 'ask', canAlwaysAllow: false };
  if (rule === 'allow' || q.alwaysAllowed) return { kind: 'run' };
  return { kind: 'ask', canAlwaysAllow: true };
}

function riskVerb(risk: Risk): string {
  return { read: 'read files', workspace: 'change files', program: 'run programs', desktop: 'control the desktop', online: 'go online' }[risk];
}

/** Merges a partial rule set onto the defaults, ignoring unknown classes. */
export function mergeRules(base: Record<Risk, RiskRule>, patch: Partial<Record<string, RiskRule>> | undefined): Record<Risk, RiskRule> {
  const out = { ...base };
  for (const risk of RISKS) {
    const v = patch?.[risk];
    if (v === 'allow' || v === 'ask' || v === 'deny') out[risk] = v;
  }
  return out;
}

/** At most `perMinute` actions in any 60 s (a sliding window; `windowMs` another length, e.g. an hour). */
export class ActionRateLimit {
  private readonly times: number[] = [];

  constructor(
    public perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  /** Takes a slot, or answers in how many ms one frees up. */
  take(): { ok: true } | { ok: false; retryInMs: number } {
    const t = this.now();
    while (this.times.length > 0 && this.times[0]! <= t - this.windowMs) this.times.shift();
    if (this.times.length >= this.perMinute) return { ok: false, retryInMs: this.times[0]! + this.windowMs - t };
    this.times.push(t);
    return { ok: true };
  }
}
