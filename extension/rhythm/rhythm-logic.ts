// The vscode-free decisions of issue 7 in the extension (webcam presence, idle talk, what Alisa
// learns about the user's rhythm): what `presence.configure` and `idle.configure` carry for the
// `alisa.presence.*` / `alisa.idle.*` settings, how the status bar shows the companion's
// PresenceStatus and IdleStatus, when a Do-not-disturb seen in the companion's status should be
// kept in the setting, and how "What Have You Learned About Me?" words its answer.
//
// Only type imports from the protocol: a value import would load zod at activation.
import { deviceInputProblem } from '../../protocol/inputs';
import type { IdleConfigure, IdleStatus, PresenceConfigure, PresenceStatus, RhythmSummary } from '../../protocol/rhythm';
import { featureErrorLook, type StatusLook } from '../status-menu';

export const PRESENCE_SETTINGS = {
  section: 'alisa.presence',
  enabled: 'alisa.presence.enabled',
  input: 'alisa.presence.input',
} as const;

export const IDLE_SETTINGS = {
  section: 'alisa.idle',
  doNotDisturb: 'alisa.idle.doNotDisturb',
  chattiness: 'alisa.idle.chattiness',
} as const;

export const RHYTHM_COMMANDS = {
  presenceToggle: 'alisa.presence.toggle',
  presencePause: 'alisa.presence.pause',
  toggleDoNotDisturb: 'alisa.idle.toggleDoNotDisturb',
  show: 'alisa.rhythm.show',
  clear: 'alisa.rhythm.clear',
} as const;

/** The protocol's limits (protocol/rhythm.ts), repeated to keep zod out of activation; a test checks they agree. */
const RHYTHM_SETTING_LIMITS = { input: 1000, chattinessMin: 0, chattinessMax: 2 } as const;

/** How long VS Code may lose focus before the camera is released (a quick look at a browser keeps it). */
export const EDITOR_AWAY_MS = 60_000;

export interface PresenceSettings {
  enabled: boolean;
  /** `default` (the platform's camera), a device name, or a video/image file standing in for one. */
  input: string;
}

export interface IdleSettings {
  doNotDisturb: boolean;
  chattiness: number;
}

export const PRESENCE_DEFAULTS: PresenceSettings = { enabled: false, input: 'default' };
export const IDLE_DEFAULTS: IdleSettings = { doNotDisturb: false, chattiness: 1 };

/** Settings as read from the configuration (anything the user typed) into what the companion accepts. */
export function normalizePresenceSettings(enabled: unknown, input: unknown, expandHome: (p: string) => string = (p) => p): PresenceSettings {
  const raw = typeof input === 'string' ? input.trim() : '';
  const path = raw && raw.length <= RHYTHM_SETTING_LIMITS.input ? expandHome(raw) : '';
  const value = path && path.length <= RHYTHM_SETTING_LIMITS.input ? path : PRESENCE_DEFAULTS.input;
  return {
    // Only a real `true` turns the camera on.
    enabled: enabled === true,
    // A URL or an option the companion would refuse: the default camera instead (readPresenceSettings warns).
    input: deviceInputProblem(value) ? PRESENCE_DEFAULTS.input : value,
  };
}

export function normalizeIdleSettings(doNotDisturb: unknown, chattiness: unknown): IdleSettings {
  const n = typeof chattiness === 'number' && Number.isFinite(chattiness) ? chattiness : IDLE_DEFAULTS.chattiness;
  return {
    doNotDisturb: doNotDisturb === true,
    chattiness: Math.min(RHYTHM_SETTING_LIMITS.chattinessMax, Math.max(RHYTHM_SETTING_LIMITS.chattinessMin, n)),
  };
}

/**
 * `presence.configure` params: the settings, `paused` when the user paused or resumed in this
 * window (null: never, so the companion's own state stands), and whether the editor has focus
 * (only while presence is on: with the camera off, the companion need not know).
 */
export function presenceConfigureParams(settings: PresenceSettings, userPaused: boolean | null, editorFocused: boolean): PresenceConfigure {
  return {
    enabled: settings.enabled,
    input: settings.input,
    ...(userPaused !== null ? { paused: userPaused } : {}),
    ...(settings.enabled ? { editorFocused } : {}),
  };
}

export function idleConfigureParams(settings: IdleSettings): IdleConfigure {
  return { doNotDisturb: settings.doNotDisturb, chattiness: settings.chattiness };
}

