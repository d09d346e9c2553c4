// The memory database under attack, against the real companion and real SQLite files: damaged
// pages, a file that is not a database, a folder in its place, and a lock held by another
// process. Nothing the user had may be overwritten, and the companion must keep answering.
import Database from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it, type TestContext } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { MemoryStore } from '../companion/memory';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { REPO_ROOT } from './helpers/model';
import { closedAfterEach } from './helpers/comp-live';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

const children: ChildProcess[] = [];
const { running, clients } = closedAfterEach(() => {
  for (const p of children.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill();
});

async function start(dataDir: string): Promise<{ c: RunningCompanion; client: TestClient }> {
  const c = await startCompanion({ dataDir });
  running.push(c);
  const client = await TestClient.connect(c);
  clients.push(client);
  return { c, client };
}

async function health(c: RunningCompanion) {
  const res = await fetch(`${c.url}/health`, { headers: { authorization: `Bearer ${c.token}` } });
  expect(res.status).toBe(200);
  return res.json();
}

/** A real history: sessions with enough messages to fill many pages. Returns the file's page size. */
function buildHistory(file: string): number {
  const store = MemoryStore.open(file);
  for (let s = 0; s < 4; s++) {
    const session = store.createSession(`session ${s}`);
    for (let i = 0; i < 60; i++)
      store.addMessage({
        sessionId: session.id,
        role: i % 2 ? 'assistant' : 'user',
        text: `message ${s}/${i} ${'about the little dog in the park '.repeat(8)}`,
      });
  }
  store.close();
  const db = new Database(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  // A clean close checkpoints the WAL: everything is in the main file.
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
  return pageSize;
}

/** Overwrites whole pages (1-based) with garbage, leaving the header page alone. */
function corruptPages(file: string, pageSize: number, pages: number[]): void {
  const fd = fs.openSync(file, 'r+');
  try {
    for (const page of pages) {
      const garbage = Buffer.alloc(pageSize);
      for (let i = 0; i < pageSize; i++) garbage[i] = (i * 131 + page * 17 + 7) & 0xff;
      fs.writeSync(fd, garbage, 0, pageSize, (page - 1) * pageSize);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The moved-aside database files (their -wal and -shm, if any, sit beside them). */
function movedAsideFiles(dataDir: string): string[] {
  return fs.readdirSync(dataDir).filter((f) => f.startsWith('alisa.db.corrupt-') && !/-(wal|shm)$/.test(f));
}

async function chatWorks(client: TestClient): Promise<Ev<'reply.end'>> {
  const started = await client.request('chat.send', { text: 'Tell me about the little dog' });
  const events = await client.reply(started.replyId!);
  const end = events.at(-1)!;
  expect(end.type).toBe('reply.end');
  return end as Ev<'reply.end'>;
}

describe('a damaged database file', () => {
  it('corrupt pages behind a valid header: moved aside byte-identical, reported, and chat works in a fresh database', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'alisa.db');
    const pageSize = buildHistory(file);
    const pageCount = fs.statSync(file).size / pageSize;
    expect(pageCount).toBeGreaterThan(12);
    corruptPages(file, pageSize, [3, 4, Math.floor(pageCount / 2), Math.floor(pageCount / 2) + 1]);
    const before = fs.readFileSync(file);
    expect(before.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');

    const { c, client } = await start(dataDir);
    const h = await health(c);
    expect(h.database.state).toBe('ready');
    const moved = movedAsideFiles(dataDir);
    expect(moved).toHaveLength(1);
    const movedPath = path.join(dataDir, moved[0]!);
    expect(h.database.recovered).toMatchObject({
      movedTo: movedPath,
      message: expect.stringMatching(/damaged pages/),
      action: expect.stringContaining(movedPath),
    });
    expect(h.database.recovered.message).toContain(movedPath);
    expect(c.stderr()).toContain(`moved it to ${movedPath}`);
    // Nothing was written into the damaged file (its WAL, if the check left one, holds nothing).
    expect(fs.readFileSync(movedPath).equals(before)).toBe(true);
    if (fs.existsSync(`${movedPath}-wal`)) expect(fs.statSync(`${movedPath}-wal`).size).toBe(0);

    // The new database is empty and healthy, and chat works in it.
    expect((await client.request('session.list', {})).sessions).toEqual([]);
    const end = await chatWorks(client);
    const stored = await client.request('session.messages', { sessionId: end.sessionId });
    expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    await c.stop();
    const fresh = new Database(file, { readonly: true });
    expect(fresh.pragma('integrity_check', { simple: true })).toBe('ok');
    fresh.close();
    // A restart finds the new file healthy: nothing more is moved.
    const again = await start(dataDir);
    expect((await health(again.c)).database).toMatchObject({ state: 'ready', recovered: null });
    expect(movedAsideFiles(dataDir)).toHaveLength(1);
  });

  it('a file that is not SQLite at all is moved aside untouched, not overwritten', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'alisa.db');
    const garbage = Buffer.from('these are my notes, not a database\n'.repeat(500));
    fs.writeFileSync(file, garbage);
    const { c, client } = await start(dataDir);
    const h = await health(c);
    expect(h.database.state).toBe('ready');
    expect(h.database.recovered.message).toMatch(/not an SQLite database/);
    const moved = movedAsideFiles(dataDir);
    expect(moved).toHaveLength(1);
    expect(fs.readFileSync(path.join(dataDir, moved[0]!)).equals(garbage)).toBe(true);
    await chatWorks(client);
  });

  it('a folder in place of the database: a clear error, the folder untouched, chat answers with a typed error', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'alisa.db');
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'keep.txt'), 'mine');
    const { c, client } = await start(dataDir);
    const h = await health(c);
    expect(h.database).toMatchObject({
      state: 'error',
      error: { code: 'database_unavailable', message: expect.stringContaining('is a folder'), action: expect.stringMatching(/move or rename/i) },
    });
    await expect(client.request('chat.send', { text: 'hello' })).rejects.toMatchObject({ info: { code: 'database_unavailable' } });
    expect(fs.readdirSync(file)).toEqual(['keep.txt']);
    expect(fs.readFileSync(path.join(file, 'keep.txt'), 'utf8')).toBe('mine');
    expect(movedAsideFiles(dataDir)).toEqual([]);
  });
});

