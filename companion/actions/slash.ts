// Slash commands in the message box (issue 16): `/open src/a.ts:10`, `/run npm test`, `/note buy
// milk`, `/find TODO`... each names an action of the registry (SLASH_ACTIONS) and its arguments are
// read from the rest of the line. The action then goes through the one executor like any other.
// `/mode` stays the chat's own command; an unknown `/word` is ordinary chat.
import { SLASH_ACTIONS, type ActionName } from '../../protocol/actions';

export { SLASH_USAGE } from '../../protocol/actions';

export interface SlashAction {
  action: ActionName;
  args: Record<string, unknown>;
}

/** Actions whose one argument is the rest of the line. */
const WHOLE_LINE: Partial<Record<ActionName, string>> = {
  write_note: 'text',
  run_task: 'name',
  run_in_terminal: 'command',
  open_app: 'name',
  type_text: 'text',
  press_keys: 'keys',
};

/** `path`, `path:line` or `path:a-b`. */
function pathAndLines(rest: string): { path: string; line?: number; startLine?: number; endLine?: number } {
  const m = /^(.*?):(\d+)(?:-(\d+))?$/.exec(rest);
  if (!m) return { path: rest };
  return m[3] ? { path: m[1]!, startLine: Number(m[2]), endLine: Number(m[3]) } : { path: m[1]!, line: Number(m[2]) };
}

/** The action a message asks for with a slash command, or null (not a command of ours). */
export function parseSlash(text: string): SlashAction | null {
  const m = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!m) return null;
  const action = SLASH_ACTIONS[m[1]!.toLowerCase()];
  if (!action) return null;
  const rest = (m[2] ?? '').trim();
  switch (action) {
    case 'open_file': {
      const p = pathAndLines(rest);
      return { action, args: { path: p.path, ...((p.line ?? p.startLine) ? { line: p.line ?? p.startLine } : {}) } };
    }
    case 'read_file': {
      const p = pathAndLines(rest);
      return {
        action,
        args: { path: p.path, ...(p.startLine ? { startLine: p.startLine, endLine: p.endLine } : p.line ? { startLine: p.line, endLine: p.line } : {}) },
      };
    }
    case 'find_in_workspace': {
      const sym = /^#(\S+)$/.exec(rest);
      return { action, args: sym ? { query: sym[1], kind: 'symbol' } : { query: rest } };
    }
    case 'git_diff':
      return { action, args: rest ? { path: rest } : {} };
    case 'list_problems':
    case 'git_status':
      return { action, args: {} };
    case 'open_url':
      return { action, args: { url: /^[a-z]+:\/\//i.test(rest) || rest === '' ? rest : `https://${rest}` } };
    case 'scroll': {
      const s = /^(up|down)(?:\s+(\d+))?$/i.exec(rest);
      return { action, args: s ? { direction: s[1]!.toLowerCase(), ...(s[2] ? { amount: Number(s[2]) } : {}) } : { direction: rest } };
    }
    case 'window': {
      const w = /^(focus|minimise|minimize|maximise|maximize)\s+(.+)$/i.exec(rest);
      const op = w?.[1]?.toLowerCase().replace('minimize', 'minimise').replace('maximize', 'maximise');
      return { action, args: w ? { op, title: w[2] } : { op: 'focus', title: rest } };
    }
    default: {
      // The rest of the line is the one argument (`/run npm test`, `/note buy milk`, `/key ctrl+s`).
      const key = WHOLE_LINE[action];
      return { action, args: key ? { [key]: rest } : rest ? { text: rest } : {} };
    }
  }
}
