// Free disk space, told before a download (the model's and the voice's).
import { existsSync, statfsSync } from 'node:fs';
import path from 'node:path';

/** Free bytes on the file system that holds `dir` (or its nearest existing parent), or null. */
export function freeDiskBytes(dir: string): number | null {
  let p = path.resolve(dir);
  while (!existsSync(p)) {
    const parent = path.dirname(p);
    if (parent === p) return null;
    p = parent;
  }
  try {
    const s = statfsSync(p);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
