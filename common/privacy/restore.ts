// Putting the user's own secrets back: a fix proposal is written against a redacted excerpt, so
// where it keeps a line with a secret it says `[REDACTED:kind]`. Applying that literally would
// overwrite the user's key with the marker. The extension (which has the original text) restores
// each marker, in order, from the secrets of the same kind the excerpt held. Pure.
import { redactSecrets } from './redact';

const MARKER = /\[REDACTED:([a-z0-9_]+)\]/g;

/**
 * The original text of each redaction in `original`, in order, with its kind: found by aligning
 * the redacted text's literal segments with the original.
 */
export function redactedOriginals(original: string): Array<{ kind: string; value: string }> {
  const redacted = redactSecrets(original).text;
  const out: Array<{ kind: string; value: string }> = [];
  const parts = redacted.split(MARKER); // [seg0, kind1, seg1, kind2, seg2, ...]
  let at = parts[0]!.length;
  if (original.slice(0, at) !== parts[0]) return [];
  for (let i = 1; i < parts.length; i += 2) {
    const kind = parts[i]!;
    const next = parts[i + 1]!;
    // The secret runs up to where the next literal segment starts (the end for the last one).
    const end = i + 2 >= parts.length ? original.length - next.length : next === '' ? -1 : original.indexOf(next, at + 1);
    if (end < at) return [];
    out.push({ kind, value: original.slice(at, end) });
    at = end + next.length;
  }
  return out;
}

/**
 * `code` with each `[REDACTED:kind]` replaced by the next unused secret of that kind from
 * `original`; null when a marker has no original (it is not the user's text to restore).
 */
export function restoreSecrets(code: string, original: string): string | null {
  if (!MARKER.test(code)) return code;
  MARKER.lastIndex = 0;
  const byKind = new Map<string, string[]>();
  for (const { kind, value } of redactedOriginals(original)) {
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(value);
  }
  let missing = false;
  const out = code.replace(MARKER, (whole, kind: string) => {
    const queue = byKind.get(kind);
    const value = queue?.shift();
    if (value === undefined) {
      missing = true;
      return whole;
    }
    return value;
  });
  return missing ? null : out;
}
