// The context snapshot caps (CONTEXT_LIMITS): protocol/limits.ts has no zod, so the extension
// reads them from there at activation without loading the protocol's schemas.
export { CONTEXT_LIMITS as LIMITS } from '../../protocol/limits';
