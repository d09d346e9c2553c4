// Notes (the write_note action, and the legacy client's "take note: ..."): plain text files in the
// user's notes folder, named as the original Alisa named them (note_YYYYmmdd_HHMMSS.txt), never
// overwriting one (a second note in the same second gets -2, -3, ...). Reading (the legacy "read
// file") is confined to the same folder: the first 50 lines, at most 1 MB read.
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveInside } from '../../common/workspace-path';

/** The original's folder; `--notes-dir` / `alisa.actions.notesFolder` change it. */
export function defaultNotesDir(): string {
  return path.join(os.homedir(), 'Documents', 'Alisa Notes');
}

const pad = (n: number) => String(n).padStart(2, '0');

export function noteFileName(at: Date, n = 1): string {
  const stamp = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}_${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `note_${stamp}${n > 1 ? `-${n}` : ''}.txt`;
}

/** Writes the note; answers its path. Throws a clear Error when the folder cannot be written. */
export function writeNote(dir: string, text: string, title: string | undefined, at = new Date()): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`The notes folder ${dir} cannot be created: ${(err as Error).message}`);
  }
  const body = `${title ? `${title}\n\n` : ''}${text.endsWith('\n') ? text : `${text}\n`}`;
  for (let n = 1; n < 1000; n++) {
    const file = path.join(dir, noteFileName(at, n));
    try {
      writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOSPC' ? `The disk is full: the note was not written to ${dir}.` : `The note could not be written to ${dir}: ${(err as Error).message}`,
      );
    }
  }
  throw new Error(`Too many notes in the same second in ${dir}.`);
}

export const READ_MAX_BYTES = 1024 * 1024;
export const READ_MAX_LINES = 50;

/** The first lines of a file inside `roots`; a clear Error for a path outside them, a folder or a missing file. */
export function readInside(roots: readonly string[], p: string, what: string): string {
  const inside = resolveInside(roots, p, what);
  if (!inside.ok) throw new Error(inside.reason);
  let st;
  try {
    st = statSync(inside.path);
  } catch {
    throw new Error(`There is no file ${p}.`);
  }
  if (!st.isFile()) throw new Error(`${p} is not a file.`);
  const fd = openSync(inside.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, READ_MAX_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    const lines = buf.subarray(0, n).toString('utf8').split('\n');
    return lines.slice(0, READ_MAX_LINES).join('\n') + (lines.length > READ_MAX_LINES ? `\n… (first ${READ_MAX_LINES} lines)` : '');
  } finally {
    closeSync(fd);
  }
}
