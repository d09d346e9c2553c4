// Help when errors appear, end to end: the built companion, the real WebSocket, the real (tiny)
// model. Diagnostics that persist bring a help offer; "not now" is respected; a fix streams as
// exactly one code block (the grammar sees to it) while the chat stores the short request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage, ContextUpdate, FileDiagnostics } from '../protocol';
import { extractCodeBlock } from '../companion/help/help-prompt';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';

type Ev<T extends CompanionMessage['type']> = Extract<CompanionMessage, { type: T }>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CODE = 'function f() {\n  let a = 1;\n  const s: string = a;\n}';
const typeError = {
  severity: 'error' as const,
  message: "Type 'number' is not assignable to type 'string'.",
  code: '2322',
  source: 'ts',
  range: { start: { line: 2, character: 8 }, end: { line: 2, character: 9 } },
  related: [],
};
const otherError = {
  ...typeError,
  message: "Cannot find name 'foo'.",
  code: '2304',
  range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } },
};

function update(errors: Array<typeof typeError>, typing = false): ContextUpdate {
  const diagnostics: FileDiagnostics[] = [{ path: 'src/app.ts', language: 'typescript', diagnostics: errors, excerpts: { '0': CODE } }];
  return {
    editor: { path: 'src/app.ts', language: 'typescript', visibleRange: null, selection: null, text: CODE, textStartLine: 0 },
    diagnostics,
    typing,
  };
}

