// What the user is shown before an action runs (the question's title and its exact detail) and
// what the audit log keeps: the exact command, path, address, keys or text, whole (capped), with
// secrets redacted in the audit copy.
import type { ActionName } from '../../protocol/actions';
import { redactSecrets } from '../../common/privacy/redact';

export const DETAIL_MAX = 20_000;

const cap = (s: string, n = DETAIL_MAX) => (s.length > n ? `${s.slice(0, n)}\n… (${s.length - n} more characters)` : s);

/** One line saying what she would do, and the exact thing she would do it with. */
export function describeAction(
  name: ActionName,
  args: Record<string, unknown>,
  where: { folder?: string | null; notesDir?: string } = {},
): { title: string; detail: string } {
  const s = (k: string) => String(args[k] ?? '');
  switch (name) {
    case 'open_file':
      return { title: `Open ${s('path')}${args.line ? `:${args.line}` : ''}`, detail: s('path') };
    case 'find_in_workspace':
      return { title: `Find "${s('query')}" in the workspace`, detail: s('query') };
    case 'read_file':
      return { title: `Read ${s('path')}`, detail: s('path') };
    case 'list_problems':
      return { title: "List the workspace's problems", detail: '' };
    case 'git_status':
      return { title: 'Show git status', detail: '' };
    case 'git_diff':
      return { title: `Show the git diff${args.path ? ` of ${s('path')}` : ''}`, detail: s('path') };
    case 'propose_edit':
      return { title: `Change ${s('path')} (you see the diff and apply it)`, detail: cap(`${s('path')}\n\n${s('content')}`) };
    case 'write_note':
      return { title: `Write a note${args.title ? ` "${s('title')}"` : ''}`, detail: cap(`Into ${where.notesDir ?? 'the notes folder'}:\n\n${s('text')}`) };
    case 'run_task':
      return { title: `Run the task "${s('name')}"`, detail: s('name') };
    case 'run_in_terminal':
      return { title: `Run \`${cap(s('command'), 200)}\` in a terminal`, detail: `${s('command')}${where.folder ? `\n\nin ${where.folder}` : ''}` };
    case 'open_url':
    case 'browser_go_to':
      return { title: `Open ${cap(s('url'), 200)} in the browser`, detail: s('url') };
    case 'open_app':
      return { title: `Start the application "${s('name')}"`, detail: s('name') };
    case 'close_app':
      return { title: `Close the windows of "${s('name')}"`, detail: s('name') };
    case 'browser_new_tab':
      return { title: 'Open a new browser tab (ctrl+t in the window in front)', detail: 'ctrl+t' };
    case 'browser_close_tab':
      return { title: 'Close the browser tab in front (ctrl+w)', detail: 'ctrl+w' };
    case 'type_text':
      return { title: 'Type text into the window in front', detail: cap(s('text')) };
    case 'press_keys':
      return { title: `Press ${s('keys')} in the window in front`, detail: s('keys') };
    case 'click':
      return {
        title: `Click the ${s('button') || 'left'} mouse button${typeof args.x === 'number' ? ` at ${args.x},${args.y}` : ''}`,
        detail: typeof args.x === 'number' ? `${args.x},${args.y}` : 'where the mouse is',
      };
    case 'scroll':
      return { title: `Scroll ${s('direction')} ${args.amount ?? 3}`, detail: `${s('direction')} ${args.amount ?? 3}` };
    case 'window':
      return { title: `${{ focus: 'Focus', minimise: 'Minimise', maximise: 'Maximise' }[s('op')] ?? s('op')} the window "${s('title')}"`, detail: s('title') };
  }
}

/** The audit's copy: the title and the detail, secrets redacted, capped. */
export function auditSummary(title: string, detail: string): string {
  const text = detail && detail !== title ? `${title}\n${detail}` : title;
  return redactSecrets(cap(text, 4000)).text;
}
