// @-mention attachments in the companion (issue 17), the pure parts: the checks a message's
// attachments pass, the budget they are fitted under (cut with a marker, never over), the sources
// built from what went in, `@codebase` through a retriever (and without one), and the sources
// stored on messages in a real SQLite store (old rows without them still read).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ATTACHMENTS_HEADING,
  checkAttachments,
  CUT_MARKER,
  cutToTokens,
  fitAttachments,
  prepareAttachments,
  type AttachmentItem,
} from '../companion/chat/attachments';
import type { CodebaseRetriever } from '../companion/code-index/retriever';
import { MemoryStore } from '../companion/memory';
import { attachmentText, dropPrivateDiffSections, looksBinary, problemsText, WIRE_CUT_MARKER } from '../extension/mentions/mention-text';
import { ATTACHMENTS_TOTAL_MAX, type Attachment } from '../protocol';
import { tempDir } from './helpers/companion';

const count = (t: string) => Math.ceil(t.length / 4);
const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1} of the file`).join('\n');
const file = (p: string, text: string): AttachmentItem => ({ ref: { kind: 'file', label: p, path: p }, text });

describe('checkAttachments', () => {
  it('passes good attachments through, redacting secrets in text and label', () => {
    const key = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const [a] = checkAttachments([{ kind: 'file', label: 'src/a.ts', path: 'src/a.ts', text: `const token = '${key}';` }]);
    expect(a!.text).not.toContain(key);
    expect(a!.text).toContain('[REDACTED');
    expect(checkAttachments(undefined)).toEqual([]);
  });

  it('refuses paths outside the workspace, reversed lines and more than the total', () => {
    const bad = (a: Partial<Attachment>) => () => checkAttachments([{ kind: 'file', label: 'x', text: '', ...a }]);
    for (const p of ['../etc/passwd', '/etc/passwd', 'src/../../x', 'C:\\Windows\\x', 'a\0b']) {
      expect(bad({ path: p }), p).toThrow(/outside the workspace/);
    }
    expect(bad({ path: 'a.ts', startLine: 5, endLine: 2 })).toThrow(/before it starts/);
    const big = Array.from({ length: 7 }, (_, i): Attachment => ({ kind: 'file', label: `f${i}`, path: `f${i}`, text: 'x'.repeat(15_000) }));
    expect(7 * 15_000).toBeGreaterThan(ATTACHMENTS_TOTAL_MAX);
    expect(() => checkAttachments(big)).toThrow(/one message may carry 100,000/);
    expect(() => checkAttachments(big.slice(0, 6))).not.toThrow();
  });
});

describe('fitAttachments', () => {
  it('keeps everything that fits, in the order given, and cites each', () => {
    const items = [file('a.ts', 'const a = 1;'), { ref: { kind: 'problems' as const, label: '@problems' }, text: 'a.ts:1 error' }];
    const { block, sources } = fitAttachments(items, 1000, count);
    expect(block.startsWith(ATTACHMENTS_HEADING)).toBe(true);
    expect(block.indexOf('[a.ts]\nconst a = 1;')).toBeLessThan(block.indexOf('[@problems]\na.ts:1 error'));
    expect(sources).toEqual([items[0]!.ref, items[1]!.ref]);
    expect(block).not.toContain(CUT_MARKER);
  });

  it('cuts a large file at a line under the budget with the marker; the source cites the lines kept', () => {
    const text = lines(400);
    for (const budget of [60, 200, 700]) {
      const { block, sources } = fitAttachments([file('src/big.ts', text)], budget, count);
      expect(count(block), `budget ${budget}`).toBeLessThanOrEqual(budget);
      expect(block.endsWith(`\n${CUT_MARKER}`)).toBe(true);
      const kept = block.split('\n').filter((l) => l.startsWith('line ')).length;
      expect(kept).toBeGreaterThan(0);
      expect(sources).toEqual([{ kind: 'file', path: 'src/big.ts', label: `src/big.ts:1-${kept}`, startLine: 1, endLine: kept }]);
    }
  });

  it('shares the budget: a small attachment is kept whole beside a huge one, which gets the rest', () => {
    const small = file('small.ts', 'export const x = 1;');
    const huge = file('huge.ts', lines(2000, 'huge'));
    const { block, sources } = fitAttachments([huge, small], 300, count);
    expect(count(block)).toBeLessThanOrEqual(300);
    expect(block).toContain('[small.ts]\nexport const x = 1;');
    expect(sources.map((s) => s.path)).toEqual(['huge.ts', 'small.ts']);
    // The huge one used most of what the small one left.
    expect(count(block)).toBeGreaterThan(250);
  });

  it('a budget too small for anything puts nothing in and cites nothing (the prompt is never broken)', () => {
    expect(fitAttachments([file('a.ts', lines(50))], 10, count)).toEqual({ block: '', sources: [] });
    expect(fitAttachments([file('a.ts', lines(50))], 0, count)).toEqual({ block: '', sources: [] });
    expect(fitAttachments([], 1000, count)).toEqual({ block: '', sources: [] });
  });

  it('a chunk cut short keeps its start line', () => {
    const chunk: AttachmentItem = { ref: { kind: 'symbol', label: 'src/a.ts:100-499', path: 'src/a.ts', startLine: 100, endLine: 499 }, text: lines(400) };
    const { sources } = fitAttachments([chunk], 100, count);
    expect(sources[0]!.startLine).toBe(100);
    expect(sources[0]!.endLine).toBeLessThan(499);
    expect(sources[0]!.label).toBe(`src/a.ts:100-${sources[0]!.endLine}`);
  });

  it('the work follows the budget: a huge attachment is never tokenized whole', () => {
    const seen: number[] = [];
    const counting = (t: string) => {
      seen.push(t.length);
      return count(t);
    };
    const huge = file('huge.ts', lines(2000, 'huge'));
    expect(huge.text.length).toBeGreaterThan(40_000);
    const { sources } = fitAttachments([huge, file('small.ts', 'export const x = 1;')], 200, counting);
    expect(sources.map((s) => s.path)).toEqual(['huge.ts', 'small.ts']);
    expect(Math.max(...seen)).toBeLessThanOrEqual((200 + 1) * 16);
  });

  it('cutToTokens never exceeds its tokens', () => {
    for (const n of [5, 17, 64, 300]) expect(count(cutToTokens(lines(100), n, count).text)).toBeLessThanOrEqual(n);
  });
});

describe('prepareAttachments', () => {
  const codebase = (hits: Awaited<ReturnType<CodebaseRetriever['retrieve']>> | Error): CodebaseRetriever & { asked: unknown[] } => {
    const asked: unknown[] = [];
    return {
      asked,
      retrieve: async (workspace, query, limit) => {
        asked.push({ workspace, query, limit });
        if (hits instanceof Error) throw hits;
        return hits;
      },
    };
  };
  const at: Attachment = { kind: 'codebase', label: '@codebase', text: '' };

  it('@codebase becomes the index chunks, cited as path:start-end, redacted', async () => {
    const r = codebase([
      { path: 'src/app.ts', startLine: 12, endLine: 40, text: 'const k = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";', score: 2 },
      { path: '../outside.ts', startLine: 1, endLine: 2, text: 'no', score: 1 },
    ]);
    const p = await prepareAttachments([at, { kind: 'memory', label: 'memory: likes tea', text: 'likes tea' }], {
      query: 'where is k',
      workspace: 'ws',
      codebase: r,
    });
    expect(r.asked).toEqual([{ workspace: 'ws', query: 'where is k', limit: 6 }]);
    expect(p.items.map((i) => i.ref.label)).toEqual(['src/app.ts:12-40', 'memory: likes tea']);
    expect(p.items[0]!.text).toContain('[REDACTED');
    expect(p.notes).toEqual([]);
  });

  it('without an index, or when it fails, a note says so and nothing fails', async () => {
    expect((await prepareAttachments([at], { query: 'q', workspace: null })).notes[0]!.label).toMatch(/no codebase index/);
    const failed = await prepareAttachments([at], { query: 'q', workspace: 'w', codebase: codebase(new Error('this workspace has no index yet')) });
    expect(failed.items).toEqual([]);
    expect(failed.notes[0]!.label).toContain('this workspace has no index yet');
  });
});

describe('sources on stored messages', () => {
  it('are kept as given, cleared with an empty list, and absent on rows that have none', () => {
    const store = MemoryStore.open(path.join(tempDir('alisa-sources-'), 'alisa.db'));
    try {
      const s = store.createSession();
      const plain = store.addMessage({ sessionId: s.id, role: 'user', text: 'hello' });
      const withRefs = store.addMessage({ sessionId: s.id, role: 'assistant', text: 'see' });
      const refs = [{ kind: 'file' as const, label: 'src/a.ts:1-3', path: 'src/a.ts', startLine: 1, endLine: 3 }];
      store.setMessageSources(withRefs.id, refs);
      const listed = store.listMessages(s.id);
      expect(listed.find((m) => m.id === plain.id)).not.toHaveProperty('sources');
      expect(listed.find((m) => m.id === withRefs.id)?.sources).toEqual(refs);
      store.setMessageSources(withRefs.id, []);
      expect(store.getMessage(withRefs.id)).not.toHaveProperty('sources');
      expect(() => store.setMessageSources(999_999, refs)).toThrow(/Message/);
    } finally {
      store.close();
    }
  });
});

describe('the window side (extension/mentions/mention-text.ts)', () => {
  it('caps and redacts attachment text at a line, with the marker', () => {
    const key = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const small = attachmentText(`a\nkey = '${key}'\n`);
    expect(small).toMatchObject({ cut: false, lines: 2, secrets: 1 });
    expect(small.text).not.toContain(key);
    const big = attachmentText(lines(2000));
    expect(big.cut).toBe(true);
    expect(big.text.length).toBeLessThanOrEqual(16_000);
    expect(big.text.endsWith(`\n${WIRE_CUT_MARKER}`)).toBe(true);
    expect(big.text.split('\n').at(-2)).toBe(`line ${big.lines} of the file`);
  });

  it('tells binary from text, lists problems errors first, and drops private sections of a diff', () => {
    expect(looksBinary(new Uint8Array([0x50, 0x4b, 0, 3]))).toBe(true);
    expect(looksBinary(new TextEncoder().encode('plain text'))).toBe(false);
    const text = problemsText([
      { path: 'b.ts', line: 0, character: 0, severity: 'warning', message: 'unused', source: 'ts', code: 6133 },
      { path: 'a.ts', line: 2, character: 4, severity: 'error', message: 'Type\n  mismatch', source: null, code: null },
    ]);
    expect(text).toBe('a.ts:3:5 error: Type mismatch\nb.ts:1:1 warning: unused (ts 6133)');
    const diff = 'diff --git a/src/a.ts b/src/a.ts\n+ok\ndiff --git a/.env b/.env\n+TOKEN=x\ndiff --git a/b.ts b/b.ts\n+fine\n';
    const kept = dropPrivateDiffSections(diff, (p) => p === '.env');
    expect(kept).toEqual({ text: 'diff --git a/src/a.ts b/src/a.ts\n+ok\ndiff --git a/b.ts b/b.ts\n+fine\n', dropped: 1 });
  });
});
