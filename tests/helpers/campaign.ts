// The campaign of issue 12 (fuzz and load against the real companion), shared by
// tests/campaign-fuzz.test.ts, tests/campaign-load.test.ts and bench/campaign-bench.ts: the tests
// assert, the bench prints the figures. Everything is seeded: a failing seed reproduces.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { CompanionMessage, ErrorCode, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../protocol';
import { TestClient } from './companion';

/** The shared seeded PRNG (mulberry32), by the name the campaigns use. */
import { seededRandom as prng } from './seeded-random';
export { prng };

/** RSS of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export interface FuzzFrame {
  kind: string;
  data: string | Buffer;
  binary: boolean;
  /** The id the answer must carry, when the frame is readable enough to have one. */
  id?: string;
  /** Codes acceptable as the answer (undefined: any typed error, or a response). */
  codes?: ErrorCode[];
}

const KINDS = [
  'random_text',
  'binary',
  'invalid_json',
  'wrong_types',
  'unknown_method',
  'bad_params',
  'deep_nesting',
  'huge',
  'proto_keys',
  'odd_strings',
] as const;

function randomString(r: () => number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const p = r();
    // Mostly ASCII, some of everything else: controls, NUL, lone surrogates, astral characters.
    if (p < 0.7) s += String.fromCharCode(32 + Math.floor(r() * 95));
    else if (p < 0.8) s += String.fromCharCode(Math.floor(r() * 32));
    else if (p < 0.9) s += String.fromCharCode(0xd800 + Math.floor(r() * 0x800));
    else s += String.fromCodePoint(Math.floor(r() * 0x10ffff) & ~0x800 /* stay out of the surrogate block */);
  }
  return s;
}

function deep(n: number, open: string, close: string, inner = '0'): string {
  return open.repeat(n) + inner + close.repeat(n);
}

/**
 * One malformed frame, from a seeded generator. `authed`: whether the connection has said hello
 * (before hello, a well-formed request is answered with hello_required instead).
 */
