// Memory store benchmark at 100k and 1M messages (realistic, varied text; see below):
// - search: `MemoryStore.search` against full BM25 ranking computed in the same run on a bare
//   better-sqlite3 connection (every match scored by FTS5's bm25, sorted in JS: no candidate cap,
//   no LIMIT). Reports overlap@20 with that ranking (relevance: 1.00 = the same top 20) and
//   p50/p95 latency of both, and the same for the old behaviour (ranking only the newest 1,000
//   matches, `searchWindow: 1000`) for comparison, and the SQL floor (the store's statements on a
//   bare connection: what SQLite itself costs). `memory_N_search_*` is the typical query mix
//   (the goal is judged on it); `memory_N_search_common_*` the 25 most frequent content words
//   alone, the worst case.
// - session list: the first page of `session.list` (listSessionsPage, 50) and a deep page,
//   against the whole list with per-read message counts (the previous behaviour, the same SQL
//   on a bare connection): time and JSON bytes.
// - insert throughput through MemoryStore.addMessage (only when the database is built this run).
// The generated databases are cached in os.tmpdir()/alisa-memory-bench (the 1M one takes a few
// minutes to build), keyed by generator version and schema; `--rebuild` builds them afresh.
// Bundles companion/memory/index.ts with esbuild first, so it measures the real TypeScript.
// `node bench/memory-bench.mjs [--sizes 100000,1000000] [--searches N] [--rounds N] [--rebuild]`;
// prints `name: value` lines.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
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
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const SIZES = String(arg('sizes', '100000,1000000')).split(',').map(Number);
const SEARCHES = Number(arg('searches', 300));
const ROUNDS = Number(arg('rounds', 2));
const REBUILD = process.argv.includes('--rebuild');
const OLD_WINDOW = 1000;
const K = 20;
/** Messages per chat on average: 1M messages make 50,000 chats. */
const MESSAGES_PER_SESSION = 20;
const GENERATOR_VERSION = 3;

const loadAtStart = os.loadavg();
console.log(`memory_load_avg_start: ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}`);

// ---- build ---------------------------------------------------------------------------------

