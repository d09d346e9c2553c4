// Real error situations (tests/fixtures/errors/<case>/: case.json, the source file as
// `<name>.txt` so neither tsc nor vitest picks it up, output.txt for terminal failures) run through the extension's pure context builders and the companion's
// buildHelpPrompt: the prompt must carry the error, the file, the line and the code around it,
// and nothing from excluded files or files outside the workspace.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHelpPrompt } from '../companion/help/help-prompt';
import { ContextUpdate, type Range } from '../protocol/context';
import { methods } from '../protocol/messages';
import { buildFileDiagnostics, type RawDiagnostic } from '../extension/awareness/excerpt';
import { DEFAULT_EXCLUDE_GLOBS, sendablePath } from '../extension/awareness/privacy';
import { OutputTail } from '../extension/awareness/terminal-output';
import { buildExplainParams, buildFixParams, buildTerminalExplainParams } from '../extension/help/help-request';

const DIR = path.join(__dirname, 'fixtures', 'errors');
const ROOT = '/home/dev/project';
/** Every secret in the fixtures contains this; none may reach a prompt or a context update. */
const SECRET_MARK = 'FIXTURESECRET';

interface FixtureDiagnostic {
  severity: 'error' | 'warning';
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  message: string;
  code: string;
  source: string;
  related?: Array<{ path: string; line: number; message: string }>;
}
interface Fixture {
  name: string;
  title: string;
  kind: 'diagnostic' | 'terminal';
  file: string;
  language: string;
  private?: boolean;
  diagnostic?: FixtureDiagnostic;
  terminal?: { commandLine: string; exitCode: number; cwd: string | null };
  expect: string[];
  /** Only in the fix prompt (related locations go with fix.propose). */
  expectFix?: string[];
  forbid?: string[];
  source: string;
  output: string | null;
}

const fixtures: Fixture[] = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
  .map((d) => {
    const dir = path.join(DIR, d.name);
    const meta = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as Omit<Fixture, 'name' | 'source' | 'output'>;
    const files = readdirSync(dir);
    return {
      ...meta,
      name: d.name,
      source: readFileSync(path.join(dir, `${path.basename(meta.file)}.txt`), 'utf8'),
      output: files.includes('output.txt') ? readFileSync(path.join(dir, 'output.txt'), 'utf8') : null,
    };
  });

const line = (l: number, c = 0) => ({ line: l - 1, character: c });
const toRange = (d: { line: number; character: number; endLine: number; endCharacter: number }): Range => ({
  start: line(d.line, d.character),
  end: line(d.endLine, d.endCharacter),
});
const abs = (p: string) => (p.startsWith('/') ? p : `${ROOT}/${p}`);
const sendable = (p: string) => sendablePath(abs(p), [ROOT], DEFAULT_EXCLUDE_GLOBS);

function rawDiagnostic(d: FixtureDiagnostic): RawDiagnostic {
  return {
    severity: d.severity,
    message: d.message,
    code: d.code === '' ? null : d.code,
    source: d.source,
    range: toRange(d),
    related: (d.related ?? []).map((r) => ({ path: sendable(r.path), range: { start: line(r.line), end: line(r.line, 1) }, message: r.message })),
  };
}

/** Everything the extension would send for a fixture (context update and help requests) and the prompts built from it. */
function build(f: Fixture): { sent: unknown[]; prompts: string[] } {
  if (f.kind === 'terminal') {
    const tail = new OutputTail();
    const out = f.output ?? '';
    for (let i = 0; i < out.length; i += 97) tail.push(out.slice(i, i + 97)); // streamed in chunks
    const failure = { ...f.terminal!, output: tail.value() || null, at: 1 };
    const update = ContextUpdate.parse({ terminalFailure: failure });
    const explain = methods['help.explain'].params.parse(buildTerminalExplainParams(failure));
    return { sent: [update, explain], prompts: [buildHelpPrompt('explain', explain)] };
  }
  const relPath = sendable(f.file);
  if (relPath === null) return { sent: [], prompts: [] };
  const d = rawDiagnostic(f.diagnostic!);
  const file = buildFileDiagnostics({ path: relPath, language: f.language, text: f.source, diagnostics: [d] });
  const update = ContextUpdate.parse({ diagnostics: file ? [file] : [] });
  const input = { path: relPath, language: f.language, text: f.source, diagnostic: d };
  const fix = methods['fix.propose'].params.parse(buildFixParams(input));
  const explain = methods['help.explain'].params.parse(buildExplainParams(input));
  return { sent: [update, fix, explain], prompts: [buildHelpPrompt('fix', fix), buildHelpPrompt('explain', explain)] };
}

