// What the user attached to a message with @-mentions (issue 17), as the model reads it: checked
// (sizes, paths), redacted again (the window redacted them already; this is defence in depth, a
// client other than the extension may send anything), `@codebase` expanded into the index's best
// chunks, then fitted under a token budget (a share of what the prompt has room for) next to the
// recalled memories in the user's turn. What does not fit is cut at a line with a clear marker,
// never mid-prompt; the refs of what went in are the reply's sources, its deterministic citations.
import { redactSecrets } from '../../common/privacy/redact';
import { ATTACHMENTS_TOTAL_MAX, type Attachment, type SourceRef } from '../../protocol';
import type { CodebaseRetriever } from '../code-index/retriever';
import { AlisaError } from '../errors';

/** The share of the prompt's free room (after the system message and the message) attachments may take. */
export const ATTACHMENTS_SHARE = 0.5;
/** The room assumed when the provider does not say how large its context is (OpenAI-compatible servers). */
export const ATTACHMENTS_FALLBACK_TOKENS = 8000;
/** Chunks of the codebase index one `@codebase` brings. */
export const CODEBASE_CHUNKS = 6;
/** Ends a text that was cut to fit. */
export const CUT_MARKER = '[… cut]';
/** Heads the block; it asks for file:line citations (a small model may not give them: the sources list does). */
export const ATTACHMENTS_HEADING = 'What the user attached (when you use it, cite it as path:line):';
/** An item that would keep fewer tokens than this of its text is left out rather than cut to nothing. */
const MIN_ITEM_TOKENS = 8;
/**
 * Characters per token beyond which a text cannot fit (tokenizers average ~4): a text longer than
 * this many characters per token of room is not tokenized whole, and a cut searches only that far,
 * so the work follows the budget, not the attachment's length (as chat-prompt.ts does for turns).
 */
const MAX_CHARS_PER_TOKEN = 16;

/** One piece of context for the prompt: where it is from and its (redacted) text. */
export interface AttachmentItem {
  ref: SourceRef;
  text: string;
}

/** What was prepared for a reply: the items to fit, and notes for the user (an `@codebase` without an index). */
export interface PreparedAttachments {
  items: AttachmentItem[];
  notes: SourceRef[];
}

/** A path as the window sends it: relative to the workspace, no `..`, no drive or leading slash. */
function safePath(p: string): boolean {
  if (p.includes('\0') || p.startsWith('/') || p.startsWith('\\') || /^[a-z]:/i.test(p)) return false;
  return !p.split(/[\\/]/).some((seg) => seg === '..');
}

/**
 * Checks a message's attachments (the schema checked each one's size and their count) and returns
 * them redacted. Throws invalid_argument with the reason: nothing is stored or asked then.
 */
export function checkAttachments(list: readonly Attachment[] | undefined): Attachment[] {
  if (!list?.length) return [];
  const total = list.reduce((n, a) => n + a.text.length + a.label.length, 0);
  if (total > ATTACHMENTS_TOTAL_MAX) {
    throw new AlisaError(
      'invalid_argument',
      `The attachments hold ${total.toLocaleString('en-US')} characters; one message may carry ${ATTACHMENTS_TOTAL_MAX.toLocaleString('en-US')}.`,
      'Remove a chip or mention a smaller part (a symbol or the selection instead of the whole file).',
    );
  }
  return list.map((a) => {
    if (a.path !== undefined && !safePath(a.path)) {
      throw new AlisaError(
        'invalid_argument',
        `The attachment "${a.label}" names a path outside the workspace (${a.path}).`,
        'Mention a file inside the workspace.',
      );
    }
    if (a.startLine !== undefined && a.endLine !== undefined && a.endLine < a.startLine) {
      throw new AlisaError('invalid_argument', `The attachment "${a.label}" ends (line ${a.endLine}) before it starts (line ${a.startLine}).`);
    }
    return { ...a, label: redactSecrets(a.label).text, text: redactSecrets(a.text).text };
  });
}

/** The refs of attachments, as stored on the user's message (no text). */
export function refsOf(list: readonly Attachment[]): SourceRef[] {
  return list.map(({ kind, label, path, startLine, endLine }) => ({
    kind,
    label,
    ...(path !== undefined ? { path } : {}),
    ...(startLine !== undefined ? { startLine } : {}),
    ...(endLine !== undefined ? { endLine } : {}),
  }));
}

/** How a chunk or a file's lines are cited: "src/app.ts:12-40". */
export function lineLabel(path: string, startLine?: number, endLine?: number): string {
  if (startLine === undefined) return path;
  return endLine === undefined || endLine === startLine ? `${path}:${startLine}` : `${path}:${startLine}-${endLine}`;
}

/**
 * The items for a reply: each attachment as it is, and `@codebase` as the index's best chunks for
 * the message. Without an index (none wired, none built for this workspace, or it failed) the
 * note says so and the reply goes on without it.
 */
