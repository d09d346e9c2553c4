// One run of the companion process: spawn it, wait for its ready line, stop it.
//
// Lifecycle: `launchCompanion` resolves once the first stdout line (the ready JSON line) has
// arrived and parsed; it rejects with a StartError (and leaves no process behind) if the process
// exits, prints something else, or stays silent past the timeout. After that the caller owns the
// process: `exited` settles when it ends for any reason, `stop()` ends it (SIGTERM, then SIGKILL
// after a grace period). Every later stdout line and every stderr line goes to the log callbacks.
// No `vscode` import: unit-tested in vitest against the real companion.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { ReadyLine } from '../protocol/messages';

export interface LaunchSpec {
  /** The Node.js executable. */
  nodePath: string;
  /** The companion bundle (dist/companion.mjs). */
  script: string;
  args: string[];
  /** Extra environment on top of the parent's (secrets go here, never into args). */
  env: Record<string, string>;
  cwd?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CompanionProcess {
  readonly pid: number;
  readonly ready: ReadyLine;
  /** Settles when the process has ended, whoever ended it. */
  readonly exited: Promise<ExitInfo>;
  /** Null while the process runs. */
  exitInfo(): ExitInfo | null;
  /** The last stderr lines (for error messages; the full log went to `onStderr`). */
  recentStderr(): string[];
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** SIGKILL at once (a process that no longer answers). */
  kill(): void;
}

type StartFailure = 'spawn-failed' | 'exited' | 'timeout' | 'bad-ready-line';

export class StartError extends Error {
  constructor(
    readonly kind: StartFailure,
    message: string,
    readonly exit: ExitInfo | null,
    readonly stderr: string[],
  ) {
    super(message);
    this.name = 'StartError';
  }
}

interface LaunchOptions {
  readyTimeoutMs?: number;
  onStderr?: (line: string) => void;
  onStdout?: (line: string) => void;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
export const STOP_GRACE_MS = 3000;
const STDERR_KEPT = 30;

/** Parses the companion's first stdout line. Throws an Error that says what was wrong. */
export function parseReadyLine(line: string): ReadyLine {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new Error(`its first output line was not the ready line: "${line.slice(0, 200)}"`);
  }
  const parsed = ReadyLine.safeParse(json);
  if (!parsed.success) throw new Error(`its ready line is not one this version of the extension understands: "${line.slice(0, 200)}"`);
  return parsed.data;
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

export function launchCompanion(spec: LaunchSpec, opts: LaunchOptions = {}): Promise<CompanionProcess> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const stderr: string[] = [];
  let exit: ExitInfo | null = null;

  let proc: ChildProcess;
  try {
    proc = spawn(spec.nodePath, [spec.script, ...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...spec.env },
      cwd: spec.cwd,
      windowsHide: true,
    });
  } catch (err) {
    return Promise.reject(new StartError('spawn-failed', `could not start "${spec.nodePath}": ${(err as Error).message}`, null, []));
  }

  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    // A process that could not be spawned at all emits 'error' and no 'exit'.
    proc.once('error', () => {
      if (proc.pid === undefined && !exit) {
        exit = { code: null, signal: null };
        resolve(exit);
      }
    });
  });

  readline.createInterface({ input: proc.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_KEPT) stderr.shift();
    opts.onStderr?.(line);
  });
  const stdout = readline.createInterface({ input: proc.stdout! });

  const kill = () => {
    if (!exit) proc.kill('SIGKILL');
  };
  const stop = async (graceMs = STOP_GRACE_MS): Promise<ExitInfo> => {
    if (exit) return exit;
    proc.kill('SIGTERM');
    const timer = setTimeout(kill, graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  return new Promise<CompanionProcess>((resolve, reject) => {
    let settled = false;
    const fail = (kind: StartFailure, message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      kill();
      // Report after the exit so that the last stderr lines are in the error.
      void exited.then((info) => reject(new StartError(kind, message, kind === 'exited' || kind === 'spawn-failed' ? info : null, [...stderr])));
    };
    const timer = setTimeout(() => fail('timeout', `it did not report ready within ${Math.round(readyTimeoutMs / 1000)} s`), readyTimeoutMs);

    proc.once('error', (err) => fail('spawn-failed', `could not start "${spec.nodePath}": ${err.message}`));
    void exited.then((info) => fail('exited', `it exited before it was ready (${describeExit(info)})`));

    stdout.once('line', (line) => {
      if (settled) return;
      let ready: ReadyLine;
      try {
        ready = parseReadyLine(line);
      } catch (err) {
        fail('bad-ready-line', (err as Error).message);
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (opts.onStdout) stdout.on('line', opts.onStdout);
      resolve({
        pid: proc.pid ?? ready.pid,
        ready,
        exited,
        exitInfo: () => exit,
        recentStderr: () => [...stderr],
        stop,
        kill,
      });
    });
  });
}
