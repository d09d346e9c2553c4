// Returning after a break (issue 17): editor events -> the recap sentence (companion/recap/
// recap-tracker.ts, with an injected clock), and through the real companion over its WebSocket
// with the real tiny model: with consent "on" her greeting carries the recap; "ask" asks once and
// a yes gives the recap that waited; "off" says nothing; nothing matching the privacy globs is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecapTracker } from '../companion/recap/recap-tracker';
import type { CompanionMessage, ContextUpdate, FileDiagnostics } from '../protocol';
import { connectAs } from './helpers/comp-live';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { requireModel } from './helpers/model';

const MIN = 60_000;
const err = (message: string, code = '2304') => ({
  severity: 'error' as const,
  message,
  code,
  source: 'ts',
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
  related: [],
});
const editor = (path: string): ContextUpdate => ({
  editor: { path, language: 'typescript', visibleRange: null, selection: null, text: `// ${path}`, textStartLine: 0 },
});
const diags = (files: Record<string, Array<ReturnType<typeof err>>>): ContextUpdate => ({
  diagnostics: Object.entries(files).map(([path, d]): FileDiagnostics => ({ path, language: 'typescript', diagnostics: d })),
});
const failed = (commandLine: string, at = 0): ContextUpdate => ({ terminalFailure: { commandLine, exitCode: 1, output: 'FAIL', cwd: null, at } });

/** A morning's work: edits db.ts and api.ts, fixes two errors in db.ts, api.ts keeps one, `npm test` fails. */
function morning(t: RecapTracker, from = 0): number {
  let at = from;
  const step = (u: ContextUpdate) => t.observe(u, (at += 1000));
  step(editor('src/db.ts'));
  step(diags({ 'src/db.ts': [err("Cannot find name 'a'."), err("Property 'x' does not exist on type 'Y'.", '2339')] }));
  step({ typing: true });
  step(diags({ 'src/db.ts': [err("Cannot find name 'a'.")] }));
  // The same error reworded while typing is not a fix.
  step(diags({ 'src/db.ts': [err("Cannot find name 'ab'.")] }));
  step(diags({}));
  step(editor('src/api.ts'));
  step({ typing: true });
  step(diags({ 'src/api.ts': [err("Cannot find name 'user'.")] }));
  step(editor('README.md'));
  step(failed('npm test'));
  return at;
}

describe('the recap from editor events', () => {
  it('after a break, says what was edited, fixed, and still fails; the next stretch starts anew', () => {
    const t = new RecapTracker({ breakMs: 30 * MIN });
    const end = morning(t);
    // Diagnostics alone (a language server) do not end a break, nor count as the user.
    expect(t.observe(diags({ 'src/api.ts': [err("Cannot find name 'user'.")] }), end + 40 * MIN).returned).toBe(false);
    // Activity within the break length is no return.
    expect(t.observe({ typing: false }, end + 10 * MIN).returned).toBe(false);
    const back = t.observe(editor('src/api.ts'), end + 45 * MIN);
    expect(back.returned).toBe(true);
    expect(t.recapText(back.before!)).toBe(
      'Before your break: you edited api.ts and db.ts, fixed 2 errors; api.ts still has errors; tests still fail (`npm test`).',
    );
    // What still fails carries on; what was done does not.
    expect(t.facts()).toMatchObject({ edited: [], fixed: 0, failingFiles: ['src/api.ts'], failingCommands: ['npm test'] });
  });

  it('a command that succeeds again is no longer failing; nothing to say is no recap', () => {
    const t = new RecapTracker({ breakMs: 30 * MIN });
    t.observe(failed('npm run build'), 0);
    t.observe({ terminalSuccess: { commandLine: 'npm run build', at: 1 } }, 1000);
    expect(t.facts().failingCommands).toEqual([]);
    const back = t.observe({ typing: true }, 40 * MIN);
    expect(back.returned).toBe(true);
    expect(t.recapText(back.before!)).toBeNull();
    const t2 = new RecapTracker();
    t2.observe(failed('make'), 0);
    expect(t2.recapText(t2.facts())).toBe('Before your break: `make` failed.');
  });

  it('names no file matching the privacy globs, not even on a command line', () => {
    const t = new RecapTracker({ breakMs: 30 * MIN, privacyGlobs: ['**/secret/**', '**/.env*'] });
    t.observe(editor('src/secret/keys.ts'), 0);
    t.observe({ typing: true }, 1000);
    t.observe(editor('src/ok.ts'), 2000);
    t.observe({ typing: true }, 3000);
    t.observe(failed('cat .env.local'), 4000);
    t.observe(failed('node src/secret/run.js'), 5000);
    const text = t.recapText(t.facts())!;
    expect(text).toBe('Before your break: you edited ok.ts.');
    expect(text).not.toMatch(/keys|secret|\.env/);
    // The default globs hold without any configured.
    const d = new RecapTracker();
    d.observe(editor('.env'), 0);
    d.observe({ typing: true }, 1);
    expect(d.recapText(d.facts())).toBeNull();
  });

  it('a file switched to while the typing flag stays on counts as edited once its text changes', () => {
    const t = new RecapTracker();
    t.observe({ editor: null }, 0); // a private file: the extension sends no editor
    t.observe({ typing: true }, 1);
    t.observe(editor('src/billing.ts'), 2);
    expect(t.facts()).toMatchObject({ edited: [], viewed: ['src/billing.ts'] });
    t.observe({ editor: { ...editor('src/billing.ts').editor!, text: '// billing.ts\n// new rate' } }, 3);
    expect(t.facts()).toMatchObject({ edited: ['src/billing.ts'], viewed: [] });
    // Moving around without typing changes the text around the cursor too: not an edit.
    t.observe({ typing: false }, 4);
    t.observe(editor('src/other.ts'), 5);
    t.observe({ editor: { ...editor('src/other.ts').editor!, text: 'scrolled' } }, 6);
    expect(t.facts().edited).toEqual(['src/billing.ts']);
  });

  it('names three files, then counts the rest', () => {
    const t = new RecapTracker();
    for (const [i, f] of ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'].entries()) {
      t.observe(editor(`src/${f}`), i * 2);
      t.observe({ typing: true }, i * 2 + 1);
    }
    expect(t.recapText(t.facts())).toBe('Before your break: you edited e.ts, d.ts, c.ts and 2 more.');
  });
});

