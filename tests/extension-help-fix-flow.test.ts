// The fix flow against the shared fake `vscode` (tests/helpers/fake-vscode.ts): fix.propose with the
// excerpt, the reply's last code block previewed as a diff, applied only on "Apply", and refused
// plainly when the file changed.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter, fake, Range, Uri } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import type { CompanionEvent } from '../protocol/messages';
import { FixFlow } from '../extension/help/fix-flow';
import { ProposalProvider } from '../extension/help/proposal-provider';

const FILE = '/ws/src/app.ts';
const SOURCE = ['export function total(prices: number[]): number {', '  let sum = 0;', '  for (const p of prices) sum += p;', '  return sum.toFixed(2);', '}', ''].join('\n');
const diagnostic = {
  message: "Type 'string' is not assignable to type 'number'.",
  code: 2322,
  source: 'ts',
  severity: 0,
  range: new Range(3, 2, 3, 8),
  relatedInformation: [],
};

function setup(reply: string, opts: { changeFileTo?: string; answer?: string } = {}) {
  fake.files.set(FILE, SOURCE);
  fake.files.set('/ws/.env', SOURCE);
  fake.answers.push({ match: /^Apply/, answer: opts.answer ?? 'Apply' });
  const events = new EventEmitter<CompanionEvent>();
  const requests: Array<{ method: string; params: any }> = [];
  const manager = {
    onDidReceiveEvent: events.event,
    request: vi.fn(async (method: string, params: unknown) => {
      requests.push({ method, params });
      // The reply ends before the request's answer arrives: it must not be missed.
      if (opts.changeFileTo !== undefined) fake.files.set(FILE, opts.changeFileTo);
      events.fire({ type: 'reply.end', replyId: 'r1', sessionId: 1, messageId: 2, text: reply, emotion: 'calm', interrupted: false, tokens: { prompt: 1, completion: 1 }, timings: {} as never, provider: 'x' });
      return { replyId: 'r1', sessionId: 1 };
    }),
  };
  const proposals = new ProposalProvider();
  const reveal = vi.fn(async () => undefined);
  const flow = new FixFlow(manager as never, proposals, reveal);
  return { flow, requests, reveal, proposals };
}

const uri = Uri.file(FILE);

beforeEach(() => {
  vi.clearAllMocks();
  fake.reset();
  fake.setWorkspaceFolders(['/ws']);
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
    const diff = fake.api.commands.executeCommand.mock.calls.find((c: unknown[]) => c[0] === 'vscode.diff') as unknown[];
    expect(diff[1]).toBe(uri);
    expect((diff[2] as { scheme: string }).scheme).toBe('alisa-proposal');
    expect(diff[3]).toBe("Alisa's fix: app.ts ↔ proposed");
    expect(fake.api.window.showInformationMessage).toHaveBeenCalledWith("Apply Alisa's fix to app.ts?", 'Apply', 'Discard');
    expect(fake.edits).toHaveLength(1);
    expect(fake.edits[0]!.range).toEqual(new Range(0, 0, 4, 1));
    expect(fake.edits[0]!.text).toBe(fixed);
  });

  it('changes nothing on Discard', async () => {
    const { flow } = setup('```ts\nconst x = 1;\n```', { answer: 'Discard' });
    await flow.run(uri as never, diagnostic as never);
    expect(fake.api.commands.executeCommand.mock.calls.some((c: unknown[]) => c[0] === 'vscode.diff')).toBe(true);
    expect(fake.edits).toHaveLength(0);
    expect(fake.api.workspace.applyEdit).not.toHaveBeenCalled();
  });

  it('says so when the file changed since she looked', async () => {
    const { flow } = setup('```ts\nx\n```', { changeFileTo: '// edited\n' + SOURCE });
    await flow.run(uri as never, diagnostic as never);
    expect(fake.api.window.showWarningMessage).toHaveBeenCalledWith('The proposal does not apply cleanly: app.ts changed since Alisa looked at it.');
    expect(fake.api.commands.executeCommand.mock.calls.some((c: unknown[]) => c[0] === 'vscode.diff')).toBe(false);
    expect(fake.edits).toHaveLength(0);
  });

  it('says so when the reply has no code block', async () => {
    const { flow } = setup('You forgot to convert it back. Easy, no?');
    await flow.run(uri as never, diagnostic as never);
    expect(fake.api.window.showInformationMessage.mock.calls[0]![0]).toMatch(/no code block/);
    expect(fake.edits).toHaveLength(0);
  });

  it('refuses excluded files without asking the companion', async () => {
    const { flow, requests } = setup('```\nx\n```');
    await flow.run(Uri.file('/ws/.env') as never, diagnostic as never);
    expect(requests).toHaveLength(0);
    expect(fake.api.window.showInformationMessage.mock.calls[0]![0]).toMatch(/alisa.privacy.excludeGlobs/);
  });
});
