// Saving and reading the Memory view's files (issue 17). A browser tab does it itself: a download
// for Export, a file picker for Import. A VS Code webview can do neither (downloads are blocked
// there), so it asks its host (`ui.saveFile` / `ui.openFile`), which shows VS Code's save and open
// dialogs and answers with `host.file`.
import { FILE_MAX, type HostFile } from '../../protocol';
import type { Host } from '../host/host';

export type SaveOutcome = { saved: true } | { saved: false; cancelled: boolean; message?: string };
export type OpenOutcome = { text: string } | { text: null; cancelled: boolean; message?: string };

export interface FileAccess {
  save(name: string, content: string): Promise<SaveOutcome>;
  open(): Promise<OpenOutcome>;
  /** A `host.file` answer from the host (VS Code). */
  answer(m: HostFile): void;
}

let counter = 0;

export function fileAccess(host: Host, doc: Document): FileAccess {
  const waiting = new Map<string, (m: HostFile) => void>();
  const ask = (send: (id: string) => void) =>
    new Promise<HostFile>((resolve) => {
      const id = `file-${Date.now().toString(36)}-${++counter}`;
      waiting.set(id, resolve);
      send(id);
    });
  const failed = (m: HostFile) => ({ cancelled: m.outcome === 'cancelled', ...(m.message ? { message: m.message } : {}) });

  return {
    async save(name, content) {
      if (host.kind === 'vscode') {
        const m = await ask((id) => host.send({ type: 'ui.saveFile', id, name, content }));
        return m.outcome === 'saved' ? { saved: true } : { saved: false, ...failed(m) };
      }
      const win = doc.defaultView;
      if (!win?.URL?.createObjectURL) return { saved: false, cancelled: false, message: 'This browser cannot save files from the page.' };
      const url = win.URL.createObjectURL(new win.Blob([content], { type: 'application/json' }));
      const a = doc.createElement('a');
      a.href = url;
      a.download = name;
      a.hidden = true;
      doc.body.append(a);
      a.click();
      a.remove();
      win.setTimeout(() => win.URL.revokeObjectURL(url), 10_000);
      return { saved: true };
    },
    async open() {
      if (host.kind === 'vscode') {
        const m = await ask((id) => host.send({ type: 'ui.openFile', id }));
        return m.outcome === 'opened' && typeof m.text === 'string' ? { text: m.text } : { text: null, ...failed(m) };
      }
      return pickInBrowser(doc);
    },
    answer(m) {
      const resolve = waiting.get(m.id);
      if (!resolve) return;
      waiting.delete(m.id);
      resolve(m);
    },
  };
}

/** A file chosen with the browser's picker, as text; null when none was chosen. */
function pickInBrowser(doc: Document): Promise<OpenOutcome> {
  return new Promise((resolve) => {
    const input = doc.createElement('input');
    input.type = 'file';
    input.accept = 'application/json,.json';
    input.hidden = true;
    doc.body.append(input);
    const done = (outcome: OpenOutcome) => {
      input.remove();
      resolve(outcome);
    };
    input.addEventListener('cancel', () => done({ text: null, cancelled: true }));
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return done({ text: null, cancelled: true });
      if (file.size > FILE_MAX) return done({ text: null, cancelled: false, message: 'That file is too large to be a memory export.' });
      file.text().then(
        (text) => done({ text }),
        () => done({ text: null, cancelled: false, message: 'That file could not be read.' }),
      );
    });
    input.click();
  });
}
