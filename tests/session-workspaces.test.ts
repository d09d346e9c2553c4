// Sessions belong to a workspace: several VS Code windows share one companion and each sees its
// own chats (and those tied to none) by default, all of them on asking. Against real SQLite files
// (the v3 -> v4 migration of a database written by the previous schema) and the real companion
// process over its WebSocket, with clients that say different workspaces in hello.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../companion/memory';
import { connectCompanion } from '../extension/companion-connection';
import { workspaceIdentity } from '../extension/workspace-identity';
import { migrate } from '../companion/memory/database';
import { MIGRATIONS } from '../companion/memory/schema';
import { PROTOCOL_VERSION, type ClientWorkspace, type CompanionMessage, type Session } from '../protocol';
import { startCompanion, tempDir, TestClient, type RunningCompanion } from './helpers/companion';
import { connectAs } from './helpers/comp-live';

/** The schema version before workspaces (v4 added them). */
const BEFORE_WORKSPACES = 3;

/**
 * A database as the previous release left it: written through the v1-v3 migrations only, with
 * sessions, messages (in the search index), a character and a setting.
 */
function writeOldDatabase(file: string): { sessions: number[]; messages: number } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('foreign_keys = ON');
    expect(migrate(db, MIGRATIONS.slice(0, BEFORE_WORKSPACES))).toBe(BEFORE_WORKSPACES);
    const columns = (db.prepare(`PRAGMA table_info(sessions)`).all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).not.toContain('workspace'); // really the old shape
    db.prepare(`INSERT INTO characters (key, name, system_prompt, builtin, created_ts, updated_ts) VALUES ('old', 'Old friend', 'Be kind.', 0, 1, 1)`).run();
    const characterId = db.prepare(`SELECT id FROM characters WHERE key = 'old'`).pluck().get() as number;
    const addSession = db.prepare(`INSERT INTO sessions (title, character_id, created_ts, updated_ts) VALUES (?, ?, ?, ?) RETURNING id`).pluck();
    const addMessage = db.prepare(`INSERT INTO messages (session_id, role, text, created_ts) VALUES (?, ?, ?, ?)`);
    const first = addSession.get('Old regex chat', characterId, 1000, 2000) as number;
    const second = addSession.get('Old cooking chat', null, 3000, 4000) as number;
    addMessage.run(first, 'user', 'why does my lookbehind fail', 1500);
    addMessage.run(first, 'assistant', 'lookbehind needs a fixed width here', 1600);
    addMessage.run(second, 'user', 'a recipe with saffron please', 3500);
    db.prepare(`INSERT INTO settings (key, value) VALUES ('legacy.sessionId', ?)`).run(String(second));
    db.prepare(`INSERT INTO interruptions (ts, hour, kind, outcome, task) VALUES (10, 9, 'help', 'engaged', 'coding')`).run();
    return { sessions: [second, first], messages: 3 };
  } finally {
    db.close();
  }
}

const A: ClientWorkspace = { id: 'file:///home/me/projects/alpha', name: 'alpha' };
const B: ClientWorkspace = { id: 'file:///home/me/work/beta.code-workspace', name: 'beta (Workspace)' };

