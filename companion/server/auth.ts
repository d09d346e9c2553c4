// Who may talk to the companion. Three checks, all on every HTTP request and WebSocket upgrade:
// - Host must name the loopback address we listen on (a DNS-rebinding page cannot pass);
// - Origin, when a browser sends one, must be our own page or one the user allowed;
// - the credential, from `Authorization: Bearer`, a `alisa.token.<token>` subprotocol (browsers
//   cannot set headers on WebSockets) or a `token` query parameter, and its scope:
//     control token  (per launch, for the extension and the panel): every route;
//     API key        (stable, for other tools, see api-key.ts): the OpenAI-compatible /v1/* only.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_SUBPROTOCOL_PREFIX } from '../../protocol';

type AuthFailure = { status: 401 | 403; reason: string };

export function tokenFromRequest(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols) {
    for (const p of protocols.split(',').map((s) => s.trim())) {
      if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return p.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    }
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return url.searchParams.get('token');
}

function tokensEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function loopbackOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

export function checkHostAndOrigin(req: IncomingMessage, port: number, extraOrigins: readonly string[]): AuthFailure | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return { status: 403, reason: `Host "${host}" is not this companion (expected 127.0.0.1:${port}).` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !loopbackOrigins(port).includes(origin) && !extraOrigins.includes(origin)) {
    return { status: 403, reason: `Origin "${origin}" may not talk to Alisa.` };
  }
  return null;
}

/** What a credential may open: `control` routes (everything but /v1) or the `api` (/v1/*). */
export type Scope = 'control' | 'api';

export const API_KEY_SCOPE_MESSAGE =
  'This key is for the OpenAI-compatible API only (/v1/models, /v1/chat/completions); it cannot open this route. The extension and the panel use the per-launch control token.';

interface AuthOptions {
  port: number;
  /** The control token; null (the legacy port) checks Host and Origin only. */
  token: string | null;
  /** The /v1 API key, or null when there is none. */
  apiKey?: string | null;
  extraOrigins: readonly string[];
  /** The route's scope (default control): the API key passes only on `api` routes. */
  scope?: Scope;
}

/** The full check: Host, Origin and (unless `token` is null, as on the legacy port) the credential and its scope. */
export function authorize(req: IncomingMessage, opts: AuthOptions): AuthFailure | null {
  const hostOrigin = checkHostAndOrigin(req, opts.port, opts.extraOrigins);
  if (hostOrigin) return hostOrigin;
  if (opts.token === null) return null;
  const given = tokenFromRequest(req);
  if (given === null) return { status: 401, reason: 'A token is required (Authorization: Bearer <token>).' };
  // Both comparisons always run, in constant time each.
  const isControl = tokensEqual(given, opts.token);
  const isApiKey = opts.apiKey ? tokensEqual(given, opts.apiKey) : false;
  if (isControl) return null;
  if (isApiKey) return (opts.scope ?? 'control') === 'api' ? null : { status: 403, reason: API_KEY_SCOPE_MESSAGE };
  return { status: 401, reason: 'The token is not valid for this companion.' };
}
