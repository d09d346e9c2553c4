// Long chats must not slow down (issue 13): with the default prompt (full style: persona, mode,
// what she senses) and a history budget the model's context cannot hold, each turn evaluates only
// what is new, not the whole prompt again. The real companion, the real tiny model; node-llama-cpp's
// token meter says how many prompt tokens the model evaluated for each reply (reply.end
// tokens.evaluated). Speed is measured in bench/long-chat-bench.mjs, not here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { requireModel } from './helpers/model';
import { startCompanion, TestClient, type RunningCompanion } from './helpers/companion';

type End = Extract<CompanionMessage, { type: 'reply.end' }>;
const SUBJECTS = ['the sea', 'a red ball', 'her grandmother', 'a lost puppy', 'the big tree', 'a rainy day', 'the moon'];

describe('the prompt cache over a long chat', () => {
  let companion: RunningCompanion;
  let client: TestClient;

  beforeAll(async () => {
    requireModel();
    // The defaults that matter here: the full prompt and a 3,000-token history budget (more than
    // the tiny model's context, so the window must be cut).
    companion = await startCompanion({ args: ['--prompt-style', 'full', '--history-tokens', '3000', '--max-reply-tokens', '60', '--temperature', '0'] });
    client = await TestClient.connect(companion);
  });

  afterAll(async () => {
    client?.close();
    await companion?.stop();
  });

  it('evaluates about one turn per reply once the history is full, not the whole prompt again', async () => {
    // Something she senses, which the old layout put into the system message (changing it each turn).
    await client.request('context.update', {
      editor: { path: 'src/app.ts', language: 'typescript', visibleRange: null, selection: null, text: 'let a = 1;', textStartLine: 0 },
      diagnostics: [],
      typing: true,
    });
    const session = await client.request('session.create', {});
    const ends: End[] = [];
    for (let i = 0; i < 26; i++) {
      const sent = await client.request('chat.send', {
        text: `Tell me how Lily found ${SUBJECTS[i % SUBJECTS.length]} on day ${i + 1}.`,
        sessionId: session.id,
      });
      const events = await client.reply(sent.replyId!);
      const end = events.at(-1) as End;
      expect(end.type).toBe('reply.end');
      ends.push(end);
    }
    for (const e of ends) expect(e.tokens.evaluated, 'the embedded provider reports evaluated tokens').toBeTypeOf('number');
    // The history filled the context: late prompts are far bigger than one turn.
    const late = ends.slice(8);
    const biggest = Math.max(...late.map((e) => e.tokens.prompt));
    expect(biggest).toBeGreaterThan(1000);
    // Most late turns evaluate a small part of their prompt (the new message and the end of the last
    // reply); a cut of the window evaluates more, and is rare. The old layout evaluated ~70 % of
    // every prompt on every turn.
    const cheap = late.filter((e) => e.tokens.evaluated! < e.tokens.prompt * 0.2);
    expect(cheap.length).toBeGreaterThanOrEqual(Math.ceil(late.length * 0.7));
    const total = late.reduce((n, e) => n + e.tokens.evaluated!, 0);
    const prompts = late.reduce((n, e) => n + e.tokens.prompt, 0);
    expect(total / prompts).toBeLessThan(0.35);
  }, 240_000);
});
