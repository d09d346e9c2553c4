// The legacy vision client's context frames, turned into what the context store keeps. Any local
// process can send them (the legacy port has no token), so every field is bounded, stripped of
// control characters and passed through the one redaction module before it is kept anywhere:
// the context store feeds the prompt, help offers and, through them, stored messages.
//
//   [VISION_FACE]<state>                                      presence (present|absent|focused|distracted)
//   [VISION_DESKTOP]task|app|filecat|has_error|offer_text|window|text
//   [VISION_SCREEN]window | text
//
// A desktop frame with fewer than 7 fields is ignored (as the seed did); the text field takes
// the rest of the frame, '|' included. has_error "True" with an offer text makes the error
// offer-worthy: it reaches the help policy as a 'screen' error, like screen understanding's.
import type { DesktopContext, ScreenErrorInfo } from '../context/context-store';
import { redactSecrets } from '../../common/privacy/redact';
import { detectErrors, MAX_ERROR_CONTEXT, MAX_SCREEN_ERRORS } from '../screen/understand';

export const VISION_LIMITS = {
  /** task, app, file category: seed category names. */
  field: 64,
  offerText: 300,
  window: 200,
  /** Screen text kept and searched for errors (the seed sent 500 characters). */
  text: 2000,
  /** One error line, as a help target's message. */
  errorLine: 200,
} as const;

const DESKTOP_FIELDS = 7;

/** Control characters other than tab and newline (newlines too for one-line fields). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const CONTROL_AND_NEWLINES = /[\u0000-\u001f\u007f]+/g;

interface CleanResult {
  text: string;
  /** Secrets replaced. */
  redactions: number;
}

/**
 * Redacts first, then bounds: cutting first could leave half a secret that no rule recognises
 * (the frame itself is at most 64 KiB, so redacting all of it is cheap).
 */
function clean(raw: string, max: number, oneLine: boolean): CleanResult {
  const stripped = oneLine ? raw.replace(CONTROL_AND_NEWLINES, ' ') : raw.replace(CONTROL, '');
  const r = redactSecrets(stripped);
  return { text: r.text.trim().slice(0, max), redactions: r.count };
}

interface VisionDesktop {
  desktop: Omit<DesktopContext, 'at'>;
  redactions: number;
}

/** The body of a `[VISION_DESKTOP]` frame (after the tag); null when it has fewer than 7 fields. */
export function parseVisionDesktop(body: string): VisionDesktop | null {
  const f = body.split('|');
  if (f.length < DESKTOP_FIELDS) return null;
  let redactions = 0;
  const take = (raw: string, max: number, oneLine = true) => {
    const r = clean(raw, max, oneLine);
    redactions += r.redactions;
    return r.text;
  };
  const task = take(f[0]!, VISION_LIMITS.field);
  const app = take(f[1]!, VISION_LIMITS.field);
  const fileCategory = take(f[2]!, VISION_LIMITS.field);
  const hasError = f[3]!.trim() === 'True';
  const offerText = take(f[4]!, VISION_LIMITS.offerText);
  const window = take(f[5]!, VISION_LIMITS.window);
  const text = take(f.slice(6).join('|'), VISION_LIMITS.text, false);
  const screenErrors = hasError && offerText !== '' ? offerWorthyErrors(text, offerText) : [];
  return { desktop: { task, app, fileCategory, hasError, offerText, window, text, screenErrors }, redactions };
}

/**
 * The errors to offer help with: those found in the (already redacted) screen text, else one
 * error named by the text's first line or, with no text, by the client's offer text.
 */
function offerWorthyErrors(text: string, offerText: string): ScreenErrorInfo[] {
  const found = detectErrors(text).slice(0, MAX_SCREEN_ERRORS);
  if (found.length > 0) return found.map((e) => ({ kind: e.kind, message: e.line.slice(0, VISION_LIMITS.errorLine), context: e.context }));
  const firstLine =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? offerText;
  return [{ kind: 'generic', message: firstLine.slice(0, VISION_LIMITS.errorLine), context: text.slice(0, MAX_ERROR_CONTEXT) }];
}

/** The body of a `[VISION_SCREEN]` frame: `window | text` (no separator: all of it is the window). */
export function parseVisionScreen(body: string): { window: string; text: string; redactions: number } {
  const cut = body.indexOf(' | ');
  const window = clean(cut === -1 ? body : body.slice(0, cut), VISION_LIMITS.window, true);
  const text = clean(cut === -1 ? '' : body.slice(cut + 3), VISION_LIMITS.text, false);
  return { window: window.text, text: text.text, redactions: window.redactions + text.redactions };
}
