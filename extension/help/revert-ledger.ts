// What Alisa changed in the user's files, so "Alisa: Revert Alisa's Last Change" can undo it after
// the diff is gone (pure, no `vscode`). Each entry holds the file, the replaced text, the new text,
// the document version and a fingerprint of the whole text right after her edit. A revert happens
// only while the file's text is still exactly that: if the user (or anything else) changed the
// file since, the revert is refused and Undo or the Timeline is the way back, so a user's edit is
// never overwritten. Successive reverts walk back through her edits, newest first.
import { createHash } from 'node:crypto';

export interface AppliedChange {
  /** The document's URI, as a string. */
  uri: string;
  /** The file's name, for messages. */
  name: string;
  offset: number;
  oldText: string;
  newText: string;
  /** The document's version right after the edit (informational: a closed and reopened document restarts its versions). */
  versionAfter: number;
  /** sha256 of the document's whole text right after the edit. */
  fingerprint: string;
}

export const fingerprintOf = (text: string): string => createHash('sha256').update(text).digest('hex');

export type RevertPlan = { ok: true; offset: number; length: number; text: string } | { ok: false; reason: 'changed' };

/** How to undo `change` in a document whose text is now `currentText`, or why not. */
export function planRevert(currentText: string, change: AppliedChange): RevertPlan {
  if (fingerprintOf(currentText) !== change.fingerprint || currentText.slice(change.offset, change.offset + change.newText.length) !== change.newText) {
    return { ok: false, reason: 'changed' };
  }
  return { ok: true, offset: change.offset, length: change.newText.length, text: change.oldText };
}

export function changedSinceMessage(name: string): string {
  return `Alisa cannot revert her change: ${name} changed after her edit. Use Undo (Ctrl+Z) or the Timeline view instead.`;
}

export const NOTHING_TO_REVERT =
  'Alisa has not changed any file in this window, so there is nothing to revert. Use Undo (Ctrl+Z) or the Timeline view for other changes.';

/** Her most recent edits, newest last, at most `max`. */
export class RevertLedger {
  private readonly changes: AppliedChange[] = [];

  constructor(private readonly max = 20) {}

  record(change: AppliedChange): void {
    this.changes.push(change);
    if (this.changes.length > this.max) this.changes.shift();
  }

  last(): AppliedChange | undefined {
    return this.changes[this.changes.length - 1];
  }

  /** Forgets the most recent edit (after it was reverted). */
  pop(): AppliedChange | undefined {
    return this.changes.pop();
  }

  /** Her edits, newest first (the "Revert" list). */
  all(): AppliedChange[] {
    return [...this.changes].reverse();
  }

  /** Forgets one edit (after it was reverted, or when its file is gone). */
  remove(change: AppliedChange): void {
    const i = this.changes.lastIndexOf(change);
    if (i >= 0) this.changes.splice(i, 1);
  }

  get size(): number {
    return this.changes.length;
  }
}
