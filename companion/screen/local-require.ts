// A `require` for optional CommonJS packages that works from source (vitest, ESM), from the
// companion's ESM bundle and from a CJS bundle (the benches).
import { createRequire } from 'node:module';
import path from 'node:path';

export function localRequire(): NodeRequire {
  const url = (import.meta as { url?: string }).url;
  if (url) return createRequire(url);
  if (typeof require === 'function') return require;
  return createRequire(path.join(process.cwd(), 'index.js'));
}
