// One companion per data folder. Before the database is opened (and before anything in it is
// marked interrupted), the companion takes `DATA/companion.lock`, created exclusively (O_EXCL)
// with mode 0600. It holds {pid, port, startedAt} - never the token. A second companion started on
// the same folder finds it, leaves the folder alone and exits with EXIT_ALREADY_RUNNING and a
// sentence naming the running one. A lock whose pid is no longer alive (kill -9, power loss) is
// stale and replaced. The lock is removed on a clean exit.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../common/process-alive';

/**
 * How a VS Code window finds the running companion and attaches to it instead of starting a
 * second one: the ready line (port, per-launch token, pid, versions), written once the server
 * listens, mode 0600 (only this user can read the token), removed with the lock.
 */
export const ATTACH_FILE = 'companion.attach';

/** companion/main.ts exits with this code when another companion already uses the data folder. */
export const EXIT_ALREADY_RUNNING = 75; // EX_TEMPFAIL (sysexits.h): distinct from a crash (1) and bad arguments (2)
export const LOCK_FILE = 'companion.lock';

interface LockInfo {
  pid: number;
  port: number | null;
  startedAt: string;
}

type LockResult =
  | { ok: true; lock: InstanceLock }
  | { ok: false; holder: LockInfo; file: string }
  /** The lock could not be written (read-only folder, full disk): the database reports the cause. */
  | { ok: 'unlocked'; reason: string };

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // our own pid: a lock left by an earlier life of this pid (containers)
  return isProcessAlive(pid);
}

function readLock(file: string): { raw: string; info: LockInfo | null } | null {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0) {
      return { raw, info: { pid: v.pid, port: typeof v.port === 'number' ? v.port : null, startedAt: typeof v.startedAt === 'string' ? v.startedAt : '' } };
    }
  } catch {
    // A half-written or damaged lock: treated as stale below.
  }
  return { raw, info: null };
}

export class InstanceLock {
  private released = false;
  private constructor(
    readonly file: string,
    private info: LockInfo,
  ) {}

  /** Takes the lock of `dataDir` (which must exist). */
  static acquire(dataDir: string): LockResult {
    const file = path.join(dataDir, LOCK_FILE);
    const info: LockInfo = { pid: process.pid, port: null, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        try {
          writeSync(fd, JSON.stringify(info));
        } catch (err) {
          // Created but not written (a full disk): an empty lock would only confuse the next start.
          closeSync(fd);
          try {
            unlinkSync(file);
          } catch {
            // nothing to clean up
          }
          throw err;
        }
        closeSync(fd);
        // An attach file beside a lock we just took belongs to a companion that is gone.
        removeQuietly(path.join(dataDir, ATTACH_FILE));
        return { ok: true, lock: new InstanceLock(file, info) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') return { ok: 'unlocked', reason: `${code ?? 'error'}: ${(err as Error).message}` };
      }
      let existing;
      try {
        existing = readLock(file);
      } catch (err) {
        return { ok: 'unlocked', reason: (err as Error).message };
      }
      if (!existing) continue; // removed meanwhile: try again
      if (existing.info && alive(existing.info.pid)) return { ok: false, holder: existing.info, file };
      // Stale: remove it only if it is still the one we read (another starter may have replaced it).
      try {
        const again = readLock(file);
        if (again && again.raw === existing.raw) unlinkSync(file);
      } catch {
        // gone already, or not removable: the next attempt tells
      }
    }
    return { ok: 'unlocked', reason: 'the lock file kept changing' };
  }

  /** Records the port once the server listens (atomically: a reader sees the old or new lock). */
  setPort(port: number): void {
    if (this.released) return;
    this.info = { ...this.info, port };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.info), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
    }
  }

  /**
   * Publishes how to attach (see ATTACH_FILE): written to a 0600 temporary file, then renamed, so a
   * reader sees the whole file or none. Returns false when it could not be written (the windows
   * then start their own companion, which finds the lock and says so).
   */
  publish(ready: object): boolean {
    if (this.released) return false;
    const file = path.join(path.dirname(this.file), ATTACH_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(ready), { mode: 0o600 });
      renameSync(tmp, file);
      return true;
    } catch {
      removeQuietly(tmp);
      return false;
    }
  }

  /** Takes the attach file back (the companion is stopping: no window should attach to it now). */
  unpublish(): void {
    const attach = path.join(path.dirname(this.file), ATTACH_FILE);
    try {
      const raw = readFileSync(attach, 'utf8');
      if ((JSON.parse(raw) as { pid?: unknown }).pid === this.info.pid) unlinkSync(attach);
    } catch {
      // none, or not ours
    }
  }

  /** Removes the lock (and the attach file) if still ours. Synchronous: safe in an 'exit' handler. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.unpublish();
    try {
      const current = readLock(this.file);
      if (current?.info?.pid === this.info.pid) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

/** The sentence a second companion prints before it exits. */
export function alreadyRunningMessage(dataDir: string, holder: LockInfo): string {
  const where = holder.port !== null ? `pid ${holder.pid}, port ${holder.port}` : `pid ${holder.pid}, still starting`;
  const since = holder.startedAt ? ` since ${holder.startedAt}` : '';
  return (
    `Another Alisa companion is already running on the data folder ${path.resolve(dataDir)} (${where}${since}). ` +
    `This one did not start and left the folder untouched: use the running one, stop it to start here, or choose another data folder with --data DIR.`
  );
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there
  }
}
