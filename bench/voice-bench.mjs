// Speech out: how soon Alisa starts talking compared with how long the reply takes to write,
// how fast each available engine synthesises, and what a cache hit costs. Runs the real,
// built companion (dist/companion.mjs, `npm run build` first) with the real model and espeak-ng.
//
// Prints `name: value` lines:
//   voice_first_audio_ms         chat.send -> first speech.chunk (median, uncached)
//   voice_full_reply_ms          chat.send -> reply.end (median)
//   voice_first_audio_ratio      first audio / full reply (median of per-run ratios; goal <= 0.3)
//   voice_sentences_per_reply    chunks per reply
//   voice_rtf_<engine>           synthesis time / audio duration per engine that works here
//                                (espeak directly; msedge against the real Edge service, 4 s limit)
//   voice_cache_miss_tail_ms     reply.end -> speech.end, uncached (the last sentence's synthesis)
//   voice_cache_hit_tail_ms      the same reply again, every sentence from the cache
//   voice_cache_hit_first_audio_ms  chat.send -> first chunk when cached
import { spawnSync } from 'node:child_process';
import { connectBench, MODEL, startBenchCompanion } from './lib/companion.mjs';
import { median } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
// Long enough for several sentences; the ratio is about replies that take a while to write.
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 400);
const PROMPTS = [
  'Once upon a time there was a little girl who loved the sea',
  'Tell me a story about a dragon and a cat',
  'The dog ran to the park and found a ball',
  'Lily and Tom went to the forest',
  'There was a big red car in the town',
  'A little bird wanted to fly high',
  'The sun was shining and the children played',
];
const f = (x) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(2));

function hasEspeak() {
  return spawnSync('espeak-ng', ['--version']).status === 0;
}

async function startCompanion(extra) {
  const { proc, ready } = await startBenchCompanion({
    model: MODEL,
    prefix: 'alisa-voice-bench-',
    args: ['--prompt-style', 'compact', '--history-tokens', '0', '--temperature', '0', '--max-reply-tokens', String(MAX_TOKENS), ...extra],
  });
  const { ws, next: until, listeners, request } = await connectBench(ready, 'voice-bench');
  /** One reply in a fresh session: timings of its text and its speech. */
  const run = async (prompt) => {
    const session = await request('session.create', {});
    const events = [];
    const t0 = performance.now();
    let replyId = null;
    const rec = (m) => events.push({ m, t: performance.now() - t0 });
    listeners.add(rec);
    const sent = await request('chat.send', { text: prompt, sessionId: session.id });
    replyId = sent.replyId;
    await until((m) => (m.type === 'reply.end' || m.type === 'reply.error') && m.replyId === replyId);
    await Promise.race([until((m) => m.type === 'speech.end' && m.replyId === replyId), new Promise((r) => setTimeout(r, 30_000))]);
    listeners.delete(rec);
    const at = (pred) => events.find((e) => pred(e.m))?.t;
    const chunks = events.filter((e) => e.m.type === 'speech.chunk' && e.m.replyId === replyId);
    return {
      firstAudio: chunks[0]?.t,
      replyEnd: at((m) => m.type === 'reply.end' && m.replyId === replyId),
      speechEnd: at((m) => m.type === 'speech.end' && m.replyId === replyId),
      chunks: chunks.length,
      audioMs: chunks.reduce((s, e) => s + (e.m.durationMs ?? 0), 0),
    };
  };
  return { run, stop: () => (ws.close(), proc.kill('SIGTERM')) };
}

function espeakRtf() {
  const text = 'Alisa is reading this sentence aloud to measure how fast the engine speaks compared with real time.';
  const times = [];
  let durationMs = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const r = spawnSync('espeak-ng', ['--stdout', '-v', 'en-us', '-s', '201', '-p', '55', text], { maxBuffer: 64 << 20 });
    times.push(performance.now() - t0);
    durationMs = ((r.stdout.length - 44) / (22050 * 2)) * 1000;
  }
  return median(times) / durationMs;
}

async function msedgeRtf() {
  // The real Edge service; offline this fails within milliseconds (DNS) and is reported n/a.
  try {
    const { MsEdgeTTS, OUTPUT_FORMAT } = await import('msedge-tts');
    const tts = new MsEdgeTTS();
    const work = (async () => {
      await tts.setMetadata('en-US-AnaNeural', OUTPUT_FORMAT.AUDIO_24KHZ_48KBITRATE_MONO_MP3, {});
      const t0 = performance.now();
      const { audioStream } = tts.toStream('Alisa is reading this sentence aloud to measure how fast the engine speaks.', { rate: '+15%', pitch: '+10Hz' });
      const chunks = [];
      await new Promise((resolve, reject) => {
        audioStream.on('data', (d) => chunks.push(d));
        audioStream.once('end', resolve);
        audioStream.once('error', reject);
      });
      const bytes = chunks.reduce((s, c) => s + c.length, 0);
      return (performance.now() - t0) / (((bytes * 8) / 48_000) * 1000);
    })();
    work.catch(() => {});
    const r = await Promise.race([work, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 4 s')), 4000))]);
    tts.close();
    return { rtf: r };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

if (!hasEspeak()) {
  console.log('voice_bench: skipped (espeak-ng is not installed: sudo apt install espeak-ng)');
  process.exit(0);
}

// Engines, outside the companion.
console.log(`voice_rtf_espeak: ${espeakRtf().toFixed(4)}`);
const edge = await msedgeRtf();
console.log(`voice_rtf_msedge: ${edge.rtf !== undefined ? edge.rtf.toFixed(4) : `n/a (${edge.error})`}`);
console.log(`voice_rtf_piper: n/a (not installed here)`);

// Through the companion, espeak-ng speaking.
const c = await startCompanion(['--tts-engines', 'espeak']);
await c.run('Hello'); // warm-up: the model loads on the first chat
const uncached = [];
for (let i = 0; i < RUNS; i++) uncached.push(await c.run(PROMPTS[i % PROMPTS.length]));
// The same prompts again (temperature 0: the same replies): every sentence comes from the cache.
const cached = [];
for (let i = 0; i < RUNS; i++) cached.push(await c.run(PROMPTS[i % PROMPTS.length]));
c.stop();

const spoken = uncached.filter((r) => r.firstAudio !== undefined && r.replyEnd !== undefined);
console.log(`voice_runs: ${spoken.length}/${uncached.length}`);
console.log(`voice_sentences_per_reply: ${median(uncached.map((r) => r.chunks))}`);
console.log(`voice_first_audio_ms: ${f(median(spoken.map((r) => r.firstAudio)))}`);
console.log(`voice_full_reply_ms: ${f(median(spoken.map((r) => r.replyEnd)))}`);
console.log(`voice_first_audio_ratio: ${f(median(spoken.map((r) => r.firstAudio / r.replyEnd)))}`);
console.log(`voice_audio_per_reply_ms: ${f(median(spoken.map((r) => r.audioMs)))}`);
console.log(`voice_cache_miss_tail_ms: ${f(median(uncached.filter((r) => r.speechEnd !== undefined).map((r) => r.speechEnd - r.replyEnd)))}`);
console.log(`voice_cache_hit_tail_ms: ${f(median(cached.filter((r) => r.speechEnd !== undefined).map((r) => r.speechEnd - r.replyEnd)))}`);
console.log(`voice_cache_hit_first_audio_ms: ${f(median(cached.filter((r) => r.firstAudio !== undefined).map((r) => r.firstAudio)))}`);
process.exit(0);
