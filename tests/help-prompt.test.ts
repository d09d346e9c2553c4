// The help prompts, the code-block reader, the offer lines and the fused activity state.
import { describe, expect, it } from 'vitest';
import type { FileDiagnostics, HelpTarget } from '../protocol';
import { buildHelpPrompt, extractCodeBlock } from '../companion/help/help-prompt';
import { offerText } from '../companion/help/offer-text';
import { ActivityFuser, errorKey, looksLikeTestRun } from '../companion/context/activity-fuser';
import { ContextStore } from '../companion/context/context-store';
import { codeBlockGrammar } from '../companion/llm/embedded-provider';

const target: HelpTarget = {
  kind: 'diagnostic',
  path: 'src/app.ts',
  range: { start: { line: 2, character: 6 }, end: { line: 2, character: 7 } },
  message: "Type 'number' is not assignable to type 'string'.",
  code: '2322',
};

describe('buildHelpPrompt', () => {
  it('explains with the error, the 1-based line, numbered code and related information', () => {
    const p = buildHelpPrompt('explain', {
      target,
      language: 'typescript',
      excerpt: 'function f() {\n  let a = 1;\n  const s: string = a;\n}',
      excerptStartLine: 0,
      related: [{ path: 'src/types.ts', range: { start: { line: 9, character: 0 }, end: { line: 9, character: 1 } }, message: 'declared here' }],
    });
    expect(p).toContain('src/app.ts, line 3');
    expect(p).toContain("Type 'number' is not assignable to type 'string'. [2322]");
    expect(p).toContain('3 |   const s: string = a;');
    expect(p).toContain('- src/types.ts:10: declared here');
    expect(p).toMatch(/Explain/);
    expect(p).not.toMatch(/exactly one fenced code block/);
  });

  it('asks a fix for exactly one code block replacing the given lines', () => {
    const p = buildHelpPrompt('fix', { target, path: 'src/app.ts', language: 'typescript', excerpt: 'a\nb\nc', excerptStartLine: 1 });
    expect(p).toContain('exactly one fenced code block (```typescript) that replaces lines 2-4');
  });
});

describe('extractCodeBlock', () => {
  it('returns the last complete fenced block', () => {
    expect(extractCodeBlock('x ```js\nold\n``` and\n```ts\nconst a = 1;\nb();\n```')).toEqual({ language: 'ts', code: 'const a = 1;\nb();' });
    expect(extractCodeBlock('```\nplain\n```')).toEqual({ language: null, code: 'plain' });
    expect(extractCodeBlock('no code')).toBeNull();
    expect(extractCodeBlock('```ts\nunclosed')).toBeNull();
  });
});

describe('codeBlockGrammar', () => {
  it('puts the emotion tag first and bounds the block', () => {
    const g = codeBlockGrammar('typescript', { emotions: ['serious', 'calm'], maxLines: 5 });
    expect(g).toContain('root ::= "<emotion=" ("serious" | "calm") "> " "```typescript\\n" line{1,5} "```"');
    expect(codeBlockGrammar('ty`pe"x')).toContain('"```typex\\n"');
  });
});

describe('offerText', () => {
  it('is in character, plain in serious mode, sad for repeated failures', () => {
    const teasing = offerText({ target, mode: 'teasing', repeated: false, pick: () => 0 });
    expect(teasing).toEqual({ text: 'Hmph, that red squiggle in app.ts line 3 has been there a while. Want me to look?', emotion: 'serious' });
    expect(offerText({ target, mode: 'serious', repeated: false }).text).toBe(
      "There is an error in app.ts line 3: Type 'number' is not assignable to type 'string'.. Want me to explain or fix it?",
    );
    const term: HelpTarget = { kind: 'terminal', path: null, range: null, message: '`npm test` exited with code 1', code: '1' };
    const again = offerText({ target: term, mode: 'teasing', repeated: true, pick: () => 0 });
    expect(again.emotion).toBe('sad');
    expect(again.text).toContain('npm test failed again');
  });
});

