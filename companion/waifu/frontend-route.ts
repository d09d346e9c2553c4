// The original front end at its old addresses (issue 19): waifu-rt3d served `frontend/index.html`
// at `/`, `frontend/assets/` at `/assets/*` and the whole `frontend/` at `/frontend/*` (its 3D
// viewer is `/frontend/viewer/viewer.html?url=/files/avatars/X.vrm`). Its pages call `/api/*` on
// the address they came from, so they work against Alisa only when this server serves them: a
// page opened from disk has the Origin `null`, which the server refuses.
//
// Alisa does not ship that front end (it is the user's copy, --waifu-frontend DIR). A path is
// served only when it resolves, links included, to a regular file inside that folder; `..`,
// backslashes and NUL never reach the file system. Pages may run their own scripts and talk to
// this server, nothing else: the CSP allows 'self' (plus inline code, which the original's pages
// use) and no other host.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ApiReply } from './api-types';

export const FRONTEND_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.vrm': 'model/gltf-binary',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

/** Where `pathname` (still URL-encoded) lives in the front-end folder, or null when it is not one of its addresses. */
export function frontendPath(pathname: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').slice(1);
  if (parts.some((p) => p === '..' || p === '.')) return null;
  if (decoded === '/' || decoded === '/index.html') return ['index.html'];
  if (parts[0] === 'assets' && parts.length > 1) return parts;
  if (parts[0] === 'frontend' && parts.length > 1) return parts.slice(1);
  return null;
}

/** A file reply for `pathname` from the user's front-end folder, or null (not there: the caller answers 404). */
export async function frontendReply(dir: string, pathname: string): Promise<Extract<ApiReply, { file: string }> | null> {
  const rel = frontendPath(pathname);
  if (!rel || rel.at(-1) === '') return null;
  try {
    const root = await fsp.realpath(dir);
    const real = await fsp.realpath(path.join(root, ...rel));
    if (real !== root && !real.startsWith(root + path.sep)) return null;
    if (!(await fsp.stat(real)).isFile()) return null;
    const contentType = TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
    return { status: 200, file: real, contentType, csp: FRONTEND_CSP };
  } catch {
    return null;
  }
}
