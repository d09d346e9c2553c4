// Reading the fix out of Alisa's reply and applying it to the document (pure).
import { describe, expect, it } from 'vitest';
import { applyProposal, extractLastCodeBlock, notCleanMessage } from '../extension/help/code-block';
import { buildFixParams } from '../extension/help/help-request';

describe('extractLastCodeBlock', () => {
  it('takes the last fenced block with its language', () => {
    const reply = 'Try this:\n```ts\nconst a = 1;\n```\nor better:\n```typescript\nconst a: number = 1;\nexport { a };\n```\nThere!';
    expect(extractLastCodeBlock(reply)).toEqual({ code: 'const a: number = 1;\nexport { a };', language: 'typescript' });
  });
  it('handles tildes, longer fences, inner fences, CRLF and no language', () => {
    expect(extractLastCodeBlock('~~~\nx\n~~~')).toEqual({ code: 'x', language: null });
    expect(extractLastCodeBlock('````md\n```js\ninner\n```\n````')).toEqual({ code: '```js\ninner\n```', language: 'md' });
    expect(extractLastCodeBlock('```py\r\nprint(1)\r\n```\r\n')).toEqual({ code: 'print(1)', language: 'py' });
    expect(extractLastCodeBlock('```\n\n  indented\n```')).toEqual({ code: '\n  indented', language: null });
  });
  it('accepts a final block cut off before its closing fence', () => {
    expect(extractLastCodeBlock('Here:\n```js\nfoo();\nbar();')).toEqual({ code: 'foo();\nbar();', language: 'js' });
  });
  it('is null without a block', () => {
    expect(extractLastCodeBlock('Just words, `inline code` only.')).toBeNull();
    expect(extractLastCodeBlock('')).toBeNull();
  });
});

describe('applyProposal', () => {
  const doc = ['import x from "y";', '', 'function f(a: number) {', '  return a.toFixed();', '}', '', 'f(1);', ''].join('\n');

  it('replaces the excerpt lines with the block', () => {
    const r = applyProposal(doc, 'function f(a: number) {\n  return a.toFixed();\n}', 2, 'function f(a: number): string {\n  return a.toFixed(2);\n}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text).toBe(['import x from "y";', '', 'function f(a: number): string {', '  return a.toFixed(2);', '}', '', 'f(1);', ''].join('\n'));
    expect(r.changed).toBe(true);
    expect(r.edit).toEqual({ startLine: 2, lineCount: 3, newText: 'function f(a: number): string {\n  return a.toFixed(2);\n}' });
  });

  it('lets the block have a different number of lines, and ignores its trailing newline', () => {
    const r = applyProposal(doc, '  return a.toFixed();', 3, '  const s = a.toFixed(2);\n  return s;\n');
    expect(r.ok && r.text.split('\n').slice(3, 5)).toEqual(['  const s = a.toFixed(2);', '  return s;']);
    expect(r.ok && r.text.split('\n')).toHaveLength(9);
  });

  it('keeps CRLF line endings', () => {
    const crlf = doc.replace(/\n/g, '\r\n');
    const r = applyProposal(crlf, '  return a.toFixed();', 3, '  return a.toFixed(2);');
    expect(r.ok && r.text).toBe(crlf.replace('a.toFixed()', 'a.toFixed(2)'));
  });

  it('detects a document that changed under the excerpt (trailing spaces do not count)', () => {
    expect(applyProposal(doc, '  return a.toFixed(); ', 3, 'x')).toMatchObject({ ok: true });
    expect(applyProposal(doc.replace('toFixed()', 'toFixed(1)'), '  return a.toFixed();', 3, 'x')).toEqual({ ok: false, reason: 'stale' });
    expect(applyProposal('a\nb', 'b\nc\nd', 1, 'x')).toEqual({ ok: false, reason: 'out-of-range' });
    // Lines inserted above the excerpt move it: not clean either.
    expect(applyProposal('// new\n' + doc, '  return a.toFixed();', 3, 'x')).toEqual({ ok: false, reason: 'stale' });
  });

  it('reports a proposal that changes nothing', () => {
    expect(applyProposal(doc, '  return a.toFixed();', 3, '  return a.toFixed();')).toMatchObject({ ok: true, changed: false });
  });

  it('round-trips with the excerpt the fix request sends', () => {
    const text = Array.from({ length: 30 }, (_, i) => `const v${i} = ${i};`).join('\n') + '\n';
    const p = buildFixParams({
      path: 'a.ts',
      language: 'typescript',
      text,
      diagnostic: { message: 'm', code: null, range: { start: { line: 15, character: 0 }, end: { line: 15, character: 5 } }, related: [] },
    });
    const fixed = p.excerpt.replace('const v15 = 15;', 'const v15 = 15 as const;');
    const r = applyProposal(text, p.excerpt, p.excerptStartLine, fixed);
    expect(r.ok && r.text).toBe(text.replace('const v15 = 15;', 'const v15 = 15 as const;'));
  });

  it('says plainly why it does not apply', () => {
    expect(notCleanMessage('app.ts', 'stale')).toBe('The proposal does not apply cleanly: app.ts changed since Alisa looked at it.');
  });
});