describe('error fixtures', () => {
  it('has at least 20 real situations of every kind', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    expect(fixtures.filter((f) => f.kind === 'diagnostic' && !f.private).length).toBeGreaterThanOrEqual(8);
    expect(fixtures.filter((f) => f.kind === 'terminal').length).toBeGreaterThanOrEqual(8);
    expect(fixtures.filter((f) => f.private).length).toBeGreaterThanOrEqual(2);
  });

  for (const f of fixtures.filter((x) => x.kind === 'diagnostic' && !x.private)) {
    it(`diagnostic ${f.name}: ${f.title}`, () => {
      const { sent, prompts } = build(f);
      const d = f.diagnostic!;
      const sourceLines = f.source.split('\n');
      const errorLine = sourceLines[d.line - 1]!.trim();
      expect(errorLine.length).toBeGreaterThan(0);
      // The snapshot carries the excerpt around the error.
      const update = sent[0] as ContextUpdate;
      const excerpts = Object.values(update.diagnostics?.[0]?.excerpts ?? {}).join('\n');
      expect(excerpts).toContain(errorLine);
      for (const prompt of prompts) {
        expect(prompt).toContain(d.message.split('\n')[0]);
        expect(prompt).toContain(f.file);
        expect(prompt).toContain(`line ${d.line}`);
        expect(prompt).toContain(errorLine);
        // Code around it: the nearest other non-blank lines before and after, when there are any.
        const around = sourceLines.filter((l, i) => Math.abs(i - (d.line - 1)) <= 3 && i !== d.line - 1 && l.trim() !== '');
        for (const l of around) expect(prompt).toContain(l.trim());
        for (const phrase of f.expect) expect(prompt).toContain(phrase);
        for (const phrase of f.forbid ?? []) expect(prompt).not.toContain(phrase);
      }
      for (const phrase of f.expectFix ?? []) expect(prompts[0]).toContain(phrase);
      // The fix prompt numbers the lines as the editor does.
      expect(prompts[0]).toMatch(new RegExp(`\\b${d.line} \\| `));
      for (const phrase of f.forbid ?? []) expect(JSON.stringify(sent)).not.toContain(phrase);
    });
  }

  for (const f of fixtures.filter((x) => x.kind === 'terminal')) {
    it(`terminal ${f.name}: ${f.title}`, () => {
      const { prompts } = build(f);
      const prompt = prompts[0]!;
      expect(prompt).toContain(f.terminal!.commandLine);
      expect(prompt).toContain(`exit code ${f.terminal!.exitCode}`);
      for (const phrase of f.expect) expect(prompt).toContain(phrase);
      expect(prompt).not.toMatch(/\u001b/); // colours are stripped
    });
  }

  for (const f of fixtures.filter((x) => x.private)) {
    it(`private ${f.name}: nothing is sent`, () => {
      expect(f.source).toContain(SECRET_MARK);
      expect(build(f)).toEqual({ sent: [], prompts: [] });
    });
  }

  it('no secret of the fixture workspace reaches anything sent', () => {
    const secrets = readdirSync(path.join(DIR, '_workspace'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(secrets.length).toBeGreaterThan(4);
    expect(sendable('README.md')).toBe('README.md');
    for (const s of secrets) {
      if (s.name === 'README.md') continue;
      const rel = path.relative(path.join(DIR, '_workspace'), path.join(s.parentPath, s.name)).replace(/\\/g, '/');
      expect(readFileSync(path.join(s.parentPath, s.name), 'utf8')).toContain(SECRET_MARK);
      expect(sendable(rel), rel).toBeNull();
    }
    const all = JSON.stringify(fixtures.map(build));
    expect(all).not.toContain(SECRET_MARK);
    expect(all).not.toContain('hunter2');
  });
});
