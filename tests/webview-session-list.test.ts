// @vitest-environment happy-dom
// The chat list keeps itself up to date from sessions.changed events that carry the changed
// session (no session.list after each reply), respects the "This workspace / All workspaces"
// scope for sessions it hears of, pages with 'Older chats…', and falls back to reloading after
// each reply with a companion that does not push sessions. Driven through the webview's host
// interface as the extension drives it.
import { describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import type { CompanionMessage, Session } from '../protocol';
import { FakeHost } from './helpers/fake-host';
import { App } from '../webview/ui/app';
import { clearBodyAfterEach, mountPanelBody, settle as settleTurns } from './helpers/panel';
import { readyAnswers, replyEnd as replyEndEvent } from './helpers/webview-fixtures';

const now = 1_700_000_000_000;
const ALPHA_ID = 'file:///alpha';
const session = (id: number, title: string, workspace: string | null, updatedAt: number, messageCount = 2): Session => ({
  id,
  title,
  characterId: 1,
  createdAt: now,
  updatedAt,
  messageCount,
  workspace,
  workspaceName: workspace === null ? null : workspace.slice('file:///'.length),
});

/** The extension's side. `pages` answers session.list by cursor; `legacy` answers as a companion before paging did. */
class PagesHost extends FakeHost {
  constructor(
    readonly pages: Record<string, { sessions: Session[]; nextCursor: string | null }>,
    readonly opts: { legacy?: boolean; kind?: 'vscode' | 'browser'; state?: unknown; hitIn?: Session } = {},
  ) {
    super(opts.kind ?? 'vscode', { state: opts.state, answers: { ...readyAnswers(), 'session.messages': () => ({ messages: [] }) } });
  }
  override setState(): void {}
  override answer(method: string, params: any): unknown {
    switch (method) {
      case 'session.list': {
        const page = this.pages[`${params.scope ?? 'workspace'}:${params.cursor ?? ''}`];
        if (!page) return undefined;
        return this.opts.legacy ? { sessions: page.sessions } : { ...page, workspace: this.kind === 'browser' ? null : ALPHA_ID };
      }
      case 'memory.search': {
        const s = this.opts.hitIn!;
        return {
          hits: [
            {
              messageId: 40,
              sessionId: s.id,
              sessionTitle: s.title,
              workspaceName: s.workspaceName,
              role: 'user',
              snippet: 'the [[build]] broke',
              rank: 1,
              createdAt: now,
            },
          ],
        };
      }
      default:
        return undefined;
    }
  }
  lists(): unknown[] {
    return this.requests('session.list').map((m) => m.params);
  }
}

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel);
const optionTexts = () => [...$<HTMLSelectElement>('#session-select')!.options].map((o) => o.textContent);
const showsOptions = (texts: string[]) => vi.waitFor(() => expect(optionTexts()).toEqual(texts));

function start(host: PagesHost): PagesHost {
  mountPanelBody();
  new App(host, $('#app')!);
  host.ready();
  return host;
}

/** Lets queued messages and their handlers run. */
const settle = () => settleTurns(10);

function replyEnd(sessionId: number): CompanionMessage {
  return replyEndEvent({ replyId: `r${sessionId}`, sessionId, messageId: 100 + sessionId, text: 'Done.', emotion: 'neutral' });
}

clearBodyAfterEach();

