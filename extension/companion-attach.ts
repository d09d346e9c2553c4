// One companion per user serves every VS Code window. The first window starts it; the companion
// then publishes how to reach it in DATA/companion.attach (its ready line: port, per-launch
// token, pid, versions; mode 0600, see companion/instance-lock.ts). Every later window reads that
// file and attaches to the running companion instead of starting a second one on the same
// database.
//
// The file is trusted only when it is this user's own and private (owner = this user, no group or
// other permission bits on POSIX) and its pid is alive: a file planted by someone else, or left by
// a companion that is gone, is never used. The token is read from the file and sent only to
// 127.0.0.1, as with a companion this window started.
//
// No `vscode` import: unit-tested in vitest against the real companion.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_VERSION } from '../protocol/common';
import { ReadyLine } from '../protocol/messages';
import { isProcessAlive as alive } from '../common/process-alive';
import type { CompanionProcess, ExitInfo } from './companion-process';

export const ATTACH_FILE = 'companion.attach';
const POLL_MS = 1000;

type AttachLookup =
  | { kind: 'none' }
  | { kind: 'found'; ready: ReadyLine }
  /** A companion runs but cannot be used from here; `reason` is for the user. */
  | { kind: 'unusable'; reason: string };

/** The companion another window runs on `dataDir`, if there is one this window may attach to. */
export function findRunningCompanion(dataDir: string): AttachLookup {
  const file = path.join(dataDir, ATTACH_FILE);
  let raw: string;
  try {
    const st = statSync(file);
    if (process.platform !== 'win32') {
      const uid = process.getuid?.();
      if (uid !== undefined && st.uid !== uid) return { kind: 'none' }; // not ours: never trusted
      if ((st.mode & 0o077) !== 0) return { kind: 'none' }; // readable by others: not a file the companion wrote
    }
    raw = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'none' };
  }
  let ready: ReadyLine;
  try {
    ready = ReadyLine.parse(JSON.parse(raw));
  } catch {
    return { kind: 'none' }; // damaged: the companion that owns the lock rewrites it, or it is stale
  }
  if (ready.pid === process.pid || !alive(ready.pid)) return { kind: 'none' };
  if (ready.protocolVersion !== PROTOCOL_VERSION) {
    return {
      kind: 'unusable',
      reason:
        `Another VS Code window runs Alisa's companion ${ready.version} (pid ${ready.pid}), which speaks protocol ${ready.protocolVersion}; ` +
        `this window's Alisa speaks ${PROTOCOL_VERSION}. Reload the other windows (Developer: Reload Window) so that all use the same version.`,
    };
  }
  return { kind: 'found', ready };
}

/** A companion another window started, seen as a process this window does not own. */
interface AttachedCompanion extends CompanionProcess {
  readonly attached: true;
  /** Stops it for every window (a restart with new settings): SIGTERM, SIGKILL after `graceMs`. */
  terminate(graceMs: number): Promise<ExitInfo>;
  /** Stops watching it (this window detaches; the companion goes on for the others). */
  detach(): void;
}

export function isAttached(p: CompanionProcess | null): p is AttachedCompanion {
  return p !== null && (p as Partial<AttachedCompanion>).attached === true;
}

export function attachedCompanion(ready: ReadyLine): AttachedCompanion {
  let exit: ExitInfo | null = null;
  let settle!: (e: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((resolve) => (settle = resolve));
  const finish = () => {
    if (exit) return;
    exit = { code: null, signal: null };
    clearInterval(timer);
    settle(exit);
  };
  // Not our child: its end is seen by polling its pid (and at once by exitInfo()).
  const timer = setInterval(() => {
    if (!alive(ready.pid)) finish();
  }, POLL_MS);
  timer.unref?.();
  const exitInfo = () => {
    if (!exit && !alive(ready.pid)) finish();
    return exit;
  };
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(ready.pid, sig);
    } catch {
      // already gone
    }
  };
  const waitExit = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (exitInfo()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return exitInfo() !== null;
  };
  return {
    attached: true,
    pid: ready.pid,
    ready,
    exited,
    exitInfo,
    recentStderr: () => [],
    async stop() {
      // Stopping this window's use of it: the companion goes on for the other windows.
      finish();
      return exit!;
    },
    kill() {
      // A companion this window cannot reach any more: stop using it (another window owns it).
      finish();
    },
    detach() {
      finish();
    },
    async terminate(graceMs: number) {
      signal('SIGTERM');
      if (!(await waitExit(graceMs))) {
        signal('SIGKILL');
        await waitExit(2000);
      }
      finish();
      return exit!;
    },
  };
}
