// Facts about the user written by the model in the background (companion/memory-recall/extractor.ts),
// through the real companion over its WebSocket with the real SQLite store. The model is an
// OpenAI-compatible server in tests/ that answers scripted text (a stand-in for a model that
// extracts facts well, which cannot run on this machine): it recognises the extraction request by
// its instruction and answers what each test sets. Extractions run one at a time, so a later
// extraction's memory.changed means every earlier one is finished: tests wait for such an event,
// never for a while.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionMessage } from '../protocol';
import { EXTRACT_INSTRUCTION, parseExtractedFacts } from '../companion/memory-recall/extractor';
import { startCompanion, type RunningCompanion, type TestClient } from './helpers/companion';
import { connectAs } from './helpers/comp-live';
import { startToolServer, type ToolServer } from './helpers/fake-tool-server';

const A = { id: 'file:///home/me/alpha', name: 'alpha' };
/** An AWS access key id in the shape the secret scanner knows (not the documented example). */
const AWS_KEY = 'AKIAZ7Q3M5N8P2R4T6V1';

type Changed = Extract<CompanionMessage, { type: 'memory.changed' }>;
const changes = (c: TestClient, from = 0) => c.events.slice(from).filter((m): m is Changed => m.type === 'memory.changed');

const isExtraction = (req: ToolServer['requests'][number]) => String(req.messages[0]?.content ?? '') === EXTRACT_INSTRUCTION;
/** The exchanges sent for extraction, once each (one stopped by a reply that started is asked again). */
const extracted = (server: ToolServer) => [...new Set(server.requests.filter(isExtraction).map((r) => String(r.messages.at(-1)!.content)))];

async function say(client: TestClient, text: string) {
  const started = await client.request('chat.send', { text });
  const events = await client.reply(started.replyId!);
  expect(events.at(-1)!.type).toBe('reply.end');
  return started;
}

/** Waits for the memory.changed event that adds `text` (after event index `from`). */
async function added(client: TestClient, text: string, from: number) {
  await client.waitFor(() => changes(client, from).some((e) => e.fact?.text === text), 30_000);
  return changes(client, from).find((e) => e.fact?.text === text)!.fact!;
}

/** A companion on a scripted server that answers `reply(request)`, with extraction `mode`, and a client of workspace A. */
async function startScripted(reply: (req: ToolServer['requests'][number]) => string, mode: 'model' | 'off') {
  const server = await startToolServer((req) => ({ text: reply(req) }));
  const companion = await startCompanion({
    model: null,
    args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute', '--memory-extract', mode],
  });
  return { server, companion, client: await connectAs(companion, A) };
}

async function stopAll(client: TestClient | undefined, companion: RunningCompanion | undefined, server: ToolServer | undefined): Promise<void> {
  client?.close();
  await companion?.stop();
  await server?.close();
}

describe('reading the model answer', () => {
  it('keeps bulleted facts, at most three; drops questions, scraps, secrets, repeats and NONE', () => {
    expect(
      parseExtractedFacts('Here are the facts:\n- Works on the billing service\n* Uses pytest\n- Does he like tea?\n- ok\n- Works on the billing service.'),
    ).toEqual(['Works on the billing service', 'Uses pytest']);
    expect(parseExtractedFacts(`- Deploys with the key ${AWS_KEY}\n- Deploys with Terraform`)).toEqual(['Deploys with Terraform']);
    expect(parseExtractedFacts('NONE')).toEqual([]);
    expect(parseExtractedFacts('- Likes Go\n- Uses Vim\n- Lives in Oslo\n- Has a cat called Tom')).toHaveLength(3);
    expect(parseExtractedFacts(`- ${'very long '.repeat(30)}`)).toEqual([]);
  });
});

