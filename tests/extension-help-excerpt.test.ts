// Excerpts, the diagnostics snapshot, terminal output and help request parameters (pure).
import { describe, expect, it } from 'vitest';
import { buildExcerpt, buildFileDiagnostics, textAroundCursor, type RawDiagnostic } from '../extension/awareness/excerpt';
import { OutputTail, stripAnsi } from '../extension/awareness/terminal-output';
import { buildFixParams, buildTerminalExplainParams, findDiagnostic } from '../extension/help/help-request';
import { ContextUpdate } from '../protocol/context';
import { methods } from '../protocol/messages';

const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
const range = (l: number, c = 0, el = l, ec = c + 1) => ({ start: { line: l, character: c }, end: { line: el, character: ec } });
const raw = (p: Partial<RawDiagnostic> = {}): RawDiagnostic => ({
  severity: 'error',
  message: 'boom',
  code: 2322,
  source: 'ts',
  range: range(20),
  related: [],
  ...p,
});

describe('buildExcerpt', () => {
  it('takes ±8 lines around the error', () => {
    const ex = buildExcerpt(lines, 20);
    expect(ex.startLine).toBe(12);
    expect(ex.lineCount).toBe(17);
    expect(ex.text.split('\n')[0]).toBe('line 12');
    expect(ex.text.split('\n').at(-1)).toBe('line 28');
  });
  it('clamps at the edges and covers multi-line ranges', () => {
    expect(buildExcerpt(lines, 2).startLine).toBe(0);
    expect(buildExcerpt(lines, 38).text.split('\n').at(-1)).toBe('line 39');
    const ex = buildExcerpt(lines, 10, { endLine: 14 });
    expect(ex.startLine).toBe(2);
    expect(ex.lineCount).toBe(21);
    expect(buildExcerpt(lines, 99).text).toContain('line 39');
  });
  it('drops trailing blank lines and the empty line after a final newline', () => {
    const ex = buildExcerpt('a\nb\nc\n\n\n'.split('\n'), 1);
    expect(ex.text).toBe('a\nb\nc');
    expect(ex.lineCount).toBe(3);
  });
  it('shrinks to the size limit, keeping the error line', () => {
    const long = Array.from({ length: 40 }, (_, i) => `${i} ${'x'.repeat(300)}`);
    const ex = buildExcerpt(long, 20, { maxChars: 1000 });
    expect(ex.text.length).toBeLessThanOrEqual(1000);
    expect(ex.text).toContain(`20 ${'x'.repeat(300)}`);
    expect(ex.lineCount).toBe(ex.text.split('\n').length);
    expect(buildExcerpt(['y'.repeat(9000)], 0).text.length).toBeLessThanOrEqual(4000);
  });
  it('textAroundCursor is bounded', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `const v${i} = ${i};`);
    const t = textAroundCursor(big, 1000);
    expect(t.text.length).toBeLessThanOrEqual(4000);
    expect(t.text).toContain('const v1000 = 1000;');
  });
});

describe('buildFileDiagnostics', () => {
  it('keeps errors and warnings (errors first), caps them, and adds excerpts for errors', () => {
    const diags = [
      raw({ severity: 'warning', range: range(3), message: 'unused' }),
      raw({ severity: 'info', message: 'fyi' }),
      raw({ range: range(20), message: 'bad type' }),
      raw({ range: range(22), message: 'same area' }),
      ...Array.from({ length: 60 }, (_, i) => raw({ severity: 'hint', range: range(i % 40) })),
    ];
    const f = buildFileDiagnostics({ path: 'src/a.ts', language: 'typescript', text: lines.join('\n'), diagnostics: diags })!;
    expect(f.diagnostics.map((d) => d.message)).toEqual(['bad type', 'same area', 'unused']);
    expect(f.diagnostics[0]!.code).toBe('2322');
    expect(Object.keys(f.excerpts!)).toEqual(['12']); // line 22 lies inside the first excerpt
    expect(ContextUpdate.safeParse({ diagnostics: [f] }).success).toBe(true);
  });
  it('caps counts and message sizes; drops related locations that may not be sent', () => {
    const many = Array.from({ length: 80 }, (_, i) =>
      raw({
        range: range(i % 40),
        message: 'm'.repeat(3000),
        related: [
          { path: null, range: range(0), message: 'secret' },
          { path: 'b.ts', range: range(1), message: 'ok' },
        ],
      }),
    );
    const f = buildFileDiagnostics({ path: 'a.ts', language: null, text: null, diagnostics: many })!;
    expect(f.diagnostics).toHaveLength(50);
    expect(f.diagnostics[0]!.message.length).toBe(2000);
    expect(f.diagnostics[0]!.related).toEqual([{ path: 'b.ts', range: range(1), message: 'ok' }]);
    expect(f.excerpts).toBeUndefined();
    expect(ContextUpdate.safeParse({ diagnostics: [f] }).success).toBe(true);
  });
  it('is null without errors or warnings', () => {
    expect(buildFileDiagnostics({ path: 'a.ts', language: null, text: '', diagnostics: [raw({ severity: 'hint' })] })).toBeNull();
  });
});

