// The waifu-rt3d compatibility server (issue 19): the original's `/api/*` routes and `/files/*`
// on 127.0.0.1, so its front ends (index.html, index_v2.html, the 3D viewer) and scripts work
// against Alisa. Off unless the user enables it (--waifu-port, alisa.waifu.port).
//
// The trade-off: the original had no auth and its clients cannot send a token, so this server
// has none either. Any program on this machine can use it while it is on (chat, sessions,
// characters, avatars, the API's config). A web page cannot: Host must be 127.0.0.1/localhost
// with this port (no DNS rebinding), and a browser Origin other than this server's own or one
// the user allowed (--allow-origin) is refused with 403, like the main server.
//
// This file is the mechanics only; the routes are tables (api-types.ts) built elsewhere:
//   - routing by `METHOD /path/:param`: an unknown path is 404 {"detail":"Not Found"}, a known
//     path with another method 405 {"detail":"Method Not Allowed"} (as FastAPI answers);
//     a `:param` is one decoded segment, never with `/` or `\`, never `.` or `..`;
//   - bodies: JSON (any content type but multipart, as the original's `req.json()`), at most
//     JSON_MAX_BYTES; multipart/form-data at most `multipartLimit(path)` bytes. Sizes are counted
//     as the bytes arrive: past the limit nothing more is kept and the answer is 413. A body that
//     is not JSON is 400 (the original answered 500);
//   - replies: JSON, bytes, or a file streamed from disk, opened without following a symlink.
import { constants, promises as fsp } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { toAlisaError } from '../errors';
import { checkHostAndOrigin } from '../server/auth';
import { HEADERS_TIMEOUT_MS, LogThrottle, MAX_HTTP_CONNECTIONS, REQUEST_TIMEOUT_MS, listenOnLoopback } from '../server/backpressure';
import type { ApiFile, ApiReply, ApiRequest, ApiRoute, RouteTable } from './api-types';
import { frontendReply } from './frontend-route';

/** A JSON body (chat text, a character, the config) is far below this. */
export const JSON_MAX_BYTES = 1024 * 1024;
/** Multipart bodies on routes that did not name their own limit. */
const DEFAULT_MULTIPART_BYTES = 1024 * 1024;
/** Parts of one multipart body (the original's clients send one or two). */
const MAX_PARTS = 20;
/** How long a refused oversized body may keep the socket busy before it is cut. */
const DRAIN_GRACE_MS = 2_000;

export interface WaifuServerOptions {
  port: number;
  /** Extra browser Origins the user allowed (--allow-origin), as on the main server. */
  allowedOrigins: readonly string[];
  /** The largest multipart body a route accepts, in bytes (by `METHOD /path`); default 1 MiB. */
  multipartLimit?: (method: string, path: string) => number | undefined;
  /** The folder of the user's copy of waifu-rt3d's `frontend/` (--waifu-frontend), served at `/`, `/assets/*` and `/frontend/*`; null: none. */
  frontend?: string | null;
  log: (line: string) => void;
}

interface CompiledRoute {
  method: string;
  segments: string[];
  route: ApiRoute;
}

type BodyOutcome = { ok: true; json: unknown; files: ApiFile[]; fields: Record<string, string> } | { ok: false; reply: ApiReply; drain?: boolean };

export class WaifuServer {
  private readonly http: http.Server;
  private readonly routes: CompiledRoute[] = [];
  private readonly refusals: LogThrottle;
  private boundPort = 0;

  constructor(
    tables: RouteTable[],
    private readonly opts: WaifuServerOptions,
  ) {
    this.refusals = new LogThrottle(opts.log);
    for (const table of tables) {
      for (const [key, route] of Object.entries(table)) {
        const m = /^([A-Z]+) (\/\S*)$/.exec(key);
        if (!m) throw new Error(`waifu route "${key}" is not "METHOD /path"`);
        const segments = splitPath(m[2]!);
        if (this.routes.some((r) => r.method === m[1] && samePattern(r.segments, segments))) throw new Error(`waifu route "${key}" is defined twice`);
        this.routes.push({ method: m[1]!, segments, route });
      }
    }
    this.http = http.createServer(
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
      (req, res) => void this.onRequest(req, res),
    );
    this.http.maxConnections = MAX_HTTP_CONNECTIONS;
  }

  get actualPort(): number {
    return this.boundPort;
  }

