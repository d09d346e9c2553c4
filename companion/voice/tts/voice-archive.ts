// Unpacks a voice archive: sherpa-onnx publishes its Piper voices as .tar.bz2 (the model .onnx,
// tokens.txt and espeak-ng-data/). Pure JavaScript (seek-bzip for bzip2, the tar reader below),
// so nothing is executed and nothing native is needed; decoding bzip2 in JavaScript takes seconds
// for a 64 MB voice, so it runs in a worker thread and the companion keeps answering meanwhile.
//
// The archive is read as it decodes (1 MB at a time) and each file is written as its bytes
// arrive: memory stays at the archive's size plus a megabyte. Only regular files and folders are
// written; links and special files are skipped, and a name that is absolute or climbs out with
// `..` fails the whole unpacking. A truncated or corrupt archive fails with bzip2's CRC error.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

interface UnpackResult {
  files: number;
  bytes: number;
  /** Entries not written (links, devices). */
  skipped: number;
}

interface UnpackDeps {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  /** seek-bzip's module: `decode(input, output)` with byte streams. */
  bunzip: { decode: (input: unknown, output: unknown) => unknown };
  /** Compressed bytes consumed so far, of the total. */
  progress?: (done: number, total: number) => void;
}

/**
 * Synchronous core (it runs in the worker: it must not use anything outside its own body, since
 * it is sent there as source text). Unpacks `archive` (.tar.bz2) into the existing folder `dest`.
 */
