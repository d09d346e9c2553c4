// The codebase index (issue 17): a local index of the workspace's code in the companion, so
// "Ask about the codebase" (an `@codebase` attachment) can put the chunks that matter into a
// reply and cite them. The VS Code window says which folders its workspace has
// (`codeIndex.build`; again on every connection, which only re-reads what changed) and which
// files changed (`codeIndex.update`); the companion lists the files (respecting .gitignore, the
// privacy globs and the size limit), chunks them by syntax, indexes them in an SQLite FTS5 table
// of its own (optionally with embeddings) and reports its progress as `codeIndex.progress`.
// Every path the companion touches stays inside the folders it was given.
import * as z from 'zod';
import { ErrorInfo } from './common';

export const CODE_INDEX_LIMITS = {
  folders: 50,
  path: 4096,
  globs: 500,
  /** Paths in one `codeIndex.update` (a bigger change is sent as a new build). */
  updatePaths: 5000,
  query: 2000,
  hits: 50,
  /** Size limit of one file (KB): the bounds of `alisa.codeIndex.maxFileSizeKb`. */
  maxFileSizeKb: { min: 1, max: 10_240, default: 512 },
} as const;

export const CODE_INDEX_STATES = ['idle', 'scanning', 'indexing', 'ready', 'cancelled', 'error'] as const;
export const CodeIndexState = z.enum(CODE_INDEX_STATES);
export type CodeIndexState = z.infer<typeof CodeIndexState>;

export const CodeIndexFolder = z.object({
  /** Absolute path on the companion's machine. */
  path: z.string().min(1).max(CODE_INDEX_LIMITS.path),
  /** The folder's name in the workspace: the first segment of paths in a multi-root workspace. */
  name: z.string().min(1).max(200),
});
export type CodeIndexFolder = z.infer<typeof CodeIndexFolder>;

/** Where a build stands, for the window's progress and status. */
export const CodeIndexStatus = z.object({
  /** The workspace id (from hello) the index belongs to. */
  workspace: z.string(),
  state: CodeIndexState,
  /** Files of this pass read so far, and how many need reading (changed or new; 0 when nothing changed). */
  filesDone: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
  /** What the index holds now. */
  files: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  /** Files left out, by reason (privacy globs, excluded, binary, too large, links out of the folder). */
  skipped: z.record(z.string(), z.number().int().nonnegative()),
  /** Bytes of the index on disk. */
  bytes: z.number().int().nonnegative(),
  /** When the last pass finished (ms since the epoch); null: never in this process. */
  builtAt: z.number().nullable(),
  /** Set when the index file was damaged or unusable and was started again: why. */
  rebuilt: z.string().nullable(),
  /** Whether chunks get vectors (asked for, and an embedding model is configured). */
  embeddings: z.boolean(),
  /** Why chunks got no vectors in the last pass although they were asked for (no model configured, the model failed). */
  embeddingsProblem: z.string().nullable().optional(),
  error: ErrorInfo.nullable(),
});
export type CodeIndexStatus = z.infer<typeof CodeIndexStatus>;

export const CodeIndexProgressEvent = CodeIndexStatus.extend({ type: z.literal('codeIndex.progress') });
export type CodeIndexProgressEvent = z.infer<typeof CodeIndexProgressEvent>;

export const CodeIndexHit = z.object({
  /** Workspace-relative, `/` separators; a multi-root workspace prefixes the folder's name. */
  path: z.string(),
  startLine: z.number().int().positive(),
  endLine: z.number().int().positive(),
  /** The chunk's text as the file has it now, secrets redacted. */
  text: z.string(),
  score: z.number(),
});
export type CodeIndexHit = z.infer<typeof CodeIndexHit>;

/** Params and results of the codeIndex.* methods (their entries are in messages.ts). */
export const CodeIndexMethods = {
  build: {
    params: z
      .object({
        folders: z.array(CodeIndexFolder).min(1).max(CODE_INDEX_LIMITS.folders),
        /** `alisa.privacy.excludeGlobs`: nothing of a matching file is read. */
        privacyGlobs: z.array(z.string().max(1000)).max(CODE_INDEX_LIMITS.globs),
        /** Other globs to leave out (VS Code's files.exclude and search.exclude). */
        excludeGlobs: z.array(z.string().max(1000)).max(CODE_INDEX_LIMITS.globs).optional(),
        maxFileSizeKb: z.number().int().min(CODE_INDEX_LIMITS.maxFileSizeKb.min).max(CODE_INDEX_LIMITS.maxFileSizeKb.max).optional(),
        /** Drop what is indexed and read every file again. */
        rebuild: z.boolean().optional(),
        /**
         * Also store each chunk's embedding (the companion's embedding model, `--embedding-model`) and
         * search by meaning too; off by default: a local model takes minutes on a large codebase.
         */
        embeddings: z.boolean().optional(),
      })
      .strict(),
    result: CodeIndexStatus,
  },
  update: {
    params: z
      .object({
        /** Absolute paths of files (or folders) created, changed or deleted: the companion looks at each. */
        paths: z.array(z.string().min(1).max(CODE_INDEX_LIMITS.path)).min(1).max(CODE_INDEX_LIMITS.updatePaths),
      })
      .strict(),
    result: CodeIndexStatus,
  },
  status: { params: z.object({}).strict(), result: CodeIndexStatus },
  cancel: { params: z.object({}).strict(), result: z.object({ cancelled: z.boolean() }) },
  search: {
    params: z
      .object({ query: z.string().min(1).max(CODE_INDEX_LIMITS.query), limit: z.number().int().positive().max(CODE_INDEX_LIMITS.hits).optional() })
      .strict(),
    result: z.object({ hits: z.array(CodeIndexHit) }),
  },
} as const;
