// The fix flow against a stand-in `vscode`: fix.propose with the excerpt, the reply's last code
// block previewed as a diff, applied only on "Apply", and refused plainly when the file changed.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => {
  class Uri {
    constructor(
      readonly scheme: string,
      readonly authority: string,
      readonly path: string,
      readonly query = '',
    ) {}
    static file(p: string) {
      return new Uri('file', '', p);
    }
    static from(c: { scheme: string; path: string; query?: string }) {
      return new Uri(c.scheme, '', c.path, c.query ?? '');
    }
    static joinPath(u: Uri, ...parts: string[]) {
      return new Uri(u.scheme, u.authority, [u.path, ...parts].join('/'));
    }
    get fsPath() {
      return this.path;
    }
    toString() {
      return `${this.scheme}://${this.path}${this.query ? '?' + this.query : ''}`;
    }
  }
  class Range {
    start: { line: number; character: number };
    end: { line: number; character: number };
    constructor(a: number, b: number, c: number, d: number) {
      this.start = { line: a, character: b };
      this.end = { line: c, character: d };
    }
  }
  class EventEmitter<T> {
    private ls: Array<(e: T) => void> = [];
    event = (l: (e: T) => void) => {
      this.ls.push(l);
      return { dispose: () => (this.ls = this.ls.filter((x) => x !== l)) };
    };
    fire(e: T) {
      for (const l of [...this.ls]) l(e);
    }
    dispose() {}
  }
  const edits: Array<{ uri: Uri; range: Range; text: string }> = [];
  class WorkspaceEdit {
    replace(uri: Uri, range: Range, text: string) {
      edits.push({ uri, range, text });
    }
  }
  const state = { text: '', answer: 'Apply' as string | undefined };
  const doc = () => ({
    getText: () => state.text,
    languageId: 'typescript',
    lineAt: (l: number) => ({ text: state.text.split('\n')[l] ?? '' }),
  });
  const vscode = {
    Uri,
    Range,
    EventEmitter,
    WorkspaceEdit,
    ProgressLocation: { Window: 10 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    workspace: {
      workspaceFolders: [{ uri: Uri.file('/ws') }],
      getConfiguration: () => ({ get: (_k: string, d: unknown) => d }),
      openTextDocument: vi.fn(async () => doc()),
      applyEdit: vi.fn(async () => true),
    },
    window: {
      withProgress: async (_o: unknown, task: () => Promise<unknown>) => task(),
      showInformationMessage: vi.fn(async (msg: string) => (msg.startsWith('Apply') ? state.answer : undefined)),
      showWarningMessage: vi.fn(async () => undefined),
      showErrorMessage: vi.fn(async () => undefined),
      showTextDocument: vi.fn(async () => undefined),
      setStatusBarMessage: vi.fn(),
    },
    commands: { executeCommand: vi.fn(async () => undefined) },
  };
  return { vscode, state, edits, Uri, Range, EventEmitter };
});
vi.mock('vscode', () => h.vscode);

import type { CompanionEvent } from '../protocol/messages';
import { FixFlow } from '../extension/help/fix-flow';
import { ProposalProvider } from '../extension/help/proposal-provider';

const SOURCE = ['export function total(prices: number[]): number {', '  let sum = 0;', '  for (const p of prices) sum += p;', '  return sum.toFixed(2);', '}', ''].join('\n');
const diagnostic = {
  message: "Type 'string' is not assignable to type 'number'.",
  code: 2322,
  source: 'ts',
  severity: 0,
  range: new h.Range(3, 2, 3, 8),
  relatedInformation: [],
};

