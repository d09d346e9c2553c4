// Character cards (issue 18): SillyTavern Character Card V2/V3, as JSON or PNG with the card in
// `chara` / `ccv3` text chunks, imported as a character and exported from one. A card named like
// an existing character is never stored over her silently: the first import answers `conflict`
// and stores nothing; the client asks the user and imports again with `replace` or `keepBoth`.
import * as z from 'zod';
import { Character, Id } from './common';

/** Card bytes sent inline (the browser UI) travel in one frame (MAX_FRAME_BYTES); bigger cards go by path. */
export const CARD_INLINE_MAX_BYTES = 180 * 1024;

export const CardConflict = z.enum(['ask', 'replace', 'keepBoth']);
export type CardConflict = z.infer<typeof CardConflict>;

export const CharacterCardMethods = {
  import: {
    params: z
      .object({
        /** An absolute path to a .png or .json card (the extension: files the user chose). */
        path: z.string().min(1).max(4096).optional(),
        /** The card's bytes as base64 (the browser UI); at most CARD_INLINE_MAX_BYTES decoded. */
        data: z
          .string()
          .max(Math.ceil(CARD_INLINE_MAX_BYTES / 3) * 4 + 8)
          .optional(),
        /** What to do when a character has the card's name: ask (default: answer `conflict`, store nothing). */
        onConflict: CardConflict.optional(),
      })
      .strict()
      .refine((p) => (p.path === undefined) !== (p.data === undefined), { message: 'give either path or data, not both' }),
    result: z.object({
      /** imported: a new character; replaced: `character` is the existing one, now the card; conflict: nothing stored. */
      status: z.enum(['imported', 'replaced', 'conflict']),
      /** The stored character; for `conflict` the existing one of that name. */
      character: Character,
      /** Her name on the card (for the question the client asks on a conflict). */
      cardName: z.string(),
      /** Stored, but not all of it: why (her card's image did not become her avatar, ...). Show it. */
      warning: z.string().optional(),
    }),
  },
  export: {
    params: z
      .object({
        characterId: Id,
        format: z.enum(['json', 'png']),
        /** Write the card to this absolute path (.json or .png, as `format`); absent: returned. */
        path: z.string().min(1).max(4096).optional(),
        /** A file already at `path` is replaced only with this (the user confirmed it); else an error. */
        overwrite: z.boolean().optional(),
      })
      .strict(),
    result: z.object({
      format: z.enum(['json', 'png']),
      /** A file name to offer ("Mika.png"). */
      fileName: z.string(),
      /** The JSON text, or the PNG as base64; absent when written to `path`. */
      content: z.string().optional(),
      path: z.string().optional(),
      bytes: z.number().int().nonnegative(),
      /** The PNG had no image of hers: a plain one was made (say so). */
      placeholderImage: z.boolean(),
    }),
  },
  portrait: {
    params: z.object({ characterId: Id }).strict(),
    /** Her card's image as base64 PNG; null: she has none. */
    result: z.object({ mimeType: z.literal('image/png'), data: z.string() }).nullable(),
  },
} as const;
