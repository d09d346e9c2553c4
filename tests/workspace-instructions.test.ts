// Workspace instructions (issue 17): `.alisa/instructions.md` and `AGENTS.md` join the prompt of
// replies in that workspace's chats.
//   - Companion: the real companion over its WebSocket with a scripted OpenAI-compatible server
//     that records each request's messages: instructions sent by a client of workspace A are in
//     the system message of A's replies (any window of A), never in B's; a change is seen at the
//     next reply, clearing removes them, secrets are hidden, oversized ones are refused.
//   - Extension: the pure part (instructions-logic.ts): privacy globs, redaction, caps, "(cut)".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capWithMarker, INSTRUCTION_FILES, INSTRUCTIONS_TEMPLATE, prepareInstructions, readableFiles, withoutComments } from '../extension/instructions-logic';
import { DEFAULT_EXCLUDE_GLOBS } from '../extension/awareness/privacy';
import { INSTRUCTIONS_CUT, INSTRUCTIONS_LIMITS, WorkspaceInstructionsParams } from '../protocol/instructions';
import type { ClientWorkspace } from '../protocol';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';

const A: ClientWorkspace = { id: 'file:///home/me/projects/alpha', name: 'alpha' };
const B: ClientWorkspace = { id: 'file:///home/me/projects/beta', name: 'beta' };
const RULE_A = 'Always answer in French; this project uses pnpm, never npm.';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLQ';

