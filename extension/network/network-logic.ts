// The network gate as VS Code shows it: the question's words and buttons, what each answer
// means, and "Alisa: Show Network Activity" as a Markdown document. No `vscode` import:
// unit-tested in vitest (tests/network-gate.test.ts).
import type { NetworkActivity, NetworkAskInfo, NetworkRecord } from '../../protocol/network';
import { NETWORK_MODE_TEXT, networkFeatureLabel } from '../../protocol/network-words';

export const NETWORK_COMMANDS = { showActivity: 'alisa.showNetworkActivity' } as const;

export const ALLOW_ONCE = 'Allow Once';
export const ALWAYS_ALLOW = 'Always Allow This Host';
export const BLOCK = 'Block';
export const FORGET_ANSWERS = 'Forget These Answers';

/** A feature's name in words (protocol/network-words.ts has no zod, so the extension's first bundle stays free of it). */
export const featureLabel = networkFeatureLabel;

function where(host: string, port: number | null): string {
  return port && port !== 443 && port !== 80 ? `${host}:${port}` : host;
}

/** The modal: title and detail. */
export function askText(ask: Pick<NetworkAskInfo, 'host' | 'port' | 'feature' | 'purpose'>): { message: string; detail: string } {
  return {
    message: `Alisa wants to connect to ${where(ask.host, ask.port)}`,
    detail:
      `To ${ask.purpose} (${featureLabel(ask.feature)}). Nothing is sent until you answer.\n\n` +
      `${ALLOW_ONCE}: until Alisa restarts. ${ALWAYS_ALLOW}: remembered. ${BLOCK}: she does without it until she restarts.\n` +
      'The setting alisa.network (offline / ask / allowed) decides for every host; "Alisa: Show Network Activity" lists every connection.',
  };
}

/** What a button means; no choice (the dialog was closed) is a block, never a silent yes. */
export function decisionFor(choice: string | undefined): { allow: boolean; remember: boolean } {
  if (choice === ALLOW_ONCE) return { allow: true, remember: false };
  if (choice === ALWAYS_ALLOW) return { allow: true, remember: true };
  return { allow: false, remember: false };
}

function cell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const DECISION_TEXT: Record<NetworkRecord['decision'], string> = {
  allowed: 'allowed',
  'asked-allowed': 'allowed by you',
  blocked: 'blocked',
  denied: 'blocked by you',
};

function row(r: NetworkRecord): string {
  const when = r.count > 1 ? `${formatTime(r.at)} (${r.count} times, last ${formatTime(r.lastAt)})` : formatTime(r.at);
  const what = `${featureLabel(r.feature)}: ${r.purpose}${r.layer === 'gate' ? '' : ` [caught by the ${r.layer} guard]`}`;
  const decision = `${DECISION_TEXT[r.decision]}${r.reason ? ` (${r.reason})` : ''}`;
  const bytes = r.bytesSent === null && r.bytesReceived === null ? '—' : `${formatBytes(r.bytesSent ?? 0)} sent, ${formatBytes(r.bytesReceived ?? 0)} received`;
  return `| ${cell(when)} | ${cell(where(r.host, r.port))} | ${cell(what)} | ${cell(decision)} | ${cell(bytes)} |`;
}

/** "Alisa: Show Network Activity": the mode, the remembered hosts, and every record, newest first. */
export function activityMarkdown(a: NetworkActivity): string {
  const lines = [
    '# Alisa: network activity',
    '',
    `**Mode (alisa.network): ${a.mode}.** ${NETWORK_MODE_TEXT[a.mode] ?? ''} Servers on this machine (127.0.0.1, localhost) are always allowed and not listed.`,
    '',
    `**Always allowed:** ${a.allowedHosts.length ? a.allowedHosts.join(', ') : 'no host.'}`,
    '',
  ];
  if (a.records.length === 0) {
    lines.push('Nothing has left this machine: Alisa has not connected to, nor tried to reach, any other machine.');
  } else {
    const opened = a.records.filter((r) => r.decision === 'allowed' || r.decision === 'asked-allowed').length;
    lines.push(
      `${a.records.length} kind(s) of connection, newest first; ${opened} allowed, ${a.records.length - opened} blocked. Bytes are counted when a connection closes.`,
      '',
    );
    lines.push('| When | Host | What for | Decision | Bytes |', '|---|---|---|---|---|');
    for (const r of a.records) lines.push(row(r));
  }
  return `${lines.join('\n')}\n`;
}
