// What the waifu-rt3d API costs (issue 19), against the real companion with the real tiny model
// and espeak-ng, each figure against a baseline run side by side in the same run:
//   - /api/tts: a repeated request (served from its content-hash file) against a new text
//     (synthesised by espeak-ng): `waifu_tts_cached_ratio` = cached / synthesised, median of rounds;
//   - /api/chat (the whole reply in one HTTP answer, message stored) against the same reply over
//     the WebSocket protocol (chat.send, wait for reply.end): `waifu_chat_vs_ws_ratio`.
// Prints `name: value` lines.
//   node dist-bench/waifu-api-bench.cjs   (bundled by bench/run-all.mjs)
import { startCompanion, TestClient } from '../tests/helpers/companion';
import { runMain } from './lib/main';
import { alternate, median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_WAIFU_ROUNDS ?? 10);

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

runMain(async () => {
  const c = await startCompanion({ args: ['--waifu-port', '0', '--tts-engines', 'espeak', '--no-idle', '--mute'] });
  try {
    const base = `http://127.0.0.1:${c.waifuPort}`;
    const client = await TestClient.connect(c);
    // Warm both paths: the model loaded, espeak-ng's data in the page cache, the clip made once.
    await post(base, '/api/tts', { text: 'Warming up the voice.' });
    await post(base, '/api/chat?session_id=1', { text: 'Hello there.' });

    const [synth, cached] = await alternate(
      ROUNDS,
      (i: number) => timed(async () => void (await post(base, '/api/tts', { text: `This is sentence number ${i} of the benchmark.` }))),
      (i: number) =>
        timed(async () => {
          const r = await post(base, '/api/tts', { text: `This is sentence number ${i} of the benchmark.` });
          if ((r.meta as { cached?: boolean }).cached !== true) throw new Error('the repeated request was not served from the cache');
        }),
    );
    const synthMs = median(synth);
    const cachedMs = median(cached);
    console.log(`waifu_tts_synthesised_ms: ${synthMs.toFixed(1)}`);
    console.log(`waifu_tts_cached_ms: ${cachedMs.toFixed(1)}`);
    console.log(`waifu_tts_cached_ratio: ${(cachedMs / synthMs).toFixed(3)}`);

    const session = (await post(base, '/api/sessions', { title: 'bench' })).session_id as number;
    const wsSession = (await client.request('session.create', { title: 'bench ws' })).id;
    const [http, ws] = await alternate(
      ROUNDS,
      (i: number) => timed(async () => void (await post(base, `/api/chat?session_id=${session}`, { text: `Tell me a story ${i}.` }))),
      (i: number) =>
        timed(async () => {
          const { replyId } = await client.request('chat.send', { text: `Tell me a story ${i}.`, sessionId: wsSession });
          await client.reply(replyId!);
        }),
    );
    const httpMs = median(http);
    const wsMs = median(ws);
    console.log(`waifu_chat_ms: ${httpMs.toFixed(1)}`);
    console.log(`waifu_chat_ws_baseline_ms: ${wsMs.toFixed(1)}`);
    console.log(`waifu_chat_vs_ws_ratio: ${(httpMs / wsMs).toFixed(3)}`);
    client.close();
  } finally {
    await c.stop();
  }
});
