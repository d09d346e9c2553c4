// The diagnostics snapshot as it was before updates were bounded (issue 13, "Big workspaces must
// not silence her"): every file's diagnostics built in full, files with the most errors first, cut
// at 50 files, with no byte budget. Kept, as the pure part of the old snapshotDiagnostics
// (extension/awareness/diagnostics-watcher.ts), for the bench and the reproduction test.
import type { FileDiagnostics } from '../../protocol/context';
import { buildFileDiagnostics, type RawDiagnostic } from '../../extension/awareness/excerpt';

const FILES = 50;

export function snapshotDiagnosticsV1(files: ReadonlyArray<{ path: string; language: string | null; text: string | null; diagnostics: readonly RawDiagnostic[] }>): FileDiagnostics[] {
  const out: FileDiagnostics[] = [];
  for (const f of files) {
    if (f.diagnostics.length === 0) continue;
    const file = buildFileDiagnostics(f);
    if (file) out.push(file);
  }
  const errors = (f: FileDiagnostics) => f.diagnostics.filter((d) => d.severity === 'error').length;
  return out.sort((a, b) => errors(b) - errors(a)).slice(0, FILES);
}