export function fuzzFrame(r: () => number, n: number, authed: boolean): FuzzFrame {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Huge frames are 256 KiB each: one in ~60 keeps the run short.
  let kind: (typeof KINDS)[number] = pick(KINDS);
  if (kind === 'huge' && r() < 0.75) kind = 'wrong_types';
  const id = `f${n}`;
  const req = (method: string, params: unknown) => JSON.stringify({ type: 'request', id, method, params });
  // Before hello, a readable request is answered hello_required (or bad_message, by the envelope).
  const gated = (codes: ErrorCode[]): ErrorCode[] => (authed ? codes : ['hello_required', 'bad_message']);
  switch (kind) {
    case 'random_text':
      return { kind, data: randomString(r, 1 + Math.floor(r() * 200)), binary: false };
    case 'binary': {
      const b = Buffer.alloc(1 + Math.floor(r() * 300));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      // A binary frame holding valid JSON is still refused.
      if (r() < 0.3) return { kind, data: Buffer.from(req('status.get', {})), binary: true, codes: ['bad_message'] };
      return { kind, data: b, binary: true, codes: ['bad_message'] };
    }
    case 'invalid_json': {
      const whole = req('chat.send', { text: 'hello there' });
      const variants = [
        whole.slice(0, Math.floor(r() * (whole.length - 1))),
        whole + '}',
        "{'type':'request'}",
        '{"type":"request",}',
        'NaN',
        '[1,2',
        '{"a":1e99999999999',
        '\u0000',
        '',
        '{"type":"request","id":"x"' + ' '.repeat(100),
      ];
      return { kind, data: pick(variants), binary: false, codes: ['bad_json'] };
    }
    case 'wrong_types': {
      const variants: unknown[] = [
        null,
        42,
        'hello',
        true,
        [],
        [1, 2, 3],
        {},
        { type: 123 },
        { type: 'request' },
        { type: 'request', id: {}, method: 'status.get' },
        { type: 'request', id, method: 5 },
        { type: 'request', id: [1], method: 'status.get', params: {} },
        { type: 'hello', protocolVersion: 'one', client: 'x' },
        { type: 'response', id, result: {} },
        { type: 'welcome', protocolVersion: PROTOCOL_VERSION },
        { type: 'request', id, method: null },
      ];
      const v = pick(variants);
      return { kind, data: JSON.stringify(v), binary: false, codes: ['bad_message'] };
    }
    case 'unknown_method': {
      const method = pick([
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'chat',
        'chat.send.x',
        'CHAT.SEND',
        '',
        'status.get ',
        randomString(r, 12),
      ]);
      return { kind, data: req(method, {}), binary: false, id, codes: gated(['unknown_method']) };
    }
    case 'bad_params': {
      const variants: Array<[string, unknown]> = [
        ['chat.send', { text: 5 }],
        ['chat.send', { text: '' }],
        ['chat.send', { text: 'x', sessionId: 'one' }],
        ['chat.send', { text: 'x', sessionId: -1 }],
        ['chat.send', { text: 'x', maxTokens: 1e9 }],
        ['chat.send', []],
        ['chat.send', 'text'],
        ['session.messages', { sessionId: 'x' }],
        ['session.messages', {}],
        ['session.rename', { sessionId: 1, title: '' }],
        ['status.get', { extra: 1 }],
        ['memory.search', { query: '' }],
        ['memory.search', { query: 'x'.repeat(501) }],
        ['mode.set', { mode: 'angry' }],
        ['history.clear', { confirm: false }],
        ['chat.cancel', { replyId: 7 }],
      ];
      const [method, params] = pick(variants);
      return { kind, data: req(method, params), binary: false, id, codes: gated(['invalid_argument', 'bad_message']) };
    }
    case 'deep_nesting': {
      const depth = pick([100, 1000, 10_000, 50_000]);
      const variants: Array<[string, ErrorCode[]]> = [
        [deep(depth, '[', ']'), ['bad_message']],
        [deep(depth, '{"a":', '}'), ['bad_message']],
        [`{"type":"request","id":"${id}","method":"status.get","params":${deep(depth, '[', ']')}}`, gated(['invalid_argument'])],
        [`{"type":"request","id":"${id}","method":"chat.send","params":{"text":${deep(depth, '{"a":', '}')}}}`, gated(['invalid_argument'])],
        [`{"type":"request","id":"${id}","method":"status.get","params":{"x":${deep(depth, '[', ']')}}}`, gated(['invalid_argument'])],
      ];
      const [data, codes] = pick(variants);
      // Past the frame limit the size check answers first.
      const readable = Buffer.byteLength(data) <= MAX_FRAME_BYTES;
      return { kind, data, binary: false, ...(readable && data.includes(`"${id}"`) ? { id } : {}), codes: readable ? codes : ['frame_too_large'] };
    }
    case 'huge': {
      const over = r() < 0.5;
      const envelope = req('chat.send', { text: '' });
      const target = over ? MAX_FRAME_BYTES + 1 + Math.floor(r() * 4096) : MAX_FRAME_BYTES - 64 - Math.floor(r() * 1024);
      const text = 'a'.repeat(target - Buffer.byteLength(envelope));
      const data = req('chat.send', { text });
      // Under the frame limit the text is still over chat.send's 100,000 characters.
      return { kind, data, binary: false, ...(over ? {} : { id }), codes: over ? ['frame_too_large'] : gated(['invalid_argument']) };
    }
    case 'proto_keys': {
      const variants: Array<[string, ErrorCode[] | undefined]> = [
        [`{"__proto__":{"type":"hello","protocolVersion":${PROTOCOL_VERSION},"client":"x"}}`, ['bad_message']],
        [`{"type":"request","id":"${id}","method":"status.get","params":{"__proto__":{"polluted":true}}}`, undefined],
        [`{"type":"request","id":"${id}","method":"memory.search","params":{"query":"x","__proto__":{"limit":100000}}}`, undefined],
        [`{"type":"request","id":"${id}","method":"session.messages","params":{"sessionId":1,"constructor":{"prototype":{"polluted":true}}}}`, undefined],
        [`{"type":"request","id":"${id}","method":"__proto__","params":{}}`, gated(['unknown_method'])],
        [`{"type":"request","id":"${id}","method":"status.get","params":{"constructor":{"prototype":{"polluted":true}},"__proto__":null}}`, undefined],
        [`{"type":"request","__proto__":{"id":"${id}","method":"status.get"}}`, ['bad_message']],
      ];
      const [data, codes] = pick(variants);
      return {
        kind,
        data,
        binary: false,
        ...(data.includes(`"id":"${id}"`) && !data.startsWith('{"type":"request","__proto__"') ? { id } : {}),
        codes: authed ? codes : ['hello_required', 'bad_message'],
      };
    }
    case 'odd_strings': {
      // NUL bytes, lone surrogates, control characters in otherwise valid read-only requests.
      const s = pick(['\u0000', 'a\u0000b', '\ud800', '\udfff x', '\u202e\u0007', randomString(r, 40) || 'x']);
      const [method, params] = pick([
        ['memory.search', { query: s }],
        ['mode.set', { mode: s }],
        ['chat.cancel', { replyId: s }],
        ['session.messages', { sessionId: 999_999 }],
      ] as Array<[string, unknown]>);
      return { kind, data: req(method, params), binary: false, id, codes: authed ? undefined : ['hello_required'] };
    }
  }
}