  async listen(): Promise<number> {
    this.boundPort = await listenOnLoopback(this.http, this.opts.port);
    return this.boundPort;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const failure = checkHostAndOrigin(req, this.boundPort, this.opts.allowedOrigins);
    if (failure) {
      this.refusals.line(`refused-${failure.status}`, `waifu: refused ${req.method} request: ${failure.reason}`);
      req.resume();
      return send(res, { status: failure.status, body: { detail: failure.reason } });
    }
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      req.resume();
      return send(res, { status: 400, body: { detail: 'The request line is not a valid URL.' } });
    }
    const match = this.match(method, url.pathname);
    if (match.kind === 'none' && method === 'GET' && this.opts.frontend) {
      // The user's own copy of the original front end (--waifu-frontend), at its old addresses.
      const page = await frontendReply(this.opts.frontend, url.pathname);
      if (page) {
        req.resume();
        return sendFile(res, page, method);
      }
    }
    if (match.kind !== 'found') {
      req.resume();
      return send(res, match.kind === 'method' ? { status: 405, body: { detail: 'Method Not Allowed' } } : { status: 404, body: { detail: 'Not Found' } });
    }
    const body = await this.readBody(req, method, url.pathname);
    if (!body.ok) {
      if (body.drain) {
        // The rest of an oversized body is read and thrown away for a moment, so the client (still
        // sending) sees the 413 rather than a broken pipe; a body that goes on longer is cut.
        req.resume();
        const timer = setTimeout(() => req.socket.destroy(), DRAIN_GRACE_MS);
        timer.unref();
        req.once('end', () => clearTimeout(timer));
        req.socket.once('close', () => clearTimeout(timer));
      }
      return send(res, body.reply);
    }
    const apiReq: ApiRequest = {
      method,
      path: safeDecode(url.pathname) ?? url.pathname,
      query: url.searchParams,
      params: match.params,
      json: body.json,
      files: body.files,
      fields: body.fields,
    };
    let reply: ApiReply;
    try {
      reply = await match.route(apiReq);
    } catch (err) {
      const e = toAlisaError(err);
      this.opts.log(`waifu: ${method} ${url.pathname} failed: ${e.message}`);
      reply = { status: e.code === 'database_unavailable' ? 503 : 500, body: { detail: e.message } };
    }
    if ('file' in reply) return sendFile(res, reply, method);
    send(res, reply);
  }

  private match(method: string, pathname: string): { kind: 'found'; route: ApiRoute; params: Record<string, string> } | { kind: 'method' } | { kind: 'none' } {
    const raw = splitPath(pathname);
    let otherMethod = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, raw);
      if (!params) continue;
      if (r.method === method) return { kind: 'found', route: r.route, params };
      otherMethod = true;
    }
    return otherMethod ? { kind: 'method' } : { kind: 'none' };
  }

  private async readBody(req: IncomingMessage, method: string, pathname: string): Promise<BodyOutcome> {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    const multipart = type.startsWith('multipart/form-data');
    const limit = multipart ? (this.opts.multipartLimit?.(method, safeDecode(pathname) ?? pathname) ?? DEFAULT_MULTIPART_BYTES) : JSON_MAX_BYTES;
    const tooLarge: BodyOutcome = {
      ok: false,
      drain: true,
      reply: { status: 413, body: { detail: `The request body is larger than ${describeBytes(limit)}, the most this route accepts.` } },
    };
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > limit) return tooLarge;
    // Read by events, not `for await`: leaving that loop early would destroy the socket, and the
    // client would see a broken pipe instead of the 413.
    const received = await new Promise<{ chunks: Buffer[]; size: number } | 'too-large' | 'aborted'>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limit) return void chunks.push(chunk);
        req.off('data', onData);
        resolve('too-large');
      };
      req.on('data', onData);
      req.once('end', () => resolve({ chunks, size }));
      req.once('error', () => resolve('aborted'));
      req.once('close', () => resolve('aborted'));
    });
    if (received === 'too-large') return tooLarge;
    if (received === 'aborted') return { ok: false, reply: { status: 400, body: { detail: 'The request body did not arrive whole.' } } };
    const { chunks, size } = received;
    const data = Buffer.concat(chunks, size);
    if (multipart) {
      const parsed = parseMultipart(data, req.headers['content-type'] ?? '');
      if ('error' in parsed) return { ok: false, reply: { status: 400, body: { detail: parsed.error } } };
      return { ok: true, json: undefined, files: parsed.files, fields: parsed.fields };
    }
    if (size === 0) return { ok: true, json: undefined, files: [], fields: {} };
    try {
      return { ok: true, json: JSON.parse(data.toString('utf8')), files: [], fields: {} };
    } catch (err) {
      return { ok: false, reply: { status: 400, body: { detail: `The body is not JSON: ${(err as Error).message}` } } };
    }
  }
}

// ---- paths -----------------------------------------------------------------------------------

function splitPath(p: string): string[] {
  return p.split('/').slice(1);
}

function samePattern(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((s, i) => (s.startsWith(':') && b[i]!.startsWith(':')) || s === b[i]);
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The params of `pattern` in the raw (still encoded) segments, or null when it does not match. */
function matchSegments(pattern: string[], raw: string[]): Record<string, string> | null {
  if (pattern.length !== raw.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const decoded = safeDecode(raw[i]!);
    if (decoded === null) return null;
    if (p.startsWith(':')) {
      // One segment, and one that cannot name another folder whatever the route does with it.
      if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) return null;
      params[p.slice(1)] = decoded;
    } else if (p !== decoded) {
      return null;
    }
  }
  return params;
}

// ---- multipart/form-data -----------------------------------------------------------------------

