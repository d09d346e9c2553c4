// Explicit code context (issue 17): what the user attached to a message with an @-mention (a file,
// a folder, a symbol, the problems, the terminal's last output, the selection, the git diff, a
// memory, or the codebase index), and the sources a reply cites. The extension resolves a mention
// to text in the user's window (privacy globs and redaction applied there, paths relative to the
// workspace); the companion fits the attachments into the user's turn under a budget and answers
// with the citations the reply used, which the panel shows as file:line links that open the file.
import * as z from 'zod';

export const ATTACHMENT_KINDS = ['file', 'folder', 'symbol', 'problems', 'terminal', 'selection', 'diff', 'memory', 'codebase'] as const;
export const AttachmentKind = z.enum(ATTACHMENT_KINDS);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

/** Characters of one attachment's text on the wire (the prompt's budget cuts further). */
export const ATTACHMENT_TEXT_MAX = 16_000;
/** Attachments on one message. */
export const ATTACHMENTS_MAX = 12;
/** Characters of all of one message's attachments together: with the text they fit in one frame (MAX_FRAME_BYTES). */
export const ATTACHMENTS_TOTAL_MAX = 100_000;

/** A place in the workspace: a path relative to its folder (as shown), 1-based lines, inclusive. */
export const SourceRef = z.object({
  kind: AttachmentKind,
  /** What the chip or the citation shows: "src/app.ts:12-40", "@problems", "memory: prefers pytest". */
  label: z.string().min(1).max(300),
  /** Workspace-relative path (for a file, folder, symbol, selection, codebase chunk). */
  path: z.string().max(2000).optional(),
  startLine: z.number().int().positive().optional(),
  endLine: z.number().int().positive().optional(),
});
export type SourceRef = z.infer<typeof SourceRef>;

/** One @-mention resolved to text, sent with chat.send. For `codebase` the text is empty: the companion retrieves the chunks. */
export const Attachment = SourceRef.extend({
  text: z.string().max(ATTACHMENT_TEXT_MAX),
});
export type Attachment = z.infer<typeof Attachment>;
