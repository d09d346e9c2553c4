// VS Code diagnostics as plain data for the pure builders (excerpt.ts, help-request.ts).
import * as vscode from 'vscode';
import type { Range } from '../../protocol/context';
import type { RawDiagnostic } from './excerpt';

export function toRange(r: vscode.Range): Range {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

export const SEVERITY: Record<vscode.DiagnosticSeverity, RawDiagnostic['severity']> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

function codeOf(d: vscode.Diagnostic): string | number | null {
  if (d.code === undefined) return null;
  return typeof d.code === 'object' ? d.code.value : d.code;
}

/** `pathOf` gives the sendable path of a related location (null: leave it out). */
export function toRawDiagnostic(d: vscode.Diagnostic, pathOf: (uri: vscode.Uri) => string | null): RawDiagnostic {
  return {
    severity: SEVERITY[d.severity] ?? 'error',
    message: d.message,
    code: codeOf(d),
    source: d.source ?? null,
    range: toRange(d.range),
    related: (d.relatedInformation ?? []).map((r) => ({ path: pathOf(r.location.uri), range: toRange(r.location.range), message: r.message })),
  };
}