describe('migration of a database from before workspaces', () => {
  let dir: string;
  let file: string;
  const stores: MemoryStore[] = [];

  beforeEach(() => {
    dir = tempDir('alisa-ws-migrate-');
    file = path.join(dir, 'alisa.db');
  });

  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades in place: every session, message, character and setting kept; old sessions tied to no workspace', () => {
    const old = writeOldDatabase(file);
    const store = MemoryStore.open(file);
    stores.push(store);

    const sessions = store.listSessions();
    expect(sessions.map((s) => s.id)).toEqual(old.sessions);
    expect(sessions.map((s) => [s.title, s.workspace, s.workspaceName, s.messageCount])).toEqual([
      ['Old cooking chat', null, null, 1],
      ['Old regex chat', null, null, 2],
    ]);
    expect(sessions[1]!.characterId).toBe(store.getCharacterByKey('old')!.id);
    expect(store.listMessages(old.sessions[1]!).map((m) => m.text)).toEqual(['why does my lookbehind fail', 'lookbehind needs a fixed width here']);
    expect(store.summary(undefined, 1000)).toMatchObject({ sessions: 2, messages: old.messages });
    expect(store.getSetting('legacy.sessionId')).toBe(String(old.sessions[0]));
    // The search index came through the migration untouched, and its hits now say the workspace.
    const hits = store.search('lookbehind');
    expect(hits.map((h) => h.sessionId)).toEqual([old.sessions[1], old.sessions[1]]);
    expect(hits.every((h) => h.workspaceName === null)).toBe(true);
    // Sessions tied to no workspace are shown to every workspace.
    expect(store.listSessions(A.id).map((s) => s.id)).toEqual(old.sessions);
    // ...but are never a workspace's own.
    expect(store.latestSession(A.id)).toBeNull();
    expect(store.latestSession()!.id).toBe(old.sessions[0]);

    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(MIGRATIONS.length).toBeGreaterThan(BEFORE_WORKSPACES);
      expect(raw.prepare(`SELECT COUNT(*) FROM interruptions WHERE task = 'coding'`).pluck().get()).toBe(1);
      const indexes = (raw.prepare(`PRAGMA index_list(sessions)`).all() as Array<{ name: string }>).map((i) => i.name);
      expect(indexes).toContain('sessions_by_workspace');
    } finally {
      raw.close();
    }
  });

  it('files new sessions under their workspace, lists a workspace with the unassigned ones, newest first', () => {
    let t = 10_000;
    const store = MemoryStore.open(file, { now: () => (t += 10) });
    stores.push(store);
    const loose = store.createSession('Browser chat');
    const a1 = store.createSession('Alpha one', null, A);
    const b1 = store.createSession('Beta one', null, B);
    const a2 = store.createSession('Alpha two', null, A);
    expect([a1.workspace, a1.workspaceName, loose.workspace, b1.workspaceName]).toEqual([A.id, 'alpha', null, 'beta (Workspace)']);
    store.addMessage({ sessionId: a1.id, role: 'user', text: 'alpha question about closures' });

    expect(store.listSessions(A.id).map((s) => s.id)).toEqual([a1.id, a2.id, loose.id]);
    expect(store.listSessions(B.id).map((s) => s.title)).toEqual(['Beta one', 'Browser chat']);
    expect(store.listSessions().map((s) => s.title)).toEqual(['Alpha one', 'Alpha two', 'Beta one', 'Browser chat']);
    expect(store.listSessions('file:///nobody').map((s) => s.title)).toEqual(['Browser chat']);
    expect(store.latestSession(A.id)!.id).toBe(a1.id);
    expect(store.latestSession(B.id)!.id).toBe(b1.id);

    expect(store.search('closures')[0]).toMatchObject({ sessionId: a1.id, workspaceName: 'alpha' });
    const markdown = store.exportMarkdown(a1.id);
    expect(markdown).toContain('· alpha_');
    expect(JSON.parse(store.exportJson(b1.id)).sessions[0]).toMatchObject({ workspace: B.id, workspaceName: 'beta (Workspace)' });
  });
});

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;

const ids = (sessions: Session[]) => sessions.map((s) => s.id);

