// Taking the screen: a screenshot in memory (screenshot-desktop; never a file) and the active
// window's title where the platform tells it.
//
// Platforms:
// - Linux (X11): needs a DISPLAY, `xrandr` (x11-xserver-utils) and ImageMagick's `import`
//   (imagemagick). Frames are taken as BMP (uncompressed: 0.08 s for 1920x1080 here, against 0.20 s
//   for PNG). The title comes from `xprop` (x11-utils: _NET_ACTIVE_WINDOW, set by every desktop's
//   window manager), else `xdotool getwindowfocus` (xdotool). Wayland sessions only allow capture
//   through XWayland apps, which is not the whole screen: use an X11 session.
// - macOS: the built-in `screencapture`; the app needs the Screen Recording permission (System
//   Settings > Privacy & Security). The title is the frontmost app's name via `osascript`.
// - Windows: screenshot-desktop's bundled helper; no title (null).
//
// screenshot-desktop rejects from inside a callback it does not guard when a tool is missing,
// which would surface as an unhandled rejection: `checkCapture` runs first and names what to
// install, and every capture has a timeout.
import { execFile } from 'node:child_process';
import { AlisaError } from '../errors';
import { decodeBmpGray, isBmp } from './bmp';
import { localRequire } from './local-require';
import { decodeImage, type Gray } from './image';

const CAPTURE_TIMEOUT_MS = 10_000;
const TITLE_TIMEOUT_MS = 2000;

export interface ActiveWindow {
  title: string | null;
  /** The window's class (X11 WM_CLASS) or application name, when known. */
  appClass: string | null;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

async function onPath(cmd: string): Promise<boolean> {
  try {
    await run(process.platform === 'win32' ? 'where' : 'which', [cmd], 2000);
    return true;
  } catch {
    return false;
  }
}

/** Null when capture can work here; otherwise a screen_unavailable error naming what is missing. */
export async function checkCapture(env: NodeJS.ProcessEnv = process.env): Promise<AlisaError | null> {
  if (process.platform === 'linux') {
    if (!env.DISPLAY) {
      return new AlisaError(
        'screen_unavailable',
        env.WAYLAND_DISPLAY
          ? 'The screen cannot be captured: this is a Wayland session without an X display.'
          : 'The screen cannot be captured: there is no X display (DISPLAY is not set).',
        'Run Alisa inside an X11 desktop session (or set DISPLAY).',
      );
    }
    const missing: string[] = [];
    if (!(await onPath('xrandr'))) missing.push('xrandr (package x11-xserver-utils)');
    if (!(await onPath('import'))) missing.push("ImageMagick's import (package imagemagick)");
    if (missing.length) {
      return new AlisaError(
        'screen_unavailable',
        `The screen cannot be captured: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed.`,
        'Install them, e.g. sudo apt install x11-xserver-utils imagemagick',
      );
    }
    try {
      await run('xrandr', ['--current'], 5000);
    } catch (err) {
      return new AlisaError(
        'screen_unavailable',
        `The X display ${env.DISPLAY} cannot be reached: ${(err as Error).message.split('\n')[0]}`,
        'Check that DISPLAY names a running X server.',
      );
    }
  }
  return null;
}

type Screenshot = (opts: { format?: string }) => Promise<Buffer>;
let screenshotFn: Screenshot | null = null;

function screenshot(): Screenshot {
  if (!screenshotFn) {
    screenshotFn = localRequire()('screenshot-desktop') as Screenshot;
  }
  return screenshotFn;
}

export interface Frame {
  /** The encoded frame as the capture tool wrote it (compared byte for byte before decoding). */
  raw: Buffer;
  /** Decodes to grayscale; throws screen_unavailable for a frame it cannot read. */
  decode(): Gray;
  ms: number;
}

export function decodeFrame(raw: Buffer): Gray {
  try {
    return isBmp(raw) ? decodeBmpGray(raw) : decodeImage(raw);
  } catch (err) {
    throw new AlisaError('screen_unavailable', `The captured frame could not be read: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** One frame of the primary screen, in memory. */
export async function captureScreen(): Promise<Frame> {
  const started = performance.now();
  const format = process.platform === 'linux' ? 'bmp' : 'png';
  let timer: NodeJS.Timeout | undefined;
  try {
    const buf = await Promise.race([
      screenshot()({ format }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no frame within ${CAPTURE_TIMEOUT_MS / 1000} s`)), CAPTURE_TIMEOUT_MS);
      }),
    ]);
    return { raw: buf, decode: () => decodeFrame(buf), ms: performance.now() - started };
  } catch (err) {
    if (err instanceof AlisaError) throw err;
    throw new AlisaError(
      'screen_unavailable',
      `The screen could not be captured: ${(err as Error).message.split('\n')[0]}`,
      'Check the display and the capture tools (run `npm run screen -- --once`).',
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}

function xpropValue(out: string, name: string): string | null {
  const line = out.split('\n').find((l) => l.startsWith(name));
  if (!line) return null;
  const m = /=\s*(.*)$/.exec(line);
  if (!m) return null;
  // `"a", "b"` lists (WM_CLASS): the last is the class name.
  const strings = [...m[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((s) => s[1]!.replace(/\\(.)/g, '$1'));
  return strings.length ? strings[strings.length - 1]! : null;
}

async function linuxActiveWindow(): Promise<ActiveWindow | null> {
  let id: string | null = null;
  try {
    const root = await run('xprop', ['-root', '_NET_ACTIVE_WINDOW'], TITLE_TIMEOUT_MS);
    const m = /window id # (0x[0-9a-f]+)/i.exec(root);
    if (m && m[1] !== '0x0') id = m[1]!;
  } catch {
    // No xprop or no window manager: try xdotool below.
  }
  if (!id) {
    try {
      id = (await run('xdotool', ['getwindowfocus'], TITLE_TIMEOUT_MS)).trim() || null;
    } catch {
      return null;
    }
  }
  try {
    const props = await run('xprop', ['-id', id!, '_NET_WM_NAME', 'WM_NAME', 'WM_CLASS'], TITLE_TIMEOUT_MS);
    const title = xpropValue(props, '_NET_WM_NAME') ?? xpropValue(props, 'WM_NAME');
    return { title, appClass: xpropValue(props, 'WM_CLASS') };
  } catch {
    try {
      const title = (await run('xdotool', ['getwindowname', id!], TITLE_TIMEOUT_MS)).trim();
      return { title: title || null, appClass: null };
    } catch {
      return null;
    }
  }
}

async function macActiveWindow(): Promise<ActiveWindow | null> {
  try {
    const out = await run(
      'osascript',
      [
        '-e',
        'tell application "System Events" to set p to first application process whose frontmost is true',
        '-e',
        'set t to ""',
        '-e',
        'try',
        '-e',
        'set t to name of front window of p',
        '-e',
        'end try',
        '-e',
        'return (name of p) & "\n" & t',
      ],
      TITLE_TIMEOUT_MS,
    );
    const [app, title] = out.split('\n');
    return { title: title?.trim() || app?.trim() || null, appClass: app?.trim() || null };
  } catch {
    return null;
  }
}

/** The focused window's title and class; null when the platform or its tools cannot say. */
export async function activeWindow(): Promise<ActiveWindow | null> {
  if (process.platform === 'linux') return linuxActiveWindow();
  if (process.platform === 'darwin') return macActiveWindow();
  return null;
}
