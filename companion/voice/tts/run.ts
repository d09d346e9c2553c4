// Runs an engine binary with text on stdin and collects its stdout, abortably.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function runToBuffer(bin: string, args: string[], input: string, signal: AbortSignal, onFirstData?: () => void): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    lowerPriority(child.pid);
    const chunks: Buffer[] = [];
    let stderr = '';
    let settled = false;
    const done = (err: unknown, value?: Buffer) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      done(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      if (chunks.length === 0) onFirstData?.();
      chunks.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    child.on('error', (err) => done(err));
    child.on('close', (code, sig) => {
      if (code === 0) done(null, Buffer.concat(chunks));
      else done(new Error(`${path.basename(bin)} exited with ${code ?? sig}${stderr.trim() ? `: ${stderr.trim().slice(0, 300)}` : ''}`));
    });
    child.stdin.on('error', () => {}); // a binary that exits early closes its stdin: reported by 'close'
    child.stdin.end(input);
  });
}

/**
 * Speech synthesis yields the cores to the model: a reply streams at full speed while she speaks
 * its first sentences (on 2 cores synthesis at normal priority took 11-15 % of generation's pace).
 */
export function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, os.constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // not permitted here, or already gone: it runs at normal priority
  }
}

/** The absolute path of `bin` (as given when it has a directory part, else searched on PATH), or null. */
export function findBinary(bin: string): string | null {
  if (bin.includes('/') || bin.includes('\\')) return existsSync(bin) ? path.resolve(bin) : null;
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, bin + ext);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (process.platform !== 'win32') accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * An executable the user named in a setting: a bare name (`piper`) is looked up on PATH; anything
 * else must be an existing regular file that is executable. The problem, in words, otherwise.
 */
export function resolveExecutable(value: string): { path: string } | { problem: string } {
  const v = value.trim();
  if (v.startsWith('-')) return { problem: `"${v}" starts with "-"; name the program's file` };
  if (!v.includes('/') && !v.includes('\\')) {
    const exts = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (!dir) continue;
      for (const ext of exts) {
        const p = path.join(dir, v + ext);
        if (isExecutableFile(p)) return { path: p };
      }
    }
    return { problem: `"${v}" was not found on PATH` };
  }
  const abs = path.resolve(v);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    return { problem: `${abs} does not exist` };
  }
  if (!isFile) return { problem: `${abs} is not a file (a folder?)` };
  if (!isExecutableFile(abs)) return { problem: `${abs} is not executable (chmod +x it)` };
  return { path: abs };
}

/** `work`, or the signal's reason as soon as it aborts (a later rejection of `work` is handled). */
export function abortableWork<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  work.catch(() => {}); // rejected later, after an abort: already handled
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
