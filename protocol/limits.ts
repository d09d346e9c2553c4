// Limits both ends rely on.

/** Frames over this many bytes get a `frame_too_large` error; the connection lives on. */
export const MAX_FRAME_BYTES = 256 * 1024;
/** Frames over this are not even read: the socket is closed with 1009 (message too big). */
export const HARD_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** WebSocket subprotocol prefix that carries the token for browsers (which cannot set headers). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'alisa.token.';
/** The subprotocol the companion answers with. */
export const ALISA_SUBPROTOCOL = 'alisa.v1';

/** Caps every context snapshot field obeys (the extension truncates; the companion refuses more). See context.ts. */
export const CONTEXT_LIMITS = {
  textAroundCursor: 4000,
  diagnosticsPerFile: 50,
  files: 50,
  message: 2000,
  terminalOutput: 4000,
  commandLine: 1000,
  path: 500,
  /** Files reported by their counts only (beyond those sent with their diagnostics). */
  countedFiles: 5000,
} as const;
