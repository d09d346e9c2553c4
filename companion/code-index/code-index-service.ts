// The codebase indexes of every workspace the companion serves (issue 17), one SQLite file each
// under DATA/code-index/, named by a hash of the workspace id (a VS Code window's folder URI, which
// may hold a user name or a client's name: never a file name). The codeIndex.* methods and chat's
// `@codebase` attachments (the CodebaseRetriever interface) come here.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { ClientWorkspace, CodeIndexHit, CodeIndexStatus, Params } from '../../protocol';
import { CODE_INDEX_LIMITS } from '../../protocol/code-index';
import { AlisaError } from '../errors';
import type { Embedder } from '../llm/embedder';
import type { CodebaseRetriever, CodeChunkHit } from './retriever';
import { WorkspaceIndex } from './workspace-index';

export interface CodeIndexDeps {
  /** DATA/code-index. */
  dir: string;
  emit: (status: CodeIndexStatus) => void;
  log: (line: string) => void;
  /** The embedder for semantic search, when one is configured (null: BM25 alone). */
  embedder?: () => Embedder | null;
}

export class CodeIndexService implements CodebaseRetriever {
  private readonly indexes = new Map<string, WorkspaceIndex>();

  constructor(private readonly deps: CodeIndexDeps) {}

  /** The index file of a workspace. */
  fileOf(workspace: string): string {
    return path.join(this.deps.dir, `${createHash('sha256').update(workspace).digest('hex').slice(0, 32)}.sqlite`);
  }

  private indexOf(workspace: string): WorkspaceIndex {
    let index = this.indexes.get(workspace);
    if (!index) {
      index = new WorkspaceIndex({
        workspace,
        file: this.fileOf(workspace),
        emit: this.deps.emit,
        log: this.deps.log,
        embedder: this.deps.embedder ?? (() => null),
      });
      this.indexes.set(workspace, index);
    }
    return index;
  }

  build(workspace: ClientWorkspace | null, p: Params<'codeIndex.build'>): CodeIndexStatus {
    const id = requireWorkspace(workspace);
    const names = new Set<string>();
    for (const f of p.folders) {
      if (!path.isAbsolute(f.path)) throw new AlisaError('invalid_argument', `The folder ${f.path} is not an absolute path.`);
      let dir = false;
      try {
        dir = statSync(f.path).isDirectory();
      } catch {
        // Said below.
      }
      if (!dir) throw new AlisaError('invalid_argument', `The folder ${f.path} does not exist or is not a folder.`, 'Check the workspace folders.');
      if (names.has(f.name) || f.name.includes('/')) throw new AlisaError('invalid_argument', `Two folders are named "${f.name}", or the name has a slash.`);
      names.add(f.name);
    }
    const index = this.indexOf(id);
    index.build(
      {
        folders: p.folders.map((f) => ({ path: path.resolve(f.path), name: f.name })),
        privacyGlobs: p.privacyGlobs,
        excludeGlobs: p.excludeGlobs ?? [],
        maxFileBytes: (p.maxFileSizeKb ?? CODE_INDEX_LIMITS.maxFileSizeKb.default) * 1024,
        embeddings: p.embeddings ?? false,
      },
      p.rebuild ?? false,
    );
    return index.status();
  }

  update(workspace: ClientWorkspace | null, p: Params<'codeIndex.update'>): CodeIndexStatus {
    const index = this.indexOf(requireWorkspace(workspace));
    index.update(p.paths);
    return index.status();
  }

  status(workspace: ClientWorkspace | null): CodeIndexStatus {
    return this.indexOf(requireWorkspace(workspace)).status();
  }

  cancel(workspace: ClientWorkspace | null): boolean {
    return this.indexes.get(requireWorkspace(workspace))?.cancel() ?? false;
  }

  search(workspace: ClientWorkspace | null, query: string, limit = 10, signal?: AbortSignal): Promise<CodeIndexHit[]> {
    return this.indexOf(requireWorkspace(workspace)).search(query, limit, signal);
  }

  retrieve(workspace: string | null, query: string, limit: number, signal?: AbortSignal): Promise<CodeChunkHit[]> {
    if (!workspace) return Promise.reject(noWorkspace());
    return this.indexOf(workspace).search(query, limit, signal);
  }

  /** Resolves when no workspace's pass is running. */
  async idle(): Promise<void> {
    await Promise.all([...this.indexes.values()].map((i) => i.idle()));
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.indexes.values()].map((i) => i.dispose()));
    this.indexes.clear();
  }
}

function noWorkspace(): AlisaError {
  return new AlisaError('invalid_argument', 'The codebase index belongs to a workspace, and this client has none.', 'Open a folder in VS Code.');
}

function requireWorkspace(workspace: ClientWorkspace | null): string {
  if (!workspace) throw noWorkspace();
  return workspace.id;
}
