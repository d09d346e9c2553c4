// The memory module's public surface: the store, what callers pass it, and the open/lock
// helpers the companion needs when it reports the database state.
export { MemoryStore, DEFAULT_PAGE_SIZE, DEFAULT_SESSION_TITLE } from './memory-store';
export {
  INTERRUPTION_MAX_AGE_MS,
  INTERRUPTION_MAX_ROWS,
  INTERRUPTION_OUTCOMES,
  RHYTHM_MAX_AGE_MS,
  RHYTHM_MAX_COUNT,
  RHYTHM_MAX_SEQUENCES,
  RHYTHM_MAX_SESSIONS,
  type HourOutcomes,
  type InterruptionOutcome,
} from './rhythm-store';
export type {
  BuiltinCharacter,
  CharacterPatch,
  ListMessagesOptions,
  MemoryStoreOptions,
  MessagePatch,
  NewCharacter,
  NewMessage,
} from './types';
export type { ExportedSession, HistoryExport } from './export-format';
export { DEFAULT_BUSY_TIMEOUT_MS, isBusyError, type MovedAside } from './database';
export { retryWhileLocked, type RetryOptions } from './retry';
export { parseSearchQuery, toFtsQuery, type SearchTerms } from './fts-query';
export { DEFAULT_SEARCH_WINDOW, chooseMatch } from './search';
