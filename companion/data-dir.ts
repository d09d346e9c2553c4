// The data folder (--data): created when missing. When it cannot be, the user gets a sentence
// naming the folder and what to do, never a raw `ENOENT: no such file or directory, mkdir ...`.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { AlisaError } from './errors';

const CHOOSE_ANOTHER = 'or choose another data folder with --data DIR (or ALISA_DATA_DIR)';

/** The nearest part of `dir` that exists, and whether it is a folder (null: none found). */
function nearestExisting(dir: string): { at: string; isDir: boolean } | null {
  let at = path.resolve(dir);
  for (;;) {
    try {
      return { at, isDir: statSync(at).isDirectory() };
    } catch {
      const up = path.dirname(at);
      if (up === at) return null;
      at = up;
    }
  }
}

/** Creates the data folder if needed; throws AlisaError `database_unavailable` with an action. */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    const folder = path.resolve(dir);
    const found = nearestExisting(folder);
    let why: string;
    let action: string;
    if (found && !found.isDir) {
      why = `${found.at} is a file, not a folder`;
      action = `Move or rename the file ${found.at}, ${CHOOSE_ANOTHER}.`;
    } else if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      const parent = found?.at ?? path.dirname(folder);
      why = code === 'EROFS' ? `${parent} is on a read-only file system` : `you may not create folders in ${parent}`;
      action = `Create ${folder} yourself with write permission for this user, ${CHOOSE_ANOTHER}.`;
    } else if (code === 'ENOSPC') {
      why = 'the disk is full';
      action = `Free some disk space, ${CHOOSE_ANOTHER}.`;
    } else {
      why = `${code}: ${(err as Error).message}`;
      action = `Check that the path exists and can be written to, ${CHOOSE_ANOTHER}.`;
    }
    throw new AlisaError('database_unavailable', `Could not create the data folder ${folder}: ${why}.`, action.charAt(0).toUpperCase() + action.slice(1), {
      cause: err,
    });
  }
}
