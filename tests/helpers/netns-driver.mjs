// Runs inside an empty network namespace made by tests/network-namespace.test.ts (`unshare -rn`):
// loopback, plus one veth interface `v0` that carries the default route, so every packet that
// leaves loopback (a DNS query, a TCP SYN, the ARP before it) is counted by the kernel in v0's
// transmit counter (/proc/net/dev), whatever made it. It starts the real companion twice with
// `--network MODE`, makes real attempts to other machines, and prints one JSON line:
//   {mode, txBefore, txAfter, phase1: {...}, phase2: {...}}
// Phase 1: a model given as an https:// URI and a remote --endpoint (model.load).
// Phase 2: a reply spoken with Microsoft Edge's online voice (the real endpoint's host name).
// Usage: node netns-driver.mjs MODE COMPANION_BUNDLE LOCAL_MODEL
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';

const [mode, bundle, localModel] = process.argv.slice(2);
const TINY = ['--threads', '1', '--gpu', 'off', '--prompt-style', 'compact', '--history-tokens', '300', '--max-reply-tokens', '30'];

function txPackets() {
  const line = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('v0:'));
  if (!line) throw new Error('no v0 interface in this namespace');
  return Number(line.split(':')[1].trim().split(/\s+/)[9]);
}

async function companion(args) {
  const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-netns-'));
  const proc = spawn(process.execPath, [bundle, '--data', data, '--network', mode, ...TINY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const ready = JSON.parse(
    await new Promise((resolve, reject) => {
      readline.createInterface({ input: proc.stdout }).once('line', resolve);
      proc.once('exit', (code) => reject(new Error(`companion exited ${code}: ${stderr}`)));
    }),
  );
  const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/ws`, { headers: { authorization: `Bearer ${ready.token}` } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const events = [];
  const waiters = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    events.push(m);
    for (const w of [...waiters]) if (w.pred(m)) waiters.splice(waiters.indexOf(w), 1), w.resolve(m);
  });
  const waitFor = (pred, ms = 45_000) => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; last events: ${JSON.stringify(events.slice(-3))}`)), ms);
      waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  };
  let n = 0;
  const request = async (method, params) => {
    const id = `d${++n}`;
    const answer = waitFor((m) => (m.type === 'response' || m.type === 'error') && m.id === id);
    ws.send(JSON.stringify({ type: 'request', id, method, params }));
    const m = await answer;
    if (m.type === 'error') throw new Error(m.error.message);
    return m.result;
  };
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: ready.protocolVersion, client: 'netns-driver' }));
  await waitFor((m) => m.type === 'welcome');
  const stop = async () => {
    ws.close();
    // The control leaves connections hanging (nothing answers on v0): no need for a graceful stop.
    proc.kill(mode === 'offline' ? 'SIGTERM' : 'SIGKILL');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
  };
  return { request, waitFor, stop };
}

/** Until the kernel counted a packet on v0 (the control: something did leave), or `ms` passed. */
async function untilTx(before, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (txPackets() > before) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const provider = (m, id) => (m.type === 'status' ? m.status.providers.find((p) => p.provider === id) : null);
const txBefore = txPackets();
const result = { mode, txBefore };

// Phase 1: a model to download (https://) and a remote endpoint (an address on v0's side).
{
  const c = await companion([
    '--model',
    'https://huggingface.co/ggml-org/tiny-llamas/resolve/main/stories260K.gguf',
    '--no-model',
    '--providers',
    'embedded,openai',
    '--endpoint',
    'http://10.9.8.7:9/v1',
    '--llm-timeout',
    '2000',
  ]);
  await c.request('model.load', {});
  if (mode === 'offline') {
    const blocked = await c.waitFor((m) => provider(m, 'embedded')?.error && provider(m, 'openai')?.error);
    result.phase1 = {
      embedded: provider(blocked, 'embedded').error.code,
      openai: provider(blocked, 'openai').error.code,
      activity: (await c.request('network.activity', {})).records,
    };
  } else {
    result.phase1 = { left: await untilTx(txBefore, 20_000) };
  }
  await c.stop();
}

// Phase 2: she speaks a reply; Edge's online voice comes first.
{
  const c = await companion(['--model', localModel, '--tts-engines', 'msedge,espeak', '--tts-timeout-ms', '3000']);
  const before = txPackets();
  const { replyId } = await c.request('chat.send', { text: 'Hello there.' });
  if (mode === 'offline') {
    await c.waitFor((m) => m.type === 'speech.end' && m.replyId === replyId);
    const voice = await c.request('voice.status', {});
    result.phase2 = { msedge: voice.tts[0], activity: (await c.request('network.activity', {})).records };
  } else {
    result.phase2 = { left: await untilTx(before, 20_000) };
  }
  await c.stop();
}

result.txAfter = txPackets();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
