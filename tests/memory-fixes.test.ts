// The memory of fixes that worked (issue 17) through the real companion over its WebSocket: a fix
// recorded with memories.recordFix is a memory (source 'fix') of the client's workspace; the next
// help offer for the same error (same signature, even elsewhere) says what fixed it; another
// workspace is not told; deleting the memory forgets it; secrets never get in. The prompt of a fix
// request carries it too (read from what a scripted OpenAI-compatible server receives).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticSignature } from '../common/fix-signature';
import type { CompanionMessage, ContextUpdate } from '../protocol';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';
import { requireModel } from './helpers/model';

type Offer = Extract<CompanionMessage, { type: 'help.offer' }>;

const A = { id: 'file:///home/me/alpha', name: 'alpha' };
const B = { id: 'file:///home/me/beta', name: 'beta' };
const CODE = 'async function load() {\n  const rows = db.query();\n  return rows;\n}';

const missingName = (name: string, line: number) => ({
  severity: 'error' as const,
  message: `Cannot find name '${name}'.`,
  code: '2304',
  source: 'ts',
  range: { start: { line, character: 2 }, end: { line, character: 6 } },
  related: [],
});

function update(path: string, errors: Array<ReturnType<typeof missingName>>): ContextUpdate {
  return {
    editor: { path, language: 'typescript', visibleRange: null, selection: null, text: CODE, textStartLine: 0 },
    diagnostics: errors.length ? [{ path, language: 'typescript', diagnostics: errors, excerpts: { '0': CODE } }] : [],
  };
}

const fixParams = (signature: string, extra: Partial<{ summary: string; diff: string; path: string }> = {}) => ({
  signature,
  kind: 'diagnostic' as const,
  error: "Cannot find name 'db'.",
  path: extra.path ?? 'src/db.ts',
  summary: extra.summary ?? 'adding `import { db } from "./pool"`',
  diff: extra.diff ?? '+ import { db } from "./pool";',
});

/** The next offer this client gets about `message`, after event index `from`. */
function nextOffer(client: TestClient, message: string, from: number): Promise<Offer> {
  return client.waitFor((m) => m.type === 'help.offer' && m.target.message === message && client.events.indexOf(m) >= from, 15_000) as Promise<Offer>;
}

describe('with the real tiny model', () => {
  let companion: RunningCompanion;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    requireModel();
    companion = await startCompanion({ args: ['--no-idle', '--mute', '--help-debounce-ms', '200', '--help-cooldown-ms', '100'] });
    a = await connectAs(companion, A);
    b = await connectAs(companion, B);
  }, 60_000);

  afterAll(async () => {
    a?.close();
    b?.close();
    await companion?.stop();
  });

  it('a recorded fix is a memory of the workspace; the same error elsewhere is offered with what fixed it; not in another workspace', async () => {
    const sig = diagnosticSignature(missingName('db', 1));
    const first = await a.request('memories.recordFix', fixParams(sig));
    expect(first.times).toBe(1);
    expect(first.fact).toMatchObject({ source: 'fix', scope: 'workspace', workspace: A.id });
    expect(first.fact.text).toBe('Adding `import { db } from "./pool"` in src/db.ts fixed "Cannot find name \'db\'.". Change: + import { db } from "./pool";');
    // The same error again: one memory, counted, with the latest change.
    const again = await a.request('memories.recordFix', fixParams(sig, { summary: 'adding `await`' }));
    expect(again).toMatchObject({ times: 2, fact: { id: first.fact.id } });
    expect(again.fact.text).toMatch(/^Adding `await` in src\/db\.ts fixed .* It worked 2 times\.$/);
    const listed = await a.request('memories.list', {});
    expect(listed.facts.filter((f) => f.source === 'fix').map((f) => f.id)).toEqual([first.fact.id]);

    // The same error (another name, another file, another line) in workspace A: the offer says it.
    const from = a.events.length;
    const err = missingName('users', 2);
    await a.request('context.update', update('src/api.ts', [err]));
    const offer = await nextOffer(a, err.message, from);
    expect(offer.lastFix).toEqual({ memoryId: first.fact.id, text: again.fact.text, change: 'adding `await` in src/db.ts', times: 2 });
    expect(offer.text).toContain('Last time, adding `await` in src/db.ts fixed this (it worked 2 times).');
    await a.request('help.respond', { offerId: offer.offerId, response: 'dismiss' });
    await a.request('context.update', update('src/api.ts', []));

    // Workspace B reports the same error: its offer knows nothing of A's fix.
    const fromB = b.events.length;
    const errB = missingName('orders', 3);
    await b.request('context.update', update('src/b.ts', [errB]));
    const offerB = await nextOffer(b, errB.message, fromB);
    expect(offerB.lastFix).toBeUndefined();
    expect(offerB.text).not.toContain('Last time');
    await b.request('help.respond', { offerId: offerB.offerId, response: 'dismiss' });
    await b.request('context.update', update('src/b.ts', []));
    // Nor can B see A's fix in its Memory view.
    expect((await b.request('memories.list', { scope: 'workspace' })).facts.some((f) => f.source === 'fix')).toBe(false);
  }, 60_000);

  it('deleting the memory forgets the fix: the next offer for that error says nothing of it', async () => {
    const err = missingName('cache', 4);
    const sig = diagnosticSignature(err);
    const { fact } = await a.request('memories.recordFix', fixParams(sig));
    await a.request('memories.delete', { id: fact.id });
    const from = a.events.length;
    await a.request('context.update', update('src/cache.ts', [err]));
    const offer = await nextOffer(a, err.message, from);
    expect(offer.lastFix).toBeUndefined();
    await a.request('help.respond', { offerId: offer.offerId, response: 'dismiss' });
    await a.request('context.update', update('src/cache.ts', []));
  }, 60_000);

  it('a secret in the change is redacted before it is stored; bad input is refused plainly', async () => {
    const token = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const sig = diagnosticSignature({ source: 'ts', code: '2322', message: "Type 'number' is not assignable to type 'string'." });
    const { fact } = await a.request('memories.recordFix', { ...fixParams(sig), diff: `- const key = 1\n+ const key = "${token}"` });
    expect(fact.text).not.toContain(token);
    expect(fact.text).toContain('[REDACTED:');
    const exported = await a.request('memories.export', {});
    expect(JSON.stringify(exported)).not.toContain(token);
    await expect(a.request('memories.recordFix', { ...fixParams(sig), signature: 'nope' })).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    // A client without a workspace has nowhere to keep a fix.
    const none = await connectAs(companion, null);
    try {
      await expect(none.request('memories.recordFix', fixParams(sig))).rejects.toMatchObject({ info: { code: 'invalid_argument' } });
    } finally {
      none.close();
    }
  }, 60_000);
});