/** Another process holding the database's write lock until told to let go. */
async function holdLock(file: string, mode: 'write' | 'exclusive'): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    if (${JSON.stringify(mode)} === 'exclusive') db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
  expect(await next()).toBe('locked');
  return {
    release: async () => {
      const released = next();
      child.stdin!.write('go\n');
      expect(await released).toBe('released');
    },
  };
}

describe('a database locked by another process', () => {
  it('keeps answering /health and chat while the lock is held, and writes again once it is released', async () => {
    const dataDir = tempDir();
    const { c, client } = await start(dataDir);
    expect((await health(c)).database.state).toBe('ready');
    const lock = await holdLock(path.join(dataDir, 'alisa.db'), 'write');
    // Each round asks for a write (chat.send stores the user's message) and then /health. With
    // a busy timeout of seconds on the event loop, 20 rounds outlast the test's time limit.
    let healthAnswers = 0;
    for (let i = 0; i < 20; i++) {
      const send = client.request('chat.send', { text: `while locked ${i}` });
      const h = health(c);
      await expect(send).rejects.toMatchObject({
        info: {
          code: 'database_locked',
          message: expect.stringContaining('Another process holds the memory database'),
          action: expect.stringMatching(/close/i),
        },
      });
      expect((await h).ok).toBe(true);
      healthAnswers++;
    }
    expect(healthAnswers).toBe(20);
    // Reads are not blocked by a writer under WAL.
    expect((await client.request('session.list', {})).sessions).toBeInstanceOf(Array);
    await lock.release();
    const end = await chatWorks(client);
    const stored = await client.request('session.messages', { sessionId: end.sessionId });
    expect(stored.messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(stored.messages.some((m) => m.text.startsWith('while locked'))).toBe(false);
  }, 60_000);

  it('a companion started while another process holds the file exclusively reports database_locked, then opens it once released', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, 'alisa.db');
    buildHistory(file);
    const lock = await holdLock(file, 'exclusive');
    const { c, client } = await start(dataDir);
    for (let i = 0; i < 20; i++) {
      const h = await health(c);
      expect(h.database).toMatchObject({ state: 'error', error: { code: 'database_locked' } });
      await expect(client.request('session.list', {})).rejects.toMatchObject({ info: { code: 'database_locked' } });
    }
    await lock.release();
    // The open is retried on demand (at most every 2 s): wait for the database by asking.
    let sessions: unknown[] | null = null;
    while (sessions === null) {
      const r = await client.request('session.list', {}).catch((err: { info?: { code: string } }) => {
        expect(err.info?.code).toBe('database_locked');
        return null;
      });
      if (r) sessions = r.sessions;
      else await client.waitFor(() => false, 200).catch(() => undefined);
    }
    expect(sessions).toHaveLength(4);
    expect(movedAsideFiles(dataDir)).toEqual([]);
  }, 60_000);
});

type Tmpfs = { dir: string; remount: (opts: string) => void; unmount: () => void };