describe('terminal output', () => {
  it('strips colours, cursor moves and progress redraws', () => {
    expect(stripAnsi('\u001b[31mnpm\u001b[0m ERR!\r\n')).toBe('npm ERR!\n');
    expect(stripAnsi('\u001b]633;C\u0007out')).toBe('out');
    expect(stripAnsi('10%\r50%\r100%\ndone')).toBe('100%\ndone');
  });
  it('keeps a bounded tail', () => {
    const t = new OutputTail();
    for (let i = 0; i < 5000; i++) t.push(`line ${i}\n`);
    const v = t.value();
    expect(v.length).toBeLessThanOrEqual(4000);
    expect(v.endsWith('line 4999')).toBe(true);
  });
});

describe('help requests', () => {
  const text = lines.join('\n');
  it('fix.propose carries the excerpt, its start line and sendable related locations', () => {
    const p = buildFixParams({
      path: 'src/a.ts',
      language: 'typescript',
      text,
      diagnostic: {
        message: 'bad',
        code: 2322,
        range: range(20, 4),
        related: [
          { path: null, range: range(1), message: 'x' },
          { path: 'src/b.ts', range: range(2), message: 'declared here' },
        ],
      },
    });
    expect(p.excerptStartLine).toBe(12);
    expect(p.excerpt.split('\n')[8]).toBe('line 20');
    expect(p.target).toEqual({ kind: 'diagnostic', path: 'src/a.ts', range: range(20, 4), message: 'bad', code: '2322' });
    expect(p.related).toEqual([{ path: 'src/b.ts', range: range(2), message: 'declared here' }]);
    expect(methods['fix.propose'].params.safeParse(p).success).toBe(true);
  });
  it('help.explain for a terminal failure puts the output in the excerpt', () => {
    const p = buildTerminalExplainParams({ commandLine: 'npm test', exitCode: 1, output: 'FAIL x', cwd: 'web', at: 1 });
    expect(p.target.message).toBe('`npm test` failed with exit code 1 (in web).');
    expect(p.excerpt).toBe('FAIL x');
    expect(buildTerminalExplainParams({ commandLine: 'x', exitCode: 2, output: null, cwd: null, at: 1 })).not.toHaveProperty('excerpt');
  });
  it('findDiagnostic matches by start and message, then message, then line', () => {
    const ds = [
      { message: 'a', range: range(1, 2) },
      { message: 'b', range: range(5, 0) },
      { message: 'b', range: range(9, 3) },
    ];
    const t = (message: string, r: ReturnType<typeof range> | null) => ({ kind: 'diagnostic' as const, path: 'x', range: r, message, code: null });
    expect(findDiagnostic(ds, t('b', range(9, 3)))).toBe(ds[2]);
    expect(findDiagnostic(ds, t('b', range(7, 0)))).toBe(ds[1]);
    expect(findDiagnostic(ds, t('changed', range(1, 0)))).toBe(ds[0]);
    expect(findDiagnostic(ds, t('gone', range(30, 0)))).toBeNull();
  });
});