describe('workspace instructions in the prompt (real companion, scripted OpenAI server)', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let a: TestClient;
  let a2: TestClient;
  let b: TestClient;
  let none: TestClient;

  /** The system message of the model request a chat from `client` made. */
  async function systemOf(client: TestClient, text: string, sessionId?: number): Promise<string> {
    const before = server.requests.length;
    const sent = await client.request('chat.send', { text, ...(sessionId ? { sessionId } : {}) });
    const events = await client.reply(sent.replyId!);
    expect(events.at(-1)?.type).toBe('reply.end');
    expect(server.requests.length).toBe(before + 1);
    const messages = server.requests.at(-1)!.messages;
    expect(messages[0]!.role).toBe('system');
    return String(messages[0]!.content);
  }

  beforeAll(async () => {
    server = await startToolServer(() => ({ text: '<emotion=happy> Noted.' }));
    companion = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute'] });
    [a, a2, b, none] = await Promise.all([connectAs(companion, A), connectAs(companion, A), connectAs(companion, B), connectAs(companion, null)]);
  }, 60_000);

  afterAll(async () => {
    for (const c of [a, a2, b, none]) c?.close();
    await companion?.stop();
    await server?.close();
  });

  it("A's instructions are in A's replies (any window of A), not in B's; a client without a workspace keeps none", async () => {
    const plain = await systemOf(a, 'Hello before any instructions.');
    expect(plain).not.toContain('Instructions for this workspace');

    const set = await a.request('workspace.instructions', {
      files: [
        { path: '.alisa/instructions.md', text: RULE_A },
        { path: 'AGENTS.md', text: 'Run the tests with pnpm test.' },
      ],
    });
    expect(set).toEqual({ ok: true, chars: RULE_A.length + 'Run the tests with pnpm test.'.length });

    const withRules = await systemOf(a, 'How do I install a package?');
    expect(withRules).toContain(`Instructions for this workspace (from .alisa/instructions.md)`);
    expect(withRules).toContain(RULE_A);
    expect(withRules).toContain('(from AGENTS.md)');
    // Near the system message's start: after the persona, before nothing of the conversation.
    expect(withRules.startsWith(plain)).toBe(true);
    expect(withRules.indexOf(RULE_A)).toBeLessThan(withRules.indexOf('Run the tests with pnpm test.'));
    // Another window of the same workspace gets them too (they are the workspace's).
    expect(await systemOf(a2, 'And from the second window?')).toContain(RULE_A);

    expect(await systemOf(b, 'How do I install a package in beta?')).not.toContain(RULE_A);
    expect(await none.request('workspace.instructions', { files: [{ path: 'AGENTS.md', text: 'Nobody keeps this.' }] })).toEqual({ ok: true, chars: 0 });
    expect(await systemOf(none, 'Hello from the browser.')).not.toContain('Nobody keeps this.');
    expect(await systemOf(b, 'Still nothing of A?')).not.toContain('Instructions for this workspace');
  });

  it('a change is seen at the next reply of the same chat; clearing removes them', async () => {
    const session = await a.request('session.create', { title: 'rules chat' });
    await a.request('workspace.instructions', { files: [{ path: '.alisa/instructions.md', text: 'Version one of the rules.' }] });
    const first = await systemOf(a, 'First.', session.id);
    expect(first).toContain('Version one of the rules.');
    expect(first).not.toContain(RULE_A);
    expect(await systemOf(a, 'Second.', session.id)).toBe(first); // unchanged: the same prefix for the cache

    await a.request('workspace.instructions', { files: [{ path: '.alisa/instructions.md', text: 'Version two of the rules.' }] });
    const changed = await systemOf(a, 'Third.', session.id);
    expect(changed).toContain('Version two of the rules.');
    expect(changed).not.toContain('Version one');

    expect(await a.request('workspace.instructions', { files: [] })).toEqual({ ok: true, chars: 0 });
    expect(await systemOf(a, 'Fourth.', session.id)).not.toContain('Instructions for this workspace');
  });

  it('secrets are hidden by the companion too; oversized instructions are refused by the schema', async () => {
    const r = await a.request('workspace.instructions', { files: [{ path: 'AGENTS.md', text: `Deploy with key ${AWS_KEY} to staging.` }] });
    expect(r.chars).toBeGreaterThan(0);
    const system = await systemOf(a, 'How do I deploy?');
    expect(system).toContain('Deploy with key [REDACTED');
    expect(system).not.toContain(AWS_KEY);

    const tooLong = 'x'.repeat(INSTRUCTIONS_LIMITS.fileChars + 1);
    await expect(a.request('workspace.instructions', { files: [{ path: 'AGENTS.md', text: tooLong }] })).rejects.toMatchObject({
      info: { code: 'invalid_argument' },
    });
    const half = 'y'.repeat(INSTRUCTIONS_LIMITS.totalChars / 2 + 1);
    await expect(
      a.request('workspace.instructions', {
        files: [
          { path: '.alisa/instructions.md', text: half },
          { path: 'AGENTS.md', text: half },
        ],
      }),
    ).rejects.toMatchObject({ info: { code: 'invalid_argument', message: expect.stringContaining('12000') } });
    // A refused message changes nothing: the last accepted instructions stay.
    expect(await systemOf(a, 'Still there?')).toContain('Deploy with key [REDACTED');
    // Exactly at the caps is fine.
    const full = 'z'.repeat(INSTRUCTIONS_LIMITS.fileChars);
    expect((await a.request('workspace.instructions', { files: [{ path: 'AGENTS.md', text: full }] })).chars).toBe(INSTRUCTIONS_LIMITS.fileChars);
    await a.request('workspace.instructions', { files: [] });
  });
});