describe('through the real companion, with the real tiny model', () => {
  type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;
  const BREAK_MIN = 0.01; // 600 ms: a break a test can wait out.
  let companion: RunningCompanion;
  let client: TestClient;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    requireModel();
    companion = await startCompanion({ args: ['--no-idle', '--mute', '--max-reply-tokens', '40'] });
    client = await connectAs(companion, { id: 'file:///home/me/app', name: 'app' });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await companion?.stop();
  });

  /** Work on `file`, a break (waited out: it is what is tested), and the return. */
  async function workThenBreak(file: string): Promise<number> {
    await client.request('context.update', editor(file));
    await client.request('context.update', { typing: true });
    await client.request('context.update', { typing: false });
    await sleep(BREAK_MIN * MIN + 200);
    const from = client.events.length;
    await client.request('context.update', editor(file));
    return from;
  }

  const spontaneousEnd = (from: number) =>
    client.waitFor(
      (m) =>
        m.type === 'reply.end' &&
        client.events.indexOf(m) >= from &&
        client.events.some((s) => s.type === 'reply.start' && s.spontaneous && s.replyId === m.replyId),
      60_000,
    ) as Promise<Ev<'reply.end'>>;

  it('is off until configured; "off" says nothing: the first recap said is the one after "on"', async () => {
    expect(await client.request('recap.configure', { mode: 'off', breakMinutes: BREAK_MIN })).toEqual({ mode: 'off', breakMinutes: BREAK_MIN });
    const offFrom = await workThenBreak('src/quiet.ts');
    await client.request('recap.configure', { mode: 'on' });
    const from = await workThenBreak('src/loud.ts');
    const end = await spontaneousEnd(offFrom);
    expect(client.events.indexOf(end)).toBeGreaterThan(from);
    expect(end.text).toContain('Before your break: you edited loud.ts.');
    expect(end.text).not.toContain('quiet.ts');
    expect(client.events.slice(offFrom).some((m) => m.type === 'recap.ask')).toBe(false);
  }, 90_000);

  it('"ask" asks once; yes gives the recap that waited and turns it on', async () => {
    // Off while the stretch starts (the wait for the last recap may itself have been a break).
    await client.request('recap.configure', { mode: 'off', privacyGlobs: ['**/private/**'] });
    await client.request('context.update', editor('src/private/plan.ts'));
    await client.request('context.update', { typing: true });
    await client.request('recap.configure', { mode: 'ask' });
    const from = await workThenBreak('src/asked.ts');
    await client.waitFor((m) => m.type === 'recap.ask' && client.events.indexOf(m) >= from, 10_000);
    // Asked, and nothing said before the answer.
    expect(client.events.slice(from).some((m) => m.type === 'reply.start')).toBe(false);
    const answer = await client.request('recap.consent', { allow: true });
    expect(answer).toEqual({ mode: 'on', recapped: true });
    const end = await spontaneousEnd(from);
    expect(end.text).toContain('Before your break: you edited asked.ts.');
    expect(end.text).not.toContain('plan.ts');
    expect((await client.request('recap.configure', {})).mode).toBe('on');
    // No answered yes is asked again; a no turns it off.
    expect(await client.request('recap.consent', { allow: false })).toEqual({ mode: 'off', recapped: false });
  }, 90_000);
});
