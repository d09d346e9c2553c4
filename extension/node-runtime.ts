// Finds out whether the Node.js runtime that should run the companion exists and is new enough,
// before anything is spawned: "spawn node ENOENT" tells a user nothing, this says what to do.
// No `vscode` import: unit-tested in vitest.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The companion uses Node 20 APIs (and its native modules are built for them). */
const MIN_NODE_MAJOR = 20;

export const NODE_PATH_SETTING = 'alisa.companion.nodePath';

type RuntimeCheck = { ok: true; version: string; major: number } | { ok: false; reason: 'missing' | 'too-old' | 'unusable'; message: string; action: string };

const ACTION = `Install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org), or set ${NODE_PATH_SETTING} to the full path of a node executable, then restart Alisa.`;

/** Runs `<nodePath> --version` (at most `timeoutMs`) and judges the answer. Never throws. */
export function checkNodeRuntime(nodePath: string, timeoutMs = 10_000): Promise<RuntimeCheck> {
  return new Promise((resolve) => {
    if (!nodePath.trim()) {
      resolve({ ok: false, reason: 'missing', message: `No Node.js runtime is set (${NODE_PATH_SETTING} is empty).`, action: ACTION });
      return;
    }
    execFile(nodePath, ['--version'], { timeout: timeoutMs, windowsHide: true, encoding: 'utf8' }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          resolve({
            ok: false,
            reason: 'missing',
            message: `Alisa needs Node.js ${MIN_NODE_MAJOR} or newer to run her companion, but "${nodePath}" was not found.`,
            action: ACTION,
          });
        } else if (code === 'EACCES') {
          resolve({ ok: false, reason: 'unusable', message: `Alisa cannot run "${nodePath}": it is not executable.`, action: ACTION });
        } else {
          const why = (err as { killed?: boolean }).killed ? `it did not answer within ${Math.round(timeoutMs / 1000)} s` : err.message;
          resolve({ ok: false, reason: 'unusable', message: `Alisa could not ask "${nodePath}" for its version (${why}).`, action: ACTION });
        }
        return;
      }
      resolve(judgeVersion(nodePath, stdout));
    });
  });
}

/** Judges the output of `node --version` ("v20.11.1"). Exported for tests. */
export function judgeVersion(nodePath: string, output: string): RuntimeCheck {
  const version = output.trim();
  const match = /^v(\d+)\.\d+\.\d+/.exec(version);
  if (!match) {
    return {
      ok: false,
      reason: 'unusable',
      message: `"${nodePath}" does not look like Node.js: it answered "${version.slice(0, 80)}" to --version.`,
      action: ACTION,
    };
  }
  const major = Number(match[1]);
  if (major < MIN_NODE_MAJOR) {
    return { ok: false, reason: 'too-old', message: `Alisa needs Node.js ${MIN_NODE_MAJOR} or newer, but "${nodePath}" is ${version}.`, action: ACTION };
  }
  return { ok: true, version, major };
}

/** dist/native/manifest.json, written by scripts/native-addons.mjs when the package is made. */
interface NativeManifest {
  platform: string;
  arch: string;
  abis: Array<{ abi: number; node: number }>;
}

type NativeCheck = { ok: true } | { ok: false; message: string; action: string };

/**
 * Whether the package carries a better-sqlite3 addon for `major` (the user's Node) on this
 * platform. Every release line of one even Node major keeps its ABI, so the major decides.
 * Pure; exported for tests.
 */
export function judgeNativeAddons(
  nodePath: string,
  version: string,
  major: number,
  manifest: NativeManifest,
  platform: string = process.platform,
  arch: string = process.arch,
): NativeCheck {
  if (manifest.platform !== platform || manifest.arch !== arch) {
    return {
      ok: false,
      message: `This Alisa package was made for ${manifest.platform}-${manifest.arch}, but this machine is ${platform}-${arch}: her memory database will not load.`,
      action: `Install the Alisa package for ${platform}-${arch}.`,
    };
  }
  if (manifest.abis.some((a) => a.node === major)) return { ok: true };
  const majors = [...new Set(manifest.abis.map((a) => a.node))].sort((a, b) => a - b);
  const list = majors.join(', ') || 'none';
  return {
    ok: false,
    message: `Alisa's memory database will not load with Node.js ${version} ("${nodePath}"): this package carries its SQLite module for Node.js ${list} only. Chat works, without history.`,
    action: `Set ${NODE_PATH_SETTING} to a Node.js ${majors.at(-1) ?? MIN_NODE_MAJOR} executable${majors.length > 1 ? ` (or ${majors.slice(0, -1).join(', ')})` : ''}, then restart Alisa.`,
  };
}

/** Reads `<folder of script>/native/manifest.json` and judges it; null when there is none (a development build). */
export function checkNativeAddons(script: string, nodePath: string, version: string, major: number): NativeCheck | null {
  let manifest: NativeManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(path.dirname(script), 'native', 'manifest.json'), 'utf8')) as NativeManifest;
  } catch {
    return null;
  }
  if (!Array.isArray(manifest?.abis)) return null;
  return judgeNativeAddons(nodePath, version, major, manifest);
}
