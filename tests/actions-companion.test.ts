// Alisa's actions through the real companion over the real WebSocket (issue 16): one test client
// plays the VS Code window (it registers its folders and editor actions, answers the questions and
// runs the editor actions it is sent, as the extension does); another plays the browser UI. Notes
// land on disk, refusals come before any question, the audit log in the real SQLite records all.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionWindow, type Ev, nextAsk, startActionWindow } from './helpers/action-window';
import { tempDir, TestClient, type RunningCompanion } from './helpers/companion';

let aw: ActionWindow;
let c: RunningCompanion;
let win: TestClient;
const notes = path.join(tempDir('alisa-notes-'), 'Alisa Notes');
const ws = realpathSync(tempDir('alisa-ws-'));

beforeAll(async () => {
  mkdirSync(path.join(ws, 'src'), { recursive: true });
  writeFileSync(path.join(ws, 'src', 'a.ts'), 'export const a = 1;\n');
  aw = await startActionWindow({
    args: ['--no-idle', '--notes-dir', notes, '--actions-per-minute', '600'],
    register: { actions: ['read_file', 'run_in_terminal', 'open_file'], roots: [ws] },
  });
  ({ c, win } = aw);
}, 60_000);

afterAll(() => aw?.close());

describe('actions through the companion', () => {
  it('writes a note only after the user said yes in the window, and records it in the audit log', async () => {
    const from = win.events.length;
    const run = win.request('action.run', { action: 'write_note', args: { text: 'buy milk', title: 'Shopping' } });
    const ask = await nextAsk(win, from);
    expect(ask).toMatchObject({ action: 'write_note', risk: 'workspace', source: 'user', canAlwaysAllow: true, title: 'Write a note "Shopping"' });
    expect(ask.detail).toContain('buy milk');
    expect(ask.detail).toContain(notes);
    expect(existsSync(notes)).toBe(false); // nothing written while asking
    expect(await win.request('action.decide', { id: ask.id, decision: 'allow' })).toEqual({ applied: true });
    const outcome = await run;
    expect(outcome.status).toBe('done');
    const file = String(outcome.result?.path);
    expect(path.dirname(file)).toBe(notes);
    expect(readFileSync(file, 'utf8')).toBe('Shopping\n\nbuy milk\n');
    const { entries } = await win.request('action.audit', {});
    expect(entries[0]).toMatchObject({ action: 'write_note', status: 'done', source: 'user', risk: 'workspace' });
    // The question is closed for everyone, and every client heard the outcome.
    await win.waitFor((m) => m.type === 'action.askDone' && m.id === ask.id);
    await win.waitFor((m) => m.type === 'action.done' && m.outcome.callId === outcome.callId);
  });

  it('writes nothing when the user says no, and a second answer to the same question is not applied', async () => {
    const before = existsSync(notes) ? readdirSync(notes).length : 0;
    const from = win.events.length;
    const run = win.request('action.run', { action: 'write_note', args: { text: 'no thanks' } });
    const ask = await nextAsk(win, from);
    await win.request('action.decide', { id: ask.id, decision: 'deny' });
    expect(await run).toMatchObject({ status: 'denied', reason: 'You said no.' });
    expect(await win.request('action.decide', { id: ask.id, decision: 'allow' })).toEqual({ applied: false });
    expect(readdirSync(notes).length).toBe(before);
  });

  it("remembers 'always allow' per workspace and action: the next note runs without a question", async () => {
    const from = win.events.length;
    const first = win.request('action.run', { action: 'write_note', args: { text: 'one' } });
    const ask = await nextAsk(win, from);
    await win.request('action.decide', { id: ask.id, decision: 'always' });
    expect((await first).status).toBe('done');
    const mark = win.events.length;
    expect((await win.request('action.run', { action: 'write_note', args: { text: 'two' } })).status).toBe('done');
    expect(win.events.slice(mark).some((m) => m.type === 'action.ask')).toBe(false);
    const status = await win.request('action.status', {});
    expect(status.alwaysAllowed).toContainEqual({ workspace: '', action: 'write_note' });
    // Forgetting brings the question back.
    await win.request('action.configure', { forgetAlwaysAllowed: true });
    const again = win.events.length;
    const third = win.request('action.run', { action: 'write_note', args: { text: 'three' } });
    const ask3 = await nextAsk(win, again);
    await win.request('action.decide', { id: ask3.id, decision: 'deny' });
    expect((await third).status).toBe('denied');
  });

  it('runs an editor action in the window that registered it, and checks its answer against the result schema', async () => {
    const from = win.events.length;
    const run = win.request('action.run', { action: 'read_file', args: { path: 'src/a.ts' } });
    const exec = (await win.waitFor((m) => m.type === 'action.exec' && win.events.indexOf(m) >= from)) as Ev<'action.exec'>;
    expect(exec).toMatchObject({ action: 'read_file', args: { path: 'src/a.ts' } });
    expect(win.events.slice(from).some((m) => m.type === 'action.ask')).toBe(false); // reading runs
    await win.request('action.complete', { callId: exec.callId, ok: true, result: { text: 'src/a.ts:1-1\nexport const a = 1;' } });
    expect(await run).toMatchObject({ status: 'done', result: { text: 'src/a.ts:1-1\nexport const a = 1;' } });

    const from2 = win.events.length;
    const bad = win.request('action.run', { action: 'read_file', args: { path: 'src/a.ts' } });
    const exec2 = (await win.waitFor((m) => m.type === 'action.exec' && win.events.indexOf(m) >= from2)) as Ev<'action.exec'>;
    await win.request('action.complete', { callId: exec2.callId, ok: true, result: { wrong: 1 } });
    expect(await bad).toMatchObject({ status: 'failed', reason: expect.stringMatching(/cannot read/) });
  });

  it('refuses before asking: a path outside the workspace, a blocked command, a shell trick, bad arguments, an unknown action', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['read_file', { path: '/etc/passwd' }, /outside the workspace/],
      ['read_file', { path: '../../etc/passwd' }, /outside the workspace/],
      ['run_in_terminal', { command: 'rm -rf /' }, /never runs/],
      ['run_in_terminal', { command: 'npm test; curl evil.example' }, /separator/],
      ['open_file', { path: 'src/a.ts', line: -3 }, /not valid/],
      ['delete_everything', {}, /no action called/],
    ];
    for (const [action, args, reason] of cases) {
      const from = win.events.length;
      const outcome = await win.request('action.run', { action, args });
      expect(outcome, action).toMatchObject({ status: 'refused', reason: expect.stringMatching(reason) });
      expect(win.events.slice(from).some((m) => m.type === 'action.ask' || m.type === 'action.exec')).toBe(false);
    }
    const { entries } = await win.request('action.audit', { limit: cases.length });
    expect(entries.map((e) => e.status)).toEqual(cases.map(() => 'refused'));
  });

  it('refuses an editor action for a client without a VS Code window, and a question nobody can answer', async () => {
    const browser = await TestClient.connect(c);
    try {
      // Without a window of its own, a client with no workspace gets the companion's read of the notes folder only.
      const read = await browser.request('action.run', { action: 'read_file', args: { path: 'src/a.ts' } });
      expect(read).toMatchObject({ status: 'failed', reason: expect.stringMatching(/There is no file/) });
      const terminal = await browser.request('action.run', { action: 'run_in_terminal', args: { command: 'npm test' } });
      expect(terminal).toMatchObject({ status: 'refused', reason: expect.stringMatching(/needs a VS Code window/) });
    } finally {
      browser.close();
    }
  });

  it('lets a slash command in the chat run an action, its outcome arriving as action.done', async () => {
    const from = win.events.length;
    const sent = await win.request('chat.send', { text: '/note from the message box' });
    expect(sent.replyId).toBeNull();
    expect(sent.action).toMatchObject({ name: 'write_note' });
    const ask = await nextAsk(win, from);
    expect(ask.callId).toBe(sent.action!.callId);
    await win.request('action.decide', { id: ask.id, decision: 'allow' });
    const done = (await win.waitFor((m) => m.type === 'action.done' && m.outcome.callId === sent.action!.callId)) as Ev<'action.done'>;
    expect(done.outcome.status).toBe('done');
    expect(readFileSync(String(done.outcome.result?.path), 'utf8')).toBe('from the message box\n');
  });

  it("writes a note into the workspace's .alisa/notes when asked to, and nowhere without a folder", async () => {
    const from = win.events.length;
    const run = win.request('action.run', { action: 'write_note', args: { text: 'workspace note', place: 'workspace' } });
    const ask = await nextAsk(win, from);
    expect(ask.detail).toContain(path.join(ws, '.alisa', 'notes'));
    await win.request('action.decide', { id: ask.id, decision: 'allow' });
    const outcome = await run;
    expect(path.dirname(String(outcome.result?.path))).toBe(path.join(ws, '.alisa', 'notes'));
    expect(readFileSync(String(outcome.result?.path), 'utf8')).toBe('workspace note\n');
    const browser = await TestClient.connect(c);
    try {
      const none = await browser.request('action.run', { action: 'write_note', args: { text: 'x', place: 'workspace' } });
      expect(none).toMatchObject({ status: 'refused', reason: expect.stringMatching(/needs a VS Code window with a folder open/) });
    } finally {
      browser.close();
    }
  });

  it('turns off everything but reading in Restricted Mode', async () => {
    await win.request('action.register', { actions: ['read_file', 'run_in_terminal'], roots: [ws], trusted: false });
    try {
      const outcome = await win.request('action.run', { action: 'write_note', args: { text: 'x' } });
      expect(outcome).toMatchObject({ status: 'refused', reason: expect.stringMatching(/Restricted Mode/) });
    } finally {
      await win.request('action.register', { actions: ['read_file', 'run_in_terminal', 'open_file'], roots: [ws], trusted: true });
    }
  });

  it('clears the audit log only with confirm: true', async () => {
    await expect(win.request('action.clearAudit', { confirm: false as never })).rejects.toThrow(/confirm: true/);
    const { entries } = await win.request('action.audit', {});
    expect(entries.length).toBeGreaterThan(0);
    expect(await win.request('action.clearAudit', { confirm: true })).toEqual({ removed: entries.length });
    expect((await win.request('action.audit', {})).entries).toEqual([]);
  });
});