describe('reading the instruction files (extension, pure)', () => {
  const globs = DEFAULT_EXCLUDE_GLOBS;

  it('reads .alisa/instructions.md then AGENTS.md, unless the privacy globs exclude them', () => {
    expect(INSTRUCTION_FILES).toEqual(['.alisa/instructions.md', 'AGENTS.md']);
    expect(readableFiles(globs)).toEqual(['.alisa/instructions.md', 'AGENTS.md']);
    expect(readableFiles([...globs, 'AGENTS.md'])).toEqual(['.alisa/instructions.md']);
    expect(readableFiles(['.alisa/**'])).toEqual(['AGENTS.md']);
    const found = [
      { relPath: '.alisa/instructions.md', text: 'Mine.' },
      { relPath: 'AGENTS.md', text: 'Theirs.' },
    ];
    expect(prepareInstructions(found, { globs: ['**/agents.md'] })).toEqual([{ path: '.alisa/instructions.md', text: 'Mine.' }]);
  });

  it('names the folder in a multi-root workspace, skips empty files and comments, strips a BOM', () => {
    const out = prepareInstructions(
      [
        { relPath: '.alisa/instructions.md', folderName: 'web', text: '\uFEFF<!-- a note for people -->\nUse tabs.\n' },
        { relPath: 'AGENTS.md', folderName: 'web', text: '   \n' },
        { relPath: 'AGENTS.md', folderName: 'api', text: 'Go 1.22.' },
      ],
      { globs },
    );
    expect(out).toEqual([
      { path: 'web/.alisa/instructions.md', text: 'Use tabs.' },
      { path: 'api/AGENTS.md', text: 'Go 1.22.' },
    ]);
    expect(withoutComments('a<!-- x -->b<!-- unclosed')).toBe('ab<!-- unclosed');
    // The template is all comment: a new file adds nothing to the prompt until the user writes.
    expect(prepareInstructions([{ relPath: '.alisa/instructions.md', text: INSTRUCTIONS_TEMPLATE }], { globs })).toEqual([]);
  });

  it('redacts secrets before cutting', () => {
    const [f] = prepareInstructions([{ relPath: 'AGENTS.md', text: `Use the key ${AWS_KEY}.\nDB_PASSWORD=hunter2-Secret!` }], { globs });
    expect(f!.text).not.toContain(AWS_KEY);
    expect(f!.text).not.toContain('hunter2');
    expect(f!.text).toContain('[REDACTED');
  });

  it('cuts each file to 8,000 characters and all to 12,000, ending a cut file with "(cut)"', () => {
    const big = 'word '.repeat(3000); // 15,000 characters
    const out = prepareInstructions(
      [
        { relPath: '.alisa/instructions.md', text: big },
        { relPath: 'AGENTS.md', text: big },
      ],
      { globs },
    );
    expect(out.map((f) => f.path)).toEqual(['.alisa/instructions.md', 'AGENTS.md']);
    expect(out[0]!.text.length).toBeLessThanOrEqual(INSTRUCTIONS_LIMITS.fileChars);
    expect(out[0]!.text.endsWith(INSTRUCTIONS_CUT)).toBe(true);
    expect(out[0]!.text.endsWith('(cut)')).toBe(true);
    const total = out.reduce((n, f) => n + f.text.length, 0);
    expect(total).toBeLessThanOrEqual(INSTRUCTIONS_LIMITS.totalChars);
    expect(total).toBeGreaterThan(INSTRUCTIONS_LIMITS.totalChars - 20);
    expect(out[1]!.text.endsWith('(cut)')).toBe(true);
    // What it prepares always passes the companion's schema.
    expect(WorkspaceInstructionsParams.safeParse({ files: out }).success).toBe(true);
    // No room left for a third file worth reading: it is left out rather than sent as a stub.
    const three = prepareInstructions(
      [
        { relPath: 'AGENTS.md', folderName: 'one', text: big },
        { relPath: 'AGENTS.md', folderName: 'two', text: 'z'.repeat(3990) },
        { relPath: 'AGENTS.md', folderName: 'three', text: 'More rules.' },
      ],
      { globs },
    );
    expect(three.map((f) => f.path)).toEqual(['one/AGENTS.md', 'two/AGENTS.md']);
  });

  it('never cuts a character in half, and short texts stay as they are', () => {
    expect(capWithMarker('short', 10)).toBe('short');
    const emoji = '😀'.repeat(10); // 20 UTF-16 units
    const cut = capWithMarker(emoji, 13); // room for 7 units before the marker
    expect(cut).toBe('😀'.repeat(3) + INSTRUCTIONS_CUT);
    expect(cut.length).toBeLessThanOrEqual(13);
  });
});