describe('the fix prompt, read by a scripted OpenAI-compatible server', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let a: TestClient;

  beforeAll(async () => {
    server = await startToolServer(() => ({ text: '```ts\nconst rows = await db.query();\n```' }));
    companion = await startCompanion({ model: null, args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute'] });
    a = await connectAs(companion, A);
  }, 60_000);

  afterAll(async () => {
    a?.close();
    await companion?.stop();
    await server?.close();
  });

  it('a fix request for an error fixed before carries what fixed it', async () => {
    const err = missingName('db', 1);
    await a.request('memories.recordFix', fixParams(diagnosticSignature(err), { summary: 'adding `await`' }));
    const target = { kind: 'diagnostic' as const, path: 'src/other.ts', range: err.range, message: "Cannot find name 'pool'.", code: '2304' };
    await a.request('context.update', update('src/other.ts', [{ ...err, message: target.message }]));
    const started = await a.request('fix.propose', { target, path: 'src/other.ts', language: 'typescript', excerpt: CODE, excerptStartLine: 0 });
    await a.reply(started.replyId);
    const prompt = JSON.stringify(server.requests.at(-1)!.messages);
    expect(prompt).toContain('Last time this error came up here, this fixed it: Adding `await` in src/db.ts fixed');
  }, 60_000);

  it('finds it by the source the window sends, before any report of that file reached the companion', async () => {
    const err = missingName('cache', 1);
    await a.request('memories.recordFix', fixParams(diagnosticSignature(err), { summary: 'importing `cache`' }));
    const target = { kind: 'diagnostic' as const, path: 'src/unseen.ts', range: err.range, message: "Cannot find name 'store'.", code: '2304' };
    const ask = async (t: typeof target & { source?: string }) => {
      const started = await a.request('fix.propose', { target: t, path: 'src/unseen.ts', language: 'typescript', excerpt: CODE, excerptStartLine: 0 });
      await a.reply(started.replyId);
      // Only this request's own turn (the chat's history holds the test before's).
      return JSON.stringify(server.requests.at(-1)!.messages.at(-1));
    };
    // Without the source the signature is another one: nothing is recalled by it (ordinary recall
    // may still list the memory among what she remembers; the fix prompt's line is the signature's).
    expect(await ask(target)).not.toContain('Last time this error came up here');
    expect(await ask({ ...target, source: err.source! })).toContain('this fixed it: Importing `cache` in src/db.ts fixed');
  }, 60_000);
});