// Inside node_modules so the bundle's `import 'better-sqlite3'` resolves like the app's does.
const outDir = path.join(root, 'node_modules', '.cache', 'alisa-bench');
const outfile = path.join(outDir, `memory-${process.pid}.mjs`);
await esbuild.build({
  // The store, and the shared seeded PRNG for the generated history.
  stdin: {
    contents: "export * from './companion/memory/index.ts'; export { seededRandom as mulberry32 } from './tests/helpers/seeded-random.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  logLevel: 'warning',
});
const { MemoryStore, parseSearchQuery, mulberry32 } = await import(pathToFileURL(outfile).href);
fs.rmSync(outfile, { force: true });

// ---- realistic text from a seeded generator --------------------------------------------------
// Chat text follows Zipf's law: a few function words make up almost half of all tokens, and
// content words range from common (in a few % of messages) to once-in-a-history. Each chat has a
// topic (a handful of content words it keeps coming back to), so words repeat within a message
// and a chat as they do in real conversations; user turns are short, replies longer and varied.

const FUNCTION_WORDS = (
  'the I to a and you it of is that in this for with on be have not my can do but what so if at ' +
  'was are just me we your there as or about how from get like one all would will when out up ' +
  "it's don't i'm that's no an by some then more think know here now should could maybe also " +
  'because still really very much well which them they their been did has had who where why ' +
  'yes okay thanks again too only into over than other any even way'
).split(' ');
const SYLLABLES = (
  'ka ri to mo na lu se ve pa di bo ne fi gu ra te lo mi su da po ke vi ba re tu no si fa le ' +
  'go ha ji ko ma ni pe qu ro sa ti vo wa xe yo za bri cla dro fle gra pli sto tra ske spa ' +
  'ing er on al en or ic an ex ment ble tion'
).split(' ');

function makeVocabulary(rand, n) {
  const words = new Set();
  while (words.size < n) {
    const parts = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let i = 0; i < parts; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Sampler over `items` with weight 1/(rank+1+q)^s (Zipf-Mandelbrot; q flattens the head). */
function zipf(items, s, rand, q = 0) {
  const cum = new Float64Array(items.length);
  let total = 0;
  for (let i = 0; i < items.length; i++) cum[i] = total += 1 / (i + 1 + q) ** s;
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo];
  };
}

function makeCorpus(seed) {
  const rand = mulberry32(seed);
  const content = makeVocabulary(rand, 30_000);
  const fn = zipf(FUNCTION_WORDS, 1.0, rand);
  // The most frequent content word then lands in about 5 % of messages, as "code" or "file"
  // might in a programmer's chats; the function words take about half of all tokens.
  const word = zipf(content, 1.0, rand, 40);
  const lengthOf = (median, spread, max) => Math.max(1, Math.min(max, Math.round(median * Math.exp(spread * gauss()))));
  function gauss() {
    return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  }
  let topic = [];
  return {
    content,
    /** Messages in a chat: 2 to 38, 20 on average. */
    chatLength() {
      return 2 + Math.floor(rand() * (2 * MESSAGES_PER_SESSION - 3));
    },
    /** Call when a new chat starts. */
    newTopic() {
      topic = Array.from({ length: 4 + Math.floor(rand() * 6) }, word);
    },
    message(role) {
      const n = role === 'user' ? lengthOf(10, 0.7, 120) : lengthOf(35, 0.8, 400);
      const local = Array.from({ length: 2 }, word);
      const out = [];
      for (let i = 0; i < n; i++) {
        const r = rand();
        let w;
        if (r < 0.45) w = fn();
        else if (r < 0.6) w = topic[Math.floor(rand() * topic.length)];
        else if (r < 0.65) w = local[Math.floor(rand() * local.length)];
        else if (r < 0.67)
          w = `${word()}${Math.floor(rand() * 100)}`; // identifiers, versions
        else w = word();
        out.push(w);
      }
      let text = out.join(' ');
      text = text[0].toUpperCase() + text.slice(1);
      return rand() < 0.3 ? `${text}?` : `${text}.`;
    },
  };
}

// ---- the databases (cached) ------------------------------------------------------------------

const schemaHash = createHash('sha1')
  .update(fs.readFileSync(path.join(root, 'companion', 'memory', 'schema.ts')))
  .digest('hex')
  .slice(0, 10);
const cacheDir = path.join(os.tmpdir(), 'alisa-memory-bench');
fs.mkdirSync(cacheDir, { recursive: true });

/** Opens (building and caching if needed) the database of `n` messages; returns its path and build figures. */
function database(n) {
  const file = path.join(cacheDir, `g${GENERATOR_VERSION}-s${schemaHash}-${n}.db`);
  if (!REBUILD && fs.existsSync(file)) return { file, built: null };
  const tmp = `${file}.building-${process.pid}`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  const corpus = makeCorpus(20250101);
  const store = MemoryStore.open(tmp);
  const t0 = performance.now();
  let written = 0;
  let bytes = 0;
  try {
    // Chats one after another, each of varied length around the mean, as a real history grows.
    while (written < n) {
      store.transaction(() => {
        for (let c = 0; c < 50 && written < n; c++) {
          corpus.newTopic();
          const s = store.createSession(`Chat ${written}`);
          const len = Math.min(n - written, corpus.chatLength());
          for (let i = 0; i < len; i++) {
            const role = i % 2 ? 'assistant' : 'user';
            const text = corpus.message(role);
            bytes += text.length;
            store.addMessage({ sessionId: s.id, role, text });
          }
          written += len;
        }
      });
    }
  } finally {
    store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const suffix of ['-wal', '-shm']) fs.rmSync(tmp + suffix, { force: true });
  fs.renameSync(tmp, file);
  return { file, built: { seconds, perSecond: Math.round(n / seconds), meanChars: Math.round(bytes / n) } };
}

// ---- measuring -------------------------------------------------------------------------------

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function runSize(n) {
  const { file, built } = database(n);
  const out = {};
  const put = (name, value) => (out[`memory_${n}_${name}`] = value);
  if (built) {
    put('build_s', fmt(built.seconds, 1));
    put('insert_per_s', built.perSecond);
    put('mean_message_chars', built.meanChars);
  } else put('build', 'cached');
  put('db_mb', fmt(fs.statSync(file).size / 1048576, 1));

  const store = MemoryStore.open(file);
  const windowed = MemoryStore.open(file, { searchWindow: OLD_WINDOW });
  const raw = new Database(file, { readonly: true });
  try {
    const sessionCount = raw.prepare('SELECT COUNT(*) FROM sessions').pluck().get();
    put('messages', raw.prepare('SELECT COUNT(*) FROM messages').pluck().get());
    put('sessions', sessionCount);

    // Full BM25 ranking, independently: every match with its bm25 score, sorted here.
    const exists = raw.prepare('SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT 1').pluck();
    const allScored = raw.prepare('SELECT rowid AS id, bm25(messages_fts) AS score FROM messages_fts WHERE messages_fts MATCH ?').raw();
    const fullTop = (q) => {
      const terms = parseSearchQuery(q);
      if (!terms) return [];
      const match = terms.prefix === null || exists.get(terms.last) ? terms.exact : terms.prefix;
      const rows = allScored.all(match);
      rows.sort((a, b) => a[1] - b[1] || b[0] - a[0]);
      return rows.slice(0, K).map((r) => r[0]);
    };

    // The floor: the statements the store runs (companion/memory/search.ts), on a bare connection.
    const floorTop = raw.prepare(
      'SELECT rowid AS id, bm25(messages_fts) AS rank FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank, rowid DESC LIMIT ?',
    );
    const floorDetails = raw.prepare(
      `SELECT f.rowid AS id, m.session_id, s.title, s.workspace_name, m.role, m.created_ts, snippet(messages_fts, 0, '[[', ']]', '…', 12) AS snippet
       FROM messages_fts f JOIN messages m ON m.id = f.rowid JOIN sessions s ON s.id = m.session_id
       WHERE messages_fts MATCH @match AND f.rowid BETWEEN CAST(@lo AS INTEGER) AND CAST(@hi AS INTEGER)
         AND +f.rowid IN (SELECT value FROM json_each(@ids))`,
    );
    const floorSearch = (q) => {
      const terms = parseSearchQuery(q);
      if (!terms) return [];
      const match = terms.prefix === null || exists.get(terms.last) ? terms.exact : terms.prefix;
      const top = floorTop.all(match, K);
      if (top.length === 0) return top;
      const ids = top.map((r) => r.id);
      return floorDetails.all({ match, lo: Math.min(...ids), hi: Math.max(...ids), ids: JSON.stringify(ids) });
    };

    // Queries: content words as users remember them. Half drawn by how often the word occurs
    // (the words users see), half uniformly from the 5,000 most frequent content words; one or two
    // words; one in five caught mid-typing (last word cut to 3-5 letters). Plus the common stratum.
    raw.exec(`CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, messages_fts, row)`);
    const stop = new Set(FUNCTION_WORDS.map((w) => w.toLowerCase().replace(/'.*/, '')));
    const vocab = raw
      .prepare(`SELECT term, doc FROM temp.vocab WHERE term NOT GLOB '*[0-9]*' ORDER BY doc DESC LIMIT 6000`)
      .all()
      .filter((r) => !stop.has(r.term) && r.term.length > 2);
    const rand = mulberry32(4242);
    const totalDocs = vocab.reduce((s, r) => s + r.doc, 0);
    const byFrequency = () => {
      let x = rand() * totalDocs;
      for (const r of vocab) if ((x -= r.doc) <= 0) return r.term;
      return vocab[0].term;
    };
    const uniform = () => vocab[Math.floor(rand() * Math.min(5000, vocab.length))].term;
    const typical = Array.from({ length: SEARCHES }, (_, i) => {
      const w = () => (i % 2 ? byFrequency() : uniform());
      const words = rand() < 0.5 ? [w()] : [w(), w()];
      if (rand() < 0.2) words[words.length - 1] = words[words.length - 1].slice(0, 3 + Math.floor(rand() * 3));
      return words.join(' ');
    });
    const common = vocab.slice(0, 25).map((r) => r.term);
    put('common_word_df_pct', `${fmt((100 * vocab[24].doc) / n, 1)}-${fmt((100 * vocab[0].doc) / n, 1)}`);

    // The goal is judged on the typical mix (which already holds common words as often as their
    // frequency says); the common stratum is the worst case, reported on its own.
    const groups = { typical, common };
    const everyQuery = [...typical, ...common];
    // Warm up, and the relevance figures (they do not change between rounds).
    const overlaps = { ours: {}, window: {} };
    const truth = new Map();
    for (const q of everyQuery) truth.set(q, fullTop(q));
    const overlap = (hits, q) => {
      const t = truth.get(q);
      if (t.length === 0) return hits.length === 0 ? 1 : 0;
      const set = new Set(t);
      return hits.filter((h) => set.has(h.messageId)).length / t.length;
    };
    for (const [g, qs] of Object.entries(groups)) {
      overlaps.ours[g] = qs.reduce((s, q) => s + overlap(store.search(q, K), q), 0) / qs.length;
      overlaps.window[g] = qs.reduce((s, q) => s + overlap(windowed.search(q, K), q), 0) / qs.length;
    }

    // Latency: each query through the three, the order rotated per query so none always
    // enjoys the warmest cache; several rounds, the median of the rounds reported.
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t = { ours: {}, full: {}, window: {}, floor: {} };
      for (const g of Object.keys(groups)) for (const k of Object.keys(t)) t[k][g] = [];
      const runners = {
        ours: (q) => store.search(q, K),
        full: (q) => fullTop(q),
        window: (q) => windowed.search(q, K),
        floor: (q) => floorSearch(q),
      };
      const names = Object.keys(runners);
      everyQuery.forEach((q, i) => {
        const g = i < typical.length ? 'typical' : 'common';
        for (let j = 0; j < names.length; j++) {
          const name = names[(i + j) % names.length];
          const s = performance.now();
          runners[name](q);
          const ms = performance.now() - s;
          t[name][g].push(ms);
        }
      });
      rounds.push(t);
    }
    const stat = (who, g, p) => median(rounds.map((r) => pct(r[who][g], p)));
    for (const g of Object.keys(groups)) {
      const sfx = g === 'typical' ? '' : `_${g}`;
      put(`search${sfx}_queries`, groups[g].length);
      put(`search${sfx}_overlap_at_20`, fmt(overlaps.ours[g], 3));
      put(`search${sfx}_p50_ms`, fmt(stat('ours', g, 50)));
      put(`search${sfx}_p95_ms`, fmt(stat('ours', g, 95)));
      put(`search${sfx}_full_bm25_p50_ms`, fmt(stat('full', g, 50)));
      put(`search${sfx}_full_bm25_p95_ms`, fmt(stat('full', g, 95)));
      put(`search${sfx}_p95_ratio_to_full_bm25`, fmt(stat('ours', g, 95) / stat('full', g, 95)));
      put(`search${sfx}_sql_floor_p95_ms`, fmt(stat('floor', g, 95)));
      put(`search${sfx}_p95_ratio_to_sql_floor`, fmt(stat('ours', g, 95) / stat('floor', g, 95)));
      put(`search${sfx}_window${OLD_WINDOW}_overlap_at_20`, fmt(overlaps.window[g], 3));
      put(`search${sfx}_window${OLD_WINDOW}_p95_ms`, fmt(stat('window', g, 95)));
    }
    const goal = n <= 100_000 ? 5 : 50;
    put('search_goal', `overlap >= 0.95 and p95 <= ${goal} ms`);
    put('search_goal_met', overlaps.ours.typical >= 0.95 && stat('ours', 'typical', 95) <= goal ? 'yes' : 'no');

    // Session list: the first and a deep page against the whole list with counted messages.
    const oldList = raw.prepare(
      `SELECT s.id, s.title, s.character_id, s.created_ts, s.updated_ts, s.workspace, s.workspace_name,
         (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS message_count
       FROM sessions s ORDER BY s.updated_ts DESC, s.id DESC`,
    );
    const time = (fn, reps) => {
      const xs = [];
      let r;
      for (let i = 0; i < reps; i++) {
        const s = performance.now();
        r = fn();
        xs.push(performance.now() - s);
      }
      return { ms: median(xs), bytes: JSON.stringify(r).length };
    };
    const deepCursor = (() => {
      let cursor;
      for (let i = 0; i < Math.min(20, Math.floor(sessionCount / 50) - 1); i++) cursor = store.listSessionsPage({ cursor }).nextCursor ?? cursor;
      return cursor;
    })();
    const first = time(() => store.listSessionsPage({}), 21);
    const deep = time(() => store.listSessionsPage({ cursor: deepCursor }), 21);
    const whole = time(() => oldList.all(), 5);
    const wholeNew = time(() => store.listSessions(), 5);
    put('session_page_ms', fmt(first.ms, 3));
    put('session_page_bytes', first.bytes);
    put('session_deep_page_ms', fmt(deep.ms, 3));
    put('session_whole_list_counted_ms', fmt(whole.ms));
    put('session_whole_list_counted_bytes', whole.bytes);
    put('session_whole_list_kept_counts_ms', fmt(wholeNew.ms));
    put('session_page_ratio_to_whole_list', fmt(first.ms / whole.ms, 4));
  } finally {
    raw.close();
    windowed.close();
    store.close();
  }
  for (const [name, value] of Object.entries(out)) console.log(`${name}: ${value}`);
}

for (const n of SIZES) runSize(n);
console.log(
  `memory_load_avg_end: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(`memory_cores: ${os.cpus().length}`);
