// Screen understanding in the extension, the vscode-free parts: settings -> `screen.configure`,
// the status bar item for each state, and the error notification that is shown once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUDED_WINDOWS as COMPANION_DEFAULTS } from '../protocol/screen';
import { ScreenConfigure, SCREEN_LIMITS, type ScreenStatus } from '../protocol/screen';
import {
  DEFAULT_EXCLUDED_WINDOWS,
  normalizeScreenSettings,
  SCREEN_COMMANDS,
  SCREEN_PATTERN_LIMITS,
  SCREEN_SETTINGS,
  screenConfigureParams,
  ScreenErrorNotifier,
  screenIndicatorState,
  screenStatusLook,
} from '../extension/screen/screen-logic';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

const base: ScreenStatus = {
  enabled: true,
  paused: false,
  pausedReason: null,
  active: true,
  error: null,
  intervalMs: 8000,
  app: 'Terminal',
  task: 'coding',
  hasError: false,
  lastCaptureAt: 1,
  lastOcrMs: 300,
  counts: { captured: 1, unchanged: 0, recognized: 1, excluded: 0, redactions: 0 },
};
const off: ScreenStatus = { ...base, enabled: false, active: false, intervalMs: null };
const userPaused: ScreenStatus = { ...base, paused: true, pausedReason: 'user', active: false, intervalMs: null };
const away: ScreenStatus = { ...base, paused: true, pausedReason: 'away', active: false, intervalMs: null };
const noDisplay: NonNullable<ScreenStatus['error']> = {
  code: 'screen_unavailable',
  message: 'There is no display to capture.',
  action: 'Run VS Code in a desktop session.',
};
const failing: ScreenStatus = { ...base, active: false, error: noDisplay, intervalMs: null };

describe('screen settings', () => {
  it('are contributed: off by default, password managers excluded by default, user scope only', () => {
    const props = pkg.contributes.configuration.properties;
    const enabled = props[SCREEN_SETTINGS.enabled];
    const excluded = props[SCREEN_SETTINGS.excludedWindows];
    expect(enabled).toMatchObject({ type: 'boolean', default: false, scope: 'application' });
    expect(enabled.markdownDescription).toMatch(/off until you turn it on/i);
    expect(enabled.markdownDescription).toMatch(/never touch the disk/);
    expect(enabled.markdownDescription).toMatch(/redacted/);
    expect(excluded).toMatchObject({ type: 'array', scope: 'application', maxItems: SCREEN_LIMITS.excludedWindows });
    expect(excluded.markdownDescription).toMatch(/substrings/);
    expect(excluded.markdownDescription).toMatch(/`\*` globs/);
    // package.json cannot import the companion's list: the copy must stay equal to it.
    expect(excluded.default).toEqual([...COMPANION_DEFAULTS]);
    expect(DEFAULT_EXCLUDED_WINDOWS).toBe(COMPANION_DEFAULTS);
  });

  it('has both commands under "Alisa"', () => {
    const commands = pkg.contributes.commands as Array<{ command: string; title: string; category: string }>;
    expect(commands.find((c) => c.command === SCREEN_COMMANDS.toggle)).toMatchObject({ title: 'Turn Screen Understanding On/Off', category: 'Alisa' });
    expect(commands.find((c) => c.command === SCREEN_COMMANDS.pause)).toMatchObject({ title: 'Pause/Resume Screen Understanding', category: 'Alisa' });
  });

  it('repeats the protocol limits exactly', () => {
    expect(SCREEN_PATTERN_LIMITS).toEqual(SCREEN_LIMITS);
  });
});

