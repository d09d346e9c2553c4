// The memory layer's defences, on real SQLite files: the integrity check at open, moving a
// damaged file aside with its WAL, and waiting out another process's lock without blocking.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlisaError } from '../companion/errors';
import { DEFAULT_BUSY_TIMEOUT_MS, MemoryStore, retryWhileLocked } from '../companion/memory';
import { checkIntegrity } from '../companion/memory/database';
import { tempDir } from './helpers/companion';

const open: Array<{ close: () => void }> = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function history(file: string, n = 200): void {
  const store = MemoryStore.open(file);
  const s = store.createSession('kept');
  for (let i = 0; i < n; i++) store.addMessage({ sessionId: s.id, role: 'user', text: `line ${i} ${'x'.repeat(300)}` });
  store.close();
}

describe('integrity at open', () => {
  it('a healthy, a missing and an empty file pass; damaged pages are named', () => {
    const dir = tempDir();
    const file = path.join(dir, 'alisa.db');
    expect(checkIntegrity(file)).toBeNull();
    fs.writeFileSync(file, '');
    expect(checkIntegrity(file)).toBeNull();
    fs.rmSync(file);
    history(file);
    expect(checkIntegrity(file)).toBeNull();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 4);
    fs.closeSync(fd);
    expect(checkIntegrity(file)).toMatch(/damaged pages/);
  });

  it('a damaged file is moved aside with its WAL, so the newest commits are kept for recovery', () => {
    const dir = tempDir();
    const file = path.join(dir, 'alisa.db');
    history(file);
    // A writer that never checkpoints: its last commit lives only in the -wal (as after a crash).
    const writer = new Database(file);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare(`INSERT INTO settings (key, value) VALUES ('only-in-wal', 'yes')`).run();
    const wal = fs.readFileSync(`${file}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    // Copy the pair as a crash would leave it, then damage the main file's pages.
    const crashed = path.join(dir, 'crashed.db');
    fs.copyFileSync(file, crashed);
    fs.writeFileSync(`${crashed}-wal`, wal);
    writer.close();
    const size = fs.statSync(crashed).size;
    const fd = fs.openSync(crashed, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096 * 3, 0xa5), 0, 4096 * 3, Math.floor(size / 4096 / 2) * 4096);
    fs.closeSync(fd);
    const mainBefore = fs.readFileSync(crashed);
    const walBefore = fs.readFileSync(`${crashed}-wal`);

    const store = MemoryStore.open(crashed);
    open.push(store);
    const moved = store.movedAside!;
    expect(moved.reason).toMatch(/damaged/);
    expect(moved.files.map(([from]) => path.basename(from))).toEqual(expect.arrayContaining(['crashed.db', 'crashed.db-wal']));
    expect(fs.readFileSync(moved.movedTo).equals(mainBefore)).toBe(true);
    expect(fs.readFileSync(`${moved.movedTo}-wal`).equals(walBefore)).toBe(true);
    expect(store.listSessions()).toEqual([]);
    expect(store.getSetting('only-in-wal')).toBeNull();
  });

  it('a damaged file that cannot be moved is not opened or changed', (ctx) => {
    if (process.getuid?.() === 0)
      ctx.skip('running as root, which may rename files in a read-only folder (companion-database.test.ts covers a read-only mount)');
    const dir = tempDir();
    const file = path.join(dir, 'alisa.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x41));
    const before = fs.readFileSync(file);
    fs.chmodSync(dir, 0o555);
    try {
      let thrown: unknown;
      try {
        MemoryStore.open(file).close();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(AlisaError);
      expect(thrown).toMatchObject({
        code: 'database_unavailable',
        message: expect.stringMatching(/could not be moved aside/),
        action: expect.stringMatching(/keep it/),
      });
    } finally {
      fs.chmodSync(dir, 0o755);
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['alisa.db']);
  });
});

describe('a lock held by another connection', () => {
  it('the default busy wait is short, and a write retried between turns of the event loop lands once the lock goes', async () => {
    expect(DEFAULT_BUSY_TIMEOUT_MS).toBeLessThanOrEqual(50);
    const dir = tempDir();
    const file = path.join(dir, 'alisa.db');
    const store = MemoryStore.open(file);
    open.push(store);
    const s = store.createSession('locked');
    const other = new Database(file);
    open.push(other);
    other.exec('BEGIN EXCLUSIVE');
    let lockedAttempts = 0;
    // The event loop turns while the write waits: this probe counts its turns.
    let turns = 0;
    const probe = setInterval(() => turns++, 0);
    const write = retryWhileLocked(() => store.addMessage({ sessionId: s.id, role: 'assistant', text: 'landed' }), {
      firstDelayMs: 5,
      onLocked: (attempt, err) => {
        expect(err.code).toBe('database_locked');
        lockedAttempts = attempt;
        // Let go after the third refusal: the next attempt must succeed.
        if (attempt === 3) other.exec('COMMIT');
      },
    });
    const m = await write;
    clearInterval(probe);
    expect(lockedAttempts).toBe(3);
    expect(turns).toBeGreaterThan(0);
    expect(store.listMessages(s.id).map((x) => x.id)).toEqual([m.id]);
  });

  it('gives up with database_locked after its attempts, and other errors are not retried', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'alisa.db');
    const store = MemoryStore.open(file);
    open.push(store);
    const other = new Database(file);
    open.push(other);
    other.exec('BEGIN EXCLUSIVE');
    let calls = 0;
    await expect(retryWhileLocked(() => (calls++, store.setSetting('k', 'v')), { attempts: 3, firstDelayMs: 1 })).rejects.toMatchObject({
      code: 'database_locked',
    });
    expect(calls).toBe(3);
    other.exec('ROLLBACK');
    calls = 0;
    await expect(retryWhileLocked(() => (calls++, store.touchSession(987654)))).rejects.toMatchObject({ code: 'not_found' });
    expect(calls).toBe(1);
  });
});