export interface FuzzStats {
  frames: number;
  answers: number;
  byCode: Record<string, number>;
  responses: number;
  /** Answers that broke the rules: internal, untyped, unexpected code, wrong id, no answer. */
  violations: string[];
}

export function emptyStats(): FuzzStats {
  return { frames: 0, answers: 0, byCode: {}, responses: 0, violations: [] };
}

const isAnswer = (m: CompanionMessage) => m.type === 'error' || m.type === 'response' || m.type === 'welcome';

/**
 * Sends `count` fuzz frames on one connection in batches, each batch followed by a status.get
 * sentinel whose response is awaited (flow control, no sleeps), then waits for one answer per
 * frame. Checks each answer: a schema-valid message, a typed error code that is not `internal`,
 * one of the codes the frame's kind allows, and the frame's id when it had one.
 */
export async function fuzzConnection(
  client: TestClient,
  opts: { seed: number; count: number; authed: boolean; batch?: number; stats: FuzzStats; prefix?: string },
): Promise<void> {
  const r = prng(opts.seed);
  const batch = opts.batch ?? 50;
  const { stats } = opts;
  const start = client.events.length;
  const expected: FuzzFrame[] = [];
  let sentinels = 0;
  for (let i = 0; i < opts.count; i++) {
    const f = fuzzFrame(r, i, opts.authed);
    if (f.id && opts.prefix) {
      // Ids unique per connection, so the answers can be matched.
      const pid = `${opts.prefix}-${f.id}`;
      f.data = typeof f.data === 'string' ? f.data.split(`"${f.id}"`).join(`"${pid}"`) : f.data;
      f.id = pid;
    }
    expected.push(f);
    client.ws.send(f.data, { binary: f.binary });
    stats.frames++;
    if ((i + 1) % batch === 0 || i === opts.count - 1) {
      const sid = `sentinel-${opts.prefix ?? ''}-${sentinels++}`;
      const answered = client.waitFor((m) => (m.type === 'response' || m.type === 'error') && m.id === sid, 60_000);
      client.sendJson({ type: 'request', id: sid, method: 'status.get', params: {} });
      const a = await answered;
      if (opts.authed && a.type !== 'response') stats.violations.push(`sentinel ${sid}: ${JSON.stringify(a).slice(0, 200)}`);
    }
  }
  const total = opts.count + sentinels;
  const answersOf = () => client.events.slice(start).filter(isAnswer);
  // Wait (on events, not time) until every frame and sentinel has its answer, or 60 s passed.
  await new Promise<void>((resolve) => {
    const done = () => {
      client.ws.off('message', check);
      clearTimeout(timer);
      resolve();
    };
    const check = () => {
      if (answersOf().length >= total) done();
    };
    const timer = setTimeout(done, 60_000);
    client.ws.on('message', check);
    check();
  });
  const answers = answersOf().filter((m) => !('id' in m && typeof m.id === 'string' && m.id.startsWith('sentinel-')));
  if (answers.length !== opts.count) stats.violations.push(`${opts.prefix}: ${opts.count} frames, ${answers.length} answers`);
  stats.answers += answers.length;
  for (const a of answers) {
    if (!CompanionMessage.safeParse(a).success) stats.violations.push(`not a protocol message: ${JSON.stringify(a).slice(0, 200)}`);
    if (a.type === 'error') {
      stats.byCode[a.error.code] = (stats.byCode[a.error.code] ?? 0) + 1;
      if (a.error.code === 'internal' || !ErrorCode.safeParse(a.error.code).success)
        stats.violations.push(`untyped/internal: ${JSON.stringify(a).slice(0, 300)}`);
    } else stats.responses++;
  }
  // Frames with an id are matched by id (answers from handlers may reorder among themselves).
  // The rest are answered synchronously, in order: matched by position among the remaining answers.
  const ids = new Set(expected.flatMap((f) => (f.id ? [f.id] : [])));
  const byId = new Map<string, CompanionMessage>();
  const rest: CompanionMessage[] = [];
  for (const a of answers) {
    const aid = 'id' in a && typeof a.id === 'string' ? a.id : null;
    if (aid !== null && ids.has(aid)) {
      if (byId.has(aid)) stats.violations.push(`two answers for ${aid}`);
      byId.set(aid, a);
    } else rest.push(a);
  }
  let k = 0;
  for (let i = 0; i < expected.length; i++) {
    const f = expected[i]!;
    const a = f.id ? byId.get(f.id) : rest[k++];
    if (!a) {
      stats.violations.push(`frame ${i} (${f.kind}) id ${f.id}: no answer`);
      continue;
    }
    if (f.codes) {
      if (a.type !== 'error' || !f.codes.includes(a.error.code))
        stats.violations.push(`frame ${i} (${f.kind}): expected ${f.codes.join('|')}, got ${JSON.stringify(a).slice(0, 200)}`);
    } else if (a.type === 'error' && a.error.code === 'internal') stats.violations.push(`frame ${i} (${f.kind}): internal`);
  }
}

