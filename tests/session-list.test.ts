// The session list at scale: pages (keyset on updatedAt, id) with no duplicates and no gaps, also
// while sessions are created and used between pages; message counts kept by triggers (v5) that
// stay right through adds, deletes and clears; an existing v4 database upgraded with its counts
// backfilled; and over the real companion, session.list pages and sessions.changed events that
// carry the changed session. Real SQLite files, the real companion process.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../companion/memory';
import { migrate } from '../companion/memory/database';
import { MIGRATIONS } from '../companion/memory/schema';
import type { ClientWorkspace, CompanionMessage, Session } from '../protocol';
import { startCompanion, tempDir, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs } from './helpers/comp-live';

const stores: MemoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** A store with a clock that moves one ms per call, so every write has its own time. */
function openStore(file = path.join(tempDir('alisa-sessions-'), 'alisa.db')): MemoryStore {
  let t = 1_700_000_000_000;
  const store = MemoryStore.open(file, { now: () => (t += 1) });
  stores.push(store);
  return store;
}

/** Every page of the list, following nextCursor; `between` runs after each page. */
function allPages(store: MemoryStore, opts: { workspace?: string | null; limit: number }, between?: (page: number) => void): Session[][] {
  const pages: Session[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = store.listSessionsPage({ ...opts, cursor });
    pages.push(page.sessions);
    between?.(pages.length);
    if (page.nextCursor === null) return pages;
    expect(page.sessions).toHaveLength(opts.limit);
    cursor = page.nextCursor;
    if (pages.length > 1000) throw new Error('paging does not end');
  }
}

const ids = (sessions: Session[]) => sessions.map((s) => s.id);

/** Message counts as SQLite counts them from the rows. */
function countedFromRows(file: string): Map<number, number> {
  const raw = new Database(file, { readonly: true });
  try {
    const rows = raw.prepare('SELECT s.id, (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS n FROM sessions s').all() as Array<{
      id: number;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.id, r.n]));
  } finally {
    raw.close();
  }
}

