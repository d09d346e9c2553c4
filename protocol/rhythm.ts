// A companion, not a tool (issue 7): webcam presence (opt-in), idle talk with "Do not disturb",
// and what Alisa learns about the user's rhythm (inspectable and clearable). These messages turn
// them on and off and report their state.
import * as z from 'zod';
import { ErrorInfo } from './common';
import { deviceInputProblem } from './inputs';

export const PRESENCE = ['present', 'absent', 'focused', 'distracted'] as const;
export const Presence = z.enum(PRESENCE);

export const PresenceStatus = z.object({
  /** The user turned the webcam on (off by default). */
  enabled: z.boolean(),
  /** The camera is open now: what the indicators show. */
  active: z.boolean(),
  paused: z.boolean(),
  state: Presence.nullable(),
  /** The frame source: a camera device, or a video/image file standing in for one. */
  input: z.string(),
  error: ErrorInfo.nullable(),
});
export type PresenceStatus = z.infer<typeof PresenceStatus>;

export const PresenceConfigure = z.object({
  enabled: z.boolean().optional(),
  paused: z.boolean().optional(),
  /** "default", a camera name, or a video/image file standing in for one; never a URL or an option. */
  input: z
    .string()
    .max(1000)
    .superRefine((value, ctx) => {
      const problem = deviceInputProblem(value, 'The presence input');
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** The editor window lost focus (long enough): the camera is released until it comes back. */
  editorFocused: z.boolean().optional(),
});
export type PresenceConfigure = z.infer<typeof PresenceConfigure>;

export const IdleStatus = z.object({
  doNotDisturb: z.boolean(),
  /** 0 (never speaks up) .. 2 (chatty); 1 is the seed's behaviour. */
  chattiness: z.number(),
  /** She would stay quiet now, and why (typing, streaming, quiet hour, do not disturb), or null. */
  quietReason: z.string().nullable(),
  lastSpokeAt: z.number().nullable(),
});
export type IdleStatus = z.infer<typeof IdleStatus>;

export const IdleConfigure = z.object({
  doNotDisturb: z.boolean().optional(),
  chattiness: z.number().min(0).max(2).optional(),
});
export type IdleConfigure = z.infer<typeof IdleConfigure>;

export const RhythmSummary = z.object({
  /** "What have you learned about me?" in plain words. */
  text: z.string(),
  busyHours: z.array(z.number().int()),
  quietHours: z.array(z.number().int()),
  sequences: z.array(z.object({ from: z.string(), to: z.string(), count: z.number().int() })),
  acceptance: z.array(z.object({ hour: z.number().int(), engaged: z.number().int(), total: z.number().int() })),
  typicalSessionMinutes: z.number().nullable(),
  samples: z.number().int(),
});
export type RhythmSummary = z.infer<typeof RhythmSummary>;

export const PresenceStateEvent = z.object({ type: z.literal('presence.state'), status: PresenceStatus });
export const IdleStateEvent = z.object({ type: z.literal('idle.state'), status: IdleStatus });
