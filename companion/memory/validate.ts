// Checks and normalizes what callers hand the store, so bad input is an `invalid_argument`
// with a clear sentence instead of a CHECK-constraint failure from deep inside SQLite.
import { EMOTIONS, MessageStatus, Role, type Emotion } from '../../protocol';
import { AlisaError } from '../errors';

const ROLES: ReadonlySet<string> = new Set(Role.options);
const STATUSES: ReadonlySet<string> = new Set(MessageStatus.options);
const EMOTION_SET: ReadonlySet<string> = new Set(EMOTIONS);

const MAX_TITLE_CHARS = 200;
const MAX_NAME_CHARS = 80;
const MAX_SLUG_CHARS = 48;

function invalid(message: string): AlisaError {
  return new AlisaError('invalid_argument', message);
}

export function notFound(kind: 'Session' | 'Message' | 'Character', id: number | string): AlisaError {
  return new AlisaError('not_found', `${kind} ${id} does not exist; it may have been deleted.`);
}

export function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw invalid(`${what} must be a positive integer, got ${String(id)}.`);
  return id;
}

export function checkRole(role: unknown): Role {
  if (typeof role !== 'string' || !ROLES.has(role)) throw invalid(`Unknown message role ${JSON.stringify(role)}.`);
  return role as Role;
}

export function checkStatus(status: unknown): MessageStatus {
  if (typeof status !== 'string' || !STATUSES.has(status)) throw invalid(`Unknown message status ${JSON.stringify(status)}.`);
  return status as MessageStatus;
}

export function checkEmotion(emotion: unknown): Emotion | null {
  if (emotion === null || emotion === undefined) return null;
  if (typeof emotion !== 'string' || !EMOTION_SET.has(emotion)) throw invalid(`Unknown emotion ${JSON.stringify(emotion)}.`);
  return emotion as Emotion;
}

/** A UTF-16 surrogate without its other half: SQLite stores text as UTF-8, where it has no form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Lone surrogates as U+FFFD: for text the companion made itself (a model's output, a window title
 * cut at a length limit), where a half character is an artefact, not something a user sent.
 */
export function wellFormed(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

export function checkText(text: unknown, what = 'Message text'): string {
  if (typeof text !== 'string') throw invalid(`${what} must be a string.`);
  // Refused rather than stored lossily (as U+FFFD): what is stored is what was sent, or nothing.
  if (LONE_SURROGATE.test(text)) throw invalid(`${what} holds a lone UTF-16 surrogate (half of a character, such as \\uD800), which cannot be stored as text.`);
  return text;
}

export function checkTokens(n: unknown, what: string): number | null {
  if (n === null || n === undefined) return null;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid(`${what} must be a non-negative integer or null.`);
  return n;
}

/** Optional string fields (voice, avatar): empty means "none". */
export function optionalString(value: unknown, what: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalid(`${what} must be a string or null.`);
  return value.trim() === '' ? null : value;
}

function oneLine(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string.`);
  const clean = value.replace(/\s+/g, ' ').trim();
  if (clean === '') throw invalid(`${what} cannot be empty.`);
  return [...clean].slice(0, max).join('');
}

export function cleanTitle(title: unknown): string {
  return oneLine(title, 'The session title', MAX_TITLE_CHARS);
}

export function cleanName(name: unknown): string {
  return oneLine(name, 'The character name', MAX_NAME_CHARS);
}

export function checkLimit(limit: unknown, what: string, max: number): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw invalid(`${what} must be an integer from 1 to ${max}, got ${String(limit)}.`);
  }
  return limit;
}

/** `"Mira the Witch!"` -> `mira-the-witch`; letters of any script survive, accents do not. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  const short = [...slug].slice(0, MAX_SLUG_CHARS).join('').replace(/-+$/, '');
  return short || 'character';
}

/** A patch field counts when present and not undefined; null means "clear it". */
export const has = (o: object, key: string) => (o as Record<string, unknown>)[key] !== undefined;
export const flag = (b: boolean) => (b ? 1 : 0);

/** A patched column's two named parameters (statements.ts `patchedColumns`): `set_<column>` and its value. */
export type PatchParam<C extends string, T> = Record<`set_${C}`, number> & Record<C, T | null>;

/**
 * The parameters of one column of a patch: `set_<column>` is 1 when the patch has `key` (has), and
 * the value is `check` of it (null without it, and the column is left as it is).
 */
export function patchParam<C extends string, T>(patch: object, key: string, column: C, check: (value: unknown) => T): PatchParam<C, T> {
  const present = has(patch, key);
  const value = present ? check((patch as Record<string, unknown>)[key]) : null;
  return { [`set_${column}`]: flag(present), [column]: value } as PatchParam<C, T>;
}

/** A `nextCursor` of listSessionsPage: "<updatedAt>:<id>". */
export function parseSessionCursor(cursor: string): [number, number] {
  const m = typeof cursor === 'string' ? /^(\d{1,16}):(\d{1,16})$/.exec(cursor) : null;
  const ts = m ? Number(m[1]) : NaN;
  const id = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(ts) || !Number.isSafeInteger(id)) {
    throw new AlisaError(
      'invalid_argument',
      `Not a session list cursor: ${JSON.stringify(String(cursor).slice(0, 40))}.`,
      'Pass the nextCursor of the previous page, or none for the first page.',
    );
  }
  return [ts, id];
}

/** SQLite refused a row whose parent is missing (the foreign key is the existence check). */
export function isForeignKeyError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
