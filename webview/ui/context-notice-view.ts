// The small line above the composer that says when Alisa does not see all of the editor's
// problems: a big workspace's diagnostics are cut to fit one update (the active file and recently
// changed files first, in full), and the companion passes what was left out in `context.state`.
import type { ActivityState, DiagnosticsTruncation } from '../../protocol/context';
import { el } from './dom';

const n = (x: number) => x.toLocaleString('en-US');

/** The notice for a truncation; null when nothing was left out. */
export function contextNoticeText(t: DiagnosticsTruncation | null | undefined): string | null {
  if (!t || (t.files === 0 && t.diagnostics === 0)) return null;
  const shownFiles = t.totalFiles - t.files;
  const shownDiagnostics = t.totalDiagnostics - t.diagnostics;
  const problems = t.totalDiagnostics === 1 ? 'problem' : 'problems';
  if (t.files > 0) {
    return `Showing Alisa ${n(shownFiles)} of ${n(t.totalFiles)} files with problems (${n(shownDiagnostics)} of ${n(t.totalDiagnostics)} ${problems} in full): too many to send, the rest only as counts.`;
  }
  return `Showing Alisa ${n(shownDiagnostics)} of ${n(t.totalDiagnostics)} ${problems} in full: at most 50 per file are sent.`;
}

export class ContextNoticeView {
  readonly node: HTMLElement;

  constructor() {
    this.node = el('p', { class: 'context-notice', role: 'status', hidden: true });
  }

  /** The companion's latest activity state; null when unknown (not connected). */
  setState(state: ActivityState | null): void {
    const text = contextNoticeText(state?.diagnosticsTruncated);
    this.node.hidden = text === null;
    this.node.textContent = text ?? '';
    if (text)
      this.node.title = 'Your editor reports more problems than fit in one update to Alisa. The active file and the files you changed lately come first.';
    else this.node.removeAttribute('title');
  }
}