type PresenceIndicatorState = 'active' | 'paused' | 'error';

/**
 * What the camera indicators show: active while the camera is open, paused while the user paused
 * it, error when it cannot open; null (hidden) while presence is off, or on but the camera is
 * released (VS Code has been in the background a while) or still opening.
 */
export function presenceIndicatorState(status: PresenceStatus | null): PresenceIndicatorState | null {
  if (!status?.enabled) return null;
  if (status.error) return 'error';
  if (status.paused) return 'paused';
  if (status.active) return 'active';
  return null;
}

const PRESENCE_WORDS: Record<NonNullable<PresenceStatus['state']>, string> = {
  present: 'She sees you are here.',
  absent: 'She thinks you are away.',
  focused: 'She thinks you are focused.',
  distracted: 'She thinks you are distracted.',
};

/** "She thinks you are focused." for the tooltips; empty when she has no guess yet. */
function presenceWords(state: PresenceStatus['state']): string {
  return state ? PRESENCE_WORDS[state] : '';
}

const PRIVACY = 'Frames are read on this machine and never stored.';

/** The camera item in the status bar; null hides it. */
export function presenceStatusLook(status: PresenceStatus | null): StatusLook | null {
  const state = presenceIndicatorState(status);
  switch (state) {
    case null:
      return null;
    case 'active':
      return {
        text: '$(device-camera) Camera',
        tooltip: ['Alisa can see you through the camera.', presenceWords(status!.state), PRIVACY, 'Click to pause.'].filter(Boolean).join(' '),
        command: RHYTHM_COMMANDS.presencePause,
      };
    case 'paused':
      return {
        text: '$(device-camera) Camera paused',
        tooltip: 'Webcam presence is paused: the camera is off. Click to resume.',
        command: RHYTHM_COMMANDS.presencePause,
      };
    case 'error':
      return featureErrorLook('$(device-camera) Camera', 'Webcam presence', status!.error!, RHYTHM_COMMANDS.presenceToggle);
  }
}

const CHATTINESS_WORDS = ['never speaks up on her own', 'speaks up now and then', 'speaks up often'];

function chattinessWords(chattiness: number): string {
  return CHATTINESS_WORDS[Math.round(Math.min(2, Math.max(0, chattiness)))]!;
}

/** The Do-not-disturb item: `$(bell-slash) Do not disturb` when on, a plain `$(bell)` when off; hidden while unknown. */
export function idleStatusLook(status: IdleStatus | null): StatusLook | null {
  if (!status) return null;
  if (status.doNotDisturb) {
    return {
      text: '$(bell-slash) Do not disturb',
      tooltip: 'Do not disturb: Alisa does not speak up on her own (she still answers you). Click to let her talk again.',
      command: RHYTHM_COMMANDS.toggleDoNotDisturb,
    };
  }
  const quiet = status.quietReason ? ` Quiet for now: ${status.quietReason}.` : '';
  return {
    text: '$(bell)',
    tooltip: `Alisa ${chattinessWords(status.chattiness)} when you seem idle.${quiet} Click for Do not disturb.`,
    command: RHYTHM_COMMANDS.toggleDoNotDisturb,
  };
}

/**
 * The panel's Do-not-disturb toggle asks the companion directly; the change it causes is kept in
 * the setting (so the next start and other windows agree). Only a status that can be trusted
 * counts: after this connection's configure was answered, with none on its way. Returns the value
 * to write, or null.
 */
export function doNotDisturbToPersist(setting: boolean, status: IdleStatus | null, configured: boolean, inFlight: number): boolean | null {
  if (!status || !configured || inFlight > 0) return null;
  return status.doNotDisturb !== setting ? status.doNotDisturb : null;
}

/** "What Have You Learned About Me?": the companion's words, and a line on how much they rest on. */
export function rhythmSummaryDetail(summary: RhythmSummary): string {
  const text = summary.text.trim() || 'Nothing yet.';
  if (summary.samples === 0) return text;
  const n = summary.samples === 1 ? 'one thing I noticed' : `${summary.samples} things I noticed`;
  return `${text}\n\nThis comes from ${n}, and it stays on this machine.`;
}

/** When a camera error deserves a notification (the rule every feature shares). */
export { FeatureErrorNotifier as PresenceErrorNotifier } from '../feature-error-notifier';