describe('limits and expiry', () => {
  let aw2: ActionWindow;
  let w2: TestClient;
  beforeAll(async () => {
    aw2 = await startActionWindow({
      model: null,
      args: ['--no-idle', '--notes-dir', notes, '--actions-per-minute', '2', '--action-ask-ms', '300'],
      register: { actions: [], roots: [ws] },
    });
    w2 = aw2.win;
  }, 60_000);
  afterAll(() => aw2?.close());

  it('expires an unanswered question: nothing runs, and a late answer is not applied', async () => {
    const from = w2.events.length;
    const outcome = await w2.request('action.run', { action: 'write_note', args: { text: 'too late' } });
    expect(outcome).toMatchObject({ status: 'expired', reason: expect.stringMatching(/Nobody answered/) });
    const ask = await nextAsk(w2, from);
    expect(await w2.request('action.decide', { id: ask.id, decision: 'allow' })).toEqual({ applied: false });
    expect(readdirSync(notes).some((f) => readFileSync(path.join(notes, f), 'utf8').includes('too late'))).toBe(false);
  });

  it('refuses the action over the per-minute limit, saying when to try again', async () => {
    // The expired question above took the first slot; this one the second (it expires too).
    const second = await w2.request('action.run', { action: 'write_note', args: { text: 'second' } });
    expect(second.status).toBe('expired');
    const from = w2.events.length;
    const third = await w2.request('action.run', { action: 'write_note', args: { text: 'third' } });
    expect(w2.events.slice(from).some((m) => m.type === 'action.ask')).toBe(false);
    expect(third).toMatchObject({ status: 'refused', reason: expect.stringMatching(/already acted 2 times this minute.*try again in \d+ s/) });
  });
});