/** A small tmpfs of its own (root only), or the reason there is none. */
function mountTmpfs(size: string): Tmpfs | string {
  const dir = tempDir('alisa-mnt-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmdirSync(dir);
    return `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}); a read-only folder and a full disk need one`;
  }
  return {
    dir,
    remount: (opts) => execFileSync('mount', ['-o', `remount,${opts}`, dir], { stdio: 'pipe' }),
    unmount: () => {
      // Lazy: a failing test may still hold a file open in it; its own error is the one to see.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      fs.rmdirSync(dir);
    },
  };
}

/** Runs `fn` with a data folder on a tmpfs of `size` (skips the test where none can be mounted); then stops the companions and unmounts it. */
async function onTmpfs(ctx: TestContext, size: string, fn: (mnt: Tmpfs, dataDir: string) => Promise<void>): Promise<void> {
  const mnt = mountTmpfs(size);
  if (typeof mnt === 'string') return ctx.skip(mnt);
  try {
    await fn(mnt, path.join(mnt.dir, 'data'));
  } finally {
    for (const c of running.splice(0)) await c.stop();
    mnt.unmount();
  }
}

describe('a data folder that cannot be written', () => {
  it('read-only: a clear error, chat answers with it, the history is untouched and back once the folder is writable', async (ctx) =>
    onTmpfs(ctx, '8m', async (mnt, dataDir) => {
      const file = path.join(dataDir, 'alisa.db');
      buildHistory(file);
      const before = fs.readFileSync(file);
      mnt.remount('ro');
      const { c, client } = await start(dataDir);
      const h = await health(c);
      expect(h.database).toMatchObject({
        state: 'error',
        error: { code: 'database_unavailable', message: expect.stringContaining('read-only file system'), action: expect.stringMatching(/writable disk/) },
      });
      await expect(client.request('chat.send', { text: 'hello' })).rejects.toMatchObject({
        info: { code: 'database_unavailable', message: expect.stringContaining('read-only') },
      });
      await c.stop();
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      mnt.remount('rw');
      const again = await start(dataDir);
      expect((await again.client.request('session.list', {})).sessions).toHaveLength(4);
      expect(movedAsideFiles(dataDir)).toEqual([]);
      await again.c.stop();
    }));

  it('a damaged file on a read-only disk cannot be moved aside: a clear error, and it is not opened or changed', async (ctx) =>
    onTmpfs(ctx, '1m', async (mnt, dataDir) => {
      fs.mkdirSync(dataDir);
      const file = path.join(dataDir, 'alisa.db');
      const garbage = Buffer.from('not a database, but somebody cares about it\n'.repeat(200));
      fs.writeFileSync(file, garbage);
      mnt.remount('ro');
      const { c } = await start(dataDir);
      expect((await health(c)).database).toMatchObject({
        state: 'error',
        recovered: null,
        error: {
          code: 'database_unavailable',
          message: expect.stringMatching(/could not be moved aside.*did not open or change it/),
          action: expect.stringMatching(/keep it/),
        },
      });
      await c.stop();
      expect(fs.readdirSync(dataDir)).toEqual(['alisa.db']);
      expect(fs.readFileSync(file).equals(garbage)).toBe(true);
    }));

  it(
    'a full disk: a clear error, the history is untouched, and all of it is there once space is freed',
    async (ctx) =>
      onTmpfs(ctx, '4m', async (mnt, dataDir) => {
        const file = path.join(dataDir, 'alisa.db');
        const store = MemoryStore.open(file);
        const session = store.createSession('kept');
        for (let i = 0; i < 40; i++) store.addMessage({ sessionId: session.id, role: 'user', text: `kept ${i}` });
        store.close();
        const before = fs.readFileSync(file);
        // Fill the disk to the last block.
        const fillers: string[] = [];
        try {
          for (let i = 0; ; i++) {
            const f = path.join(mnt.dir, `filler-${i}`);
            fillers.push(f);
            fs.writeFileSync(f, Buffer.alloc(4096));
          }
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        }
        const { c, client } = await start(dataDir);
        const h = await health(c);
        expect(h.database).toMatchObject({
          state: 'error',
          error: { code: 'database_unavailable', message: expect.stringMatching(/disk .*is full/), action: expect.stringMatching(/free some disk space/i) },
        });
        await expect(client.request('chat.send', { text: 'hello' })).rejects.toMatchObject({ info: { code: 'database_unavailable' } });
        await c.stop();
        expect(fs.readFileSync(file).equals(before)).toBe(true);
        for (const f of fillers) fs.rmSync(f, { force: true });
        const again = await start(dataDir);
        const sessions = (await again.client.request('session.list', {})).sessions;
        expect(sessions.map((s) => [s.title, s.messageCount])).toEqual([['kept', 40]]);
        await chatWorks(again.client);
        await again.c.stop();
        const check = new Database(file, { readonly: true });
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        check.close();
      }),
    60_000,
  );
});
