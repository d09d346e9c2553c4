// Synthesised audio, cached by a hash of engine, voice, rate, pitch and text: in memory (LRU,
// bounded by bytes) and on disk under DATA/voice-cache/ (bounded, oldest removed first), so
// what Alisa says often ("I've put the code in the chat.") costs nothing the second time, even
// after a restart. Disk errors never fail speech: the cache is then memory-only.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SynthResult } from './tts/types';
import { readWav } from './wav-io';

const CACHE_DEFAULTS = { memoryBytes: 16 * 1024 * 1024, diskBytes: 50 * 1024 * 1024 } as const;
const MP3_BITS_PER_SECOND = 48_000;

export function cacheKey(parts: { engine: string; voice: string | null; rate: string; pitch: string; text: string }): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.engine, parts.voice ?? '', parts.rate, parts.pitch, parts.text]))
    .digest('hex');
}

const EXT: Record<SynthResult['mime'], string> = { 'audio/wav': '.wav', 'audio/mpeg': '.mp3' };

export class TtsCache {
  private memory = new Map<string, SynthResult>();
  private memoryUsed = 0;
  /** Disk entries by file name, oldest first (insertion order = last use). */
  private disk: Map<string, number> | null = null;
  private diskUsed = 0;
  private readonly dir: string | null;
  hits = 0;
  misses = 0;

  constructor(opts: { dir: string | null; memoryBytes?: number; diskBytes?: number }) {
    this.dir = opts.dir;
    this.memoryBytes = opts.memoryBytes ?? CACHE_DEFAULTS.memoryBytes;
    this.diskBytes = opts.diskBytes ?? CACHE_DEFAULTS.diskBytes;
  }

  private readonly memoryBytes: number;
  private readonly diskBytes: number;

  async get(key: string): Promise<SynthResult | null> {
    const m = this.memory.get(key);
    if (m) {
      this.memory.delete(key);
      this.memory.set(key, m);
      this.hits++;
      return m;
    }
    const index = this.diskIndex();
    for (const [mime, ext] of Object.entries(EXT) as Array<[SynthResult['mime'], string]>) {
      const name = key + ext;
      if (!index?.has(name)) continue;
      try {
        const data = await readFile(path.join(this.dir!, name));
        const size = index.get(name)!;
        index.delete(name);
        index.set(name, size);
        const now = new Date();
        void utimes(path.join(this.dir!, name), now, now).catch(() => {});
        const result: SynthResult = {
          mime,
          data,
          durationMs: mime === 'audio/wav' ? (readWav(data)?.durationMs ?? null) : Math.round(((data.length * 8) / MP3_BITS_PER_SECOND) * 1000),
        };
        this.remember(key, result);
        this.hits++;
        return result;
      } catch {
        this.forget(name);
      }
    }
    this.misses++;
    return null;
  }

  async put(key: string, result: SynthResult): Promise<void> {
    this.remember(key, result);
    const index = this.diskIndex();
    if (!index || result.data.length > this.diskBytes) return;
    const name = key + EXT[result.mime];
    if (index.has(name)) return;
    try {
      await writeFile(path.join(this.dir!, name), result.data);
      index.set(name, result.data.length);
      this.diskUsed += result.data.length;
      while (this.diskUsed > this.diskBytes && index.size > 0) {
        const oldest = index.keys().next().value as string;
        this.forget(oldest);
        await rm(path.join(this.dir!, oldest), { force: true });
      }
    } catch {
      // A full or read-only disk: memory only.
    }
  }

  stats(): { memoryBytes: number; memoryEntries: number; diskBytes: number; diskEntries: number; hits: number; misses: number } {
    return {
      memoryBytes: this.memoryUsed,
      memoryEntries: this.memory.size,
      diskBytes: this.diskUsed,
      diskEntries: this.disk?.size ?? 0,
      hits: this.hits,
      misses: this.misses,
    };
  }

  private remember(key: string, result: SynthResult): void {
    if (result.data.length > this.memoryBytes) return;
    const old = this.memory.get(key);
    if (old) this.memoryUsed -= old.data.length;
    this.memory.delete(key);
    this.memory.set(key, result);
    this.memoryUsed += result.data.length;
    while (this.memoryUsed > this.memoryBytes) {
      const [k, v] = this.memory.entries().next().value as [string, SynthResult];
      this.memory.delete(k);
      this.memoryUsed -= v.data.length;
    }
  }

  private forget(name: string): void {
    const size = this.disk?.get(name);
    if (size === undefined) return;
    this.disk!.delete(name);
    this.diskUsed -= size;
  }

  /** The files on disk, read once (oldest first by modification time). */
  private diskIndex(): Map<string, number> | null {
    if (this.disk || !this.dir) return this.disk;
    try {
      mkdirSync(this.dir, { recursive: true });
      const entries = readdirSync(this.dir)
        .filter((n) => /^[0-9a-f]{64}\.(?:wav|mp3)$/.test(n))
        .map((n) => {
          const st = statSync(path.join(this.dir!, n));
          return { n, size: st.size, mtime: st.mtimeMs };
        })
        .sort((a, b) => a.mtime - b.mtime);
      this.disk = new Map(entries.map((e) => [e.n, e.size]));
      this.diskUsed = entries.reduce((s, e) => s + e.size, 0);
    } catch {
      return null;
    }
    return this.disk;
  }
}
