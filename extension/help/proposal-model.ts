// One open proposal as data (pure, no `vscode`): the region of the file Alisa's fix replaces, as
// the file holds it (`oldLines`) and as she proposes it (`newLines`). Applying a hunk moves the
// file's side toward hers; discarding one moves her side back toward the file's; the proposal is
// settled when no hunk is left. The region is found again in the current text before every
// change, so an edit elsewhere in the file is harmless and an edit inside the region is refused
// instead of being overwritten.
import { diffLines, type Hunk, type LineEdit, lineEdit, splitLines } from './line-diff';

export interface RegionProposal {
  /** The line where the region started when the proposal was made. */
  start: number;
  oldLines: string[];
  newLines: string[];
}

export const hunksOf = (p: RegionProposal): Hunk[] => diffLines(p.oldLines, p.newLines);

const sameLines = (lines: readonly string[], at: number, want: readonly string[]) => want.every((l, k) => lines[at + k] === l);

/**
 * Where the region is in `lines` now: at its start if it is still there, else at its only other
 * occurrence (lines were added or removed above it); null when it is gone or ambiguous.
 */
export function locateRegion(lines: readonly string[], p: RegionProposal): number | null {
  const n = p.oldLines.length;
  if (p.start + n <= lines.length && sameLines(lines, p.start, p.oldLines)) return p.start;
  let found: number | null = null;
  for (let at = 0; at + n <= lines.length; at++) {
    if (!sameLines(lines, at, p.oldLines)) continue;
    if (found !== null) return null;
    found = at;
  }
  return found;
}

/** The whole proposed document: `lines` with the region at `at` replaced by her lines. */
export function proposedLines(lines: readonly string[], at: number, p: RegionProposal): string[] {
  return [...lines.slice(0, at), ...p.newLines, ...lines.slice(at + p.oldLines.length)];
}

/** The edit that applies every remaining hunk at once (one undo step). */
export function applyAllEdit(text: string, at: number, p: RegionProposal, eol: '\n' | '\r\n'): LineEdit {
  return lineEdit(text, at, p.oldLines.length, p.newLines, eol);
}

/** The edit that applies hunk `h` alone. */
export function applyHunkEdit(text: string, at: number, h: Hunk, eol: '\n' | '\r\n'): LineEdit {
  return lineEdit(text, at + h.oldStart, h.oldLines.length, h.newLines, eol);
}

/** The proposal once hunk `h` is in the file. */
export function afterApplyingHunk(p: RegionProposal, h: Hunk, at: number): RegionProposal {
  const oldLines = [...p.oldLines];
  oldLines.splice(h.oldStart, h.oldLines.length, ...h.newLines);
  return { start: at, oldLines, newLines: p.newLines };
}

/** The proposal once hunk `h` is dropped from it. */
export function afterDiscardingHunk(p: RegionProposal, h: Hunk): RegionProposal {
  const newLines = [...p.newLines];
  newLines.splice(h.newStart, h.newLines.length, ...h.oldLines);
  return { start: p.start, oldLines: p.oldLines, newLines };
}

/** The region proposal for a document `text` whose lines `start`..`start + count - 1` become `replacement`. */
export function regionProposal(text: string, start: number, count: number, replacement: string): RegionProposal {
  return { start, oldLines: splitLines(text).slice(start, start + count), newLines: splitLines(replacement) };
}