describe('ActivityFuser', () => {
  const diags: FileDiagnostics[] = [
    {
      path: 'src/app.ts',
      language: 'typescript',
      diagnostics: [{ severity: 'error', message: target.message, code: '2322', source: 'ts', range: target.range!, related: [] }],
      excerpts: { '0': 'function f() {\n  let a = 1;\n  const s: string = a;\n}' },
    },
  ];
  const editor = {
    path: 'src/app.ts',
    language: 'typescript',
    visibleRange: null,
    selection: null,
    text: 'function f() {\n  let a = 1;\n  const s: string = a;\n}',
    textStartLine: 0,
  };

  it('says coding and, once errors persist, broken; prompt lines read as intuition', () => {
    let t = 0;
    const store = new ContextStore(() => t);
    const f = store.activity;
    f.apply({ editor, typing: true, diagnostics: diags });
    expect(f.state()).toMatchObject({ activity: 'coding', language: 'typescript', file: 'src/app.ts', broken: false });
    t += 5000;
    f.apply({ diagnostics: diags });
    const s = f.state();
    expect(s.broken).toBe(true);
    expect(s.summary).toBe('The user seems to be coding in TypeScript (src/app.ts); there is a type error they have been stuck on.');
    expect(store.passiveContextLines()).toContain(s.summary);
    expect(store.passiveContextLines().join(' ')).not.toMatch(/watch/i);
    t += 120_000;
    expect(f.state().activity).toBe('reading');
  });

  it('knows the code around a diagnostic', () => {
    const f = new ActivityFuser(() => 0);
    f.apply({ diagnostics: diags });
    expect(f.detailFor(target)).toMatchObject({ path: 'src/app.ts', language: 'typescript', excerptStartLine: 0 });
    expect(f.currentErrors().map((e) => e.key)).toEqual([errorKey(target)]);
  });

  it('tells debugging, running tests and terminal work apart, and counts repeated failures', () => {
    let t = 1000;
    const f = new ActivityFuser(() => t);
    f.apply({ editor, typing: true });
    t += 1000;
    f.apply({ terminalFailure: { commandLine: 'npx vitest run', exitCode: 1, output: 'FAIL', cwd: null, at: t } });
    expect(f.state()).toMatchObject({ activity: 'running_tests', broken: true });
    f.apply({ terminalFailure: { commandLine: 'npx vitest run', exitCode: 1, output: 'FAIL', cwd: null, at: t } });
    expect(f.failureCount(f.currentErrors()[0]!.key)).toBe(2);
    expect(f.state().summary).toContain('keeps failing');
    t += 1000;
    f.apply({ terminalFailure: { commandLine: 'ls /nope', exitCode: 2, output: null, cwd: null, at: t } });
    expect(f.state().activity).toBe('terminal_work');
    f.apply({ debugStop: { exceptionMessage: 'TypeError: x is undefined', topFrame: { name: 'main', path: 'src/app.ts', line: 4 }, at: t } });
    expect(f.state().activity).toBe('debugging');
    t += 3 * 60_000;
    expect(f.state().activity).not.toBe('debugging');
    expect(looksLikeTestRun('cargo test --all')).toBe(true);
    expect(looksLikeTestRun('pytest -q')).toBe(true);
    expect(looksLikeTestRun('git status')).toBe(false);
  });

  it('is idle with nothing reported, and uses the legacy desktop context', () => {
    const t = 0;
    const store = new ContextStore(() => t);
    expect(store.activity.state().activity).toBe('idle');
    store.setDesktop({ task: 'terminal_work', app: 'Terminal', fileCategory: '', hasError: true, offerText: '', window: 'bash', text: 'error' });
    expect(store.activity.state()).toMatchObject({ activity: 'terminal_work', broken: true });
  });
});