export async function prepareAttachments(
  list: readonly Attachment[],
  opts: { query: string; workspace: string | null; codebase?: CodebaseRetriever; signal?: AbortSignal },
): Promise<PreparedAttachments> {
  const items: AttachmentItem[] = [];
  const notes: SourceRef[] = [];
  for (const a of list) {
    if (a.kind !== 'codebase') {
      items.push({ ref: refsOf([a])[0]!, text: a.text });
      continue;
    }
    if (!opts.codebase) {
      notes.push({ kind: 'codebase', label: '@codebase: this Alisa has no codebase index, so nothing of the codebase was used' });
      continue;
    }
    try {
      const hits = await opts.codebase.retrieve(opts.workspace, opts.query, CODEBASE_CHUNKS, opts.signal);
      if (hits.length === 0) notes.push({ kind: 'codebase', label: '@codebase: nothing in the index matched this message' });
      for (const h of hits) {
        if (!safePath(h.path)) continue;
        const ref: SourceRef = { kind: 'codebase', label: lineLabel(h.path, h.startLine, h.endLine), path: h.path, startLine: h.startLine, endLine: h.endLine };
        items.push({ ref, text: redactSecrets(h.text).text });
      }
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const why = err instanceof Error ? err.message : String(err);
      notes.push({ kind: 'codebase', label: `@codebase: not used (${why.slice(0, 200)})` });
    }
  }
  return { items, notes };
}

/** An item's heading in the block. */
const headingOf = (ref: SourceRef) => `[${ref.label}]`;

/**
 * `text` cut so that it costs at most `tokens`, at a line break when one is near, with the marker.
 * Returns the kept text and how many lines of the original it shows.
 */
export function cutToTokens(text: string, tokens: number, count: (t: string) => number): { text: string; lines: number } {
  const suffix = `\n${CUT_MARKER}`;
  const room = tokens - count(suffix);
  if (room <= 0) return { text: CUT_MARKER, lines: 0 };
  // The longest prefix that fits (binary search on characters: token counts grow with length).
  let lo = 0;
  let hi = Math.min(text.length, (room + 1) * MAX_CHARS_PER_TOKEN);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (count(text.slice(0, mid)) <= room) lo = mid;
    else hi = mid - 1;
  }
  let kept = text.slice(0, lo);
  const nl = kept.lastIndexOf('\n');
  // Whole lines read better and cite exactly; a single long line is cut where it must be.
  if (nl > 0 && nl >= kept.length / 2) kept = kept.slice(0, nl);
  // The lines it shows (the last one may be cut short: it is still cited).
  const lines = kept === '' ? 0 : kept.split('\n').length;
  return { text: kept === '' ? CUT_MARKER : `${kept}${suffix}`, lines };
}

/** A cut item's ref: a file or chunk cites the lines it kept. */
function keptRef(ref: SourceRef, lines: number): SourceRef {
  if (ref.path === undefined || lines <= 0 || ref.kind === 'folder') return ref;
  if (ref.kind !== 'file' && ref.startLine === undefined) return ref;
  const start = ref.startLine ?? 1;
  const end = start + lines - 1;
  return { ...ref, startLine: start, endLine: end, label: lineLabel(ref.path, start, end) };
}

/**
 * Fits the items under `budgetTokens`: the block for the user's turn ('' for none) and the refs
 * of what went in. Each item gets an equal share of what is left; what a small item does not use
 * goes to the larger ones (they are served smallest first, shown in the user's order). An item
 * whose share cannot hold its heading and a few tokens is left out (not cited).
 */
export function fitAttachments(items: readonly AttachmentItem[], budgetTokens: number, count: (t: string) => number): { block: string; sources: SourceRef[] } {
  if (items.length === 0) return { block: '', sources: [] };
  let room = Math.floor(budgetTokens) - count(ATTACHMENTS_HEADING) - 1;
  const costs = items.map((it) =>
    it.text.length > (Math.max(0, room) + 1) * MAX_CHARS_PER_TOKEN ? Number.POSITIVE_INFINITY : count(headingOf(it.ref)) + 1 + count(it.text) + 1,
  );
  const order = items.map((_, i) => i).sort((a, b) => costs[a]! - costs[b]!);
  const fitted: Array<{ ref: SourceRef; text: string } | null> = items.map(() => null);
  order.forEach((i, k) => {
    const share = Math.floor(room / (order.length - k));
    const item = items[i]!;
    if (costs[i]! <= share) {
      fitted[i] = item;
      room -= costs[i]!;
      return;
    }
    const head = count(headingOf(item.ref)) + 2;
    if (share - head < MIN_ITEM_TOKENS) return;
    const cut = cutToTokens(item.text, share - head, count);
    if (cut.lines === 0 && cut.text === CUT_MARKER) return;
    fitted[i] = { ref: keptRef(item.ref, cut.lines), text: cut.text };
    room -= head + count(cut.text);
  });
  const kept = fitted.filter((f): f is AttachmentItem => f !== null);
  if (kept.length === 0) return { block: '', sources: [] };
  const block = [ATTACHMENTS_HEADING, ...kept.map((f) => `${headingOf(f.ref)}\n${f.text}`)].join('\n');
  return { block, sources: kept.map((f) => f.ref) };
}
