// @vitest-environment happy-dom
// The whole webview UI in a DOM, driven through its host interface the way the extension drives
// it: host.state, companion events, responses to its requests. Checks the fixed interface other
// tiers rely on (labels, roles, data attributes).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import './helpers/happy-dom-fixes';
import type { ErrorInfo, HostState, Status } from '../protocol';
import { App } from '../webview/ui/app';
import { FakeHost as SharedFakeHost, type Answers, READY_STATUS } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, settle } from './helpers/panel';
import { characterList, hostState, messageMaker, replyEnd } from './helpers/webview-fixtures';

const now = 1_700_000_000_000;
const status: Status = { ...READY_STATUS };
const stored = messageMaker(7, now);

/** The host side as the extension plays it, answering requests from a table. */
class FakeHost extends SharedFakeHost {
  override kind = 'vscode' as const;
  override answers: Answers = {
    'status.get': () => status,
    'character.list': () => characterList({ id: 2, key: 'mika', name: 'Mika', systemPrompt: 'y', voice: null, avatar: null, builtin: false }),
    'session.list': () => ({
      sessions: [
        { id: 7, title: 'Regex troubles', characterId: 1, createdAt: now, updatedAt: now + 10, messageCount: 2 },
        { id: 3, title: 'Older chat', characterId: 1, createdAt: now - 1000, updatedAt: now - 1000, messageCount: 0 },
      ],
    }),
    'session.messages': (p) => ({ messages: p.sessionId === 7 ? [stored(1, 'user', 'Why no match?'), stored(2, 'assistant', 'Use the `s` flag.')] : [] }),
    'chat.send': () => ({ replyId: 'r1', sessionId: 7, userMessageId: 10 }),
    'chat.cancel': () => ({ cancelled: true }),
    'memory.search': () => ({
      hits: [
        {
          messageId: 2,
          sessionId: 7,
          sessionTitle: 'Regex troubles',
          role: 'assistant',
          snippet: 'Use the [[flag]] <img src=x onerror=alert(1)>',
          rank: 1,
          createdAt: now,
        },
      ],
    }),
    'session.create': () => ({ id: 9, title: '', characterId: 1, createdAt: now, updatedAt: now, messageCount: 0 }),
  };
  override ready(patch: Partial<HostState> = {}): void {
    this.emit(hostState(patch));
  }
}

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

let host: FakeHost;

beforeEach(async () => {
  host = new FakeHost();
  await openPanel(host);
});

clearBodyAfterEach();

