// Errors the user can meet carry a protocol error code, a sentence saying what happened and,
// where there is one, what to do about it. Everything that crosses the socket is an AlisaError.
import type { ErrorCode, ErrorInfo } from '../protocol';

export class AlisaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly action?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AlisaError';
  }

  toInfo(): ErrorInfo {
    return this.action ? { code: this.code, message: this.message, action: this.action } : { code: this.code, message: this.message };
  }
}

/** Any thrown value as an AlisaError; unknown failures become `internal` with their message. */
export function toAlisaError(err: unknown, fallback: ErrorCode = 'internal'): AlisaError {
  if (err instanceof AlisaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AlisaError(fallback, message, undefined, { cause: err });
}
