// Returning after a break (issue 17): after a break in the user's editor activity, Alisa's
// greeting carries a short recap of what they did before it (files edited, errors fixed, what
// still fails), from editor events alone, only with the user's consent (alisa.memory.recapAfterBreak).
import * as z from 'zod';

export const RECAP_MODES = ['ask', 'on', 'off'] as const;
export const RecapMode = z.enum(RECAP_MODES);
export type RecapMode = z.infer<typeof RecapMode>;

/** She has a recap and no answer yet (mode ask): clients show the consent card once. */
export const RecapAskEvent = z.object({ type: z.literal('recap.ask') });
export type RecapAskEvent = z.infer<typeof RecapAskEvent>;

const RecapStatus = z.object({ mode: RecapMode, breakMinutes: z.number().positive() });

export const RecapMethods = {
  configure: {
    params: z
      .object({
        mode: RecapMode.optional(),
        /** How long without a sign of the user counts as a break (fractions are for tests). */
        breakMinutes: z
          .number()
          .positive()
          .max(24 * 60)
          .optional(),
        /** alisa.privacy.excludeGlobs: no file matching them is named in a recap. */
        privacyGlobs: z.array(z.string().max(500)).max(200).optional(),
      })
      .strict(),
    result: RecapStatus,
  },
  consent: {
    params: z.object({ allow: z.boolean() }).strict(),
    result: z.object({ mode: RecapMode, recapped: z.boolean() }),
  },
} as const;
