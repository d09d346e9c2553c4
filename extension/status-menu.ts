// One status bar item for Alisa, and the menu behind it (pure logic; status-bar.ts draws it).
// Before, each feature had its own item: up to five on the right of the status bar. Now the one
// item says how she is (starting, loading 40 %, ready, failed) and adds an icon only for what the
// user must see at a glance: the camera is open, she reads the screen, she listens, her voice is
// muted, Do not disturb is on (never hidden: the camera and the screen are privacy signals). Its
// tooltip says each in a line; a click opens a menu with the chat and one action per feature
// (pause the camera, mute, stop listening...), each running the command the feature's own item
// ran, so the command palette, keybindings and this menu stay one set of actions.
import { errorText } from '../common/sentences';

export interface MainLook {
  text: string;
  tooltip: string;
  background?: 'error' | 'warning';
}

/** What a feature shows (the looks of screen-logic, voice-logic and rhythm-logic all fit). */
export interface StatusLook {
  text: string;
  tooltip: string;
  /** The command a click on it runs. */
  command: string;
  background?: 'error' | 'warning';
}

/** A feature's item while it cannot run (`Screen understanding cannot run: …`): the error, and a click turns it off. */
export function featureErrorLook(text: string, feature: string, error: { message: string; action?: string | null }, command: string): StatusLook {
  return { text, tooltip: `${feature} cannot run: ${errorText(error)}\nClick to turn it off.`, command, background: 'warning' };
}

/** The features that can show in the item, in the order they are shown. */
export type IndicatorId = 'camera' | 'screen' | 'listening' | 'voice' | 'doNotDisturb';

export interface Indicator {
  id: IndicatorId;
  /** The feature's look (null: unknown or off, not shown). */
  look: StatusLook | null;
}

export interface CombinedLook {
  text: string;
  /** One line per thing to say: her state first, then each feature's. */
  tooltip: string[];
  background?: 'error' | 'warning';
}

export interface MenuEntry {
  label: string;
  description?: string;
  detail?: string;
  command: string;
  args?: unknown[];
}

/** `$(icon) Words` -> `$(icon)`; text without an icon stays whole. */
function iconOf(text: string): string {
  const m = /^\$\([^)]+\)/.exec(text);
  return m ? m[0] : text;
}

/** Whether a feature's state is worth a glance: shown while it observes, listens or is unusual. */
function atAGlance(ind: Indicator): boolean {
  const look = ind.look;
  if (!look) return false;
  switch (ind.id) {
    case 'camera':
    case 'screen':
    case 'listening':
      return true;
    case 'voice':
      // Only when muted: speaking aloud is her normal state.
      return look.text.startsWith('$(mute)');
    case 'doNotDisturb':
      return look.text.startsWith('$(bell-slash)');
  }
}

const RANK = { error: 2, warning: 1 } as const;

/** A feature's tooltip without its "Click to ..." sentence (the item and the menu say what a click does). */
const describe = (look: StatusLook) => look.tooltip.replace(/\s*Click[^.]*\.\s*/g, ' ').trim();

export function combineLook(main: MainLook, indicators: readonly Indicator[]): CombinedLook {
  const shown = indicators.filter(atAGlance);
  let background = main.background;
  for (const ind of indicators) {
    const b = ind.look?.background;
    if (b && (!background || RANK[b] > RANK[background])) background = b;
  }
  const text = [main.text, ...shown.map((i) => iconOf(i.look!.text))].join(' ');
  const tooltip = [main.tooltip, ...indicators.filter((i) => i.look).map((i) => describe(i.look!))];
  return { text, tooltip, ...(background ? { background } : {}) };
}

/** What the menu's action for a feature is called, from the state its look shows. */
function actionLabel(ind: Indicator): string {
  const t = ind.look!.text;
  const paused = t.includes('paused');
  const failing = ind.look!.background === 'warning';
  switch (ind.id) {
    case 'camera':
      return failing ? '$(circle-slash) Turn off webcam presence' : paused ? '$(device-camera) Resume the camera' : '$(debug-pause) Pause the camera';
    case 'screen':
      return failing
        ? '$(circle-slash) Turn off screen understanding'
        : paused
          ? '$(eye) Resume screen understanding'
          : '$(eye-closed) Pause screen understanding';
    case 'listening':
      return '$(debug-stop) Stop listening';
    case 'voice':
      return t.startsWith('$(mute)') ? '$(unmute) Unmute her voice' : '$(mute) Mute her voice';
    case 'doNotDisturb':
      return t.startsWith('$(bell-slash)') ? '$(bell) Turn off Do not disturb' : '$(bell-slash) Do not disturb';
  }
}

/**
 * The menu: open the chat (or restart when she failed), one action per known feature, then the
 * logs and the settings.
 */
export function menuEntries(state: { failed: boolean }, indicators: readonly Indicator[]): MenuEntry[] {
  const entries: MenuEntry[] = [];
  if (state.failed) entries.push({ label: '$(debug-restart) Restart Alisa', command: 'alisa.restartCompanion' });
  entries.push({ label: '$(comment-discussion) Open the chat', command: 'alisa.openChat' });
  for (const ind of indicators) {
    if (!ind.look) continue;
    entries.push({ label: actionLabel(ind), detail: describe(ind.look), command: ind.look.command });
  }
  entries.push({ label: '$(output) Show logs', command: 'alisa.showLogs' });
  entries.push({ label: '$(gear) Settings', command: 'alisa.openSettings' });
  return entries;
}
