// @vitest-environment happy-dom
// Enter while she answers (issue 15, chat basics) never does nothing: the message is queued, shown
// last and marked so, and goes by itself when her reply ends; it offers Stop and send, and Cancel
// (its text comes back to the box). Driven through the typed fake host, which answers chat.send
// as the companion does (reply.start first, then the answer).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import { App } from '../webview/ui/app';
import { FakeHost } from './helpers/fake-host';
import { settle } from './helpers/panel';
import { readyAnswers, replyEnd } from './helpers/webview-fixtures';

const now = 1_700_000_000_000;
let host: FakeHost;
let nextId = 0;

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
const box = () => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')!;
const sentTexts = () => host.requests('chat.send').map((r) => (r.params as { text: string }).text);
const queued = () => [...document.querySelectorAll<HTMLElement>('[role="log"] .msg[data-queued]')];
const roles = () =>
  [...document.querySelectorAll<HTMLElement>('[role="log"] .msg')].map((a) => `${a.dataset.role}:${a.querySelector('.msg-body')!.textContent!.trim()}`);

function type(text: string): void {
  box().value = text;
  box().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}

/** Her reply `replyId` ends (stopped or not). */
function end(replyId: string, interrupted = false): void {
  host.emit(replyEnd({ replyId, sessionId: 7, messageId: ++nextId, text: `answer ${replyId}`, emotion: 'calm', interrupted }));
}

beforeEach(async () => {
  document.body.innerHTML = '<div id="app"></div>';
  nextId = 100;
  host = new FakeHost('vscode', {
    answers: {
      ...readyAnswers(),
      'session.list': () => ({
        sessions: [
          { id: 7, title: 'Chat', characterId: 1, createdAt: now, updatedAt: now, messageCount: 0 },
          { id: 3, title: 'Other chat', characterId: 1, createdAt: now - 9, updatedAt: now - 9, messageCount: 0 },
        ],
      }),
      'session.messages': () => ({ messages: [] }),
      'chat.send': (p) => {
        const userMessageId = ++nextId;
        const replyId = `r-${p.text}`;
        host.emit({ type: 'reply.start', replyId, sessionId: 7, userMessageId, spontaneous: false });
        return { replyId, sessionId: 7, userMessageId };
      },
      'chat.cancel': () => ({ cancelled: true }),
    },
  });
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.ready();
  await settle();
  type('first');
  await settle();
  await frame();
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('a message typed while she answers', () => {
  it('is queued, marked, and sent by itself when her reply ends', async () => {
    expect(document.querySelector('#send')!.getAttribute('aria-label')).toBe('Queue message (sent when Alisa finishes)');
    type('second');
    await settle();
    await frame();
    expect(box().value).toBe('');
    expect(sentTexts()).toEqual(['first']);
    expect(queued()).toHaveLength(1);
    const mark = queued()[0]!;
    expect(mark.textContent).toContain('second');
    expect(mark.querySelector('.msg-actions')!.textContent).toContain('Queued: sent when Alisa finishes.');
    expect(mark.querySelector('button[aria-label="Stop the reply and send this message now"]')).not.toBeNull();
    expect(mark.querySelector('button[aria-label="Cancel queued message"]')).not.toBeNull();

    end('r-first');
    await settle();
    await frame();
    expect(sentTexts()).toEqual(['first', 'second']);
    expect(queued()).toHaveLength(0);
    expect(roles()).toEqual(['user:first', 'assistant:answer r-first', 'user:second', 'assistant:']);
  });

  it('goes one at a time, each after the reply before it, in the order typed', async () => {
    type('a');
    type('b');
    await settle();
    expect(queued()).toHaveLength(2);
    end('r-first');
    await settle();
    await frame();
    expect(sentTexts()).toEqual(['first', 'a']);
    // The reply to "a" streams above the still-queued "b".
    expect(roles()).toEqual(['user:first', 'assistant:answer r-first', 'user:a', 'assistant:', 'user:b']);
    end('r-a');
    await settle();
    expect(sentTexts()).toEqual(['first', 'a', 'b']);
  });

  it('Cancel takes it back: gone from the log, its text back in the box, never sent', async () => {
    type('never mind');
    await settle();
    await frame();
    queued()[0]!.querySelector<HTMLButtonElement>('button[aria-label="Cancel queued message"]')!.click();
    await frame();
    expect(queued()).toHaveLength(0);
    expect(roles()).not.toContain('user:never mind');
    expect(box().value).toBe('never mind');
    end('r-first');
    await settle();
    expect(sentTexts()).toEqual(['first']);
  });

  it('Stop and send stops her reply, then sends it', async () => {
    type('stop, listen');
    await settle();
    await frame();
    queued()[0]!.querySelector<HTMLButtonElement>('button[aria-label="Stop the reply and send this message now"]')!.click();
    expect(host.requests('chat.cancel').map((r) => r.params)).toEqual([{ replyId: 'r-first' }]);
    await settle();
    expect(sentTexts()).toEqual(['first']); // not before her reply has ended
    end('r-first', true);
    await settle();
    expect(sentTexts()).toEqual(['first', 'stop, listen']);
  });

  it('stays with its chat: shown again when the user comes back to it, and sent there', async () => {
    type('for chat 7');
    await settle();
    host.emit({ type: 'host.command', command: 'showSession', sessionId: 3 });
    await settle();
    await frame();
    expect(queued()).toHaveLength(0);
    host.emit({ type: 'host.command', command: 'showSession', sessionId: 7 });
    await settle();
    await frame();
    expect(queued().map((q) => q.querySelector('.msg-body')!.textContent)).toEqual(['for chat 7']);
    end('r-first');
    await settle();
    expect(host.requests('chat.send').at(-1)!.params).toEqual({ text: 'for chat 7', sessionId: 7 });
  });
});