describe('session list pages', () => {
  it('pages through every session once, newest first, in the order of the whole list', () => {
    const store = openStore();
    for (let i = 0; i < 123; i++) store.createSession(`Chat ${i}`);
    const whole = store.listSessions();
    for (const limit of [1, 7, 50, 123, 500]) {
      const pages = allPages(store, { limit });
      expect(ids(pages.flat()), `limit ${limit}`).toEqual(ids(whole));
      expect(pages).toHaveLength(Math.max(1, Math.ceil(123 / limit)));
    }
    // The default page is 50.
    const first = store.listSessionsPage();
    expect(first.sessions).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
  });

  it('neither repeats nor skips a session while others are created and used between pages', () => {
    const store = openStore();
    const made = Array.from({ length: 60 }, (_, i) => store.createSession(`Chat ${i}`));
    const moved: number[] = [];
    const created: number[] = [];
    const pages = allPages(store, { limit: 10 }, (page) => {
      // A new chat, and a message in one that a later page would have listed: both move above the cursor.
      created.push(store.createSession(`New ${page}`).id);
      const later = made[made.length - 1 - page * 10 - 5];
      if (later) {
        store.addMessage({ sessionId: later.id, role: 'user', text: 'hello again' });
        moved.push(later.id);
      }
    });
    const seen = ids(pages.flat());
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    // No gaps: every session that existed before paging began is either listed or moved above the cursor.
    const missing = made.map((s) => s.id).filter((id) => !seen.includes(id));
    expect(missing.sort()).toEqual(moved.filter((id) => !seen.includes(id)).sort());
    for (const id of created) expect(seen).not.toContain(id); // newer than the first page: never on a later one
    // Within the pages, the order is the list's order.
    const whole = ids(store.listSessions());
    expect(seen).toEqual(whole.filter((id) => seen.includes(id)));
  });

  it("pages a workspace's scope (its own and those tied to none) like its whole list", () => {
    const store = openStore();
    const A: ClientWorkspace = { id: 'file:///alpha', name: 'alpha' };
    const B: ClientWorkspace = { id: 'file:///beta', name: 'beta' };
    for (let i = 0; i < 90; i++) store.createSession(`Chat ${i}`, null, i % 3 === 0 ? A : i % 3 === 1 ? B : null);
    for (const limit of [4, 25, 100]) {
      expect(ids(allPages(store, { workspace: A.id, limit }).flat())).toEqual(ids(store.listSessions(A.id)));
      expect(ids(allPages(store, { workspace: null, limit }).flat())).toEqual(ids(store.listSessions()));
    }
    expect(store.listSessions(A.id)).toHaveLength(60);
  });

  it('refuses a cursor it did not make, and a bad limit, with a clear error', () => {
    const store = openStore();
    for (const cursor of ['', 'abc', '12', '1:2:3', '-1:4', '1e5:3']) {
      expect(() => store.listSessionsPage({ cursor }), cursor).toThrow(
        expect.objectContaining({ code: 'invalid_argument', message: expect.stringContaining('cursor') }),
      );
    }
    expect(() => store.listSessionsPage({ limit: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => store.listSessionsPage({ limit: 501 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('message counts', () => {
  it('stay right through adds, deletes, clears and session deletes', () => {
    const file = path.join(tempDir('alisa-counts-'), 'alisa.db');
    const store = openStore(file);
    const a = store.createSession('A');
    const b = store.createSession('B');
    const c = store.createSession('C');
    const check = () => {
      const truth = countedFromRows(file);
      for (const s of store.listSessions()) expect(s.messageCount, `session ${s.title}`).toBe(truth.get(s.id));
      for (const s of store.listSessionsPage({ limit: 500 }).sessions) expect(s.messageCount).toBe(truth.get(s.id));
    };
    const added = [];
    for (let i = 0; i < 7; i++) added.push(store.addMessage({ sessionId: a.id, role: i % 2 ? 'assistant' : 'user', text: `message ${i}` }));
    for (let i = 0; i < 3; i++) store.addMessage({ sessionId: b.id, role: 'user', text: `b ${i}` });
    store.addMessage({ sessionId: c.id, role: 'user', text: 'c' });
    check();
    expect(store.getSession(a.id)!.messageCount).toBe(7);

    expect(store.deleteMessage(added[2]!.id)).toBe(true);
    expect(store.deleteMessage(added[2]!.id)).toBe(false); // already gone: no double count
    expect(store.getSession(a.id)!.messageCount).toBe(6);
    check();

    // A failed write (unknown session) changes no count.
    expect(() => store.addMessage({ sessionId: 99_999, role: 'user', text: 'x' })).toThrow();
    // A transaction rolled back takes its count changes with it.
    expect(() =>
      store.transaction(() => {
        store.addMessage({ sessionId: b.id, role: 'user', text: 'rolled back' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(store.getSession(b.id)!.messageCount).toBe(3);
    check();

    store.clear(a.id);
    expect(store.getSession(a.id)!.messageCount).toBe(0);
    check();

    store.deleteSession(b.id);
    check();
    store.addMessage({ sessionId: a.id, role: 'user', text: 'after clear' });
    expect(store.getSession(a.id)!.messageCount).toBe(1);
    check();

    store.clear();
    expect(store.listSessions()).toEqual([]);
    const d = store.createSession('D');
    expect(d.messageCount).toBe(0);
    store.addMessage({ sessionId: d.id, role: 'user', text: 'fresh' });
    expect(store.getSession(d.id)!.messageCount).toBe(1);
    check();
  });
});

describe('migration of a v4 database', () => {
  it('adds kept counts, backfilled from the messages, and keeps them from then on', () => {
    const file = path.join(tempDir('alisa-v4-'), 'alisa.db');
    const V4 = 4;
    const db = new Database(file);
    const expected = new Map<number, number>();
    try {
      db.pragma('foreign_keys = ON');
      expect(migrate(db, MIGRATIONS.slice(0, V4))).toBe(V4);
      const columns = (db.prepare('PRAGMA table_info(sessions)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toContain('workspace');
      expect(columns).not.toContain('message_count'); // really the v4 shape
      const addSession = db
        .prepare('INSERT INTO sessions (title, created_ts, updated_ts, workspace, workspace_name) VALUES (?, ?, ?, ?, ?) RETURNING id')
        .pluck();
      const addMessage = db.prepare('INSERT INTO messages (session_id, role, text, created_ts) VALUES (?, ?, ?, ?)');
      for (let s = 0; s < 30; s++) {
        const id = addSession.get(`Old ${s}`, s, 1000 + s, s % 2 ? 'file:///alpha' : null, s % 2 ? 'alpha' : null) as number;
        const n = (s * 7) % 11; // 0..10, some empty
        for (let m = 0; m < n; m++) addMessage.run(id, m % 2 ? 'assistant' : 'user', `old message ${s}.${m} about saffron`, 1000 + m);
        expected.set(id, n);
      }
    } finally {
      db.close();
    }

    const store = openStore(file);
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      raw.close();
    }
    const listed = store.listSessions();
    expect(listed).toHaveLength(30);
    for (const s of listed) expect(s.messageCount, s.title).toBe(expected.get(s.id));
    // The triggers work on the upgraded file, and search still finds the old messages.
    const first = listed[0]!;
    store.addMessage({ sessionId: first.id, role: 'user', text: 'new after the upgrade' });
    expect(store.getSession(first.id)!.messageCount).toBe(expected.get(first.id)! + 1);
    expect(store.search('saffron', 200)).toHaveLength([...expected.values()].reduce((a, b) => a + b, 0));
    expect(ids(allPages(store, { workspace: 'file:///alpha', limit: 4 }).flat())).toEqual(ids(store.listSessions('file:///alpha')));
  });
});

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

describe('the companion pages the list and pushes session changes', () => {
  const A: ClientWorkspace = { id: 'file:///home/me/alpha', name: 'alpha' };
  let companion: RunningCompanion;
  let alpha: TestClient;
  let browser: TestClient;

  beforeAll(async () => {
    const dataDir = tempDir('alisa-list-companion-');
    companion = await startCompanion({ dataDir, model: null });
    alpha = await connectAs(companion, A);
    browser = await connectAs(companion, null);
  });

  afterAll(async () => {
    alpha?.close();
    browser?.close();
    await companion?.stop();
  });

  it('answers session.list a page at a time, with the cursor and the client workspace', async () => {
    const made: Session[] = [];
    for (let i = 0; i < 12; i++) made.push(await (i % 2 ? browser : alpha).request('session.create', { title: `Chat ${i}` }));
    const first = await alpha.request('session.list', { limit: 5 });
    expect(first.sessions).toHaveLength(5);
    expect(first.workspace).toBe(A.id);
    expect(first.nextCursor).toEqual(expect.any(String));
    const seen = [...first.sessions];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await alpha.request('session.list', { limit: 5, cursor });
      seen.push(...page.sessions);
      cursor = page.nextCursor;
    }
    expect(seen.map((s) => s.id)).toEqual([...made].reverse().map((s) => s.id));
    const browserPage = await browser.request('session.list', {});
    expect(browserPage.workspace).toBeNull();
    expect(browserPage.nextCursor).toBeNull();
    expect(browserPage.sessions).toHaveLength(12);
    await expect(alpha.request('session.list', { cursor: 'not-a-cursor' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
  });

  it('tells every client the changed session after a reply, with its new count, and a deleted one by id', async () => {
    const session = await alpha.request('session.create', { title: 'Talk' });
    const from = browser.events.length;
    const sent = await alpha.request('chat.send', { text: 'hello there', sessionId: session.id });
    expect(sent.replyId).not.toBeNull();
    // No model here: the reply ends in reply.error, after which the session comes with it.
    await browser.waitFor((m) => m.type === 'reply.error' && (m as Ev<'reply.error'>).replyId === sent.replyId);
    const changed = (await browser.waitFor(
      (m) =>
        m.type === 'sessions.changed' &&
        browser.events.indexOf(m) >= from &&
        (m as Ev<'sessions.changed'>).session?.id === session.id &&
        browser.events.some((e, i) => i < browser.events.indexOf(m) && e.type === 'reply.error'),
    )) as Ev<'sessions.changed'>;
    const listed = (await alpha.request('session.list', { limit: 1 })).sessions[0]!;
    expect(listed.id).toBe(session.id);
    expect(changed.session).toEqual(listed);
    expect(changed.session!.messageCount).toBe(1); // the user's message; the failed reply kept nothing

    const renamedAt = browser.events.length;
    await alpha.request('session.rename', { sessionId: session.id, title: 'Renamed talk' });
    const renamed = (await browser.waitFor((m) => m.type === 'sessions.changed' && browser.events.indexOf(m) >= renamedAt)) as Ev<'sessions.changed'>;
    expect(renamed.session).toMatchObject({ id: session.id, title: 'Renamed talk', messageCount: 1 });

    const deletedAt = browser.events.length;
    await alpha.request('session.delete', { sessionId: session.id });
    const deleted = (await browser.waitFor((m) => m.type === 'sessions.changed' && browser.events.indexOf(m) >= deletedAt)) as Ev<'sessions.changed'>;
    expect(deleted).toMatchObject({ deletedSessionId: session.id });
    expect(deleted.session).toBeUndefined();
  });
});
