// Screen understanding (issue 5): the companion captures the screen, reads it with OCR and
// guesses what the user is doing. Off until the user turns it on; these messages turn it on and
// off, pause it and report what it is doing, so the panel and the status bar can show it.
import * as z from 'zod';
import { ErrorInfo } from './common';

export const SCREEN_LIMITS = { excludedWindows: 100, pattern: 200 } as const;

export const ScreenStatus = z.object({
  /** The user turned it on (setting or command). */
  enabled: z.boolean(),
  /** Paused by the user (command), or automatically while the user is away. */
  paused: z.boolean(),
  pausedReason: z.enum(['user', 'away']).nullable(),
  /** Capture is running now: what the indicators show. */
  active: z.boolean(),
  /** Why capture cannot run (no display, missing tools, OCR data), if it cannot. */
  error: ErrorInfo.nullable(),
  /** The next capture in ms (follows presence: shorter while the user is there and focused). */
  intervalMs: z.number().int().nullable(),
  /** What the last changed frame showed (redacted; never the text itself). */
  app: z.string().nullable(),
  task: z.string().nullable(),
  hasError: z.boolean(),
  lastCaptureAt: z.number().nullable(),
  lastOcrMs: z.number().nullable(),
  counts: z.object({
    captured: z.number().int(),
    unchanged: z.number().int(),
    recognized: z.number().int(),
    excluded: z.number().int(),
    redactions: z.number().int(),
  }),
});
export type ScreenStatus = z.infer<typeof ScreenStatus>;

export const ScreenConfigure = z.object({
  enabled: z.boolean().optional(),
  paused: z.boolean().optional(),
  /** Window titles never captured: case-insensitive substrings or `*` globs. */
  excludedWindows: z.array(z.string().max(SCREEN_LIMITS.pattern)).max(SCREEN_LIMITS.excludedWindows).optional(),
});
export type ScreenConfigure = z.infer<typeof ScreenConfigure>;

export const ScreenStateEvent = z.object({ type: z.literal('screen.state'), status: ScreenStatus });
export type ScreenStateEvent = z.infer<typeof ScreenStateEvent>;

/** Password managers and keychains: never looked at, by default (the companion's and the extension's `alisa.screen.excludeWindows` default). */
export const DEFAULT_EXCLUDED_WINDOWS: readonly string[] = [
  'KeePass', // also KeePassXC, KeePass 2
  'KeePassXC',
  '1Password',
  'Bitwarden',
  'LastPass',
  'Dashlane',
  'Enpass',
  'Keeper*', // the Keeper app titles itself "Keeper ..."; a substring would hit "Bookkeeper"
  'Keeper Password Manager',
  'Proton Pass',
  'Passwords and Keys', // GNOME Seahorse
  'Seahorse',
  'Keychain Access',
  'KWalletManager',
  'KDE Wallet',
  'Credential Manager',
];