describe('webview app', () => {
  it('starts: ready, then status, chats and characters, and shows the latest chat', () => {
    expect(host.sent[0]).toEqual({ type: 'ui.ready' });
    expect(host.requests('status.get')).toHaveLength(1);
    expect(host.requests('character.list')).toHaveLength(1);
    expect(host.requests('session.messages')[0]!.params).toMatchObject({ sessionId: 7 });
    expect(document.querySelector('h1')).toBeNull(); // VS Code's view title says "Alisa"
    const log = $('[role="log"]');
    expect(log.getAttribute('aria-live')).toBe('polite');
    const msgs = [...log.querySelectorAll<HTMLElement>('[data-role]')];
    expect(msgs.map((m) => [m.dataset.role, m.dataset.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(msgs[1]!.dataset.emotion).toBe('calm');
    expect(msgs[1]!.querySelector('code')?.textContent).toBe('s');
    expect($<HTMLSelectElement>('select[aria-label="Chat"]').value).toBe('7');
    expect($('#persona-button').textContent).toContain('Teasing · Alisa');
    // "New chat" is the view title's "+" in VS Code (webview-persona-menu.test.ts checks the browser's).
    for (const label of ['Send', 'Search history', 'Rename chat', 'Delete chat']) {
      expect(document.querySelector(`button[aria-label="${label}"]`), label).not.toBeNull();
    }
  });

  it('sends with Enter, streams the reply, moves the face, and stops', async () => {
    const box = $<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]');
    box.value = 'Explain closures';
    box.dispatchEvent(new Event('input'));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true }));
    expect(host.requests('chat.send')).toHaveLength(0); // Shift+Enter is a new line
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(box.value).toBe('');
    const mine = [...document.querySelectorAll<HTMLElement>('[data-role="user"]')].at(-1)!;
    expect(mine.textContent).toContain('Explain closures'); // shown at once
    expect(host.requests('chat.send')[0]!.params).toEqual({ text: 'Explain closures', sessionId: 7 });

    host.emit({ type: 'reply.start', replyId: 'r1', sessionId: 7, userMessageId: 10, spontaneous: false });
    host.emit({ type: 'reply.emotion', replyId: 'r1', emotion: 'happy' });
    const avatar = $('#avatar');
    expect(avatar.dataset.emotion).toBe('happy'); // at once, before any text
    expect(avatar.getAttribute('aria-label')).toBe('Alisa looks happy');
    expect(avatar.getAttribute('role')).toBe('img');
    host.emit({ type: 'reply.token', replyId: 'r1', text: 'A closure **remembers**' });
    await settle();
    await frame();
    const reply = [...document.querySelectorAll<HTMLElement>('[data-role="assistant"]')].at(-1)!;
    expect(reply.dataset).toMatchObject({ status: 'streaming', emotion: 'happy' });
    expect(reply.querySelector('strong')?.textContent).toBe('remembers');
    expect(avatar.dataset.speaking).toBe('true');
    expect(['false', 'true']).toContain(avatar.dataset.blinking);

    const stop = $<HTMLButtonElement>('button[aria-label="Stop"]');
    expect(stop.hidden).toBe(false);
    // Send stays, and queues while she answers (webview-chat-queue.test.ts).
    expect($<HTMLButtonElement>('#send').getAttribute('aria-label')).toBe('Queue message (sent when Alisa finishes)');
    stop.click();
    expect(host.requests('chat.cancel')[0]!.params).toEqual({ replyId: 'r1' });

    host.emit(
      replyEnd({
        replyId: 'r1',
        sessionId: 7,
        messageId: 11,
        text: 'A closure remembers.',
        emotion: 'happy',
        interrupted: true,
        tokens: { prompt: 1, completion: 2 },
      }),
    );
    await frame();
    expect(reply.dataset.status).toBe('interrupted');
    expect(reply.querySelector('.msg-body')!.textContent!.trim()).toBe('A closure remembers.');
    expect(avatar.dataset.speaking).toBe('false');
    expect(stop.hidden).toBe(true);
  });

  it('runs an editor command sent right after ready once the latest chat is open', async () => {
    document.body.innerHTML = '<div id="app"></div>';
    const fresh = new FakeHost();
    new App(fresh, $('#app'));
    fresh.ready();
    fresh.emit({ type: 'host.command', command: 'send', text: 'Explain this file' });
    await settle();
    expect(fresh.requests('session.create')).toHaveLength(0);
    expect(fresh.requests('chat.send')[0]!.params).toEqual({ text: 'Explain this file', sessionId: 7 });
  });

  it('keeps the draft in the view state', async () => {
    const box = $<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]');
    box.value = 'half a thought';
    box.dispatchEvent(new Event('input'));
    // Saved after a short debounce: wait for it rather than for a fixed time.
    await vi.waitFor(() => expect(host.state).toMatchObject({ draft: 'half a thought', sessionId: 7 }), { timeout: 5000, interval: 20 });
  });

  it('shows model problems with the actions that fix them', async () => {
    host.emit({ type: 'status', status: { ...status, model: { ...status.model, state: 'none', model: null } } });
    const banner = $('[data-banner-id="model"]');
    expect(banner.textContent).toContain('No model yet');
    expect([...banner.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Choose file', 'Download']);
    banner.querySelectorAll('button')[1]!.click();
    expect(host.sent.at(-1)).toEqual({ type: 'ui.action', action: 'downloadModel' });

    host.emit({
      type: 'status',
      status: {
        ...status,
        model: { ...status.model, state: 'error', error: { code: 'model_missing', message: 'No file at ~/m.gguf.', action: 'Choose another.' } },
      },
    });
    const error = document.querySelector('[role="alert"] [data-banner-id="model"]')!;
    expect(error.textContent).toContain('No file at ~/m.gguf.');
    expect([...error.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Choose file', 'Show logs', 'Restart']);

    host.emit(hostState({ connection: 'restarting', message: 'Restarting Alisa (attempt 2 of 5)…', actions: ['showLogs'] }));
    expect($('[role="status"]').textContent).toContain('Restarting Alisa (attempt 2 of 5)…');
  });

  it('searches history from a host command and shows safe, highlighted snippets', async () => {
    host.emit({ type: 'host.command', command: 'showSearch', query: 'flag' });
    await settle();
    expect(host.requests('memory.search')[0]!.params).toMatchObject({ query: 'flag' });
    const hit = $('.search-hit');
    expect(hit.querySelector('mark')?.textContent).toBe('flag');
    expect(hit.querySelector('img')).toBeNull();
    expect(hit.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('copies and inserts code through the host', async () => {
    host.emit({ type: 'reply.start', replyId: 'r2', sessionId: 7, userMessageId: 1, spontaneous: false });
    host.emit({ type: 'reply.token', replyId: 'r2', text: '```js\nlet a = 1;\n```' });
    await frame();
    document.querySelector<HTMLButtonElement>('[data-code-action="insert"]')!.click();
    expect(host.sent.at(-1)).toEqual({ type: 'ui.insertCode', code: 'let a = 1;', language: 'js' });
    document.querySelector<HTMLButtonElement>('[data-code-action="copy"]')!.click();
    expect(host.sent.at(-1)).toEqual({ type: 'ui.copy', text: 'let a = 1;' });
    // Apply… hands the code to the host, which asks where and shows a diff.
    document.querySelector<HTMLButtonElement>('[data-code-action="apply"]')!.click();
    expect(host.sent.at(-1)).toEqual({ type: 'ui.applyCode', code: 'let a = 1;', language: 'js' });
  });

  it('creates a new chat on the host command and renames it inline', async () => {
    host.emit({ type: 'host.command', command: 'newSession' });
    await settle();
    expect(host.requests('session.create')).toHaveLength(1);
    expect(document.querySelectorAll('[role="log"] [data-role]')).toHaveLength(0);
    expect($<HTMLSelectElement>('select[aria-label="Chat"]').value).toBe('9');
    host.answers['session.rename'] = (p) => ({ id: 9, title: p.title, characterId: 1, createdAt: now, updatedAt: now, messageCount: 0 });
    $<HTMLButtonElement>('button[aria-label="Rename chat"]').click();
    const input = $<HTMLInputElement>('input[aria-label="Chat name"]');
    input.value = 'Closures';
    input.form!.requestSubmit();
    expect(host.requests('session.rename')[0]!.params).toEqual({ sessionId: 9, title: 'Closures' });
  });

  it('shows a refused send on the message and gives the text back', async () => {
    host.answers['chat.send'] = () => {
      throw { code: 'model_loading', message: 'The model is still loading.', action: 'Try again in a moment.' } satisfies ErrorInfo;
    };
    const box = $<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]');
    box.value = 'hello?';
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle();
    await frame();
    const mine = [...document.querySelectorAll<HTMLElement>('[data-role="user"]')].at(-1)!;
    expect(mine.dataset.status).toBe('error');
    expect(mine.textContent).toContain('The model is still loading.');
    expect(box.value).toBe('hello?');
  });

  it('warns on a sent message that holds a secret (kept as typed), and not on one without', async () => {
    const send = async (text: string) => {
      const box = $<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]');
      box.value = text;
      box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      await settle();
      await frame();
      return [...document.querySelectorAll<HTMLElement>('[data-role="user"]')].at(-1)!;
    };
    host.answers['chat.send'] = () => ({ replyId: 'r5', sessionId: 7, userMessageId: 11, secrets: 1 });
    const withKey = await send('my key is sk-proj-abc');
    const note = withKey.querySelector<HTMLElement>('.msg-note')!;
    expect(note.hidden).toBe(false);
    expect(note.dataset.warning).toBe('secret');
    expect(note.textContent).toMatch(/looks like a secret.*stored as you typed it/);
    expect(withKey.textContent).toContain('my key is sk-proj-abc'); // shown as typed
    host.answers['chat.send'] = () => ({ replyId: 'r6', sessionId: 7, userMessageId: 12 });
    const plain = await send('hello again');
    expect(plain.querySelector<HTMLElement>('.msg-note')!.hidden).toBe(true);
  });
});
