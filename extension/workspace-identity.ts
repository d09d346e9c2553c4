// Which workspace a VS Code window works in, as said in `hello` (see Hello.workspace): the
// companion, shared by every window, files each window's chats under it. The id is the workspace
// file's URI, else the first folder's (stable across restarts of the window); the name is what
// VS Code shows in the title bar. No `vscode` import: unit-tested in vitest.
import { createHash } from 'node:crypto';
import type { ClientWorkspace } from '../protocol/messages';

/** The protocol's bounds (protocol/messages.ts ClientWorkspace); longer would refuse the hello. */
const MAX_ID = 2000;
const MAX_NAME = 200;

/** Null when no folder or workspace is open (such a window sees every session). */
export function workspaceIdentity(uri: string | undefined, name: string | undefined): ClientWorkspace | null {
  if (!uri) return null;
  // An extreme URI keeps a stable, bounded key instead of being cut (two cut ones could collide).
  const id = uri.length <= MAX_ID ? uri : `sha256:${createHash('sha256').update(uri).digest('hex')}`;
  const shown = (name ?? '').trim() || lastSegment(uri);
  // Cut at a whole character: the bound counts UTF-16 units.
  let cut = '';
  for (const ch of shown) {
    if (cut.length + ch.length > MAX_NAME) break;
    cut += ch;
  }
  return { id, name: cut };
}

function lastSegment(uri: string): string {
  const path = uri.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last) || uri;
  } catch {
    return last || uri;
  }
}