export interface HttpAnswer {
  kind: string;
  status: number;
  code: string | null;
}

function rawPost(port: number, path: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers });
    req.on('response', (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    // An answered oversized body closes the connection mid-write: expected.
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}

/** A request whose body is cut short: the connection ends before content-length bytes. */
function truncatedPost(port: number, auth: string, body: string): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.end(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${body.length * 2}\r\n\r\n${body}`,
      );
    });
    s.on('data', () => {});
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

/** Malformed bodies to every POST route (and POSTs where there is none), seeded. */
export async function fuzzHttp(
  c: { port: number; token: string },
  apiKey: string,
  seed: number,
  count: number,
): Promise<{ answers: HttpAnswer[]; violations: string[] }> {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const answers: HttpAnswer[] = [];
  const violations: string[] = [];
  const valid = { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 };
  const bodies: Array<[string, () => string | Buffer, number[]]> = [
    ['invalid_json', () => pick(['{', '{"messages":', 'not json', '', '\u0000', '{"messages":[{"role":"user","content":"hi"}]']), [400]],
    [
      'wrong_types',
      () =>
        JSON.stringify(
          pick<unknown>([
            null,
            5,
            'x',
            [],
            {},
            { messages: 'hi' },
            { messages: [] },
            { messages: [{ role: 'god', content: 'x' }] },
            { messages: [{ role: 'user', content: 5 }] },
            { ...valid, max_tokens: -1 },
            { ...valid, temperature: 'hot' },
            { ...valid, stream: 'yes' },
            { ...valid, stream_options: 5 },
          ]),
        ),
      [400],
    ],
    ['proto_keys', () => `{"__proto__":{"messages":[{"role":"user","content":"x"}]},"constructor":{"prototype":{"stream":true}}}`, [400]],
    ['deep', () => `{"messages":${deep(pick([1000, 10_000, 100_000]), '[', ']')}}`, [400]],
    [
      'random_bytes',
      () => {
        const b = Buffer.alloc(1 + Math.floor(r() * 2000));
        for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
        return b;
      },
      [400],
    ],
    ['huge', () => JSON.stringify({ messages: [{ role: 'user', content: 'a'.repeat(1024 * 1024 + Math.floor(r() * 100_000)) }] }), [413]],
    ['too_long_prompt', () => JSON.stringify({ messages: [{ role: 'user', content: 'a'.repeat(900_000) }], max_tokens: 2 }), [400]],
  ];
  for (let i = 0; i < count; i++) {
    let auth = `Bearer ${r() < 0.5 ? apiKey : c.token}`;
    const p = r();
    if (p < 0.05) {
      await truncatedPost(c.port, auth, JSON.stringify(valid));
      answers.push({ kind: 'truncated', status: 0, code: null });
      continue;
    }
    let kind: string;
    let body: string | Buffer;
    let okStatus: number[];
    let path = '/v1/chat/completions';
    let contentType = 'application/json';
    if (p < 0.12) {
      // POST where there is no POST route.
      kind = 'no_route';
      // The API key opens /v1 only: the control token reaches every route's 404.
      auth = `Bearer ${c.token}`;
      path = pick(['/health', '/v1/models', '/v1', '/ws', '/', '/v1/completions', '/v1/chat/completions/x']);
      body = JSON.stringify(valid);
      okStatus = path === '/' ? [404, 405] : [404];
    } else if (p < 0.17) {
      // A valid body under a wrong content-type: either refused or answered, never a 500.
      kind = 'wrong_content_type';
      contentType = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']);
      body = JSON.stringify(valid);
      okStatus = [200, 400, 415];
    } else {
      const [k, make, statuses] = pick(bodies);
      kind = k;
      body = make();
      okStatus = statuses;
    }
    const headers: Record<string, string> = { authorization: auth };
    if (contentType) headers['content-type'] = contentType;
    const res = await rawPost(c.port, path, headers, body);
    let code: string | null = null;
    try {
      code = (JSON.parse(res.body) as { error?: { code?: string } }).error?.code ?? null;
    } catch {
      /* not JSON: checked below */
    }
    answers.push({ kind, status: res.status, code });
    if (!okStatus.includes(res.status)) violations.push(`${kind} ${path}: status ${res.status} ${res.body.slice(0, 200)}`);
    if (res.status >= 400 && (!code || code === 'internal')) violations.push(`${kind} ${path}: untyped error ${res.status} ${res.body.slice(0, 200)}`);
  }
  return { answers, violations };
}

export interface LoadResult {
  clients: number;
  messages: number;
  expected: number;
  storedUser: number;
  storedAssistant: number;
  duplicates: number;
  lost: number;
  ownRepliesDelivered: number;
  /** Reply events of other clients' sessions: all of them reach every client, or only their own. */
  delivery: 'all' | 'own' | 'mixed';
  seconds: number;
  messagesPerSecond: number;
  problems: string[];
}

/**
 * `clients` clients, each with its own session, each sending `messages` chat.send one after
 * another (the next once its reply ended). Then checks, per session, the stored rows (one user
 * row per message, in order, no duplicates) and, per client, the reply events it received.
 */
export async function runLoad(c: { port: number; token: string }, opts: { clients: number; messages: number }): Promise<LoadResult> {
  const problems: string[] = [];
  const clients = await Promise.all(Array.from({ length: opts.clients }, () => TestClient.connect(c)));
  const sessions = await Promise.all(clients.map((cl, i) => cl.request('session.create', { title: `load ${i}` })));
  const owner = new Map<string, { client: number; sessionId: number; userMessageId: number | null }>();
  const sent: string[][] = clients.map(() => []);
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (cl, i) => {
      for (let j = 0; j < opts.messages; j++) {
        const text = `client ${i} message ${j}`;
        const r = await cl.request('chat.send', { text, sessionId: sessions[i]!.id });
        sent[i]!.push(text);
        if (!r.replyId) {
          problems.push(`client ${i} message ${j}: no replyId`);
          continue;
        }
        if (r.sessionId !== sessions[i]!.id) problems.push(`client ${i} message ${j}: chat.send answered session ${r.sessionId}`);
        owner.set(r.replyId, { client: i, sessionId: sessions[i]!.id, userMessageId: r.userMessageId });
        await cl.reply(r.replyId);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;

  let storedUser = 0;
  let storedAssistant = 0;
  let duplicates = 0;
  let lost = 0;
  for (let i = 0; i < clients.length; i++) {
    const { messages } = await clients[i]!.request('session.messages', { sessionId: sessions[i]!.id, limit: 1000 });
    const users = messages.filter((m) => m.role === 'user').map((m) => m.text);
    storedUser += users.length;
    storedAssistant += messages.filter((m) => m.role === 'assistant').length;
    const counts = new Map<string, number>();
    for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
    for (const [text, n] of counts) if (n > 1) (duplicates += n - 1), problems.push(`session ${i}: "${text}" stored ${n} times`);
    for (const text of sent[i]!) if (!counts.has(text)) lost++, problems.push(`session ${i}: "${text}" not stored`);
    const inOrder = users.filter((u) => sent[i]!.includes(u));
    if (JSON.stringify(inOrder) !== JSON.stringify(sent[i])) problems.push(`session ${i}: user messages out of order`);
    const foreign = users.filter((u) => !u.startsWith(`client ${i} `));
    if (foreign.length) problems.push(`session ${i}: holds ${foreign.length} message(s) of other clients`);
  }

  // Per client: its own replies, each started and ended exactly once with its session; other
  // clients' replies either all reach it (broadcast) or none does (per-session delivery).
  let ownRepliesDelivered = 0;
  const modes = new Set<'all' | 'own' | 'mixed'>();
  for (let i = 0; i < clients.length; i++) {
    const starts = new Map<string, number>();
    const ends = new Map<string, number>();
    for (const e of clients[i]!.events) {
      if (e.type === 'reply.start' || e.type === 'reply.end' || e.type === 'reply.error') {
        const o = owner.get(e.replyId);
        if (!o) {
          problems.push(`client ${i}: ${e.type} of an unknown reply ${e.replyId}`);
          continue;
        }
        if (e.sessionId !== o.sessionId) problems.push(`client ${i}: ${e.type} of reply ${e.replyId} names session ${e.sessionId}, not ${o.sessionId}`);
        if (e.type === 'reply.start') {
          starts.set(e.replyId, (starts.get(e.replyId) ?? 0) + 1);
          if (e.userMessageId !== o.userMessageId)
            problems.push(`client ${i}: reply.start ${e.replyId} for user message ${e.userMessageId}, not ${o.userMessageId}`);
        } else {
          ends.set(e.replyId, (ends.get(e.replyId) ?? 0) + 1);
          if (e.type === 'reply.error') problems.push(`client ${i}: reply.error ${JSON.stringify(e.error)}`);
          else if (e.interrupted) problems.push(`client ${i}: reply ${e.replyId} interrupted`);
        }
      } else if (e.type === 'reply.token' && !starts.has(e.replyId)) {
        problems.push(`client ${i}: reply.token of ${e.replyId} before (or without) its reply.start`);
      }
    }
    for (const [id, n] of [...starts, ...ends]) if (n !== 1) problems.push(`client ${i}: reply ${id} event seen ${n} times`);
    let own = 0;
    let foreign = 0;
    for (const [id, o] of owner) {
      const seen = starts.has(id) && ends.has(id);
      if (o.client === i) {
        if (seen) own++;
        else problems.push(`client ${i}: its reply ${id} was not delivered whole`);
      } else if (seen) foreign++;
    }
    ownRepliesDelivered += own;
    const others = owner.size - [...owner.values()].filter((o) => o.client === i).length;
    modes.add(foreign === 0 ? 'own' : foreign === others ? 'all' : 'mixed');
  }
  const delivery = modes.size === 1 ? [...modes][0]! : 'mixed';
  for (const cl of clients) cl.close();
  const expected = opts.clients * opts.messages;
  return {
    clients: opts.clients,
    messages: opts.messages,
    expected,
    storedUser,
    storedAssistant,
    duplicates,
    lost,
    ownRepliesDelivered,
    delivery,
    seconds,
    messagesPerSecond: expected / seconds,
    problems,
  };
}

/** One streaming /v1/chat/completions request, read to its end. */
export async function v1Stream(
  port: number,
  apiKey: string,
  prompt: string,
): Promise<{ status: number; chunks: number; done: boolean; finish: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: prompt }], stream: true, max_tokens: 16 }),
  });
  const body = await res.text();
  let chunks = 0;
  let done = false;
  let finish: string | null = null;
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6);
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    const j = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string }; finish_reason?: string | null }> };
    chunks++;
    const ch = j.choices?.[0];
    if (ch?.delta?.content) text += ch.delta.content;
    if (ch?.finish_reason) finish = ch.finish_reason;
  }
  return { status: res.status, chunks, done, finish, text };
}
