// Stored avatars over HTTP, for the browser UI (the VS Code panel loads the same files as webview
// resources, see extension/chat-view-provider.ts), after the server's full check (Host, Origin,
// control token: the page passes it as `?token=`, since an <img> or a model loader cannot set
// headers):
//   GET  /avatars/<id>/<file>   a stored file. Only names the store wrote, from the avatar's own
//                               folder (AvatarStore.filePath): `..`, encoded slashes, the manifest
//                               are refused.
//   POST /avatars/import?filename=F[&name=N&kind=vrm|gltf&replaceId=ID]   a model's bytes as the
//                               body (a WebSocket frame is capped far below a model's size); the
//                               same checks as avatar.import, the size limit counted as it arrives.
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import * as z from 'zod';
import { AVATAR_ID_PATTERN, AVATAR_ROUTE } from '../../protocol';
import { toAlisaError } from '../errors';
import type { AvatarService } from './avatar-service';
import { AVATAR_FILE_TYPES, type AvatarStore } from './avatar-store';

const UPLOAD_PATH = `${AVATAR_ROUTE}import`;
const UploadQuery = z
  .object({
    filename: z.string().min(1).max(200),
    name: z.string().trim().min(1).max(80).optional(),
    kind: z.enum(['vrm', 'gltf']).optional(),
    replaceId: z.string().regex(AVATAR_ID_PATTERN).optional(),
  })
  .strict();

/** GET a stored file, or POST an upload. */
export function handleAvatarRoute(avatars: AvatarService, req: IncomingMessage, pathname: string, res: ServerResponse): void {
  if (pathname === UPLOAD_PATH && req.method === 'POST') return void receiveUpload(avatars, req, res);
  serveAvatarFile(avatars.store, req.method, pathname, res);
}

async function receiveUpload(avatars: AvatarService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'token'));
  const parsed = UploadQuery.safeParse(query);
  if (!parsed.success) {
    req.resume();
    return refuse(res, 400, `The upload's parameters are not valid (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}).`);
  }
  const max = avatars.store.maxImportBytes;
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = () =>
    refuse(
      res,
      413,
      `${parsed.data.filename} is larger than ${Math.round(max / 1_000_000)} MB, the most an avatar may be. Raise alisa.avatar.maxImportMB, or reduce the model and export it again.`,
    );
  if (declared > max) {
    req.resume();
    return tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) {
        req.destroy();
        return tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return; // the browser went away
  }
  try {
    const { filename, ...p } = parsed.data;
    const result = avatars.importBytes(Buffer.concat(chunks), filename, p);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result));
  } catch (err) {
    const e = toAlisaError(err);
    res.writeHead(e.code === 'not_found' ? 404 : e.code === 'invalid_argument' ? 422 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: e.toInfo() }));
  }
}

export function isAvatarRoute(pathname: string): boolean {
  return pathname.startsWith(AVATAR_ROUTE);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: { message, code: status === 404 ? 'not_found' : 'invalid_argument' } }));
}

/** `pathname` as the URL parser left it (still percent-encoded). */
export function serveAvatarFile(store: AvatarStore, method: string | undefined, pathname: string, res: ServerResponse): void {
  if (method !== 'GET' && method !== 'HEAD') return refuse(res, 405, 'Avatar files can only be read (GET).');
  const rest = pathname.slice(AVATAR_ROUTE.length);
  const parts = rest.split('/');
  // Encoded separators or dots are refused before anything is decoded.
  if (parts.length !== 2 || /%/.test(rest)) return refuse(res, 404, 'No such avatar file.');
  const [id, file] = parts as [string, string];
  const full = store.filePath(id, file);
  if (!full) return refuse(res, 404, 'No such avatar file.');
  let size: number;
  try {
    const st = statSync(full);
    if (!st.isFile()) return refuse(res, 404, 'No such avatar file.');
    size = st.size;
  } catch {
    return refuse(res, 404, 'No such avatar file.');
  }
  res.writeHead(200, {
    'content-type': AVATAR_FILE_TYPES[path.extname(full)] ?? 'application/octet-stream',
    'content-length': String(size),
    // A replaced avatar keeps its id: the page asks again rather than showing the old model.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
  });
  if (method === 'HEAD') return void res.end();
  const stream = createReadStream(full);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
