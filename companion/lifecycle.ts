// No orphans: the companion exits when the process that started it dies. Two signals, because
// platforms differ: on POSIX an orphan is re-parented (ppid changes); everywhere, the original
// parent's pid stops answering signal 0. `explicitPid` (--parent-pid) lets a launcher that
// goes through a shell or npm name the real parent.
import { isProcessAlive as alive } from '../common/process-alive';

const CHECK_INTERVAL_MS = 1000;

/** The parent at the time this module loaded: before any start-up work a parent could die during. */
const PPID_AT_LOAD = process.ppid;

/**
 * `originalPpid` defaults to the parent at load time, not at the call: a parent killed right after
 * the ready line (before this is called) must still count as gone.
 */
export function watchParent(explicitPid: number | null, onDeath: () => void, originalPpid = PPID_AT_LOAD): NodeJS.Timeout {
  const timer = setInterval(() => {
    const reparented = process.platform !== 'win32' && process.ppid !== originalPpid;
    const gone = !alive(originalPpid) || (explicitPid !== null && !alive(explicitPid));
    if (reparented || gone) {
      clearInterval(timer);
      onDeath();
    }
  }, CHECK_INTERVAL_MS);
  timer.unref();
  return timer;
}