export function extractTarBz2Sync(archive: string, dest: string, deps: UnpackDeps): UnpackResult {
  const { fs, path, bunzip } = deps;
  const CHUNK = 1 << 20;
  const input = fs.readFileSync(archive);
  const total = input.length;
  let pos = 0;
  let overrun = 0;
  let nextReport = 0;
  const inStream = {
    readByte(): number {
      if (pos >= nextReport) {
        nextReport = pos + CHUNK;
        deps.progress?.(pos, total);
      }
      if (pos < total) return input[pos++]!;
      // The bit reader may look one byte ahead at the very end; more means the archive is cut short.
      if (++overrun > 8) throw new Error('the archive ends early (an incomplete download?)');
      return 0;
    },
    /** Used for the stream's 4-byte magic: returns what was read (fewer at the end). */
    read(buf: Uint8Array, off: number, len: number): number {
      const n = Math.max(0, Math.min(len, total - pos));
      for (let i = 0; i < n; i++) buf[off + i] = input[pos++]!;
      return n;
    },
    seek(p: number): void {
      pos = p;
    },
    eof(): boolean {
      return pos >= total;
    },
  };

  const root = path.resolve(dest);
  fs.mkdirSync(root, { recursive: true });
  const result = { files: 0, bytes: 0, skipped: 0 };
  // Tar reader state.
  const header = Buffer.alloc(512);
  let headerFill = 0;
  let zeroBlocks = 0;
  let ended = false;
  /** Bytes of the current entry's data still to come, and what to do with them. */
  let remaining = 0;
  let padding = 0;
  let fd: number | null = null;
  let collect: Buffer[] | null = null;
  let collectKind: 'pax' | 'longname' | null = null;
  let nextPath: string | null = null;

  const octal = (buf: Buffer, off: number, len: number): number => {
    if (buf[off]! & 0x80) {
      // GNU base-256 for sizes of 8 GB and more.
      let n = 0;
      for (let i = off + 1; i < off + len; i++) n = n * 256 + buf[i]!;
      return n;
    }
    const s = buf
      .toString('latin1', off, off + len)
      .replace(/\0.*$/s, '')
      .trim();
    return s ? parseInt(s, 8) : 0;
  };
  const cstring = (buf: Buffer, off: number, len: number): string => {
    const end = buf.indexOf(0, off);
    return buf.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
  };
  const safeTarget = (name: string): string | null => {
    const parts = name
      .replace(/\\/g, '/')
      .split('/')
      .filter((p) => p !== '' && p !== '.');
    if (/^([a-zA-Z]:)?[\\/]/.test(name) || /^[a-zA-Z]:/.test(name) || parts.includes('..')) {
      throw new Error(`the archive holds an unsafe name (${name.slice(0, 200)}); nothing of it is used`);
    }
    if (parts.length === 0) return null;
    return path.join(root, ...parts);
  };
  const startEntry = (): void => {
    // Checksum: the header's bytes with the checksum field read as spaces.
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== octal(header, 148, 8)) throw new Error('the archive is not a valid tar file (bad header checksum)');
    const type = String.fromCharCode(header[156]!);
    const size = octal(header, 124, 12);
    let name = cstring(header, 0, 100);
    if (header.toString('latin1', 257, 262) === 'ustar') {
      const prefix = cstring(header, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (nextPath !== null) {
      name = nextPath;
      nextPath = null;
    }
    remaining = size;
    padding = (512 - (size % 512)) % 512;
    fd = null;
    collect = null;
    collectKind = null;
    if (type === 'x' || type === 'L') {
      if (size > 1 << 20) throw new Error('the archive has an oversized extended header');
      collect = [];
      collectKind = type === 'x' ? 'pax' : 'longname';
    } else if (type === '0' || type === '\0' || type === '7') {
      const target = safeTarget(name);
      if (target) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fd = fs.openSync(target, 'w', 0o644);
        result.files++;
      }
    } else if (type === '5') {
      const target = safeTarget(name);
      if (target) fs.mkdirSync(target, { recursive: true });
    } else if (type !== 'g') {
      // Hard and symbolic links, devices, FIFOs: never written.
      safeTarget(name);
      result.skipped++;
    }
    if (remaining === 0) finishData();
  };
  const finishData = (): void => {
    if (fd !== null) {
      fs.closeSync(fd);
      fd = null;
    }
    if (collect && collectKind) {
      const data = Buffer.concat(collect);
      if (collectKind === 'longname') {
        nextPath = cstring(data, 0, data.length);
      } else {
        // Records "<len> <key>=<value>\n"; only the path matters here.
        let off = 0;
        while (off < data.length) {
          const space = data.indexOf(0x20, off);
          if (space < 0) break;
          const len = parseInt(data.toString('latin1', off, space), 10);
          if (!(len > 0)) break;
          const record = data.toString('utf8', space + 1, off + len - 1);
          const eq = record.indexOf('=');
          if (eq > 0 && record.slice(0, eq) === 'path') nextPath = record.slice(eq + 1);
          off += len;
        }
      }
    }
    collect = null;
    collectKind = null;
  };
  const feed = (buf: Buffer, len: number): void => {
    let off = 0;
    while (off < len && !ended) {
      if (remaining > 0) {
        const n = Math.min(remaining, len - off);
        if (fd !== null) {
          fs.writeSync(fd, buf, off, n);
          result.bytes += n;
        } else if (collect) collect.push(Buffer.from(buf.subarray(off, off + n)));
        remaining -= n;
        off += n;
        if (remaining === 0) finishData();
        continue;
      }
      if (padding > 0) {
        const n = Math.min(padding, len - off);
        padding -= n;
        off += n;
        continue;
      }
      const n = Math.min(512 - headerFill, len - off);
      buf.copy(header, headerFill, off, off + n);
      headerFill += n;
      off += n;
      if (headerFill < 512) continue;
      headerFill = 0;
      if (header.every((b) => b === 0)) {
        if (++zeroBlocks >= 2) ended = true;
        continue;
      }
      zeroBlocks = 0;
      startEntry();
    }
  };

  const chunk = Buffer.alloc(CHUNK);
  let fill = 0;
  const outStream = {
    writeByte(b: number): void {
      chunk[fill++] = b;
      if (fill === CHUNK) {
        feed(chunk, fill);
        fill = 0;
      }
    },
    write(buf: Uint8Array, off: number, len: number): number {
      for (let i = 0; i < len; i++) this.writeByte(buf[off + i]!);
      return len;
    },
    flush(): void {},
  };
  try {
    bunzip.decode(inStream, outStream);
    feed(chunk, fill);
    if (remaining > 0 || fd !== null) throw new Error('the archive ends in the middle of a file (an incomplete download?)');
    if (result.files === 0) throw new Error('the archive holds no files');
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  deps.progress?.(total, total);
  return result;
}

/** The seek-bzip package entry (loaded in the worker by path). */
function seekBzipPath(): string {
  return createRequire(import.meta.url).resolve('seek-bzip');
}

const WORKER_SOURCE = (core: string) => `
const { parentPort, workerData } = require('node:worker_threads');
const extract = (${core});
try {
  const result = extract(workerData.archive, workerData.dest, {
    fs: require('node:fs'),
    path: require('node:path'),
    bunzip: require(workerData.bunzip),
    progress: (done, total) => parentPort.postMessage({ type: 'progress', done, total }),
  });
  parentPort.postMessage({ type: 'done', result });
} catch (err) {
  parentPort.postMessage({ type: 'error', message: String((err && err.message) || err) });
}
`;

/**
 * Unpacks `archive` (.tar.bz2) into the folder `dest` (created) in a worker thread. Rejects with
 * the reason in words; `signal` stops it at once (the worker is terminated; `dest` is left for
 * the caller to remove).
 */
export function unpackTarBz2(
  archive: string,
  dest: string,
  opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<UnpackResult> {
  return new Promise<UnpackResult>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    let bunzip: string;
    try {
      bunzip = seekBzipPath();
    } catch (err) {
      return reject(new Error(`seek-bzip is not installed, so the voice cannot be unpacked (npm install): ${(err as Error).message}`));
    }
    const worker = new Worker(WORKER_SOURCE(extractTarBz2Sync.toString()), { eval: true, workerData: { archive, dest, bunzip } });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(opts.signal!.reason));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on(
      'message',
      (m: { type: 'progress'; done: number; total: number } | { type: 'done'; result: UnpackResult } | { type: 'error'; message: string }) => {
        if (m.type === 'progress') opts.onProgress?.(m.total > 0 ? Math.min(1, m.done / m.total) : 0);
        else if (m.type === 'done') settle(() => resolve(m.result));
        else settle(() => reject(new Error(m.message)));
      },
    );
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the unpacking stopped (exit code ${code})`))));
  });
}
