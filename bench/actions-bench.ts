// What Alisa's one policy costs per action (issue 16), against calling the action directly, both
// measured in this run, alternating so both sides share the machine's load:
//   1. policy: `ActionExecutor.run` (schema check, path check, policy, rate limit, audit row in the
//      real SQLite, the action.done event) around write_note, against `writeNote` alone;
//   2. tool loop: a chat reply in which the model (an OpenAI-compatible server in tests/ with
//      scripted decisions) calls read_file once, through the real companion and its executor,
//      against the same reply without the call; the difference is what one call adds to a reply.
// Prints `name: value` lines like the other benches.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionExecutor } from '../companion/actions/executor';
import { X11Desktop } from '../companion/actions/desktop';
import { writeNote } from '../companion/actions/notes';
import { MemoryStore } from '../companion/memory';
import type { CompanionMessage } from '../protocol';
import { startCompanion, TestClient } from '../tests/helpers/companion';
import { startToolServer } from '../tests/helpers/fake-tool-server';
import { runMain } from './lib/main';
import { alternate, machineLoad, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ACTION_ROUNDS ?? 15);
const PER_ROUND = 20;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** The medians of both sides, what ours adds (ms) and the ratio ours / baseline. */
function report([baseName, oursName, what]: [string, string, string], baseline: number[], ours: number[], digits: number): void {
  const b = median(baseline);
  const o = median(ours);
  console.log(`actions_${baseName}_ms: ${b.toFixed(digits)}`);
  console.log(`actions_${oursName}_ms: ${o.toFixed(digits)}`);
  console.log(`actions_${what}_overhead_ms: ${(o - b).toFixed(digits)}`);
  console.log(`actions_${what}_ratio: ${(o / b).toFixed(2)}`);
}

async function policyFigures(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-actions-bench-'));
  const store = MemoryStore.open(path.join(dir, 'alisa.db'));
  const executor = new ActionExecutor({
    memory: () => store,
    emit: () => {},
    desktop: new X11Desktop(undefined, {}),
    notesDir: path.join(dir, 'ours'),
    log: () => {},
    // The user's own notes run without a question here: what is measured is the policy, not a person.
    settings: { rules: { read: 'allow', workspace: 'allow', program: 'ask', desktop: 'ask', online: 'ask' }, perMinute: 600 },
  });
  const direct = path.join(dir, 'direct');
  let n = 0;
  const [baseline, ours] = await alternate(
    ROUNDS,
    async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) writeNote(direct, `note ${n++}`, undefined, new Date());
      return ms(t0) / PER_ROUND;
    },
    async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) {
        const o = await executor.run({ action: 'write_note', args: { text: `note ${n++}` }, source: 'user', clientId: null, workspace: null });
        if (o.status !== 'done') throw new Error(`write_note ${o.status}: ${o.reason}`);
      }
      // The rate limit is per minute; the bench is not what it limits.
      executor.configure({ perMinute: 600 });
      return ms(t0) / PER_ROUND;
    },
  );
  report(['write_note_direct', 'write_note_executor', 'policy'], baseline, ours, 3);
  store.close();
}

async function toolLoopFigures(): Promise<void> {
  const notes = mkdtempSync(path.join(os.tmpdir(), 'alisa-actions-bench-notes-'));
  writeFileSync(path.join(notes, 'todo.txt'), 'call mum\n');
  let callNext = false;
  const server = await startToolServer((req) => {
    const answered = req.messages.some((m) => m.role === 'tool');
    if (callNext && !answered) return { calls: [{ name: 'read_file', args: { path: 'todo.txt' } }] };
    return { text: '<emotion=calm> Done.' };
  });
  // Replies back to back: more frames a second than a person sends (the default limit is 20).
  const c = await startCompanion({
    model: null,
    args: ['--providers', 'openai', '--endpoint', server.url, '--no-idle', '--mute', '--notes-dir', notes, '--rate-limit', '1000'],
  });
  const client = await TestClient.connect(c);
  const reply = async (withCall: boolean): Promise<number> => {
    callNext = withCall;
    const t0 = process.hrtime.bigint();
    const { replyId } = await client.request('chat.send', { text: 'What is on my list?' });
    const end = await client.waitFor((m) => (m.type === 'reply.end' || m.type === 'reply.error') && m.replyId === replyId);
    if ((end as CompanionMessage).type !== 'reply.end') throw new Error(`the reply failed: ${JSON.stringify(end)}`);
    return ms(t0);
  };
  try {
    await reply(false); // warm-up: the first request checks the server
    const [plain, withCall] = await alternate(
      ROUNDS * 2,
      () => reply(false),
      () => reply(true),
    );
    report(['reply_without_tool', 'reply_with_one_tool_call', 'tool_loop'], plain, withCall, 2);
  } finally {
    client.close();
    await c.stop();
    await server.close();
  }
}

runMain(async () => {
  console.log(`actions_load: ${machineLoad()}`);
  await policyFigures();
  await toolLoopFigures();
});
