// A private X display for screen tests: Xvfb at 1920x1080 with real windows on it (xterm,
// Chromium). Each test file gets its own display number from Xvfb itself (-displayfd).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

const TOOLS: Array<[string, string]> = [
  ['Xvfb', 'xvfb'],
  ['xterm', 'xterm'],
  ['import', 'imagemagick'],
  ['xrandr', 'x11-xserver-utils'],
  ['xprop', 'x11-utils'],
  ['xdotool', 'xdotool'],
];

/** Null when everything the screen tests need is installed, else what to install. */
export function missingScreenTools(): string | null {
  const missing = TOOLS.filter(([cmd]) => spawnSync('which', [cmd]).status !== 0).map(([, pkg]) => pkg);
  return missing.length ? `missing ${missing.join(', ')} (apt-get install ${missing.join(' ')})` : null;
}

export interface XDisplay {
  display: string;
  env: NodeJS.ProcessEnv;
  /** Starts a program on this display; it is killed by stop(). */
  spawn(cmd: string, args: string[]): ChildProcess;
  /** Waits for a window whose title matches, focuses it and returns its id. */
  focusWindow(name: string, timeoutMs?: number): Promise<string>;
  /** Opens an xterm titled `title` (DejaVu Sans Mono 14, 110x30 at 40,40) running `sh -c command`, focuses it and returns its id. */
  terminal(title: string, command: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startXvfb(): Promise<XDisplay> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1920x1080x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display in 10 s')), 10_000);
    xvfb.stdio[3]!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.trim());
      }
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  const display = `:${number}`;
  const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display };
  delete env.WAYLAND_DISPLAY;
  const children: ChildProcess[] = [];
  const x: XDisplay = {
    display,
    env,
    spawn(cmd, args) {
      const child = spawn(cmd, args, { env, stdio: 'ignore', detached: true });
      children.push(child);
      return child;
    },
    async focusWindow(name, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = spawnSync('xdotool', ['search', '--onlyvisible', '--name', name], { env, encoding: 'utf8' });
        const id = r.stdout.trim().split('\n')[0];
        if (id) {
          execFileSync('xdotool', ['windowfocus', '--sync', id], { env });
          return id;
        }
        if (Date.now() > deadline) throw new Error(`no window named /${name}/ on ${display} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    terminal(title, command) {
      x.spawn('xterm', ['-T', title, '-fa', 'DejaVu Sans Mono', '-fs', '14', '-geometry', '110x30+40+40', '-e', 'sh', '-c', command]);
      return x.focusWindow(title);
    },
    async stop() {
      for (const c of children) {
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      xvfb.kill('SIGTERM');
      await new Promise((r) => xvfb.once('exit', r));
    },
  };
  return x;
}