describe('settings -> screen.configure', () => {
  it('maps the settings, and the pause only when this window set it', () => {
    const settings = normalizeScreenSettings(true, ['KeePass', '* - Private Browsing']);
    expect(screenConfigureParams(settings, null)).toEqual({ enabled: true, excludedWindows: ['KeePass', '* - Private Browsing'] });
    expect(screenConfigureParams(settings, true)).toEqual({ enabled: true, excludedWindows: ['KeePass', '* - Private Browsing'], paused: true });
    expect(screenConfigureParams(normalizeScreenSettings(false, []), false)).toEqual({ enabled: false, excludedWindows: [], paused: false });
  });

  it('defaults: off, with the password managers excluded', () => {
    expect(screenConfigureParams(normalizeScreenSettings(undefined, undefined), null)).toEqual({ enabled: false, excludedWindows: [...COMPANION_DEFAULTS] });
    expect(normalizeScreenSettings('true', null).enabled).toBe(false); // only a real `true` turns it on
  });

  it('cleans what the user typed into what the companion accepts', () => {
    const long = 'x'.repeat(SCREEN_LIMITS.pattern + 1);
    const many = Array.from({ length: 150 }, (_, i) => `win ${i}`);
    const s = normalizeScreenSettings(true, ['  Bitwarden ', '', 42, null, long, 'Bitwarden', ...many]);
    expect(s.excludedWindows.slice(0, 2)).toEqual(['Bitwarden', 'win 0']);
    expect(s.excludedWindows).toHaveLength(SCREEN_LIMITS.excludedWindows);
    expect(s.excludedWindows).not.toContain(long);
    // The protocol's own schema accepts the result.
    expect(ScreenConfigure.safeParse(screenConfigureParams(s, true)).success).toBe(true);
  });
});

describe('screen status bar item', () => {
  it('is hidden while off or unknown', () => {
    expect(screenStatusLook(null)).toBeNull();
    expect(screenStatusLook(off)).toBeNull();
    expect(screenStatusLook({ ...off, error: noDisplay })).toBeNull();
    expect(screenIndicatorState(off)).toBeNull();
  });

  it('shows an open eye while capturing; a click pauses', () => {
    expect(screenStatusLook(base)).toEqual({
      text: '$(eye) Screen',
      tooltip: 'Alisa reads your screen (OCR, offline). Click to pause.',
      command: 'alisa.screen.pause',
    });
    expect(screenIndicatorState(base)).toBe('active');
  });

  it('shows a closed eye when paused by the user; a click resumes', () => {
    const look = screenStatusLook(userPaused)!;
    expect(look.text).toBe('$(eye-closed) Screen paused');
    expect(look.tooltip).toMatch(/paused.*Click to resume/s);
    expect(look.command).toBe('alisa.screen.pause');
    expect(screenIndicatorState(userPaused)).toBe('paused');
  });

  it('says it waits while the user is away', () => {
    const look = screenStatusLook(away)!;
    expect(look.text).toBe('$(eye-closed) Screen');
    expect(look.tooltip).toMatch(/away/);
    expect(screenIndicatorState(away)).toBe('away');
  });

  it('shows the error, with what to do, in the tooltip', () => {
    const look = screenStatusLook(failing)!;
    expect(look.text).toBe('$(eye-closed) Screen');
    expect(look.tooltip).toContain('There is no display to capture. Run VS Code in a desktop session.');
    expect(look.background).toBe('warning');
    expect(look.command).toBe('alisa.screen.toggle');
    // An error wins over a pause.
    expect(screenIndicatorState({ ...failing, paused: true, pausedReason: 'user' })).toBe('error');
  });
});

describe('screen error notification', () => {
  it('is shown once per error, not on every event', () => {
    const n = new ScreenErrorNotifier();
    expect(n.check(base)).toBeNull();
    expect(n.check(failing)).toEqual(noDisplay);
    expect(n.check(failing)).toBeNull();
    expect(n.check({ ...failing, counts: { ...failing.counts, captured: 2 } })).toBeNull();
    expect(n.check(null)).toBeNull(); // disconnected: nothing new, nothing forgotten
    expect(n.check(failing)).toBeNull();
  });

  it('comes back for a new error, after the error cleared, or when the user turns it on again', () => {
    const n = new ScreenErrorNotifier();
    expect(n.check(failing)).not.toBeNull();
    const other: ScreenStatus = { ...failing, error: { code: 'screen_unavailable', message: 'OCR data is missing.' } };
    expect(n.check(other)).toEqual(other.error);
    expect(n.check(base)).toBeNull();
    expect(n.check(other)).toEqual(other.error);
    n.arm();
    expect(n.check(other)).toEqual(other.error);
    expect(n.check(off)).toBeNull();
    expect(n.check(other)).toEqual(other.error);
  });

  it('says nothing while the feature is off', () => {
    const n = new ScreenErrorNotifier();
    expect(n.check({ ...off, error: noDisplay })).toBeNull();
  });
});
