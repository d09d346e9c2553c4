// The memory of fixes, the editor's half, against the shared fake `vscode` (tests/helpers/fake-vscode.ts):
// FixFlow tags its proposal with the diagnostic it fixes; FixRecorder records a fix only when the
// file's diagnostics change event shows that error gone (no new error), and a failing command that
// succeeds after one of her changes. Its requests go to the real companion over its WebSocket, so
// the memory it makes is the one the Memory view lists. (Diagnostics come from a stand-in event
// source here: the language servers exist only in real VS Code, see tests/e2e.)
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter, fake, Range, Uri } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import { diagnosticSignature, failureSignature } from '../common/fix-signature';
import { describeChange } from '../extension/help/fix-change';
import { FixFlow } from '../extension/help/fix-flow';
import { type AppliedFix, FixRecorder } from '../extension/help/fix-recorder';
import type { ProposalDraft } from '../extension/help/proposal-controller';
import type { CompanionEvent } from '../protocol/messages';
import { connectAs } from './helpers/comp-live';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { requireModel } from './helpers/model';

const FILE = '/ws/src/db.ts';
const uri = Uri.file(FILE);
const BEFORE = 'export async function load() {\n  const rows = db.query();\n  return rows;\n}\n';
const AFTER = 'export async function load() {\n  const rows = await db.query();\n  return rows;\n}\n';
const error = (message: string, code = 2339, line = 1) => ({
  message,
  code,
  source: 'ts',
  severity: 0,
  range: new Range(line, 2, line, 8),
  relatedInformation: [],
});
const TARGET = error("Property 'length' does not exist on type 'Promise<Row[]>'.");

/** The file's diagnostics as a language server would publish them, with its change event. */
function diagnosticsSource() {
  const lists = new Map<string, any[]>();
  const changed = new EventEmitter<{ uris: Uri[] }>();
  return {
    source: { getDiagnostics: (u: Uri) => lists.get(u.toString()) ?? [], onDidChangeDiagnostics: changed.event },
    publish(u: Uri, list: any[]) {
      lists.set(u.toString(), list);
      changed.fire({ uris: [u] });
    },
  };
}

const applied = (extra: Partial<AppliedFix> = {}): AppliedFix => ({
  uri: uri as never,
  path: 'src/db.ts',
  oldText: '  const rows = db.query();',
  newText: '  const rows = await db.query();',
  fixOf: { source: 'ts', code: 2339, message: TARGET.message },
  before: [TARGET as never],
  ...extra,
});

describe('describeChange', () => {
  it('says what changed in a few words, with a small diff excerpt', () => {
    expect(describeChange('  const rows = db.query();', '  const rows = await db.query();')).toEqual({
      summary: 'adding `await`',
      diff: '- const rows = db.query();\n+ const rows = await db.query();',
    });
    expect(describeChange('if (a == b) {', 'if (a === b) {')!.summary).toBe('changing `==` to `===`');
    expect(describeChange('  const label: number = "sum";', '  const label: number = 0;')!.summary).toBe('changing `"sum"` to `0`');
    expect(describeChange('f(a, b)', 'f(a, b, c)')!.summary).toBe('adding `, c`');
    expect(describeChange('const x = y as any;', 'const x = y;')!.summary).toBe('removing `as any`');
    expect(describeChange('a\nb', 'a\nimport x from "x";\nb')!.summary).toBe('adding `import x from "x";`');
    expect(describeChange('same', 'same')).toBeNull();
    const secret = describeChange('const key = "";', 'const key = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";')!;
    expect(JSON.stringify(secret)).not.toContain('ghp_');
    expect(secret.diff).toContain('[REDACTED:');
  });
});

describe('FixFlow tags its proposal', () => {
  beforeEach(() => {
    fake.reset();
    fake.setWorkspaceFolders(['/ws']);
  });

  it('with the diagnostic it fixes', async () => {
    fake.files.set(FILE, BEFORE);
    const events = new EventEmitter<CompanionEvent>();
    const reply = `\`\`\`ts\n${AFTER.trimEnd()}\n\`\`\``;
    const manager = {
      onDidReceiveEvent: events.event,
      request: vi.fn(async () => {
        events.fire({ type: 'reply.end', replyId: 'r1', sessionId: 1, messageId: 2, text: reply, emotion: 'calm', interrupted: false } as never);
        return { replyId: 'r1', sessionId: 1 };
      }),
    };
    const opened: ProposalDraft[] = [];
    const flow = new FixFlow(manager as never, { open: async (d) => void opened.push(d) }, async () => undefined);
    await flow.run(uri as never, TARGET as never);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.fixOf).toEqual({ source: 'ts', code: 2339, message: TARGET.message });
  });
});

