// Which better-sqlite3 addon the companion loads, and what to tell the user when it cannot.
//
// A native addon only loads in the Node.js ABI it was built for (process.versions.modules:
// 115 = Node 20, 127 = Node 22, 137 = Node 24). The companion runs on the user's own `node`, so
// the package (scripts/package.mjs) carries one addon per supported ABI in dist/native/, named
// `better_sqlite3-node-v<ABI>-<platform>-<arch>.node`; the companion picks the one for the Node
// it runs on and falls back to better-sqlite3's own build (node_modules, built by `npm ci` for
// the installing Node). When nothing fits, the load error becomes a message with the fix.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Node.js majors by ABI (NODE_MODULE_VERSION), for messages. */
const NODE_MAJOR_BY_ABI: Record<number, number> = { 93: 16, 108: 18, 115: 20, 120: 21, 127: 22, 131: 23, 137: 24, 141: 25 };

function nodeMajorForAbi(abi: number): number | null {
  return NODE_MAJOR_BY_ABI[abi] ?? null;
}

/** The file name of the packaged addon for one ABI on this platform. */
export function packagedAddonName(abi: string | number = process.versions.modules, platform = process.platform, arch = process.arch): string {
  return `better_sqlite3-node-v${abi}-${platform}-${arch}.node`;
}

/** The folder of packaged addons: dist/native next to the companion bundle. */
function nativeDir(): string | null {
  try {
    return path.join(path.dirname(fileURLToPath(import.meta.url)), 'native');
  } catch {
    return null;
  }
}

/**
 * The packaged addon built for the running Node (absolute path), or undefined: then
 * better-sqlite3 loads its own build from node_modules. `ALISA_SQLITE_ADDON` overrides both.
 */
export function sqliteAddonPath(): string | undefined {
  const forced = process.env.ALISA_SQLITE_ADDON;
  if (forced) return forced;
  const dir = nativeDir();
  if (!dir) return undefined;
  const file = path.join(dir, packagedAddonName());
  return existsSync(file) ? file : undefined;
}

interface NativeLoadProblem {
  message: string;
  action: string;
}

/**
 * Whether `err` is a failure to load the SQLite addon (not a database problem), and if so what
 * the user sees: the Node the companion runs on, the ABI the addon was built for, and the fix.
 */
export function describeNativeLoadError(err: unknown): NativeLoadProblem | null {
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? err.message : String(err);
  const running = `Node.js ${process.version} (ABI ${process.versions.modules})`;
  const runningMajor = process.versions.node.split('.')[0];
  const mismatch = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(text);
  if (mismatch) {
    const builtAbi = Number(mismatch[1]);
    const builtMajor = nodeMajorForAbi(builtAbi);
    const builtFor = builtMajor ? `Node.js ${builtMajor} (ABI ${builtAbi})` : `ABI ${builtAbi}`;
    return {
      message: `Alisa's memory database cannot load: its SQLite module (better-sqlite3) was built for ${builtFor}, but the companion runs on ${running}. Chat works without history until this is fixed.`,
      action:
        (builtMajor
          ? `Set alisa.companion.nodePath to a Node.js ${builtMajor} executable (or start the companion with Node.js ${builtMajor}), `
          : 'Run the companion with the Node.js it was built for, ') +
        `or rebuild the module for Node.js ${runningMajor}: run \`npm rebuild better-sqlite3\` with that node in Alisa's folder (needs a C++ toolchain), then restart Alisa.`,
    };
  }
  // A missing addon (ALISA_SQLITE_ADDON or a packaged file that is not there) cannot load either.
  const missingAddon = code === 'MODULE_NOT_FOUND' && /\.node\b/.test(text);
  if (code === 'ERR_DLOPEN_FAILED' || missingAddon || /Could not locate the bindings file|better_sqlite3\.node/.test(text)) {
    return {
      message: `Alisa's memory database cannot load: the SQLite module (better-sqlite3) does not load in ${running} on ${process.platform}-${process.arch} (${text.split('\n')[0]!.slice(0, 300)}). Chat works without history until this is fixed.`,
      action: `Reinstall Alisa for this platform, or rebuild the module: run \`npm rebuild better-sqlite3\` with this node in Alisa's folder (needs a C++ toolchain), then restart Alisa.`,
    };
  }
  return null;
}
