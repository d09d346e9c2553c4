// The key of the OpenAI-compatible API (/v1/models, /v1/chat/completions), for other tools.
// It is not the control token: the control token (fresh per launch, for the extension and the
// panel) opens everything; this key opens /v1 only, so a tool that has it can chat with the model
// and do nothing else (no /ws, no voice or screen settings, no /health).
//
// Stable across restarts so that other tools can keep it: ALISA_API_KEY when set (at least 32
// characters), else DATA/api-key, created once (32 random bytes, base64url) with mode 0600 and
// reused. It is never logged; it is printed only on request (`--print-api-key`).
import { randomBytes } from 'node:crypto';
import { ensureDataDir } from '../data-dir';
import { chmodSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AlisaError } from '../errors';

const API_KEY_FILE_NAME = 'api-key';
const MIN_API_KEY_LENGTH = 32;
/** What may appear in a key: it travels in an `Authorization: Bearer` header. */
const KEY_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

export interface ApiKey {
  key: string;
  /** The file it is kept in, or null (from ALISA_API_KEY, or kept in memory when the file could not be written). */
  file: string | null;
  source: 'env' | 'file' | 'created' | 'memory';
}

/** Why `key` cannot be an API key, or null. */
export function apiKeyProblem(key: string): string | null {
  if (key.length < MIN_API_KEY_LENGTH) return `it is ${key.length} characters long; at least ${MIN_API_KEY_LENGTH} are needed`;
  if (key.length > 512) return 'it is longer than 512 characters';
  if (!KEY_CHARS.test(key)) return 'it may hold only letters, digits and . _ ~ + / = -';
  return null;
}

function newApiKey(): string {
  return randomBytes(32).toString('base64url');
}

function readKeyFile(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes `key` to `file` (mode 0600) unless the file exists; returns the key the file holds. */
function createKeyFile(file: string, key: string): { key: string; created: boolean } {
  // Written to a private temporary file, then linked into place: a second companion starting at
  // the same moment either wins the link or reads the complete winner, never a half-written file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${key}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
    return { key, created: true };
  } catch (err) {
    const existing = (err as NodeJS.ErrnoException).code === 'EEXIST' ? readKeyFile(file) : null;
    if (existing !== null && apiKeyProblem(existing) === null) return { key: existing, created: false };
    throw err;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/**
 * The API key for this data folder. Throws invalid_argument for a bad ALISA_API_KEY (the user set
 * it and must fix it); a problem with the file is logged and a fresh key is used instead.
 */
export function loadApiKey(dataDir: string, envKey: string | undefined, log: (line: string) => void = () => {}): ApiKey {
  if (envKey !== undefined && envKey !== '') {
    const problem = apiKeyProblem(envKey);
    if (problem)
      throw new AlisaError(
        'invalid_argument',
        `ALISA_API_KEY is not a usable API key: ${problem}.`,
        'Set it to a long random value (e.g. `openssl rand -base64 32`), or unset it to let Alisa keep one in her data folder.',
      );
    return { key: envKey, file: null, source: 'env' };
  }
  const file = path.join(dataDir, API_KEY_FILE_NAME);
  try {
    ensureDataDir(dataDir);
    const existing = readKeyFile(file);
    if (existing !== null) {
      const problem = apiKeyProblem(existing);
      if (!problem) {
        // Only the user may read it: tighten a file someone loosened.
        if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
          chmodSync(file, 0o600);
          log(`api key: ${file} was readable by others; its mode is now 0600`);
        }
        return { key: existing, file, source: 'file' };
      }
      log(`api key: ${file} does not hold a usable key (${problem}); writing a new one`);
      unlinkSync(file);
    }
    const made = createKeyFile(file, newApiKey());
    return { key: made.key, file, source: made.created ? 'created' : 'file' };
  } catch (err) {
    log(`api key: could not keep the key in ${file} (${(err as Error).message}); the /v1 key changes with every start until this is fixed`);
    return { key: newApiKey(), file: null, source: 'memory' };
  }
}