describe('extraction by the model, with an OpenAI-compatible server', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let client: TestClient;
  /** What the model answers for the exchange holding each message (one extraction may wait for the next chat). */
  const answers: Array<[string, string]> = [
    ['I work on the billing service and use pytest', '- Works on the billing service\n- Uses pytest'],
    ['thanks, that helped', 'NONE'],
    ['we deploy with terraform', `- Deploys with the AWS key ${AWS_KEY}\n- Deploys with Terraform`],
    ['back to billing', '- Works on the billing service\n- Drinks dark roast coffee'],
    ['remember that I like green tea', '- Likes green tea a lot'],
    ['I also enjoy hiking', '- Enjoys hiking on weekends'],
  ];
  const answerFor = (req: ToolServer['requests'][number]) => {
    const prompt = String(req.messages.at(-1)!.content);
    return answers.find(([said]) => prompt.includes(said))?.[1] ?? 'NONE';
  };

  beforeAll(async () => {
    ({ server, companion, client } = await startScripted((req) => (isExtraction(req) ? answerFor(req) : '<emotion=calm> ok'), 'model'));
  }, 60_000);
  afterAll(() => stopAll(client, companion, server));

  it('stores the facts the model lists, as its own, from the user message, in the chat workspace', async () => {
    const from = client.events.length;
    const started = await say(client, 'I work on the billing service and use pytest');
    await added(client, 'Works on the billing service', from);
    await added(client, 'Uses pytest', from);

    const extraction = server.requests.filter(isExtraction);
    expect(extraction).toHaveLength(1);
    expect(String(extraction[0]!.messages.at(-1)!.content)).toContain('I work on the billing service and use pytest');

    const { facts } = await client.request('memories.list', {});
    expect(facts.map((f) => f.text).sort()).toEqual(['Uses pytest', 'Works on the billing service']);
    for (const f of facts) {
      expect(f).toMatchObject({ source: 'model', confidence: 0.6, sourceMessageId: started.userMessageId, scope: 'workspace', workspace: A.id });
    }
    expect(changes(client, from)).toHaveLength(2);
  }, 60_000);

  it('stores nothing for NONE, nothing of a line with a secret, and no fact twice', async () => {
    const before = (await client.request('memories.list', {})).total;
    const from = client.events.length;
    await say(client, 'thanks, that helped');
    // The next exchange's fact is the marker: the NONE extraction ran before it.
    await say(client, `we deploy with terraform, the key is ${AWS_KEY}`);
    await added(client, 'Deploys with Terraform', from);
    await say(client, 'back to billing; I need coffee, dark roast as always');
    await added(client, 'Drinks dark roast coffee', from);

    expect(extracted(server)).toHaveLength(4);
    expect(changes(client, from).map((e) => e.fact?.text)).toEqual(['Deploys with Terraform', 'Drinks dark roast coffee']);
    const { facts, total } = await client.request('memories.list', {});
    expect(total).toBe(before + 2);
    expect(facts.filter((f) => f.text === 'Works on the billing service')).toHaveLength(1);
    expect(JSON.stringify(facts)).not.toContain(AWS_KEY);
    // The stored message was redacted before the model saw it.
    expect(JSON.stringify(server.requests.filter(isExtraction))).not.toContain(AWS_KEY);
  }, 60_000);

  it('leaves "remember that ..." to capture: no extraction for it', async () => {
    const asked = extracted(server).length;
    const from = client.events.length;
    await say(client, 'remember that I like green tea');
    await say(client, 'I also enjoy hiking on weekends');
    await added(client, 'Enjoys hiking on weekends', from);
    expect(changes(client, from).some((e) => e.fact?.text === 'Likes green tea a lot')).toBe(false);
    // Only the second exchange was sent for extraction.
    expect(extracted(server).slice(asked)).toEqual([expect.stringContaining('I also enjoy hiking on weekends')]);
  }, 60_000);
});

describe('with --memory-extract off', () => {
  let server: ToolServer;
  let companion: RunningCompanion;
  let client: TestClient;

  beforeAll(async () => {
    ({ server, companion, client } = await startScripted((req) => (isExtraction(req) ? '- Works on the billing service' : '<emotion=calm> ok'), 'off'));
  }, 60_000);
  afterAll(() => stopAll(client, companion, server));

  it('the model is never asked for facts', async () => {
    // With extraction on, the first exchange's request goes out before the second chat's (see above).
    await say(client, 'I work on the billing service and use pytest');
    await say(client, 'and I deploy with terraform');
    expect(server.requests.length).toBe(2);
    expect(server.requests.filter(isExtraction)).toHaveLength(0);
    expect((await client.request('memories.list', {})).total).toBe(0);
  }, 60_000);
});