describe('help offers and fixes through the companion', () => {
  let companion: RunningCompanion;
  let client: TestClient;

  beforeAll(async () => {
    requireModel();
    companion = await startCompanion({ args: ['--help-debounce-ms', '300', '--help-cooldown-ms', '200', '--max-reply-tokens', '400'] });
    client = await TestClient.connect(companion);
  });

  afterAll(async () => {
    client?.close();
    await companion?.stop();
  });

  it('offers help for a diagnostic that persists, and reports coding/broken', async () => {
    const first = await client.request('context.update', update([typeError], true));
    expect(first.state).toMatchObject({ activity: 'coding', language: 'typescript', file: 'src/app.ts', broken: false });
    // Past the 300 ms the error must persist: a minimum the check needs, which a loaded machine
    // can only lengthen (the state is computed from timestamps on the next update).
    await sleep(400);
    const second = await client.request('context.update', update([typeError]));
    expect(second.state).toMatchObject({ activity: 'coding', broken: true });
    expect(second.state.summary).toContain('TypeScript (src/app.ts)');
    const stateEvent = (await client.waitFor((m) => m.type === 'context.state' && m.state.broken)) as Ev<'context.state'>;
    expect(stateEvent.state.activity).toBe('coding');
    // The typing quiet time (2.5 s) passes, then the offer comes.
    const offer = (await client.waitFor((m) => m.type === 'help.offer', 10_000)) as Ev<'help.offer'>;
    expect(offer.target).toMatchObject({ kind: 'diagnostic', path: 'src/app.ts', message: typeError.message, code: '2322' });
    expect(offer.text.length).toBeGreaterThan(10);
    expect(['serious', 'sad']).toContain(offer.emotion);

    // Not now: the same error is never offered again, but a new one is. The policy offers the
    // oldest error first, so had the dismissed one been offered again it would come before the
    // new one: the new one's offer is the event that proves the window passed (no fixed sleep).
    expect(await client.request('help.respond', { offerId: offer.offerId, response: 'dismiss' })).toEqual({ replyId: null, sessionId: null });
    await client.request('context.update', update([typeError]));
    await client.request('context.update', update([typeError, otherError]));
    const next = (await client.waitFor((m) => m.type === 'help.offer' && m.offerId !== offer.offerId, 10_000)) as Ev<'help.offer'>;
    expect(next.target.message).toBe(otherError.message);
    expect(client.events.filter((m) => m.type === 'help.offer').map((m) => (m as Ev<'help.offer'>).offerId)).toEqual([offer.offerId, next.offerId]);
    await expect(client.request('help.respond', { offerId: offer.offerId, response: 'explain' })).rejects.toMatchObject({ info: { code: 'not_found' } });

    // Accepting an offer starts an explanation with the code the companion holds.
    const taken = await client.request('help.respond', { offerId: next.offerId, response: 'explain' });
    expect(taken.replyId).toBeTruthy();
    const events = await client.reply(taken.replyId!);
    expect(events.at(-1)?.type).toBe('reply.end');
  });

  it('proposes a fix as exactly one fenced code block and stores the short request', async () => {
    const started = await client.request('fix.propose', {
      target: { kind: 'diagnostic', path: 'src/app.ts', range: typeError.range, message: typeError.message, code: '2322' },
      path: 'src/app.ts',
      language: 'typescript',
      excerpt: CODE,
      excerptStartLine: 0,
    });
    const events = await client.reply(started.replyId);
    expect(events.some((m) => m.type === 'reply.token')).toBe(true);
    const end = events.at(-1) as Ev<'reply.end'>;
    expect(end.type).toBe('reply.end');
    expect(end.text.match(/```/g)).toHaveLength(2);
    expect(end.text.startsWith('```typescript\n')).toBe(true);
    expect(end.text.trimEnd().endsWith('```')).toBe(true);
    expect(extractCodeBlock(end.text)?.language).toBe('typescript');

    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    const user = messages.filter((m) => m.role === 'user').at(-1)!;
    expect(user.text).toBe("Fix: Type 'number' is not assignable to type 'string'. (src/app.ts:3)");
  });

  it('explains an error it is pointed at', async () => {
    const started = await client.request('help.explain', {
      target: { kind: 'terminal', path: null, range: null, message: '`npm test` exited with code 1', code: '1' },
      excerpt: 'FAIL tests/a.test.ts\nexpected 1 to be 2',
    });
    const events = await client.reply(started.replyId);
    expect(events.some((m) => m.type === 'reply.start')).toBe(true);
    expect(events.at(-1)?.type).toBe('reply.end');
    const { messages } = await client.request('session.messages', { sessionId: started.sessionId });
    expect(messages.filter((m) => m.role === 'user').at(-1)!.text).toBe('Explain: `npm test` exited with code 1');
  });

  it('keeps offers about the present: one open at a time, withdrawn when the error is gone', async () => {
    const err = (message: string, line: number) => ({
      ...typeError,
      message,
      code: null as unknown as string,
      range: { start: { line, character: 0 }, end: { line, character: 3 } },
    });
    const a = err("Property 'x' does not exist on type 'A'.", 0);
    const b = err("Property 'y' does not exist on type 'B'.", 1);
    const from = client.events.length;
    // A persists and is offered.
    await client.request('context.update', update([a]));
    const offerA = (await client.waitFor(
      (m) => m.type === 'help.offer' && m.target.message === a.message && client.events.indexOf(m) >= from,
      10_000,
    )) as Ev<'help.offer'>;
    // B comes too: when B is offered, A is retracted first (replaced): never two open offers.
    await client.request('context.update', update([a, b]));
    const offerB = (await client.waitFor(
      (m) => m.type === 'help.offer' && m.target.message === b.message && client.events.indexOf(m) >= from,
      10_000,
    )) as Ev<'help.offer'>;
    const ours = client.events.slice(from).filter((m) => m.type === 'help.offer' || m.type === 'help.retract');
    expect(ours.map((m) => [m.type, m.offerId, m.type === 'help.retract' ? m.reason : null])).toEqual([
      ['help.offer', offerA.offerId, null],
      ['help.retract', offerA.offerId, 'replaced'],
      ['help.offer', offerB.offerId, null],
    ]);
    await expect(client.request('help.respond', { offerId: offerA.offerId, response: 'explain' })).rejects.toMatchObject({ info: { code: 'not_found' } });
    // The user fixes B: its offer is withdrawn with the report that no longer has it.
    await client.request('context.update', update([a]));
    const gone = (await client.waitFor((m) => m.type === 'help.retract' && m.offerId === offerB.offerId, 10_000)) as Ev<'help.retract'>;
    expect(gone.reason).toBe('resolved');
    await expect(client.request('help.respond', { offerId: offerB.offerId, response: 'dismiss' })).rejects.toMatchObject({ info: { code: 'not_found' } });
  });
});

describe('help offers with several windows on one companion', () => {
  it("an offer about a window's editor goes to that window only; the activity state goes to all", async () => {
    requireModel();
    const c = await startCompanion({ args: ['--no-model', '--help-debounce-ms', '300', '--help-cooldown-ms', '200'] });
    const a = await TestClient.connect(c);
    const b = await TestClient.connect(c);
    try {
      await a.request('context.update', update([typeError], true));
      await sleep(400); // past the debounce: see the first test
      await a.request('context.update', update([typeError]));
      const offer = (await a.waitFor((m) => m.type === 'help.offer', 10_000)) as Ev<'help.offer'>;
      expect(offer.target).toMatchObject({ kind: 'diagnostic', path: 'src/app.ts' });
      // Frames on one socket arrive in order: once b's answer is in, anything sent to b before it is too.
      await b.request('status.get', {});
      expect(b.events.some((m) => m.type === 'help.offer')).toBe(false);
      expect(b.events.some((m) => m.type === 'context.state' && m.state.broken)).toBe(true);
    } finally {
      a.close();
      b.close();
      await c.stop();
    }
  });
});
