// The waifu-rt3d compatibility surface (issue 19): the contract between its server
// (waifu-server.ts: listening, Host/Origin checks, body parsing, routing) and the route tables
// (config-routes.ts, speech-routes.ts, data-routes.ts). A route is a plain async function from a
// parsed request to a reply, so each table is tested without sockets and the server stays small.
//
// Errors use the original's shape, `{"detail": "..."}`, with 4xx for what the client got wrong
// (the original answered 500 for a non-JSON body; we answer 400).
import type { CompanionConfig } from '../config';
import type { CompanionCore } from '../server/request-handlers';

/** One uploaded file of a multipart/form-data body. */
export interface ApiFile {
  field: string;
  /** The client's file name, as sent (not yet sanitised). */
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ApiRequest {
  method: string;
  /** The decoded path, without the query. */
  path: string;
  query: URLSearchParams;
  /** `:name` parts of the route's pattern, decoded. */
  params: Record<string, string>;
  /**
   * The JSON body, parsed (a body that is not JSON never reaches a route: the server answers 400).
   * `undefined` when the request had no body or was multipart.
   */
  json: unknown;
  /** multipart/form-data: its files and its plain fields. */
  files: ApiFile[];
  fields: Record<string, string>;
}

export type ApiReply =
  | { status: number; body: unknown }
  /** A file from disk, streamed; the server sets Content-Length and refuses to follow links. */
  | {
      status: number;
      file: string;
      contentType: string;
      cacheSeconds?: number;
      /** The page's Content-Security-Policy (default `default-src 'none'`: a file is never a page). */
      csp?: string;
    }
  /** Bytes in memory (an audio clip, a thumbnail). */
  | { status: number; bytes: Buffer; contentType: string; cacheSeconds?: number };

export type ApiRoute = (req: ApiRequest) => Promise<ApiReply>;

/**
 * A route table: keys are `METHOD /path`, where a segment `:name` matches one path segment
 * (decoded, never containing `/`), e.g. `DELETE /api/sessions/:id`, `GET /files/audio/:name`.
 */
export type RouteTable = Record<string, ApiRoute>;

export function detail(status: number, message: string): ApiReply {
  return { status, body: { detail: message } };
}

export function ok(body: Record<string, unknown> = {}): ApiReply {
  return { status: 200, body: { ok: true, ...body } };
}

/** What every route table is built from. */
export interface WaifuDeps {
  core: CompanionCore;
  /** The companion's launch configuration (flags and environment; read-only). */
  companionConfig: CompanionConfig;
  /** The companion's data folder (audio clips go to DATA/waifu-audio/, the API's own config to DATA/waifu-config.json). */
  dataDir: string;
  log: (line: string) => void;
  /** The waifu-rt3d `config` object, as GET /api/config answers it (config-routes.ts). */
  config(): WaifuConfig;
}

/** The original's app.json shape; unknown keys are kept, so this is open. */
export interface WaifuConfig {
  profile?: string;
  input_mode?: string;
  output_mode?: string;
  llm?: { provider?: string; endpoint?: string; api_key?: string; model?: string; [k: string]: unknown };
  tts?: {
    provider?: string;
    endpoint?: string;
    api_key?: string;
    voice_id?: string;
    voice?: string;
    format?: string;
    sample_rate?: number;
    fallback_chain?: string[];
    [k: string]: unknown;
  };
  asr?: { enabled?: boolean; provider?: string; endpoint?: string; api_key?: string; model?: string; language?: string; [k: string]: unknown };
  memory?: { max_history?: number; [k: string]: unknown };
  [k: string]: unknown;
}
