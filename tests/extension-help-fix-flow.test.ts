// The fix flow against the shared fake `vscode` (tests/helpers/fake-vscode.ts): fix.propose with the
// excerpt, the reply's last code block checked against the file and handed to the proposal
// controller as a region (old lines, her lines) without changing anything, and refused plainly
// when the file changed. Apply, Discard and Revert are the controller's: proposal-model.test.ts
// (unit) and tests/e2e/help.e2e.test.ts (clicked in real VS Code).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter, fake, Range, Uri } from './helpers/fake-vscode';

vi.mock('vscode', () => import('./helpers/fake-vscode').then((m) => m.fake.api));

import type { CompanionEvent } from '../protocol/messages';
import { FixFlow } from '../extension/help/fix-flow';
import type { ProposalDraft } from '../extension/help/proposal-controller';

const FILE = '/ws/src/app.ts';
const SOURCE = [
  'export function total(prices: number[]): number {',
  '  let sum = 0;',
  '  for (const p of prices) sum += p;',
  '  return sum.toFixed(2);',
  '}',
  '',
].join('\n');
const diagnostic = {
  message: "Type 'string' is not assignable to type 'number'.",
  code: 2322,
  source: 'ts',
  severity: 0,
  range: new Range(3, 2, 3, 8),
  relatedInformation: [],
};

function setup(reply: string, opts: { changeFileTo?: string } = {}) {
  fake.files.set(FILE, SOURCE);
  fake.files.set('/ws/.env', SOURCE);
  const events = new EventEmitter<CompanionEvent>();
  const requests: Array<{ method: string; params: any }> = [];
  const manager = {
    onDidReceiveEvent: events.event,
    request: vi.fn(async (method: string, params: unknown) => {
      requests.push({ method, params });
      // The reply ends before the request's answer arrives: it must not be missed.
      if (opts.changeFileTo !== undefined) fake.files.set(FILE, opts.changeFileTo);
      events.fire({
        type: 'reply.end',
        replyId: 'r1',
        sessionId: 1,
        messageId: 2,
        text: reply,
        emotion: 'calm',
        interrupted: false,
        tokens: { prompt: 1, completion: 1 },
        timings: {} as never,
        provider: 'x',
      });
      return { replyId: 'r1', sessionId: 1 };
    }),
  };
  const opened: ProposalDraft[] = [];
  const proposals = { open: vi.fn(async (draft: ProposalDraft) => void opened.push(draft)) };
  const reveal = vi.fn(async () => undefined);
  const flow = new FixFlow(manager as never, proposals, reveal);
  return { flow, requests, reveal, opened };
}

const uri = Uri.file(FILE);

beforeEach(() => {
  vi.clearAllMocks();
  fake.reset();
  fake.setWorkspaceFolders(['/ws']);
});

describe('fix flow', () => {
  it('asks for a fix and hands her code block on as a proposal for the excerpt, changing nothing', async () => {
    const fixed = SOURCE.trimEnd().replace('sum.toFixed(2)', 'sum');
    const { flow, requests, reveal, opened } = setup(`Tsk. Here:\n\`\`\`ts\n${fixed}\n\`\`\``);
    await flow.run(uri as never, diagnostic as never);
    expect(requests[0]!.method).toBe('fix.propose');
    expect(requests[0]!.params).toMatchObject({
      path: 'src/app.ts',
      language: 'typescript',
      excerptStartLine: 0,
      target: { kind: 'diagnostic', code: '2322' },
    });
    expect(requests[0]!.params.excerpt).toBe(SOURCE.trimEnd());
    expect(reveal).toHaveBeenCalled();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ uri, path: 'src/app.ts', name: 'app.ts', languageId: 'typescript' });
    expect(opened[0]!.region).toEqual({ start: 0, oldLines: SOURCE.split('\n').slice(0, 5), newLines: fixed.split('\n') });
    // Nothing changes before the user's click, and no toast asks (the diff's title bar does).
    expect(fake.edits).toHaveLength(0);
    expect(fake.api.workspace.applyEdit).not.toHaveBeenCalled();
    expect(fake.dialogs).toHaveLength(0);
  });

  it('says so, and shows nothing, when her proposal changes nothing', async () => {
    const { flow, opened } = setup(`\`\`\`ts\n${SOURCE.trimEnd()}\n\`\`\``);
    await flow.run(uri as never, diagnostic as never);
    expect(opened).toHaveLength(0);
    expect(fake.api.window.showInformationMessage.mock.calls[0]![0]).toMatch(/nothing to apply/);
  });

  it('says so when the file changed since she looked', async () => {
    const { flow, opened } = setup('```ts\nx\n```', { changeFileTo: '// edited\n' + SOURCE });
    await flow.run(uri as never, diagnostic as never);
    expect(fake.api.window.showWarningMessage).toHaveBeenCalledWith('The proposal does not apply cleanly: app.ts changed since Alisa looked at it.');
    expect(opened).toHaveLength(0);
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
