// Long-term memory (issue 17): facts about the user and their projects ("prefers pytest", "works
// on the billing service"), each with where it came from, when, its scope (everyone's, or one
// workspace's) and how sure Alisa is. They are captured when the user says "remember that ..."
// (and dropped on "forget ..."), written by the model in the background, or added by hand; the
// relevant ones are recalled into the prompt under a token budget. Everything is local, listed in
// the panel's Memory view, editable, and forgettable. No detected secret and nothing from a file
// matching the privacy globs ever becomes a memory.
import * as z from 'zod';
import { Id } from './common';

export const MEMORY_SCOPES = ['global', 'workspace'] as const;
export const MemoryScope = z.enum(MEMORY_SCOPES);
export type MemoryScope = z.infer<typeof MemoryScope>;

/**
 * explicit: "remember that ..."; model: extracted by the model; manual: added in the Memory view;
 * fix: a fix that worked (found again by its error's signature); summary: what mattered in an older
 * session; import: from a file.
 */
export const MEMORY_SOURCES = ['explicit', 'model', 'manual', 'fix', 'summary', 'import'] as const;
export const MemorySource = z.enum(MEMORY_SOURCES);
export type MemorySource = z.infer<typeof MemorySource>;

export const MEMORY_TEXT_MAX = 500;

export const MemoryFact = z.object({
  id: Id,
  text: z.string().min(1).max(MEMORY_TEXT_MAX),
  scope: MemoryScope,
  /** The workspace it belongs to (scope workspace), as clients name it in hello; null for global. */
  workspace: z.string().nullable(),
  workspaceName: z.string().nullable(),
  source: MemorySource,
  /** The message it was taken from (null: added by hand, imported, or that message is gone). */
  sourceMessageId: Id.nullable(),
  /** 0..1: 1 for what the user said or wrote herself, less for what the model inferred. */
  confidence: z.number().min(0).max(1),
  /** Pinned memories are always recalled (within the budget) and never pruned. */
  pinned: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** When it last went into a prompt (null: never). */
  lastUsedAt: z.number().nullable(),
});
export type MemoryFact = z.infer<typeof MemoryFact>;

/** The export file: `{ "format": "alisa-memories", "version": 1, "facts": [...] }`. */
export const MemoryExport = z.object({
  format: z.literal('alisa-memories'),
  version: z.literal(1),
  exportedAt: z.number(),
  facts: z.array(
    z.object({
      text: z.string().min(1).max(MEMORY_TEXT_MAX),
      scope: MemoryScope,
      workspace: z.string().max(2000).nullable(),
      workspaceName: z.string().max(200).nullable(),
      source: MemorySource,
      confidence: z.number().min(0).max(1),
      pinned: z.boolean(),
      createdAt: z.number(),
    }),
  ),
});
export type MemoryExport = z.infer<typeof MemoryExport>;

/** A memory was added, changed or deleted (`deletedIds`), or all were forgotten (`cleared`). */
export const MemoryChangedEvent = z.object({
  type: z.literal('memory.changed'),
  fact: MemoryFact.optional(),
  deletedIds: z.array(Id).optional(),
  cleared: z.boolean().optional(),
});
export type MemoryChangedEvent = z.infer<typeof MemoryChangedEvent>;

/** An error signature (common/fix-signature.ts): d1 for a diagnostic, t1 for a failed command. */
export const FixSignature = z.string().regex(/^[dt]1:[0-9a-f]{32}$/, 'not an error signature (see common/fix-signature.ts)');

/**
 * What fixed an error last time in this workspace, on a help offer about the same error (same
 * signature): the memory (deletable in the Memory view), the change in a few words ("adding
 * `await` in src/db.ts"; null when the memory was edited and no longer says it), and how many
 * times such a fix worked.
 */
export const LastFix = z.object({
  memoryId: Id,
  text: z.string().max(MEMORY_TEXT_MAX),
  change: z.string().max(300).nullable(),
  times: z.number().int().positive(),
});
export type LastFix = z.infer<typeof LastFix>;

/** Params and results of the memory methods (their entries are in messages.ts). */
export const MemoryMethods = {
  list: {
    params: z
      .object({
        /** Words to search for (FTS5, BM25); none: newest first. */
        query: z.string().max(500).optional(),
        scope: z.enum(['all', 'global', 'workspace']).optional(),
        limit: z.number().int().positive().max(500).optional(),
        /** The previous page's nextCursor. */
        cursor: z.string().max(64).optional(),
      })
      .strict(),
    result: z.object({ facts: z.array(MemoryFact), total: z.number().int(), nextCursor: z.string().nullable() }),
  },
  add: {
    params: z.object({ text: z.string().min(1).max(MEMORY_TEXT_MAX), scope: MemoryScope.optional(), pinned: z.boolean().optional() }).strict(),
    result: MemoryFact,
  },
  update: {
    params: z
      .object({ id: Id, text: z.string().min(1).max(MEMORY_TEXT_MAX).optional(), scope: MemoryScope.optional(), pinned: z.boolean().optional() })
      .strict(),
    result: MemoryFact,
  },
  delete: { params: z.object({ id: Id }).strict(), result: z.object({ ok: z.literal(true) }) },
  clear: {
    params: z.object({ confirm: z.literal(true, { error: 'forgetting every memory needs confirm: true, sent only after the user confirmed it' }) }),
    result: z.object({ removed: z.number().int() }),
  },
  export: { params: z.object({}).strict(), result: MemoryExport },
  /**
   * A fix that worked (its diagnostic went away, or the failing command then succeeded): kept in
   * the client's workspace, one memory per error signature (the latest change, counted).
   */
  recordFix: {
    params: z
      .object({
        signature: FixSignature,
        kind: z.enum(['diagnostic', 'terminal']),
        /** The error's first line, as the user saw it (secrets are redacted again on arrival). */
        error: z.string().min(1).max(200),
        /** Workspace-relative path of the changed file, with forward slashes. */
        path: z.string().min(1).max(300),
        /** The change in a few words, e.g. "adding `await`". */
        summary: z.string().min(1).max(120),
        /** A small excerpt of the diff: "-old" and "+new" lines. */
        diff: z.string().max(300).optional(),
      })
      .strict(),
    result: z.object({ fact: MemoryFact, times: z.number().int().positive() }),
  },
  import: {
    params: z.object({ file: MemoryExport }).strict(),
    result: z.object({ added: z.number().int(), skipped: z.number().int(), reasons: z.array(z.string()) }),
  },
} as const;
