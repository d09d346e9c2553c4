// Memory store benchmark: insert throughput through MemoryStore.addMessage and full-text
// search latency on a 100,000-message history, next to the same SQL run on a bare
// better-sqlite3 connection (the floor: what SQLite itself costs) and to the store ranking
// every match instead of the newest window (see companion/memory/search.ts).
// Bundles companion/memory/index.ts with esbuild first, so it measures the real TypeScript.
// `node bench/memory-bench.mjs [--messages N] [--searches N] [--rounds N] [--window N]`; prints `name: value` lines.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const MESSAGES = arg('messages', 100_000);
const SEARCHES = arg('searches', 500);
const ROUNDS = arg('rounds', 3);
const BATCH = 1000;
const SESSIONS = 500;

// ---- build ---------------------------------------------------------------------------------

// Inside node_modules so the bundle's `import 'better-sqlite3'` resolves like the app's does.
const outDir = path.join(root, 'node_modules', '.cache', 'alisa-bench');
const outfile = path.join(outDir, `memory-${process.pid}.mjs`);
await esbuild.build({
  entryPoints: [path.join(root, 'companion', 'memory', 'index.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  logLevel: 'warning',
});
const { MemoryStore, parseSearchQuery, DEFAULT_SEARCH_WINDOW } = await import(pathToFileURL(outfile).href);
fs.rmSync(outfile, { force: true });
const WINDOW = arg('window', DEFAULT_SEARCH_WINDOW);

// ---- realistic text from a seeded generator --------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20250101);
const pick = (list) => list[Math.floor(rand() * list.length)];

const W = {
  subject: ['I', 'you', 'we', 'my sister', 'my manager', 'the team', 'our neighbour', 'my friend Sam', 'the cat', 'everyone at work', 'the new intern', 'my grandmother'],
  verb: ['fixed', 'broke', 'refactored', 'deployed', 'tested', 'reviewed', 'painted', 'cooked', 'planned', 'forgot', 'remembered', 'finished', 'started', 'debugged', 'rewrote', 'cleaned', 'ordered', 'visited', 'watched', 'read', 'wrote', 'bought', 'lost', 'found', 'shipped', 'measured', 'explained', 'discussed'],
  base: ['fix', 'test', 'deploy', 'cook', 'plan', 'read', 'write', 'review', 'clean', 'visit', 'watch', 'learn', 'try', 'remember', 'explain', 'build', 'measure', 'compare'],
  adj: ['tiny', 'huge', 'broken', 'shiny', 'strange', 'quiet', 'noisy', 'brilliant', 'awkward', 'cozy', 'slow', 'fast', 'ancient', 'modern', 'fragile', 'sturdy', 'bright', 'gloomy', 'elegant', 'messy', 'delicious', 'bitter', 'sweet', 'complicated', 'simple', 'flaky', 'reliable', 'curious'],
  noun: ['database', 'garden', 'kitchen', 'compiler', 'bicycle', 'lighthouse', 'teapot', 'server', 'keyboard', 'migration', 'library', 'recipe', 'concert', 'mountain', 'river', 'notebook', 'pipeline', 'function', 'window', 'umbrella', 'sandwich', 'spreadsheet', 'telescope', 'violin', 'lantern', 'backpack', 'meeting', 'deadline', 'benchmark', 'test suite', 'tomato', 'pancake', 'castle', 'harbour', 'planet', 'puzzle', 'painting', 'journey', 'festival', 'village'],
  place: ['at home', 'in the office', 'near the station', 'by the river', 'in the garden', 'on the train', 'at the cafe', 'downtown', 'in the mountains', 'at the library', 'upstairs', 'in the basement'],
  time: ['yesterday', 'this morning', 'last night', 'on Monday', 'after lunch', 'before the weekend', 'two weeks ago', 'today', 'at midnight', 'during the storm', 'last summer', 'tomorrow'],
  adv: ['carefully', 'quickly', 'badly', 'happily', 'reluctantly', 'finally', 'secretly', 'gently', 'loudly', 'patiently', 'eventually', 'surprisingly'],
  feeling: ['happy', 'tired', 'curious', 'nervous', 'proud', 'confused', 'relieved', 'excited', 'calm', 'annoyed'],
};
const templates = [
  () => `${cap(pick(W.subject))} ${pick(W.verb)} the ${pick(W.adj)} ${pick(W.noun)} ${pick(W.place)} ${pick(W.time)}.`,
  () => `Did you ${pick(W.base)} the ${pick(W.noun)} ${pick(W.time)}? It looked ${pick(W.adj)} to me.`,
  () => `I feel ${pick(W.feeling)} because ${pick(W.subject)} ${pick(W.adv)} ${pick(W.verb)} my ${pick(W.noun)}.`,
  () => `Honestly, the ${pick(W.noun)} ${pick(W.place)} is ${pick(W.adj)}, but the ${pick(W.noun)} is even more ${pick(W.adj)}.`,
  () => `Let's ${pick(W.base)} the ${pick(W.adj)} ${pick(W.noun)} ${pick(W.time)} and then ${pick(W.base)} the ${pick(W.noun)}.`,
  () => `${cap(pick(W.time))} ${pick(W.subject)} ${pick(W.verb)} a ${pick(W.noun)} and felt ${pick(W.feeling)} about it.`,
  () => `Remind me to ${pick(W.base)} the ${pick(W.noun)} ${pick(W.place)}, it is getting ${pick(W.adj)}.`,
];
function cap(s) {
  return s[0].toUpperCase() + s.slice(1);
}
function message() {
  const n = 1 + Math.floor(rand() * 3);
  let text = '';
  for (let i = 0; i < n; i++) text += (i ? ' ' : '') + pick(templates)();
  return text;
}
const queryWords = [...W.noun.filter((w) => !w.includes(' ')), ...W.adj, ...W.verb, ...W.feeling, ...W.adv, ...W.base];
/** One or two words; one query in five is caught mid-typing (last word cut to 3-5 letters). */
function query() {
  const words = rand() < 0.5 ? [pick(queryWords)] : [pick(queryWords), pick(queryWords)];
  if (rand() < 0.2) words[words.length - 1] = words[words.length - 1].slice(0, 3 + Math.floor(rand() * 3));
  return words.join(' ');
}

// ---- run -----------------------------------------------------------------------------------

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alisa-memory-bench-'));
const file = path.join(dir, 'alisa.db');
const store = MemoryStore.open(file, { searchWindow: WINDOW });
let raw;
try {
  const sessions = [];
  for (let i = 0; i < SESSIONS; i++) sessions.push(store.createSession(`Chat ${i + 1}`).id);
  const texts = Array.from({ length: MESSAGES }, message);

  const t0 = performance.now();
  for (let start = 0; start < MESSAGES; start += BATCH) {
    store.transaction(() => {
      for (let i = start; i < Math.min(start + BATCH, MESSAGES); i++) {
        // Conversations advance in turns, spread over the sessions.
        store.addMessage({ sessionId: sessions[Math.floor(i / 2) % SESSIONS], role: i % 2 ? 'assistant' : 'user', text: texts[i] });
      }
    });
  }
  const insertSeconds = (performance.now() - t0) / 1000;

  // The same statements the store runs (companion/memory/search.ts), on a bare connection:
  // the floor for what these queries cost in SQLite.
  raw = new Database(file, { readonly: true });
  const rawExists = raw.prepare(`SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1`).pluck();
  const rawTopAll = raw.prepare(
    `SELECT rowid AS id, bm25(messages_fts) AS rank FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank, rowid DESC LIMIT ?`,
  );
  const rawTop = raw.prepare(
    `SELECT id, rank FROM (SELECT rowid AS id, bm25(messages_fts) AS rank FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?)
     ORDER BY rank, id DESC LIMIT ?`,
  );
  const rawDetails = raw.prepare(
    `SELECT f.rowid AS id, m.session_id, s.title, m.role, m.created_ts, snippet(messages_fts, 0, '[[', ']]', '…', 12) AS snippet
     FROM messages_fts f JOIN messages m ON m.id = f.rowid JOIN sessions s ON s.id = m.session_id
     WHERE messages_fts MATCH @match AND f.rowid BETWEEN CAST(@lo AS INTEGER) AND CAST(@hi AS INTEGER)
       AND +f.rowid IN (SELECT value FROM json_each(@ids))`,
  );
  const rawSearch = (terms) => {
    const match = terms.prefix === null || rawExists.get(terms.last) ? terms.exact : terms.prefix;
    const top = WINDOW > 0 ? rawTop.all(match, WINDOW, 20) : rawTopAll.all(match, 20);
    if (top.length === 0) return top;
    const ids = top.map((t) => t.id);
    return rawDetails.all({ match, lo: Math.min(...ids), hi: Math.max(...ids), ids: JSON.stringify(ids) });
  };
  // For reference: the same store ranking every match instead of the newest window.
  const fullRank = MemoryStore.open(file, { searchWindow: 0 });

  const queries = Array.from({ length: SEARCHES }, query);
  for (const q of queries.slice(0, 20)) {
    store.search(q);
    rawSearch(parseSearchQuery(q));
  }
  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  // Several rounds over the same queries; each figure is the median of the rounds, so a
  // neighbour process stealing the CPU for a moment does not decide the result.
  const rounds = [];
  let hits = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const ours = [];
    const base = [];
    const full = [];
    const timeOurs = (q) => {
      const t = performance.now();
      hits += store.search(q, 20).length;
      ours.push(performance.now() - t);
    };
    const timeRaw = (q) => {
      const terms = parseSearchQuery(q);
      const t = performance.now();
      rawSearch(terms);
      base.push(performance.now() - t);
    };
    // Alternate which goes first so neither always enjoys the warmer cache.
    queries.forEach((q, i) => (i % 2 ? (timeOurs(q), timeRaw(q)) : (timeRaw(q), timeOurs(q))));
    for (const q of queries) {
      const t = performance.now();
      fullRank.search(q, 20);
      full.push(performance.now() - t);
    }
    rounds.push({ p50: pct(ours, 50), p95: pct(ours, 95), rawP50: pct(base, 50), rawP95: pct(base, 95), fullP50: pct(full, 50), fullP95: pct(full, 95) });
  }
  fullRank.close();

  const m = (key) => median(rounds.map((r) => r[key]));
  const p95 = m('p95');
  const out = {
    memory_messages: MESSAGES,
    memory_insert_per_s: Math.round(MESSAGES / insertSeconds),
    memory_db_mb: (fs.statSync(file).size / 1048576).toFixed(1),
    fts_searches: SEARCHES,
    fts_search_rounds: ROUNDS,
    fts_search_mean_hits: (hits / SEARCHES / ROUNDS).toFixed(1),
    fts_search_p50_ms: m('p50').toFixed(2),
    fts_search_p95_ms: p95.toFixed(2),
    fts_search_raw_p50_ms: m('rawP50').toFixed(2),
    fts_search_raw_p95_ms: m('rawP95').toFixed(2),
    fts_search_overhead_ratio: (p95 / m('rawP95')).toFixed(2),
    fts_search_p95_worst_round_ms: Math.max(...rounds.map((r) => r.p95)).toFixed(2),
    fts_search_window: WINDOW,
    fts_search_full_rank_p50_ms: m('fullP50').toFixed(2),
    fts_search_full_rank_p95_ms: m('fullP95').toFixed(2),
    fts_search_p95_goal_met: p95 <= 5 ? 'yes' : 'no',
    load_avg_1m: os.loadavg()[0].toFixed(2),
  };
  for (const [name, value] of Object.entries(out)) console.log(`${name}: ${value}`);
} finally {
  raw?.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
