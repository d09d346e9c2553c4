// The memory of fixes that worked (issue 17): when the extension sees one of her fixes make its
// error go away, it sends `memories.recordFix` with the error's signature (common/fix-signature.ts)
// and the change; it is kept as an ordinary memory (source 'fix', tagged with the signature), so
// the Memory view lists it and deleting it forgets it. One memory per signature and workspace: a
// later fix of the same error replaces the change and counts the times. When the same error comes
// back, the help offer says what fixed it last time (lastFixFor): one indexed lookup, no model.
//
// The change lives in the memory's text, in one fixed sentence ("Adding `await` in src/db.ts fixed
// "Cannot find name '…'".") that the offer reads back; a text the user edited is still offered,
// as it is, without the short form.
import { redactSecrets } from '../../common/privacy/redact';
import type { ClientWorkspace, MemoryFact, Params } from '../../protocol';
import { MEMORY_TEXT_MAX, type LastFix } from '../../protocol/memory';
import { AlisaError } from '../errors';
import type { MemoryStore } from './memory-store';

const FIXED = ' fixed "';
const TIMES = /\s*It worked (\d+) times\.$/;

const clean = (s: string) => redactSecrets(s.replace(/\s+/g, ' ').trim()).text;
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** How many times the fix in `text` worked (1 when the text does not say). */
export function timesOf(text: string): number {
  const m = TIMES.exec(text);
  return m ? Number(m[1]) : 1;
}

/** The memory's sentence: the change, the error, the diff excerpt if it fits, the count. */
export function fixText(p: Params<'memories.recordFix'>, times: number): string {
  const head = `${capitalized(clean(p.summary))} in ${clean(p.path)}${FIXED}${clean(p.error)}".`;
  const tail = times > 1 ? ` It worked ${times} times.` : '';
  const diff = p.diff ? ` Change: ${clean(p.diff)}` : '';
  const room = MEMORY_TEXT_MAX - head.length - tail.length;
  const fitted = diff.length <= room ? diff : room > 20 ? `${diff.slice(0, room - 1)}…` : '';
  return `${head}${fitted}${tail}`.slice(0, MEMORY_TEXT_MAX);
}

/** "adding `await` in src/db.ts", from a memory written by fixText; null when it no longer says so. */
export function changeOf(text: string): string | null {
  const at = text.indexOf(FIXED);
  if (at <= 0) return null;
  const change = text.slice(0, at);
  return change.charAt(0).toLowerCase() + change.slice(1);
}

/**
 * Records a fix that worked in `workspace`: a new memory, or the one for the same signature with
 * the new change and one more time. Throws invalid_argument without a workspace (fixes are about
 * a workspace's code).
 */
export function recordFix(
  store: MemoryStore,
  p: Params<'memories.recordFix'>,
  workspace: ClientWorkspace | null,
): { fact: MemoryFact; times: number; created: boolean } {
  if (!workspace) throw new AlisaError('invalid_argument', 'A fix is remembered for a workspace, and this window has none.', 'Open a folder or workspace.');
  return store.transaction(() => {
    const existing = store.factBySignature(p.signature, workspace.id);
    if (existing) {
      const times = timesOf(existing.text) + 1;
      const text = fixText(p, times);
      // The same sentence again (the same change, counted) is an update of this memory.
      return { fact: store.updateFact(existing.id, { text }, workspace), times, created: false };
    }
    const { fact } = store.addFact({ text: fixText(p, 1), scope: 'workspace', workspace, source: 'fix', confidence: 1, signature: p.signature });
    return { fact, times: 1, created: true };
  });
}

/** What fixed the error with `signature` last time in `workspace`, or null. */
export function lastFixFor(store: MemoryStore, signature: string, workspace: string | null): LastFix | null {
  if (workspace === null) return null;
  const fact = store.factBySignature(signature, workspace);
  if (!fact) return null;
  return { memoryId: fact.id, text: fact.text, change: changeOf(fact.text), times: timesOf(fact.text) };
}
