// The desktop actions (issue 16), per platform, each a program run with its arguments as a list
// (never through a shell, so nothing in a name or a text can become a command):
//   Linux (X11)  xdotool (keys, typing, mouse, window search, focus, minimise) and wmctrl
//                (polite close, maximise): `apt-get install xdotool wmctrl`; xdg-open for URLs.
//                Wayland sessions do not let one program drive another: reported as unavailable.
//   macOS        osascript (System Events: keystroke, key code, click needs cliclick) and `open`:
//                the user must grant Accessibility to the terminal or VS Code.
//   Windows      PowerShell (WScript.Shell SendKeys, Start-Process, user32 through Add-Type).
// Each platform says plainly which action it lacks (`unsupported`), and the executor reports it.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ActionArgs } from '../../protocol/actions';

export type DesktopAction =
  | 'open_app'
  | 'close_app'
  | 'browser_new_tab'
  | 'browser_close_tab'
  | 'browser_go_to'
  | 'type_text'
  | 'press_keys'
  | 'click'
  | 'scroll'
  | 'window';

export const DESKTOP_ACTIONS: readonly DesktopAction[] = [
  'open_app',
  'close_app',
  'browser_new_tab',
  'browser_close_tab',
  'browser_go_to',
  'type_text',
  'press_keys',
  'click',
  'scroll',
  'window',
];

export class DesktopError extends Error {}

export interface DesktopDriver {
  readonly platform: string;
  /** Null when desktop actions can work here; otherwise why not and what to install. */
  unavailable(): string | null;
  run<A extends DesktopAction>(action: A, args: ActionArgs<A>): Promise<string>;
}

export type Exec = (cmd: string, args: string[], timeoutMs?: number) => Promise<string>;

/** Runs a program (no shell) and answers its stdout; a clear DesktopError on failure. */
export const execTool: Exec = (cmd, args, timeoutMs = 10_000) =>
  new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1024 * 1024, env: process.env }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ENOENT') reject(new DesktopError(`${cmd} is not installed.`));
      else if (e.killed) reject(new DesktopError(`${cmd} did not finish in ${Math.round(timeoutMs / 1000)} s.`));
      else reject(new DesktopError(`${cmd} failed: ${(stderr || e.message).trim().split('\n').slice(-2).join(' ')}`));
    });
  });

function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)));
}

/** Starts a program detached (it outlives the action); rejects when it cannot start at all. */
function launch(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore', env: process.env });
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new DesktopError(err.code === 'ENOENT' ? `There is no program called "${cmd}" on this machine.` : `${cmd} could not start: ${err.message}`)),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/**
 * Starts a program that hands work on and usually exits at once (xdg-open): success when it exits
 * with 0, or is still running after `graceMs` (some browsers keep the opener waiting); a clear
 * error when it exits with another code.
 */
