// A locked and a damaged database (issue 12), against the real companion (no model):
// - while another process holds the write lock (BEGIN EXCLUSIVE), a client keeps sending chat.send
//   (each a write that meets the lock) and another measures /health: its latency should stay at
//   the unlocked figure (the campaign saw /health frozen 5 s by SQLite's busy wait on the loop).
// - the cost of the integrity check at open (quick_check) for a history of LOCK_BENCH_MESSAGES.
//
// Prints `name: value` lines: lock_health_{p50,max}_ms_{free,locked}, lock_chat_send_max_ms
// (time to the database_locked answer), lock_quick_check_ms, lock_quick_check_db_mb.
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { ROOT as root, startBenchCompanion } from './lib/companion.mjs';

const require = createRequire(path.join(root, 'package.json'));
const Database = require('better-sqlite3');
const ROUNDS = Number(process.env.LOCK_BENCH_ROUNDS ?? 200);
const MESSAGES = Number(process.env.LOCK_BENCH_MESSAGES ?? 50_000);

async function startCompanion(data) {
  const { proc, ready } = await startBenchCompanion({
    model: null,
    data,
    stderr: 'pipe',
    args: ['--rate-limit', '100000', '--parent-pid', String(process.pid)],
  });
  return { proc, port: ready.port, token: ready.token };
}

async function connect(c) {
  const ws = new WebSocket(`ws://127.0.0.1:${c.port}/ws`, { headers: { authorization: `Bearer ${c.token}` } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const waiting = new Map();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'welcome') waiting.get('hello')?.(m);
    if ((m.type === 'response' || m.type === 'error') && waiting.has(m.id)) waiting.get(m.id)(m);
  });
  const ask = (id, send) => new Promise((resolve) => (waiting.set(id, resolve), send()));
  await ask('hello', () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, client: 'bench' })));
  let n = 0;
  return {
    ws,
    request: (method, params) => {
      const id = `b${n++}`;
      return ask(id, () => ws.send(JSON.stringify({ type: 'request', id, method, params })));
    },
  };
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function healthTimes(c, rounds, during) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${c.port}/health`, { headers: { authorization: `Bearer ${c.token}` } });
    await res.json();
    times.push(performance.now() - t0);
    await during?.();
  }
  return times;
}

const data = mkdtempSync(path.join(os.tmpdir(), 'alisa-lock-bench-'));
const c = await startCompanion(data);
const client = await connect(c);
const free = await healthTimes(c, ROUNDS);
const holder = spawn(
  process.execPath,
  [
    '-e',
    `const D=require('better-sqlite3');const db=new D(${JSON.stringify(path.join(data, 'alisa.db'))});db.exec('BEGIN EXCLUSIVE');db.prepare('SELECT 1').get();process.stdout.write('locked\\n');process.stdin.once('data',()=>{db.exec('COMMIT');db.close();process.exit(0)});`,
  ],
  { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
);
await new Promise((resolve) => readline.createInterface({ input: holder.stdout }).once('line', resolve));
const sendTimes = [];
let lockedAnswers = 0;
const locked = await healthTimes(c, ROUNDS, async () => {
  const t0 = performance.now();
  const answer = await client.request('chat.send', { text: 'while locked' });
  sendTimes.push(performance.now() - t0);
  if (answer.type === 'error' && answer.error.code === 'database_locked') lockedAnswers++;
});
holder.stdin.write('go\n');
await new Promise((resolve) => holder.once('exit', resolve));
client.ws.close();
c.proc.kill();

const big = path.join(mkdtempSync(path.join(os.tmpdir(), 'alisa-qc-bench-')), 'alisa.db');
const db = new Database(big);
db.exec('CREATE TABLE m (id INTEGER PRIMARY KEY, text TEXT); CREATE INDEX m_text ON m(text)');
const insert = db.prepare('INSERT INTO m (text) VALUES (?)');
db.transaction(() => {
  for (let i = 0; i < MESSAGES; i++) insert.run(`message ${i} ${'about the little dog in the park '.repeat(6)}`);
})();
db.close();
const check = new Database(big, { readonly: true });
const t0 = performance.now();
const ok = check.pragma('quick_check', { simple: true });
const qc = performance.now() - t0;
check.close();

const r = (x) => Math.round(x * 100) / 100;
console.log(`lock_health_p50_ms_free: ${r(pct(free, 50))}`);
console.log(`lock_health_max_ms_free: ${r(Math.max(...free))}`);
console.log(`lock_health_p50_ms_locked: ${r(pct(locked, 50))}`);
console.log(`lock_health_max_ms_locked: ${r(Math.max(...locked))}`);
console.log(`lock_chat_send_max_ms: ${r(Math.max(...sendTimes))}`);
console.log(`lock_chat_send_database_locked: ${lockedAnswers}/${sendTimes.length}`);
console.log(`lock_quick_check_ms: ${r(qc)} (${MESSAGES} rows, ${ok})`);
console.log(`lock_quick_check_db_mb: ${r(statSync(big).size / 1024 / 1024)}`);