function setup(reply: string, opts: { changeFileTo?: string; answer?: string } = {}) {
  h.state.text = SOURCE;
  h.state.answer = opts.answer ?? 'Apply';
  const events = new h.EventEmitter<CompanionEvent>();
  const requests: Array<{ method: string; params: any }> = [];
  const manager = {
    onDidReceiveEvent: events.event,
    request: vi.fn(async (method: string, params: unknown) => {
      requests.push({ method, params });
      // The reply ends before the request's answer arrives: it must not be missed.
      if (opts.changeFileTo !== undefined) h.state.text = opts.changeFileTo;
      events.fire({ type: 'reply.end', replyId: 'r1', sessionId: 1, messageId: 2, text: reply, emotion: 'calm', interrupted: false, tokens: { prompt: 1, completion: 1 }, timings: {} as never, provider: 'x' });
      return { replyId: 'r1', sessionId: 1 };
    }),
  };
  const proposals = new ProposalProvider();
  const reveal = vi.fn(async () => undefined);
  const flow = new FixFlow(manager as never, proposals, reveal);
  return { flow, requests, reveal, proposals };
}

const uri = h.Uri.file('/ws/src/app.ts');

beforeEach(() => {
  vi.clearAllMocks();
  h.edits.length = 0;
});

describe('fix flow', () => {
  it('asks for a fix, previews the diff, and applies it on Apply', async () => {
    const fixed = SOURCE.trimEnd().replace('sum.toFixed(2)', 'sum');
    const { flow, requests, reveal } = setup(`Tsk. Here:\n\`\`\`ts\n${fixed}\n\`\`\``);
    await flow.run(uri as never, diagnostic as never);
    expect(requests[0]!.method).toBe('fix.propose');
    expect(requests[0]!.params).toMatchObject({ path: 'src/app.ts', language: 'typescript', excerptStartLine: 0, target: { kind: 'diagnostic', code: '2322' } });
    expect(requests[0]!.params.excerpt).toBe(SOURCE.trimEnd());
    expect(reveal).toHaveBeenCalled();
    const diff = h.vscode.commands.executeCommand.mock.calls.find((c: unknown[]) => c[0] === 'vscode.diff') as unknown[];
    expect(diff[1]).toBe(uri);
    expect((diff[2] as { scheme: string }).scheme).toBe('alisa-proposal');
    expect(diff[3]).toBe("Alisa's fix: app.ts ↔ proposed");
    expect(h.vscode.window.showInformationMessage).toHaveBeenCalledWith("Apply Alisa's fix to app.ts?", 'Apply', 'Discard');
    expect(h.edits).toHaveLength(1);
    expect(h.edits[0]!.range).toEqual(new h.Range(0, 0, 4, 1));
    expect(h.edits[0]!.text).toBe(fixed);
  });

  it('changes nothing on Discard', async () => {
    const { flow } = setup('```ts\nconst x = 1;\n```', { answer: 'Discard' });
    await flow.run(uri as never, diagnostic as never);
    expect(h.vscode.commands.executeCommand.mock.calls.some((c: unknown[]) => c[0] === 'vscode.diff')).toBe(true);
    expect(h.edits).toHaveLength(0);
    expect(h.vscode.workspace.applyEdit).not.toHaveBeenCalled();
  });

  it('says so when the file changed since she looked', async () => {
    const { flow } = setup('```ts\nx\n```', { changeFileTo: '// edited\n' + SOURCE });
    await flow.run(uri as never, diagnostic as never);
    expect(h.vscode.window.showWarningMessage).toHaveBeenCalledWith('The proposal does not apply cleanly: app.ts changed since Alisa looked at it.');
    expect(h.vscode.commands.executeCommand.mock.calls.some((c: unknown[]) => c[0] === 'vscode.diff')).toBe(false);
    expect(h.edits).toHaveLength(0);
  });

  it('says so when the reply has no code block', async () => {
    const { flow } = setup('You forgot to convert it back. Easy, no?');
    await flow.run(uri as never, diagnostic as never);
    expect(h.vscode.window.showInformationMessage.mock.calls[0]![0]).toMatch(/no code block/);
    expect(h.edits).toHaveLength(0);
  });

  it('refuses excluded files without asking the companion', async () => {
    const { flow, requests } = setup('```\nx\n```');
    await flow.run(h.Uri.file('/ws/.env') as never, diagnostic as never);
    expect(requests).toHaveLength(0);
    expect(h.vscode.window.showInformationMessage.mock.calls[0]![0]).toMatch(/alisa.privacy.excludeGlobs/);
  });
});