describe('one companion, several workspaces', () => {
  let companion: RunningCompanion;
  let old: { sessions: number[]; messages: number };
  let alpha: TestClient;
  let beta: TestClient;
  let browser: TestClient;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    const dataDir = tempDir('alisa-ws-companion-');
    // The companion opens a database the previous release wrote.
    old = writeOldDatabase(path.join(dataDir, 'alisa.db'));
    companion = await startCompanion({ dataDir, model: null });
    alpha = await connectAs(companion, A);
    beta = await connectAs(companion, B);
    browser = await connectAs(companion, null);
    clients.push(alpha, beta, browser);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await companion?.stop();
  });

  /** Waits until a started reply is over (no model here: it ends in reply.error), so its session is free again. */
  async function settled(client: TestClient, replyId: string | null): Promise<void> {
    if (replyId !== null) await client.reply(replyId);
  }

  let a1: Session;
  let a2: Session;
  let b1: Session;

  it('lists the old sessions to every window after the upgrade', async () => {
    for (const c of [alpha, beta, browser]) {
      const { sessions } = await c.request('session.list', {});
      expect(ids(sessions)).toEqual(old.sessions);
      expect(sessions.every((s) => s.workspace === null && s.workspaceName === null)).toBe(true);
    }
  });

  it('files session.create under the creating window and tells the others', async () => {
    const seen = beta.events.length;
    a1 = await alpha.request('session.create', { title: 'Alpha one' });
    expect(a1).toMatchObject({ workspace: A.id, workspaceName: A.name });
    await beta.waitFor((m) => m.type === 'sessions.changed' && beta.events.indexOf(m) >= seen);
    a2 = await alpha.request('session.create', { title: 'Alpha two' });
    b1 = await beta.request('session.create', { title: 'Beta one' });
    expect(b1).toMatchObject({ workspace: B.id, workspaceName: B.name });
    const loose = await browser.request('session.create', { title: 'Browser chat' });
    expect(loose).toMatchObject({ workspace: null, workspaceName: null });

    const alphaList = (await alpha.request('session.list', {})).sessions;
    expect(ids(alphaList)).toEqual([loose.id, a2.id, a1.id, ...old.sessions]);
    expect(ids((await alpha.request('session.list', { scope: 'workspace' })).sessions)).toEqual(ids(alphaList));
    expect(ids((await beta.request('session.list', {})).sessions)).toEqual([loose.id, b1.id, ...old.sessions]);
    const all = (await alpha.request('session.list', { scope: 'all' })).sessions;
    expect(ids(all)).toEqual([loose.id, b1.id, a2.id, a1.id, ...old.sessions]);
    expect(all.find((s) => s.id === b1.id)!.workspaceName).toBe(B.name);
    // A client without a workspace sees every session whatever it asks.
    expect(ids((await browser.request('session.list', {})).sessions)).toEqual(ids(all));
    expect(ids((await browser.request('session.list', { scope: 'workspace' })).sessions)).toEqual(ids(all));
  });

  it("sends a message that names no session to the window's own most recent session", async () => {
    // a1 becomes alpha's most recent; then beta's and the browser's chats are newer than any of alpha's.
    await settled(alpha, (await alpha.request('chat.send', { text: 'first words in alpha one', sessionId: a1.id })).replyId);
    await settled(beta, (await beta.request('chat.send', { text: 'words in beta one', sessionId: b1.id })).replyId);

    const fromAlpha = await alpha.request('chat.send', { text: 'which chat does this land in?' });
    expect(fromAlpha.sessionId).toBe(a1.id);
    await settled(alpha, fromAlpha.replyId);
    const fromBeta = await beta.request('chat.send', { text: 'and this one?' });
    expect(fromBeta.sessionId).toBe(b1.id);
    await settled(beta, fromBeta.replyId);
    const { messages } = await alpha.request('session.messages', { sessionId: a1.id });
    expect(messages.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['first words in alpha one', 'which chat does this land in?']);
  });

  it("keeps today's behaviour for a client without a workspace: the most recent session of all", async () => {
    const latest = (await browser.request('session.list', {})).sessions[0]!;
    expect(latest.id).toBe(b1.id); // beta spoke last
    const sent = await browser.request('chat.send', { text: 'from the browser' });
    expect(sent.sessionId).toBe(latest.id);
    await settled(browser, sent.replyId);
  });

  it('creates a session in a workspace that has none yet, announces it, and never borrows an unassigned one', async () => {
    const G: ClientWorkspace = { id: 'file:///tmp/gamma', name: 'gamma' };
    const gamma = await connectAs(companion, G);
    clients.push(gamma);
    expect((await gamma.request('session.list', {})).sessions.every((s) => s.workspace === null)).toBe(true);
    const seen = browser.events.length;
    const sent = await gamma.request('chat.send', { text: 'hello from gamma' });
    await browser.waitFor((m) => m.type === 'sessions.changed' && browser.events.indexOf(m) >= seen, 10_000);
    await settled(gamma, sent.replyId);
    const created = (await gamma.request('session.list', {})).sessions.find((s) => s.id === sent.sessionId);
    expect(created).toMatchObject({ workspace: G.id, workspaceName: 'gamma', messageCount: 1 });
    expect([a1.id, a2.id, b1.id, ...old.sessions]).not.toContain(sent.sessionId);
    // Alpha and beta do not see gamma's chat unless they ask for all.
    expect(ids((await alpha.request('session.list', {})).sessions)).not.toContain(sent.sessionId);
    expect(ids((await alpha.request('session.list', { scope: 'all' })).sessions)).toContain(sent.sessionId);
  });

  it("puts help replies in the asking window's workspace", async () => {
    // Another workspace's chat is the most recent of all now.
    await settled(browser, (await browser.request('chat.send', { text: 'a word in alpha two', sessionId: a2.id })).replyId);
    expect((await browser.request('session.list', {})).sessions[0]!.id).toBe(a2.id);
    const started = await beta.request('help.explain', {
      target: { kind: 'diagnostic', path: 'src/a.ts', range: null, message: "Cannot find name 'foo'.", code: '2304' },
      excerpt: 'foo();',
      language: 'typescript',
    });
    expect(started.sessionId).toBe(b1.id);
    const end = (await beta.reply(started.replyId)).at(-1) as Ev<'reply.end'> | Ev<'reply.error'>;
    expect(end.sessionId).toBe(b1.id);
  });

  it("the extension's connection says the window's workspace, and its chats are filed under it", async () => {
    const workspace = workspaceIdentity('file:///home/me/projects/delta', 'delta');
    const conn = await connectCompanion({
      port: companion.port,
      token: companion.token,
      client: 'alisa-vscode/test',
      workspace,
      onEvent: () => {},
      onClose: () => {},
    });
    try {
      const created = await conn.rpc.request('session.create', {});
      expect(created).toMatchObject({ workspace: 'file:///home/me/projects/delta', workspaceName: 'delta' });
      const mine = (await conn.rpc.request('session.list', {})).sessions;
      expect(mine.filter((s) => s.workspace !== null).map((s) => s.id)).toEqual([created.id]);
    } finally {
      conn.close();
    }
    // Without one (a window with no folder) it sees every chat.
    const bare = await connectCompanion({ port: companion.port, token: companion.token, client: 'alisa-vscode/test', onEvent: () => {}, onClose: () => {} });
    try {
      const all = (await bare.rpc.request('session.list', {})).sessions;
      expect(all.some((s) => s.workspace === A.id) && all.some((s) => s.workspace === B.id)).toBe(true);
    } finally {
      bare.close();
    }
  });

  it('refuses a scope it does not know, and a workspace id over the limit at hello', async () => {
    await expect(alpha.request('session.list', { scope: 'everything' } as never)).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    const client = await TestClient.connect(companion, { hello: false });
    clients.push(client);
    const answer = client.waitFor((m) => m.type === 'error' || m.type === 'welcome');
    client.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'x', workspace: { id: 'x'.repeat(2001), name: 'big' } });
    expect(await answer).toMatchObject({ type: 'error', error: { code: 'bad_message' } });
  });
});

describe("a VS Code window's workspace identity", () => {
  it('is the URI and the shown name, none without a folder, and always within the protocol bounds', () => {
    expect(workspaceIdentity(undefined, 'x')).toBeNull();
    expect(workspaceIdentity('file:///a/proj', 'proj')).toEqual({ id: 'file:///a/proj', name: 'proj' });
    expect(workspaceIdentity('file:///a/my%20proj/', undefined)).toEqual({ id: 'file:///a/my%20proj/', name: 'my proj' });
    const long = `file:///${'d/'.repeat(1500)}`;
    const big = workspaceIdentity(long, '😀'.repeat(150))!;
    expect(big.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(workspaceIdentity(long, 'n')!.id).toBe(big.id); // stable
    expect(big.name.length).toBeLessThanOrEqual(200);
    expect(big.name).toBe('😀'.repeat(100)); // cut at whole characters
  });
});
