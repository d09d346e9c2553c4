// The vscode-free decisions of screen understanding in the extension: what `screen.configure`
// carries for the current settings, how the status bar shows the companion's ScreenStatus, and
// when a capture error is worth a notification (once, not on every event).
//
// Only type imports from the protocol: a value import would load zod at activation.
import type { ScreenConfigure, ScreenStatus } from '../../protocol/screen';
import { DEFAULT_EXCLUDED_WINDOWS } from '../../protocol/screen';
import { featureErrorLook, type StatusLook } from '../status-menu';

export const SCREEN_SETTINGS = {
  enabled: 'alisa.screen.enabled',
  excludedWindows: 'alisa.screen.excludedWindows',
} as const;

export const SCREEN_COMMANDS = {
  toggle: 'alisa.screen.toggle',
  pause: 'alisa.screen.pause',
} as const;

/** The protocol's SCREEN_LIMITS (protocol/screen.ts), repeated to keep zod out of activation; a test checks they agree. */
export const SCREEN_PATTERN_LIMITS = { excludedWindows: 100, pattern: 200 } as const;

export { DEFAULT_EXCLUDED_WINDOWS };

export interface ScreenSettings {
  enabled: boolean;
  excludedWindows: string[];
}

/** Settings as read from the configuration (anything the user typed) into what the companion accepts. */
export function normalizeScreenSettings(enabled: unknown, excludedWindows: unknown): ScreenSettings {
  const list = Array.isArray(excludedWindows) ? excludedWindows : [...DEFAULT_EXCLUDED_WINDOWS];
  const patterns: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const p = item.trim();
    // A pattern longer than the protocol allows is dropped rather than cut (a cut glob means something else).
    if (!p || p.length > SCREEN_PATTERN_LIMITS.pattern || patterns.includes(p)) continue;
    patterns.push(p);
    if (patterns.length === SCREEN_PATTERN_LIMITS.excludedWindows) break;
  }
  return { enabled: enabled === true, excludedWindows: patterns };
}

/**
 * `screen.configure` params: the settings, plus `paused` when the user paused or resumed in this
 * window (null: never, so the companion's own state stands).
 */
export function screenConfigureParams(settings: ScreenSettings, userPaused: boolean | null): ScreenConfigure {
  return {
    enabled: settings.enabled,
    excludedWindows: [...settings.excludedWindows],
    ...(userPaused !== null ? { paused: userPaused } : {}),
  };
}

type ScreenIndicatorState = 'active' | 'paused' | 'away' | 'error';

/** What the indicators show for a status; null when screen understanding is off (or unknown). */
export function screenIndicatorState(status: ScreenStatus | null): ScreenIndicatorState | null {
  if (!status?.enabled) return null;
  if (status.error) return 'error';
  if (status.paused) return status.pausedReason === 'user' ? 'paused' : 'away';
  return 'active';
}

/** The status bar item for a status; null hides it. */
export function screenStatusLook(status: ScreenStatus | null): StatusLook | null {
  const state = screenIndicatorState(status);
  switch (state) {
    case null:
      return null;
    case 'active':
      return { text: '$(eye) Screen', tooltip: 'Alisa reads your screen (OCR, offline). Click to pause.', command: SCREEN_COMMANDS.pause };
    case 'paused':
      return {
        text: '$(eye-closed) Screen paused',
        tooltip: 'Screen understanding is paused: Alisa does not look at your screen. Click to resume.',
        command: SCREEN_COMMANDS.pause,
      };
    case 'away':
      return {
        text: '$(eye-closed) Screen',
        tooltip: 'Screen understanding waits while you are away; it resumes when you are back. Click to pause.',
        command: SCREEN_COMMANDS.pause,
      };
    case 'error':
      return featureErrorLook('$(eye-closed) Screen', 'Screen understanding', status!.error!, SCREEN_COMMANDS.toggle);
  }
}

/** When a capture error deserves a notification (the rule every feature shares). */
export { FeatureErrorNotifier as ScreenErrorNotifier } from '../feature-error-notifier';