describe('FixRecorder', () => {
  let companion: RunningCompanion;
  let client: TestClient;
  const WS = { id: 'file:///ws', name: 'ws' };

  beforeAll(async () => {
    requireModel();
    companion = await startCompanion({ args: ['--no-idle', '--mute'] });
    client = await connectAs(companion, WS);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await companion?.stop();
  });

  beforeEach(async () => {
    await client.request('memories.clear', { confirm: true });
  });

  function recorder(opts: { settleMs?: number; enabled?: boolean } = {}) {
    const diags = diagnosticsSource();
    const sent: Array<{ method: string; params: any }> = [];
    const r = new FixRecorder({
      diagnostics: diags.source as never,
      request: async (method, params) => {
        sent.push({ method, params });
        return client.request(method, params);
      },
      settleMs: opts.settleMs ?? 10_000,
      enabled: () => opts.enabled ?? true,
    });
    // The file as it was before the fix: the error it fixes is there.
    diags.publish(uri, [TARGET]);
    return { r, diags, sent };
  }

  const fixMemories = async () => (await client.request('memories.list', {})).facts.filter((f) => f.source === 'fix');

  it('applied fix, then its diagnostic goes away: recordFix is sent and the memory exists', async () => {
    const { r, diags, sent } = recorder();
    const outcome = r.onApplied(applied());
    // The language server first republishes the same error (stale), then the fixed state.
    diags.publish(uri, [TARGET]);
    diags.publish(uri, []);
    expect(await outcome).toBe('recorded');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.params).toEqual({
      signature: diagnosticSignature({ source: 'ts', code: 2339, message: TARGET.message }),
      kind: 'diagnostic',
      error: TARGET.message,
      path: 'src/db.ts',
      summary: 'adding `await`',
      diff: '- const rows = db.query();\n+ const rows = await db.query();',
    });
    const [memory] = await fixMemories();
    expect(memory?.text).toMatch(/^Adding `await` in src\/db\.ts fixed "Property 'length' does not exist/);
  }, 30_000);

  it('diagnostic not gone: nothing is recorded (the wait is bounded)', async () => {
    const { r, diags, sent } = recorder({ settleMs: 300 });
    const outcome = r.onApplied(applied());
    diags.publish(uri, [TARGET]);
    expect(await outcome).toBe('still-there');
    expect(sent).toHaveLength(0);
    expect(await fixMemories()).toHaveLength(0);
  });

  it('the error gone but another one in its place: not a fix', async () => {
    const { r, diags, sent } = recorder({ settleMs: 300 });
    const outcome = r.onApplied(applied());
    diags.publish(uri, [error("Cannot find name 'db'.", 2304)]);
    expect(await outcome).toBe('still-there');
    expect(sent).toHaveLength(0);
  });

  it('another file losing its errors does not count', async () => {
    const { r, diags, sent } = recorder({ settleMs: 300 });
    const outcome = r.onApplied(applied());
    diags.publish(Uri.file('/ws/src/other.ts'), []);
    expect(await outcome).toBe('still-there');
    expect(sent).toHaveLength(0);
  });

  it('a change applied when the error was already gone (a later hunk of the same fix) records nothing', async () => {
    const { r, diags, sent } = recorder();
    diags.publish(uri, []);
    expect(await r.onApplied(applied({ before: [] }))).toBe('no-change');
    expect(sent).toHaveLength(0);
  });

  it('alisa.memory.rememberFixes off: nothing is sent', async () => {
    const { r, diags, sent } = recorder({ enabled: false });
    const outcome = r.onApplied(applied());
    diags.publish(uri, []);
    expect(await outcome).toBe('off');
    expect(sent).toHaveLength(0);
  });

  it('a failing command that succeeds after her change records that change under the command error', async () => {
    const { r, sent } = recorder();
    const failure = {
      commandLine: 'node src/db.js',
      exitCode: 1,
      output: 'TypeError: rows.map is not a function\n    at load (src/db.js:3:10)',
      cwd: null,
      at: Date.now() - 1000,
    };
    // A success with no failure before it, or no change of hers since the failure: nothing.
    expect(await r.onCommandSucceeded('node src/db.js')).toBe('no-change');
    r.onCommandFailed(failure);
    expect(await r.onCommandSucceeded('node src/db.js')).toBe('no-change');
    r.onCommandFailed(failure);
    await r.onApplied(applied({ fixOf: undefined }));
    expect(await r.onCommandSucceeded('node src/db.js')).toBe('recorded');
    expect(sent.map((s) => s.params)).toEqual([
      expect.objectContaining({
        signature: failureSignature(failure),
        kind: 'terminal',
        error: 'TypeError: rows.map is not a function',
        summary: 'adding `await`',
      }),
    ]);
    expect(await fixMemories()).toHaveLength(1);
  }, 30_000);
});
