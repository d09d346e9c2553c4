// CONTEXT_LIMITS without loading the protocol module (and zod) at activation: a copy the
// compiler checks against the protocol's values, so the two cannot drift apart.
import type { CONTEXT_LIMITS as PROTOCOL_LIMITS } from '../../protocol/context';

export const LIMITS = {
  textAroundCursor: 4000,
  diagnosticsPerFile: 50,
  files: 50,
  message: 2000,
  terminalOutput: 4000,
  commandLine: 1000,
  path: 500,
  countedFiles: 5000,
} as const satisfies typeof PROTOCOL_LIMITS;

// And the other way round: every protocol limit is here with the same value.
const _check: typeof LIMITS = {} as typeof PROTOCOL_LIMITS;
void _check;
