// @vitest-environment happy-dom
// The chat bar's scope picker: "This workspace" / "All workspaces", sent as session.list's scope,
// remembered in the view state, kept on sessions.changed, and in the all-view each chat says its
// workspace. Driven through the webview's host interface as the extension drives it.
import { describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import type { Session } from '../protocol';
import { FakeHost } from './helpers/fake-host';
import { App } from '../webview/ui/app';
import { clearBodyAfterEach, mountPanelBody } from './helpers/panel';
import { readyAnswers } from './helpers/webview-fixtures';

const now = 1_700_000_000_000;
const session = (id: number, title: string, workspace: string | null, workspaceName: string | null, updatedAt: number): Session => ({
  id,
  title,
  characterId: 1,
  createdAt: now,
  updatedAt,
  messageCount: 0,
  workspace,
  workspaceName,
});
const ALPHA = session(7, 'Regex troubles', 'file:///alpha', 'alpha', now + 30);
const BETA = session(5, 'Beta build', 'file:///beta', 'beta', now + 20);
const LOOSE = session(3, 'Older chat', null, null, now + 10);

/** The extension's side: answers session.list by scope as a companion serving the "alpha" window does. */
class ScopeHost extends FakeHost {
  constructor(kind: 'vscode' | 'browser', state: unknown = undefined) {
    super(kind, { state, answers: { ...readyAnswers(), 'session.messages': () => ({ messages: [] }) } });
  }
  override answer(method: string, params: any): unknown {
    switch (method) {
      case 'session.list':
        return { sessions: params.scope === 'all' || this.kind === 'browser' ? [ALPHA, BETA, LOOSE] : [ALPHA, LOOSE] };
      case 'memory.search':
        return {
          hits: [
            {
              messageId: 40,
              sessionId: BETA.id,
              sessionTitle: BETA.title,
              workspaceName: 'beta',
              role: 'user',
              snippet: 'the [[build]] broke',
              rank: 1,
              createdAt: now,
            },
          ],
        };
      default:
        return undefined; // answered as the companion answers what it does not know
    }
  }
  lists(): unknown[] {
    return this.requests('session.list').map((m) => m.params);
  }
}

const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel);

/** Waits until the app has asked for the chat list `n` times. */
async function listed(host: ScopeHost, n: number): Promise<void> {
  await vi.waitFor(() => expect(host.lists()).toHaveLength(n));
}

/** Waits until the chat picker shows these options (the answer has arrived and been applied). */
const showsOptions = (texts: string[]) => vi.waitFor(() => expect(optionTexts()).toEqual(texts));

function start(kind: 'vscode' | 'browser', state?: unknown): ScopeHost {
  mountPanelBody();
  const host = new ScopeHost(kind, state);
  new App(host, $('#app')!);
  host.ready();
  return host;
}

const optionTexts = () => [...$<HTMLSelectElement>('#session-select')!.options].map((o) => o.textContent);

clearBodyAfterEach();

describe('chat list scope', () => {
  it("lists this workspace's chats by default, switches to all with the workspace shown, and back", async () => {
    const host = start('vscode');
    await listed(host, 1);
    const scope = $<HTMLSelectElement>('select[aria-label="Chats of"]')!;
    expect(scope).not.toBeNull();
    expect(scope.value).toBe('workspace');
    expect([...scope.options].map((o) => o.textContent)).toEqual(['This workspace', 'All workspaces']);
    expect(host.lists()).toEqual([{}]);
    await showsOptions(['Regex troubles', 'Older chat']);
    expect($('#session-workspace')!.hidden).toBe(true);

    scope.value = 'all';
    scope.dispatchEvent(new Event('change'));
    await listed(host, 2);
    expect(host.lists()[1]).toEqual({ scope: 'all' });
    await showsOptions(['Regex troubles · alpha', 'Beta build · beta', 'Older chat']);
    const label = $('#session-workspace')!;
    expect(label.hidden).toBe(false);
    expect(label.textContent).toBe('alpha');
    // Remembered like the open chat.
    await vi.waitFor(() => expect((host.state as { sessionScope?: string } | undefined)?.sessionScope).toBe('all'));

    // A change elsewhere reloads the list in the scope on screen.
    host.emit({ type: 'sessions.changed' });
    await listed(host, 3);
    expect(host.lists()[2]).toEqual({ scope: 'all' });

    // A chat of no workspace says so in the all-view.
    const chat = $<HTMLSelectElement>('#session-select')!;
    chat.value = '3';
    chat.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect($('#session-workspace')!.textContent).toBe('No workspace'));

    scope.value = 'workspace';
    scope.dispatchEvent(new Event('change'));
    await listed(host, 4);
    expect(host.lists()[3]).toEqual({});
    await showsOptions(['Regex troubles', 'Older chat']);
    expect($('#session-workspace')!.hidden).toBe(true);
    await vi.waitFor(() => expect((host.state as { sessionScope?: string }).sessionScope).toBe('workspace'));
  });

  it("opens a search hit from another workspace's chat by switching the list to all workspaces", async () => {
    const host = start('vscode');
    await listed(host, 1);
    await showsOptions(['Regex troubles', 'Older chat']);
    host.emit({ type: 'host.command', command: 'showSearch', query: 'build' });
    const hit = await vi.waitFor(() => {
      const b = $<HTMLButtonElement>('button.search-hit');
      expect(b).not.toBeNull();
      return b!;
    });
    expect(hit.querySelector('.hit-meta')!.textContent).toMatch(/^Beta build \(beta\) · You · /);
    hit.click();
    await listed(host, 2);
    expect(host.lists()[1]).toEqual({ scope: 'all' });
    await vi.waitFor(() => expect($<HTMLSelectElement>('#session-select')!.value).toBe(String(BETA.id)));
    expect($<HTMLSelectElement>('select[aria-label="Chats of"]')!.value).toBe('all');
    expect($('#session-workspace')!.textContent).toBe('beta');
  });

  it('starts in the scope the view state remembered', async () => {
    const host = start('vscode', { v: 1, sessionId: 5, draft: '', scrollTop: null, avatarHidden: false, sessionScope: 'all' });
    await listed(host, 1);
    expect(host.lists()).toEqual([{ scope: 'all' }]);
    expect($<HTMLSelectElement>('select[aria-label="Chats of"]')!.value).toBe('all');
    await vi.waitFor(() => expect($<HTMLSelectElement>('#session-select')!.value).toBe('5'));
    expect($('#session-workspace')!.textContent).toBe('beta');
  });

  it('has no scope picker in a browser, which belongs to no workspace', async () => {
    const host = start('browser', { v: 1, sessionId: null, draft: '', scrollTop: null, avatarHidden: false, sessionScope: 'all' });
    await listed(host, 1);
    expect($('select[aria-label="Chats of"]')).toBeNull();
    expect(host.lists()).toEqual([{}]);
    await showsOptions(['Regex troubles', 'Beta build', 'Older chat']);
  });
});
