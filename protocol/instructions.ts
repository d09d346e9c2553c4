// Workspace instructions (issue 17): what the user wrote for Alisa in a workspace
// (`.alisa/instructions.md`, and `AGENTS.md` where there is one), read by the VS Code window,
// capped and redacted there, and sent as `workspace.instructions` on every connection and change.
// The companion puts them in the system message of the replies in that workspace's chats.
import * as z from 'zod';

/** Caps both ends rely on: the window cuts (ending a cut file with `INSTRUCTIONS_CUT`), the companion refuses more. */
export const INSTRUCTIONS_LIMITS = {
  /** Characters of one file's text, the cut marker included. */
  fileChars: 8000,
  /** Characters of all the files' texts together. */
  totalChars: 12_000,
  /** Files in one message (two per folder of a multi-root workspace). */
  files: 16,
  path: 500,
} as const;

/** Ends a file's text that was cut to fit the caps. */
export const INSTRUCTIONS_CUT = '\n(cut)';

export const InstructionFile = z.object({
  /** Where it comes from, workspace-relative (`.alisa/instructions.md`, `AGENTS.md`; `<folder>/...` in a multi-root workspace). */
  path: z.string().min(1).max(INSTRUCTIONS_LIMITS.path),
  text: z.string().max(INSTRUCTIONS_LIMITS.fileChars),
});
export type InstructionFile = z.infer<typeof InstructionFile>;

export const WorkspaceInstructionsParams = z
  .object({ files: z.array(InstructionFile).max(INSTRUCTIONS_LIMITS.files) })
  .strict()
  .refine((p) => p.files.reduce((n, f) => n + f.text.length, 0) <= INSTRUCTIONS_LIMITS.totalChars, {
    message: `the instructions are longer than ${INSTRUCTIONS_LIMITS.totalChars} characters in all`,
  });

/** `chars`: the characters kept for the client's workspace (0 for a client without one, or after clearing). */
export const WorkspaceInstructionsResult = z.object({ ok: z.literal(true), chars: z.number().int().nonnegative() });