function handOff(cmd: string, args: string[], graceMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    const timer = setTimeout(() => {
      child.unref();
      child.stderr!.destroy();
      resolve();
    }, graceMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new DesktopError(err.code === 'ENOENT' ? `${cmd} is not installed.` : `${cmd} could not start: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new DesktopError(
            `${cmd} could not open it (exit code ${code})${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}. Is a default browser set?`,
          ),
        );
    });
  });
}

const BUTTONS = { left: '1', middle: '2', right: '3' } as const;

/** Linux with X11: xdotool and wmctrl. */
export class X11Desktop implements DesktopDriver {
  readonly platform = 'linux-x11';

  constructor(
    private readonly exec: Exec = execTool,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  unavailable(): string | null {
    if (!this.env.DISPLAY) {
      return this.env.WAYLAND_DISPLAY
        ? 'This is a Wayland session, which does not let one program drive another; desktop actions need X11.'
        : 'There is no X display (DISPLAY is not set), so there is no desktop to act on.';
    }
    const missing = ['xdotool', 'wmctrl'].filter((c) => !onPath(c, this.env));
    return missing.length ? `Desktop actions need ${missing.join(' and ')}: apt-get install ${missing.join(' ')}.` : null;
  }

  /** Window ids (decimal, as xdotool prints them) whose title contains `title`, visible ones first. */
  private async findWindows(args: string[]): Promise<string[]> {
    try {
      return (await this.exec('xdotool', ['search', ...args])).split('\n').filter(Boolean);
    } catch {
      // xdotool exits 1 when nothing matches.
      return [];
    }
  }

  async run<A extends DesktopAction>(action: A, raw: ActionArgs<A>): Promise<string> {
    const args = raw as Record<string, unknown>;
    switch (action) {
      case 'open_app':
        await launch(String(args.name), []);
        return `Started ${args.name}.`;
      case 'close_app': {
        const name = String(args.name);
        const ids = [
          ...new Set([...(await this.findWindows(['--onlyvisible', '--class', name])), ...(await this.findWindows(['--onlyvisible', '--name', name]))]),
        ];
        if (ids.length === 0) throw new DesktopError(`No window of "${name}" is open.`);
        for (const id of ids) await this.exec('wmctrl', ['-i', '-c', `0x${Number(id).toString(16)}`]);
        return `Asked ${ids.length} window(s) of ${name} to close.`;
      }
      case 'browser_new_tab':
        await this.exec('xdotool', ['key', '--clearmodifiers', 'ctrl+t']);
        return 'Opened a new tab.';
      case 'browser_close_tab':
        await this.exec('xdotool', ['key', '--clearmodifiers', 'ctrl+w']);
        return 'Closed the tab.';
      case 'browser_go_to':
        await handOff('xdg-open', [String(args.url)]);
        return `Opened ${args.url}.`;
      case 'type_text':
        await this.exec('xdotool', ['type', '--clearmodifiers', '--delay', '12', '--', String(args.text)], 60_000);
        return `Typed ${String(args.text).length} character(s).`;
      case 'press_keys':
        await this.exec('xdotool', ['key', '--clearmodifiers', String(args.keys)]);
        return `Pressed ${args.keys}.`;
      case 'click': {
        const button = BUTTONS[(args.button as keyof typeof BUTTONS) ?? 'left'];
        if (typeof args.x === 'number' && typeof args.y === 'number')
          await this.exec('xdotool', ['mousemove', String(args.x), String(args.y), 'click', button]);
        else await this.exec('xdotool', ['click', button]);
        return typeof args.x === 'number' ? `Clicked at ${args.x},${args.y}.` : 'Clicked.';
      }
      case 'scroll': {
        const amount = Number(args.amount ?? 3);
        await this.exec('xdotool', ['click', '--repeat', String(amount), args.direction === 'up' ? '4' : '5']);
        return `Scrolled ${args.direction} ${amount}.`;
      }
      case 'window': {
        const title = String(args.title);
        const [id] = await this.findWindows(['--onlyvisible', '--name', title]);
        if (!id) throw new DesktopError(`No window whose title contains "${title}" is open.`);
        const hex = `0x${Number(id).toString(16)}`;
        if (args.op === 'focus') await this.exec('wmctrl', ['-i', '-a', hex]);
        else if (args.op === 'minimise') await this.exec('xdotool', ['windowminimize', id]);
        else await this.exec('wmctrl', ['-i', '-r', hex, '-b', 'add,maximized_vert,maximized_horz']);
        return `${args.op === 'focus' ? 'Focused' : args.op === 'minimise' ? 'Minimised' : 'Maximised'} "${title}".`;
      }
    }
    throw new DesktopError(`${action} is not a desktop action.`);
  }
}

/** AppleScript string literal. */
const as = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const MAC_MODIFIERS: Record<string, string> = {
  ctrl: 'control down',
  control: 'control down',
  alt: 'option down',
  option: 'option down',
  shift: 'shift down',
  cmd: 'command down',
  super: 'command down',
};

/** A platform whose actions are scripts for one program (osascript, PowerShell); what it lacks, each action says. */
abstract class ScriptedDesktop implements DesktopDriver {
  abstract readonly platform: string;
  constructor(protected readonly exec: Exec = execTool) {}
  unavailable(): string | null {
    return null;
  }
  abstract run<A extends DesktopAction>(action: A, raw: ActionArgs<A>): Promise<string>;
}

/** macOS: osascript and open. Needs Accessibility permission for System Events. */
export class MacDesktop extends ScriptedDesktop {
  readonly platform = 'macos';
  private osa(script: string): Promise<string> {
    return this.exec('osascript', ['-e', script]);
  }
  async run<A extends DesktopAction>(action: A, raw: ActionArgs<A>): Promise<string> {
    const args = raw as Record<string, unknown>;
    switch (action) {
      case 'open_app':
        await this.exec('open', ['-a', String(args.name)]);
        return `Started ${args.name}.`;
      case 'close_app':
        await this.osa(`tell application ${as(String(args.name))} to quit`);
        return `Asked ${args.name} to quit.`;
      case 'browser_new_tab':
        await this.osa('tell application "System Events" to keystroke "t" using command down');
        return 'Opened a new tab.';
      case 'browser_close_tab':
        await this.osa('tell application "System Events" to keystroke "w" using command down');
        return 'Closed the tab.';
      case 'browser_go_to':
        await this.exec('open', [String(args.url)]);
        return `Opened ${args.url}.`;
      case 'type_text':
        await this.osa(`tell application "System Events" to keystroke ${as(String(args.text))}`);
        return `Typed ${String(args.text).length} character(s).`;
      case 'press_keys': {
        const parts = String(args.keys).split('+');
        const key = parts.pop()!;
        const mods = parts.map((m) => MAC_MODIFIERS[m.toLowerCase()]).filter(Boolean);
        await this.osa(
          `tell application "System Events" to keystroke ${as(key.length === 1 ? key : key.toLowerCase())}${mods.length ? ` using {${mods.join(', ')}}` : ''}`,
        );
        return `Pressed ${args.keys}.`;
      }
      case 'window': {
        if (args.op !== 'focus') throw new DesktopError('On macOS Alisa can focus a window but not minimise or maximise it yet.');
        await this.osa(`tell application ${as(String(args.title))} to activate`);
        return `Focused ${args.title}.`;
      }
      case 'click':
      case 'scroll':
        throw new DesktopError(
          `On macOS, ${action === 'click' ? 'clicking' : 'scrolling'} needs a helper Alisa does not ship (cliclick); it is not available.`,
        );
    }
    throw new DesktopError(`${action} is not a desktop action.`);
  }
}

/** PowerShell single-quoted literal. */
const ps = (s: string) => `'${s.replace(/'/g, "''")}'`;
const SENDKEYS_MODIFIERS: Record<string, string> = { ctrl: '^', control: '^', alt: '%', shift: '+' };

/** Windows: PowerShell. */
export class WindowsDesktop extends ScriptedDesktop {
  readonly platform = 'windows';
  private ps(script: string): Promise<string> {
    return this.exec('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]);
  }
  async run<A extends DesktopAction>(action: A, raw: ActionArgs<A>): Promise<string> {
    const args = raw as Record<string, unknown>;
    const sendKeys = (keys: string) => this.ps(`(New-Object -ComObject WScript.Shell).SendKeys(${ps(keys)})`);
    switch (action) {
      case 'open_app':
        await this.ps(`Start-Process ${ps(String(args.name))}`);
        return `Started ${args.name}.`;
      case 'close_app':
        await this.ps(`Get-Process -Name ${ps(String(args.name))} | ForEach-Object { $_.CloseMainWindow() | Out-Null }`);
        return `Asked ${args.name} to close.`;
      case 'browser_new_tab':
        await sendKeys('^t');
        return 'Opened a new tab.';
      case 'browser_close_tab':
        await sendKeys('^w');
        return 'Closed the tab.';
      case 'browser_go_to':
        await this.ps(`Start-Process ${ps(String(args.url))}`);
        return `Opened ${args.url}.`;
      case 'type_text':
        await sendKeys(String(args.text).replace(/[+^%~(){}[\]]/g, '{$&}'));
        return `Typed ${String(args.text).length} character(s).`;
      case 'press_keys': {
        const parts = String(args.keys).split('+');
        const key = parts.pop()!;
        const mods = parts.map((m) => SENDKEYS_MODIFIERS[m.toLowerCase()] ?? '').join('');
        await sendKeys(`${mods}${key.length === 1 ? key.toLowerCase() : `{${key.toUpperCase()}}`}`);
        return `Pressed ${args.keys}.`;
      }
      case 'window': {
        if (args.op !== 'focus') throw new DesktopError('On Windows Alisa can focus a window but not minimise or maximise it yet.');
        await this.ps(`(New-Object -ComObject WScript.Shell).AppActivate(${ps(String(args.title))}) | Out-Null`);
        return `Focused ${args.title}.`;
      }
      case 'click':
      case 'scroll':
        throw new DesktopError(`On Windows, ${action === 'click' ? 'clicking' : 'scrolling'} is not available yet.`);
    }
    throw new DesktopError(`${action} is not a desktop action.`);
  }
}

/** The driver for this machine. */
export function desktopDriver(platform: NodeJS.Platform = process.platform): DesktopDriver {
  if (platform === 'darwin') return new MacDesktop();
  if (platform === 'win32') return new WindowsDesktop();
  return new X11Desktop();
}
