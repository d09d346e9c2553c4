// How exported history looks on disk: JSON for machines (and re-import later), Markdown for
// people. Pure functions over records the store has already read.
import type { Message, Session } from '../../protocol';

export interface ExportedSession extends Session {
  messages: Message[];
}

export interface HistoryExport {
  /** ISO 8601, UTC. Every other timestamp is ms since the epoch, as everywhere in Alisa. */
  exportedAt: string;
  sessions: ExportedSession[];
}

export function renderJson(doc: HistoryExport): string {
  return JSON.stringify(doc, null, 2);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time, `YYYY-MM-DD HH:MM`: what the user saw when they wrote it. */
function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function speaker(m: Message, assistantName: string): string {
  if (m.role === 'user') return 'You';
  if (m.role === 'assistant') return assistantName;
  return 'System';
}

function statusNote(m: Message): string {
  if (m.status === 'interrupted') return ' (interrupted)';
  if (m.status === 'error') return ' (failed)';
  if (m.status === 'streaming') return ' (unfinished)';
  return '';
}

/**
 * A readable document: one `#` section per session, each message headed by who said it and
 * when. `characterName` maps a session's character id to a name; without one the assistant
 * is "Alisa".
 */
export function renderMarkdown(doc: HistoryExport, characterName: (id: number) => string | undefined): string {
  const out: string[] = [];
  for (const s of doc.sessions) {
    const assistant = (s.characterId !== null ? characterName(s.characterId) : undefined) ?? 'Alisa';
    out.push(`# ${s.title.replace(/\s*\n\s*/g, ' ')}`, '');
    const where = s.workspaceName ? ` · ${s.workspaceName.replace(/\s*\n\s*/g, ' ')}` : '';
    out.push(`_Started ${formatTime(s.createdAt)} · ${s.messages.length} message${s.messages.length === 1 ? '' : 's'}${where}_`, '');
    for (const m of s.messages) {
      out.push(`**${speaker(m, assistant)}** · ${formatTime(m.createdAt)}${statusNote(m)}`, '');
      out.push(m.text.trim() === '' ? '_(empty)_' : m.text.trimEnd(), '');
    }
  }
  if (doc.sessions.length === 0) out.push('_No conversations yet._', '');
  return `${out.join('\n').trimEnd()}\n`;
}
