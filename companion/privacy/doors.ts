// Every door where outside text enters the companion passes it through the one redaction module
// (redact.ts) before it reaches the model, the database or a log: the editor's context (text
// around the cursor, diagnostics and their excerpts, failed terminal commands and their output,
// debugger stops), the code sent with "explain" and "fix" requests, the screen (OCR, in
// screen/analyze.ts) and the legacy vision frames (legacy/legacy-server.ts). The user's own chat
// message is the one exception: it is stored as typed, and a secret in it is reported back so the
// panel can warn (see `secretsIn`).
import type { ContextUpdate, HelpTarget, Params } from '../../protocol';
import { redactSecrets } from '../../common/privacy/redact';

/** Redacts `text`, adding what it found to `tally`. */
function clean(text: string, tally: { count: number }): string {
  const r = redactSecrets(text);
  tally.count += r.count;
  return r.text;
}

function cleanNullable(text: string | null, tally: { count: number }): string | null {
  return text === null ? null : clean(text, tally);
}

/** A context snapshot with every piece of outside text redacted; `count` secrets were removed. */
export function redactContextUpdate(update: ContextUpdate): { update: ContextUpdate; count: number } {
  const tally = { count: 0 };
  const out: ContextUpdate = { ...update };
  if (update.editor) out.editor = { ...update.editor, text: clean(update.editor.text, tally) };
  if (update.diagnostics) {
    out.diagnostics = update.diagnostics.map((file) => ({
      ...file,
      diagnostics: file.diagnostics.map((d) => ({
        ...d,
        message: clean(d.message, tally),
        related: d.related.map((r) => ({ ...r, message: clean(r.message, tally) })),
      })),
      ...(file.excerpts ? { excerpts: Object.fromEntries(Object.entries(file.excerpts).map(([line, text]) => [line, clean(text, tally)])) } : {}),
    }));
  }
  if (update.terminalFailure) {
    const t = update.terminalFailure;
    out.terminalFailure = { ...t, commandLine: clean(t.commandLine, tally), output: cleanNullable(t.output, tally) };
  }
  if (update.terminalSuccess) out.terminalSuccess = { ...update.terminalSuccess, commandLine: clean(update.terminalSuccess.commandLine, tally) };
  if (update.debugStop) {
    const d = update.debugStop;
    out.debugStop = {
      ...d,
      exceptionMessage: clean(d.exceptionMessage, tally),
      topFrame: d.topFrame ? { ...d.topFrame, name: clean(d.topFrame.name, tally) } : null,
    };
  }
  return { update: out, count: tally.count };
}

function redactTarget(target: HelpTarget, tally: { count: number }): HelpTarget {
  return { ...target, message: clean(target.message, tally) };
}

export function redactExplain(p: Params<'help.explain'>): Params<'help.explain'> {
  const tally = { count: 0 };
  return { ...p, target: redactTarget(p.target, tally), ...(p.excerpt !== undefined ? { excerpt: clean(p.excerpt, tally) } : {}) };
}

/**
 * The excerpt a fix replaces is redacted too: the model never sees the secret. The extension puts
 * the user's own values back where the proposal kept the markers (see restoreSecrets).
 */
export function redactFix(p: Params<'fix.propose'>): Params<'fix.propose'> {
  const tally = { count: 0 };
  return {
    ...p,
    target: redactTarget(p.target, tally),
    excerpt: clean(p.excerpt, tally),
    ...(p.related ? { related: p.related.map((r) => ({ ...r, message: clean(r.message, tally) })) } : {}),
  };
}

/** How many secrets the user's own message holds (it is stored as typed; the panel warns). */
export function secretsIn(text: string): number {
  return redactSecrets(text).count;
}
