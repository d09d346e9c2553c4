// What chat needs from the codebase index (issue 17): the chunks of a workspace's code that best
// match a question. The index (companion/code-index/) implements it; chat's attachments
// (companion/chat/attachments.ts) call it for an `@codebase` mention and cite what it returns.

/** One chunk of a source file. Paths are relative to the workspace folder, lines 1-based and inclusive. */
export interface CodeChunkHit {
  /** Workspace-relative path, with `/` separators (a multi-root workspace prefixes the folder's name). */
  path: string;
  startLine: number;
  endLine: number;
  text: string;
  /** Higher is better; only comparable within one answer. */
  score: number;
}

export interface CodebaseRetriever {
  /**
   * The best `limit` chunks for `query` in the index of `workspace` (the id the client gave in
   * hello). Empty when nothing matches; rejects with a clear message when that workspace has no
   * index yet.
   */
  retrieve(workspace: string | null, query: string, limit: number, signal?: AbortSignal): Promise<CodeChunkHit[]>;
}
