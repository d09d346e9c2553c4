// Character cards in the browser UI (issue 18), where no host has file dialogs: the page's own file
// picker, the card's bytes sent inline (at most CARD_INLINE_MAX_BYTES: a request is one frame; bigger
// cards go through VS Code, which sends a path), and an export saved as a download. A card named like
// an existing character is added beside her ("Mika 2"): nothing is replaced without a question, and
// the page has no dialog to ask it (VS Code asks "Replace / Keep both").
import { CARD_INLINE_MAX_BYTES, type Character, type ErrorInfo } from '../../protocol';
import { request, type Host } from '../host/host';

/** The file the user picks, or null when the picker is closed without one. */
function pickFile(doc: Document, accept: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = doc.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true });
    input.addEventListener('cancel', () => resolve(null), { once: true });
    input.click();
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Imports a card the user picks; answers with her (or null: no file chosen). Rejects with an
 * ErrorInfo. `onWarning`: she was stored, but not all of it (her image did not become her avatar).
 */
export async function importCardInBrowser(host: Host, doc: Document, pick = pickFile, onWarning?: (warning: string) => void): Promise<Character | null> {
  const file = await pick(doc, '.png,.json,image/png,application/json');
  if (!file) return null;
  if (file.size > CARD_INLINE_MAX_BYTES) {
    throw {
      code: 'invalid_argument',
      message: `“${file.name}” is ${Math.ceil(file.size / 1024)} kB; the browser page sends cards of up to ${CARD_INLINE_MAX_BYTES / 1024} kB.`,
      action: 'Import it in VS Code (Alisa: Import Character Card…), which has no such limit.',
    } satisfies ErrorInfo;
  }
  const data = toBase64(new Uint8Array(await file.arrayBuffer()));
  const r = await request(host, 'character.import', { data, onConflict: 'keepBoth' });
  if (r.warning) onWarning?.(r.warning);
  return r.character;
}

/** Exports her as a PNG card, saved as a download. */
export async function exportCardInBrowser(host: Host, doc: Document, characterId: number): Promise<void> {
  const r = await request(host, 'character.export', { characterId, format: 'png' });
  const binary = atob(r.content ?? '');
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = r.fileName;
  doc.body.append(a);
  a.click();
  a.remove();
  // The download has its own copy once started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
