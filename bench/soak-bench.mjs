// Slow consumers (issue 12): the companion's RSS with 10 clients that never read while they keep
// asking (status.get as fast as they can, the rate limit set high as in the campaign) and a normal
// client chatting, against the same run without them (the normal client alone). Backpressure closes
// each stuck client once ~8 MB wait for it (the campaign saw 1.7-2.8 GB without).
//
// Prints `name: value` lines: soak_{baseline,stuck}_rss_{start,peak,end}_mb, soak_peak_ratio
// (stuck peak / baseline peak), soak_stuck_closed (closed by the companion with 1008 "too slow"
// before the run ended, of 10), soak_requests_per_client. SOAK_BUNDLE runs another companion bundle.
// Measured 2026-12-03 (2 cores, shared): baseline peak 119 MB, stuck peak 244 MB (ratio 2.05, 10 of
// 10 closed; the rest is 10 x 8 MB plus the heap of 1.5 M requests); the same bundle with the hard
// limit disabled: stuck peak 1857 MB (ratio 15.84, none closed).
// Linux (reads /proc/<pid>/status).
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { MODEL, startBenchCompanion } from './lib/companion.mjs';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 10);
const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 150_000);
const CHATS = Number(process.env.SOAK_CHATS ?? 3);
const PROTOCOL_VERSION = 1;

const rss = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};

async function startCompanion() {
  const { proc, ready } = await startBenchCompanion({
    model: MODEL,
    bundle: process.env.SOAK_BUNDLE,
    stderr: 'pipe',
    prefix: 'alisa-soak-',
    args: ['--prompt-style', 'compact', '--history-tokens', '300', '--max-reply-tokens', '40', '--rate-limit', '100000', '--parent-pid', String(process.pid)],
  });
  return { proc, port: ready.port, token: ready.token };
}

async function connect(c) {
  const ws = new WebSocket(`ws://127.0.0.1:${c.port}/ws`, { headers: { authorization: `Bearer ${c.token}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const welcome = new Promise((resolve) => ws.once('message', resolve));
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'soak' }));
  await welcome;
  return ws;
}

async function chat(ws, text) {
  const id = `c${Math.random()}`;
  const done = new Promise((resolve) => {
    let replyId = null;
    const onMessage = (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'response' && m.id === id) replyId = m.result.replyId;
      if ((m.type === 'reply.end' || m.type === 'reply.error') && m.replyId === replyId) {
        ws.off('message', onMessage);
        resolve();
      }
    };
    ws.on('message', onMessage);
  });
  ws.send(JSON.stringify({ type: 'request', id, method: 'chat.send', params: { text } }));
  await done;
}

/** Sends `REQUESTS` status.get requests in batches, each batch flushed before the next. */
async function flood(ws) {
  const frame = JSON.stringify({ type: 'request', id: 'x', method: 'status.get', params: {} });
  for (let sent = 0; sent < REQUESTS && ws.readyState === WebSocket.OPEN; sent += 1000) {
    for (let i = 0; i < 999; i++) ws.send(frame);
    await new Promise((resolve) => ws.send(frame, resolve));
  }
}

async function run(stuck) {
  const c = await startCompanion();
  const normal = await connect(c);
  await chat(normal, 'Once upon a time'); // the model loaded: the start figure includes it
  const start = rss(c.proc.pid);
  let peak = start;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(c.proc.pid))), 50);
  const clients = stuck ? await Promise.all(Array.from({ length: CLIENTS }, () => connect(c))) : [];
  let closed = 0;
  for (const ws of clients) {
    ws.on('close', (code) => code === 1008 && closed++);
    ws.on('error', () => {}); // a stuck client's writes may fail once the companion destroys it
    ws._socket.pause();
  }
  const chatting = (async () => {
    for (let i = 0; i < CHATS; i++) await chat(normal, 'The little dog');
  })();
  await Promise.all(clients.map(flood));
  await chatting;
  // A reading client has its answers by now; the stuck ones resume so that their sockets end.
  for (const ws of clients) ws._socket.resume();
  await Promise.all(
    clients.map((ws) =>
      ws.readyState === WebSocket.CLOSED
        ? null
        : new Promise((resolve) => {
            ws.once('close', resolve);
            ws.close();
          }),
    ),
  );
  peak = Math.max(peak, rss(c.proc.pid));
  clearInterval(sampler);
  const end = rss(c.proc.pid);
  normal.close();
  c.proc.kill('SIGTERM');
  await new Promise((resolve) => c.proc.once('exit', resolve));
  return { start, peak, end, closedByServer: closed };
}

const baseline = await run(false);
const stuckRun = await run(true);
const mb = (x) => x.toFixed(0);
console.log(`soak_requests_per_client: ${REQUESTS}`);
console.log(`soak_baseline_rss_start_mb: ${mb(baseline.start)}`);
console.log(`soak_baseline_rss_peak_mb: ${mb(baseline.peak)}`);
console.log(`soak_baseline_rss_end_mb: ${mb(baseline.end)}`);
console.log(`soak_stuck_rss_start_mb: ${mb(stuckRun.start)}`);
console.log(`soak_stuck_rss_peak_mb: ${mb(stuckRun.peak)}`);
console.log(`soak_stuck_rss_end_mb: ${mb(stuckRun.end)}`);
console.log(`soak_peak_ratio: ${(stuckRun.peak / baseline.peak).toFixed(2)}`);
console.log(`soak_stuck_closed: ${stuckRun.closedByServer} of ${CLIENTS}`);
