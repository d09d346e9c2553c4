// Errors the user can meet carry a protocol error code, a sentence saying what happened and,
// where there is one, what to do about it; raw output (a tool's stderr) goes in `details`. Everything that crosses the socket is an AlisaError.
import type { ErrorCode, ErrorInfo } from '../protocol';

export class AlisaError extends Error {
  /** The raw output behind the error (a tool's exit lines): for "Details", never the message. */
  readonly details?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly action?: string,
    options?: { cause?: unknown; details?: string },
  ) {
    super(message, options);
    this.name = 'AlisaError';
    if (options?.details) this.details = options.details;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.action) info.action = this.action;
    if (this.details) info.details = this.details;
    return info;
  }
}

/** Any thrown value as an AlisaError; unknown failures become `internal` with their message. */
export function toAlisaError(err: unknown, fallback: ErrorCode = 'internal'): AlisaError {
  if (err instanceof AlisaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AlisaError(fallback, message, undefined, { cause: err });
}

/** Runs a command-line tool's main: exits with its code, or writes the error as one JSON line `{ "error": … }` and exits 1. */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      const e = toAlisaError(err);
      process.stdout.write(`${JSON.stringify({ error: e.toInfo() })}\n`);
      process.exit(1);
    },
  );
}
