// The campaign (issue 12): load on the real companion and the real tiny model. 20 clients, each in
// its own session, send messages one after another (each waits for its reply): every user message
// is stored exactly once and in order, every reply reaches its own client and session, none lost
// or duplicated; and 4 /v1 streams run at the same time and complete.
// CAMPAIGN_LOAD_MESSAGES sets the messages per client (bench/campaign-bench.ts runs the full 100).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, v1Stream } from './helpers/campaign';
import { startCompanion, type RunningCompanion } from './helpers/companion';
import { requireModel } from './helpers/model';

const CLIENTS = 20;
const MESSAGES = Number(process.env.CAMPAIGN_LOAD_MESSAGES ?? 12);
const API_KEY = 'campaign-load-api-key-0123456789abcdefgh';

let c: RunningCompanion;

beforeAll(async () => {
  requireModel();
  c = await startCompanion({ args: ['--max-reply-tokens', '4'], env: { ALISA_API_KEY: API_KEY } });
});
afterAll(async () => {
  await c?.stop();
});

describe('campaign: load', () => {
  it(`${CLIENTS} clients x ${MESSAGES} messages: each stored once, each reply to its own client and session; 4 concurrent /v1 streams`, {
    timeout: 240_000,
  }, async () => {
    const streams = Promise.all(Array.from({ length: 4 }, (_, i) => v1Stream(c.port, API_KEY, `Stream ${i} says`)));
    const load = await runLoad(c, { clients: CLIENTS, messages: MESSAGES });
    console.log(`load: ${JSON.stringify({ ...load, problems: load.problems.length })}`);
    expect(load.problems.slice(0, 20)).toEqual([]);
    expect(load.storedUser).toBe(CLIENTS * MESSAGES);
    expect(load.storedAssistant).toBe(CLIENTS * MESSAGES);
    expect(load.duplicates).toBe(0);
    expect(load.lost).toBe(0);
    expect(load.ownRepliesDelivered).toBe(CLIENTS * MESSAGES);
    // What the protocol broadcasts: reply events go to every client that said hello (the design
    // today), or only to the client(s) of that session; either way consistently, never partially.
    expect(['all', 'own']).toContain(load.delivery);

    const done = await streams;
    for (const s of done) {
      expect(s.status).toBe(200);
      expect(s.done).toBe(true);
      expect(s.finish).toMatch(/^(stop|length)$/);
      expect(s.chunks).toBeGreaterThan(1);
    }
  });
});
