// What the companion currently knows about the user's situation, from whichever client reports
// it (the legacy vision clients today; the editor and the screen reader later). It feeds the
// prompt as passive context: phrased as intuition, never as "I see on your camera".

export const PRESENCE_STATES = ['present', 'absent', 'focused', 'distracted'] as const;
export type Presence = (typeof PRESENCE_STATES)[number];

export interface DesktopContext {
  task: string;
  app: string;
  fileCategory: string;
  hasError: boolean;
  offerText: string;
  window: string;
  text: string;
  at: number;
  /** Errors read off the screen that are worth an offer (screen understanding only). */
  screenErrors?: ScreenErrorInfo[];
}

export interface ScreenErrorInfo {
  kind: string;
  /** The telling line, e.g. the final line of a traceback. */
  message: string;
  /** The error with the lines around it (redacted). */
  context: string;
}

/** Context older than this is not mentioned to the model any more. */
const STALE_AFTER_MS = 5 * 60_000;
const MAX_TEXT = 500;

import { ActivityFuser } from './activity-fuser';

export class ContextStore {
  presence: { state: Presence; at: number } | null = null;
  desktop: DesktopContext | null = null;
  screen: { window: string; text: string; at: number } | null = null;

  /** The editor's reports (`context.update`), fused with `desktop` into one activity state. */
  readonly activity: ActivityFuser;

  constructor(private readonly now: () => number = Date.now) {
    this.activity = new ActivityFuser(now, () => this.desktop);
  }

  setPresence(state: Presence): void {
    this.presence = { state, at: this.now() };
  }

  setDesktop(d: Omit<DesktopContext, 'at'>): void {
    this.desktop = { ...d, text: d.text.slice(0, MAX_TEXT), at: this.now() };
  }

  /** Screen understanding was turned off: forget what it saw. */
  clearScreen(): void {
    this.desktop = null;
    this.screen = null;
  }

  setScreen(window: string, text: string): void {
    this.screen = { window: window.slice(0, 200), text: text.slice(0, MAX_TEXT), at: this.now() };
  }

  /** What she has learned about the user, for the system message (none without task memory). */
  learnedLines(): string[] {
    return [];
  }

  /** Short lines for the prompt, fresh context only. */
  passiveContextLines(): string[] {
    const now = this.now();
    const fresh = (at: number) => now - at < STALE_AFTER_MS;
    const lines: string[] = [];
    if (this.presence && fresh(this.presence.at)) {
      const words: Record<Presence, string> = {
        present: 'The user is around.',
        absent: 'The user seems to have stepped away.',
        focused: 'The user seems deeply focused.',
        distracted: 'The user seems a little distracted.',
      };
      lines.push(words[this.presence.state]);
    }
    const editorLines = this.activity.passiveLines();
    if (editorLines.length) {
      // The editor knows more precisely than the desktop guess.
      lines.push(...editorLines);
    } else if (this.desktop && fresh(this.desktop.at)) {
      const d = this.desktop;
      const task = d.task.replace(/_/g, ' ');
      lines.push(`The user seems to be ${task || 'working'}${d.app ? ` in ${d.app}` : ''}${d.window ? ` ("${d.window.slice(0, 80)}")` : ''}.`);
      if (d.hasError) lines.push(`Something seems to have gone wrong for them${d.text ? `: ${d.text.slice(0, 200)}` : '.'}`);
    } else if (this.screen && fresh(this.screen.at)) {
      lines.push(`The user has "${this.screen.window.slice(0, 80)}" in front of them.`);
    }
    return lines;
  }
}