/** Parses a whole multipart/form-data body (RFC 7578). Files keep their bytes; other parts are UTF-8 fields. */
export function parseMultipart(body: Buffer, contentType: string): { files: ApiFile[]; fields: Record<string, string> } | { error: string } {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return { error: 'The multipart body has no boundary in its Content-Type.' };
  const delimiter = Buffer.from(`--${boundary}`);
  const files: ApiFile[] = [];
  const fields: Record<string, string> = {};
  let pos = body.indexOf(delimiter);
  if (pos < 0) return { error: 'The multipart body does not contain its boundary.' };
  for (let count = 0; ; count++) {
    pos += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) return { error: 'The multipart body is malformed (a boundary is not followed by a line break).' };
    if (count >= MAX_PARTS) return { error: `The multipart body has more than ${MAX_PARTS} parts.` };
    const headStart = pos + 2;
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    if (headEnd < 0) return { error: 'The multipart body is malformed (a part has no end of headers).' };
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4);
    if (next < 0) return { error: 'The multipart body is cut short (no closing boundary).' };
    const headers = parsePartHeaders(body.subarray(headStart, headEnd).toString('utf8'));
    const data = body.subarray(headEnd + 4, next);
    const disposition = headers['content-disposition'] ?? '';
    const name = dispositionParam(disposition, 'name');
    if (!/^form-data\b/i.test(disposition) || name === null) return { error: 'A part of the multipart body has no form-data name.' };
    const filename = dispositionParam(disposition, 'filename*') ?? dispositionParam(disposition, 'filename');
    if (filename !== null) {
      files.push({ field: name, filename, contentType: headers['content-type'] ?? 'application/octet-stream', data: Buffer.from(data) });
    } else {
      fields[name] = data.toString('utf8');
    }
    pos = next + 2;
  }
  return { files, fields };
}

function parsePartHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** `name="x"`, `name=x` or (for `filename*`) RFC 5987 `UTF-8''%E2%80%A6`. */
function dispositionParam(disposition: string, key: string): string | null {
  const escaped = key.replace('*', '\\*');
  const m = new RegExp(`;\\s*${escaped}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(disposition);
  if (!m) return null;
  if (m[1] !== undefined) return m[1].replace(/\\(.)/g, '$1');
  const value = m[2]!.trim();
  if (key.endsWith('*')) {
    const ext = /^([\w-]+)'[^']*'(.*)$/.exec(value);
    return ext ? (safeDecode(ext[2]!) ?? value) : value;
  }
  return value;
}

// ---- replies -----------------------------------------------------------------------------------

function send(res: ServerResponse, reply: ApiReply): void {
  if (res.headersSent) return void res.end();
  const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' };
  if ('bytes' in reply) {
    headers['content-type'] = reply.contentType;
    headers['content-length'] = String(reply.bytes.length);
    headers['cache-control'] = cacheControl(reply.cacheSeconds);
    res.writeHead(reply.status, headers);
    return void res.end(reply.bytes);
  }
  if ('file' in reply) return;
  const text = JSON.stringify(reply.body);
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(reply.status, headers);
  res.end(text);
}

function cacheControl(seconds: number | undefined): string {
  return seconds && seconds > 0 ? `public, max-age=${Math.floor(seconds)}` : 'no-cache';
}

/** A file reply: opened without following a symlink (O_NOFOLLOW; a link is refused on lstat where that flag does not exist). */
async function sendFile(res: ServerResponse, reply: Extract<ApiReply, { file: string }>, method: string): Promise<void> {
  const notFound = () => send(res, { status: 404, body: { detail: 'Not Found' } });
  let handle: fsp.FileHandle;
  try {
    const link = await fsp.lstat(reply.file);
    if (!link.isFile()) return notFound();
    handle = await fsp.open(reply.file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return notFound();
  }
  let size: number;
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      return notFound();
    }
    size = st.size;
  } catch {
    await handle.close().catch(() => {});
    return notFound();
  }
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': String(size),
    'cache-control': cacheControl(reply.cacheSeconds),
    'x-content-type-options': 'nosniff',
    'content-security-policy': reply.csp ?? "default-src 'none'",
  });
  if (method === 'HEAD') {
    await handle.close();
    return void res.end();
  }
  // The handle's own stream closes it at the end or when the client goes away.
  const stream = handle.createReadStream();
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

function describeBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** The speech routes' audio upload (POST /api/asr): a few minutes of compressed speech fit easily. */
export const ASR_MAX_BYTES = 25 * 1024 * 1024;
/** Room for the multipart framing around an uploaded file. */
const MULTIPART_FRAMING_BYTES = 64 * 1024;

/** Multipart limits of the routes that take uploads: an avatar up to the store's import limit, audio up to ASR_MAX_BYTES. */
export function waifuMultipartLimit(avatarMaxBytes: number): (method: string, path: string) => number | undefined {
  return (method, path) => {
    if (method !== 'POST') return undefined;
    if (path === '/api/avatars/upload') return avatarMaxBytes + MULTIPART_FRAMING_BYTES;
    if (path === '/api/asr') return ASR_MAX_BYTES + MULTIPART_FRAMING_BYTES;
    return undefined;
  };
}
