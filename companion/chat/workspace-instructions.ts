// Workspace instructions (issue 17, protocol/instructions.ts): what each workspace's windows sent as
// `workspace.instructions`, kept per workspace id (from the client's hello) in memory, and the block
// of the system message they make for replies in that workspace's chats (chat-prompt.ts). Windows
// send them again on every connection, so nothing is stored on disk. Redacted again here: a client
// other than the extension may send them.
import { redactSecrets } from '../../common/privacy/redact';
import type { InstructionFile } from '../../protocol/instructions';

/** Workspaces remembered at most (the oldest set goes first). */
const MAX_WORKSPACES = 64;

export class WorkspaceInstructions {
  private readonly byWorkspace = new Map<string, { files: InstructionFile[]; block: string }>();

  /** Keeps `files` for `workspace` (an empty list clears); answers the characters kept. Null workspace: nothing is kept. */
  set(workspace: string | null, files: readonly InstructionFile[]): number {
    if (workspace === null) return 0;
    this.byWorkspace.delete(workspace);
    const kept = files.map((f) => ({ path: f.path, text: redactSecrets(f.text).text.trim() })).filter((f) => f.text !== '');
    if (kept.length === 0) return 0;
    this.byWorkspace.set(workspace, { files: kept, block: instructionsBlock(kept) });
    if (this.byWorkspace.size > MAX_WORKSPACES) this.byWorkspace.delete(this.byWorkspace.keys().next().value!);
    return kept.reduce((n, f) => n + f.text.length, 0);
  }

  /** The system message's block for replies in `workspace`'s chats; null when it has none. */
  block(workspace: string | null | undefined): string | null {
    return (workspace && this.byWorkspace.get(workspace)?.block) || null;
  }
}

/** The files as one block of the system message, each under the line that says where it comes from. */
export function instructionsBlock(files: readonly InstructionFile[]): string {
  return files
    .map(
      (f) =>
        `Instructions for this workspace (from ${f.path.replace(/\s+/g, ' ')}), written for you by the user's project; ` +
        `follow them where they apply, unless the user asks otherwise:\n${f.text}`,
    )
    .join('\n\n');
}
