// The campaign of issue 12, as figures (the assertions are tests/campaign-fuzz.test.ts and
// tests/campaign-load.test.ts, which share tests/helpers/campaign.ts with this bench):
// - fuzz: frames fuzzed, answers, errors by code, HTTP bodies fuzzed and their statuses, RSS
//   after warm-up / peak / after the fuzz and the end/start ratio, violations (must be 0);
// - load: 20 clients x 100 messages (CAMPAIGN_LOAD_MESSAGES): stored / expected, duplicates,
//   lost, throughput in messages/s, against one client alone in the same run (the ratio).
// Prints name: value lines. CAMPAIGN_SEED=n changes the seed.
import { emptyStats, fuzzConnection, fuzzHttp, rssBytes, runLoad } from '../tests/helpers/campaign';
import { startCompanion, TestClient } from '../tests/helpers/companion';

const SEED = Number(process.env.CAMPAIGN_SEED ?? 12);
const API_KEY = 'campaign-bench-api-key-0123456789abcdef';
const MESSAGES = Number(process.env.CAMPAIGN_LOAD_MESSAGES ?? 100);
const mb = (b: number) => (b / 1e6).toFixed(1);

async function main(): Promise<void> {
  // 1. fuzz
  {
    const c = await startCompanion({ args: ['--rate-limit', '100000', '--max-reply-tokens', '8'], env: { ALISA_API_KEY: API_KEY } });
    const pid = c.proc.pid!;
    const main = await TestClient.connect(c);
    const s = await main.request('session.create', {});
    const r = await main.request('chat.send', { text: 'Once upon a time', sessionId: s.id });
    await main.reply(r.replyId!);
    await fuzzConnection(main, { seed: SEED + 1000, count: 1_000, authed: true, stats: emptyStats(), prefix: 'warm' });
    await fuzzHttp(c, API_KEY, SEED + 1000, 100);
    const rssStart = rssBytes(pid);
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid))), 50);
    const stats = emptyStats();
    const t0 = performance.now();
    const clients = await Promise.all(Array.from({ length: 4 }, () => TestClient.connect(c)));
    const before = await TestClient.connect(c, { hello: false });
    await Promise.all([
      ...clients.map((cl, i) => fuzzConnection(cl, { seed: SEED + i, count: 2_400, authed: true, stats, prefix: `c${i}` })),
      fuzzConnection(before, { seed: SEED + 99, count: 400, authed: false, stats, prefix: 'pre' }),
    ]);
    const fuzzSeconds = (performance.now() - t0) / 1000;
    const closedEarly = [...clients, before].filter((cl) => cl.closed).length;
    for (const cl of [...clients, before]) cl.close();
    const httpRun = await fuzzHttp(c, API_KEY, SEED, 300);
    clearInterval(sampler);
    let rssEnd = rssBytes(pid);
    const settleStart = performance.now();
    while (rssEnd > rssStart * 1.2 && performance.now() - settleStart < 60_000) {
      await main.request('status.get', {});
      await new Promise((res) => setTimeout(res, 250));
      rssEnd = rssBytes(pid);
    }
    const r2 = await main.request('chat.send', { text: 'And then', sessionId: s.id });
    const after = await main.reply(r2.replyId!);
    const statuses: Record<string, number> = {};
    for (const a of httpRun.answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    console.log(`campaign_fuzz_frames: ${stats.frames}`);
    console.log(`campaign_fuzz_answers: ${stats.answers}`);
    console.log(`campaign_fuzz_errors_by_code: ${JSON.stringify(stats.byCode)}`);
    console.log(`campaign_fuzz_responses: ${stats.responses}`);
    console.log(`campaign_fuzz_internal_errors: ${stats.byCode.internal ?? 0}`);
    console.log(`campaign_fuzz_violations: ${stats.violations.length + httpRun.violations.length}`);
    for (const v of [...stats.violations, ...httpRun.violations].slice(0, 5)) console.log(`campaign_fuzz_violation: ${v}`);
    console.log(`campaign_fuzz_connections_closed: ${closedEarly}`);
    console.log(`campaign_fuzz_seconds: ${fuzzSeconds.toFixed(2)}`);
    console.log(`campaign_fuzz_http_requests: ${httpRun.answers.length}`);
    console.log(`campaign_fuzz_http_statuses: ${JSON.stringify(statuses)}`);
    console.log(`campaign_fuzz_rss_start_mb: ${mb(rssStart)}`);
    console.log(`campaign_fuzz_rss_peak_mb: ${mb(rssPeak)}`);
    console.log(`campaign_fuzz_rss_end_mb: ${mb(rssEnd)}`);
    console.log(`campaign_fuzz_rss_end_ratio: ${(rssEnd / rssStart).toFixed(3)}`);
    console.log(`campaign_fuzz_companion_alive: ${c.proc.exitCode === null}`);
    console.log(`campaign_fuzz_chat_after: ${after.some((e) => e.type === 'reply.end')}`);
    main.close();
    await c.stop();
  }

  // 2. load: one client alone, then 20 at once, on the same companion.
  {
    const c = await startCompanion({ args: ['--max-reply-tokens', '4'], env: { ALISA_API_KEY: API_KEY } });
    const single = await runLoad(c, { clients: 1, messages: MESSAGES });
    const load = await runLoad(c, { clients: 20, messages: MESSAGES });
    console.log(`campaign_load_clients: ${load.clients}`);
    console.log(`campaign_load_messages_per_client: ${load.messages}`);
    console.log(`campaign_load_stored_user: ${load.storedUser}`);
    console.log(`campaign_load_expected: ${load.expected}`);
    console.log(`campaign_load_stored_assistant: ${load.storedAssistant}`);
    console.log(`campaign_load_duplicates: ${load.duplicates}`);
    console.log(`campaign_load_lost: ${load.lost}`);
    console.log(`campaign_load_own_replies_delivered: ${load.ownRepliesDelivered}`);
    console.log(`campaign_load_delivery: ${load.delivery}`);
    console.log(`campaign_load_problems: ${load.problems.length + single.problems.length}`);
    for (const p of [...single.problems, ...load.problems].slice(0, 5)) console.log(`campaign_load_problem: ${p}`);
    console.log(`campaign_load_seconds: ${load.seconds.toFixed(2)}`);
    console.log(`campaign_load_messages_per_s: ${load.messagesPerSecond.toFixed(2)}`);
    console.log(`campaign_load_single_client_messages_per_s: ${single.messagesPerSecond.toFixed(2)}`);
    console.log(`campaign_load_throughput_ratio_20_vs_1: ${(load.messagesPerSecond / single.messagesPerSecond).toFixed(2)}`);
    await c.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