describe('chat list updates from events', () => {
  const regex = session(7, 'Regex troubles', ALPHA_ID, now + 30);
  const loose = session(3, 'Older chat', null, now + 10);
  const beta = session(5, 'Beta build', 'file:///beta', now + 20);

  it('moves a chat to the top after a reply from the event alone, without asking for the list again', async () => {
    const host = start(
      new PagesHost({ 'workspace:': { sessions: [regex, loose], nextCursor: null }, 'all:': { sessions: [regex, beta, loose], nextCursor: null } }),
    );
    await showsOptions(['Regex troubles', 'Older chat']);
    expect(host.lists()).toHaveLength(1);

    // A reply in the older chat: reply.end, then the session itself with its new time and count.
    host.emit(replyEnd(loose.id));
    host.emit({ type: 'sessions.changed', session: { ...loose, updatedAt: now + 40, messageCount: 4 } });
    await showsOptions(['Older chat', 'Regex troubles']);
    await settle();
    expect(host.lists()).toHaveLength(1);

    // Another workspace's chat is not this workspace's list; a new one of this workspace is, on top.
    host.emit({ type: 'sessions.changed', session: { ...beta, updatedAt: now + 50 } });
    host.emit({ type: 'sessions.changed', session: session(9, 'Fresh', ALPHA_ID, now + 60, 0) });
    await showsOptions(['Fresh', 'Older chat', 'Regex troubles']);
    // A rename arrives in place; a deleted chat goes.
    host.emit({ type: 'sessions.changed', session: { ...regex, title: 'Regex, solved' } });
    await showsOptions(['Fresh', 'Older chat', 'Regex, solved']);
    host.emit({ type: 'sessions.changed', deletedSessionId: 9 });
    await showsOptions(['Older chat', 'Regex, solved']);
    await settle();
    expect(host.lists()).toHaveLength(1);

    // In the all-workspaces view the other workspace's chats come in too.
    const scope = $<HTMLSelectElement>('select[aria-label="Chats of"]')!;
    scope.value = 'all';
    scope.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect(host.lists()).toHaveLength(2));
    await showsOptions(['Regex troubles · alpha', 'Beta build · beta', 'Older chat']);
    host.emit({ type: 'sessions.changed', session: { ...beta, updatedAt: now + 70 } });
    await showsOptions(['Beta build · beta', 'Regex troubles · alpha', 'Older chat']);
    // A bare sessions.changed (clearing every chat) still reloads, in the scope on screen.
    host.emit({ type: 'sessions.changed' });
    await vi.waitFor(() => expect(host.lists()).toHaveLength(3));
    expect(host.lists()[2]).toEqual({ scope: 'all' });
  });

  it("pages with 'Older chats…' and leaves out a changed chat beyond the pages loaded", async () => {
    const first = Array.from({ length: 3 }, (_, i) => session(20 - i, `Chat ${20 - i}`, ALPHA_ID, now + 100 - i));
    const second = Array.from({ length: 2 }, (_, i) => session(17 - i, `Chat ${17 - i}`, null, now + 97 - i));
    const host = start(new PagesHost({ 'workspace:': { sessions: first, nextCursor: 'p2' }, 'workspace:p2': { sessions: second, nextCursor: null } }));
    await showsOptions(['Chat 20', 'Chat 19', 'Chat 18', 'Older chats…']);
    const select = $<HTMLSelectElement>('#session-select')!;
    expect(select.value).toBe('20');

    // A chat older than every loaded one changed without moving up (a rename): not shown yet.
    host.emit({ type: 'sessions.changed', session: { ...second[1]!, title: 'Renamed far away' } });
    await settle();
    expect(optionTexts()).toEqual(['Chat 20', 'Chat 19', 'Chat 18', 'Older chats…']);

    select.value = 'more';
    select.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect(host.lists()).toHaveLength(2));
    expect(host.lists()[1]).toEqual({ cursor: 'p2' });
    await showsOptions(['Chat 20', 'Chat 19', 'Chat 18', 'Chat 17', 'Chat 16']);
    expect(select.value).toBe('20'); // the open chat stays open
  });

  it('pages on to an older chat of this workspace for a search hit and for the chat remembered, instead of switching scope or chat', async () => {
    const first = [session(20, 'Chat 20', ALPHA_ID, now + 100), session(19, 'Chat 19', ALPHA_ID, now + 99)];
    const second = [session(18, 'Chat 18', ALPHA_ID, now + 98), session(17, 'Chat 17', null, now + 97)];
    const third = [session(16, 'Chat 16', ALPHA_ID, now + 96)];
    const pages = {
      'workspace:': { sessions: first, nextCursor: 'p2' },
      'workspace:p2': { sessions: second, nextCursor: 'p3' },
      'workspace:p3': { sessions: third, nextCursor: null },
    };
    const host = start(new PagesHost(pages, { hitIn: third[0]! }));
    await showsOptions(['Chat 20', 'Chat 19', 'Older chats…']);
    host.emit({ type: 'host.command', command: 'showSearch', query: 'build' });
    const hit = await vi.waitFor(() => {
      const b = $<HTMLButtonElement>('button.search-hit');
      expect(b).not.toBeNull();
      return b!;
    });
    hit.click();
    await vi.waitFor(() => expect($<HTMLSelectElement>('#session-select')!.value).toBe('16'));
    expect(host.lists()).toEqual([{}, { cursor: 'p2' }, { cursor: 'p3' }]);
    expect($<HTMLSelectElement>('select[aria-label="Chats of"]')!.value).toBe('workspace');
    expect(optionTexts()).toEqual(['Chat 20', 'Chat 19', 'Chat 18', 'Chat 17', 'Chat 16']);

    // Reopened later with that chat remembered: the list pages on to it and it opens again.
    document.body.innerHTML = '';
    const again = start(new PagesHost(pages, { state: { v: 1, sessionId: 17, draft: '', scrollTop: null, avatarHidden: false, sessionScope: 'workspace' } }));
    await vi.waitFor(() => expect($<HTMLSelectElement>('#session-select')!.value).toBe('17'));
    expect(again.lists()).toEqual([{}, { cursor: 'p2' }]);
    expect(optionTexts()).toEqual(['Chat 20', 'Chat 19', 'Chat 18', 'Chat 17', 'Older chats…']);
  });

  it('reloads the list after each reply with a companion that does not push sessions', async () => {
    const host = start(new PagesHost({ 'workspace:': { sessions: [regex, loose], nextCursor: null } }, { legacy: true }));
    await showsOptions(['Regex troubles', 'Older chat']);
    expect(host.lists()).toHaveLength(1);
    host.emit(replyEnd(regex.id));
    await vi.waitFor(() => expect(host.lists()).toHaveLength(2));
    expect(optionTexts()).not.toContain('Older chats…');
  });
});
