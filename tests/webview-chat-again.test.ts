// @vitest-environment happy-dom
// Asking again in the panel (issue 15, chat basics), driven through the typed fake host: a failed
// or stopped reply stays with its reason and a Retry button, the question left unanswered by a
// restart offers Retry once the chat is reloaded, and the user edits a sent message inline to
// ask again from there. The fake answers as the companion does: the new reply's reply.start
// arrives before the answer to chat.send / chat.retry / chat.edit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { ErrorInfo, Message } from '../protocol';
import { App } from '../webview/ui/app';
import { FakeHost } from './helpers/fake-host';
import { settle } from './helpers/panel';
import { messageMaker, readyAnswers, replyEnd } from './helpers/webview-fixtures';

const now = 1_700_000_000_000;
const msg = messageMaker(7, now);

let host: FakeHost;
let stored: Message[];
let replies = 0;

/** The companion's side: a new reply starts (reply.start) before the request is answered. */
function startReply(userMessageId: number): string {
  const replyId = `r${++replies}`;
  host.emit({ type: 'reply.start', replyId, sessionId: 7, userMessageId, spontaneous: false });
  return replyId;
}

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
const articles = () => [...document.querySelectorAll<HTMLElement>('[role="log"] .msg')];
const retryButtons = () => [...document.querySelectorAll<HTMLButtonElement>('button[aria-label="Retry: ask again for this reply"]')];
const byId = (id: number) => document.querySelector<HTMLElement>(`[role="log"] [data-message-id="${id}"]`)!;
const end = (replyId: string, messageId: number, interrupted = false) =>
  host.emit(replyEnd({ replyId, sessionId: 7, messageId, text: 'An answer.', emotion: 'calm', interrupted }));

async function open(messages: Message[]): Promise<void> {
  stored = messages;
  replies = 0;
  host = new FakeHost('vscode', {
    answers: {
      ...readyAnswers(),
      'session.list': () => ({ sessions: [{ id: 7, title: 'Regex', characterId: 1, createdAt: now, updatedAt: now, messageCount: stored.length }] }),
      'session.messages': () => ({ messages: stored }),
      'chat.send': () => ({ replyId: startReply(10), sessionId: 7, userMessageId: 10 }),
      'chat.retry': (p) => ({ replyId: startReply(p.userMessageId), sessionId: 7, userMessageId: p.userMessageId, removedMessageIds: [] }),
      'chat.edit': (p) => ({ replyId: startReply(p.messageId), sessionId: 7, userMessageId: p.messageId, removedMessageIds: [2] }),
    },
  });
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.ready();
  await settle();
  await frame();
}

function type(text: string): void {
  const box = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Alisa"]')!;
  box.value = text;
  box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}

beforeEach(() => {
  document.body.innerHTML = '<div id="app"></div>';
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('Retry', () => {
  it('keeps a failed reply with its reason and retries the same question in its place', async () => {
    await open([msg(1, 'user', 'Why no match?'), msg(2, 'assistant', 'Use the s flag.')]);
    expect(retryButtons()).toHaveLength(0); // a complete answer needs no retry
    type('Explain closures');
    await settle();
    const error: ErrorInfo = { code: 'llm_unreachable', message: 'The model server did not answer.', action: 'Start it, then try again.' };
    host.emit({ type: 'reply.error', replyId: 'r1', sessionId: 7, error, messageId: null });
    await frame();

    const failed = articles().at(-1)!;
    expect(failed.dataset).toMatchObject({ role: 'assistant', status: 'error' });
    expect(failed.querySelector('.msg-note')!.textContent).toContain('The model server did not answer.');
    expect(retryButtons()).toHaveLength(1);
    expect(failed.contains(retryButtons()[0]!)).toBe(true);
    const loads = host.requests('session.messages').length;

    retryButtons()[0]!.click();
    expect(host.requests('chat.retry').map((r) => r.params)).toEqual([{ userMessageId: 10 }]);
    await settle();
    await frame();
    // The failed reply is replaced by the new one, right after the question; no reload.
    expect(failed.isConnected).toBe(false);
    expect(articles().map((a) => [a.dataset.role, a.dataset.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
      ['user', 'complete'],
      ['assistant', 'streaming'],
    ]);
    expect(retryButtons()).toHaveLength(0); // nothing to retry while she answers
    expect(host.requests('session.messages')).toHaveLength(loads);
    end('r2', 12);
    await frame();
    expect(articles().at(-1)!.dataset.status).toBe('complete');
    expect(retryButtons()).toHaveLength(0);
  });

  it('offers Retry on a stopped reply, and says so in the alerts when the companion refuses', async () => {
    await open([msg(1, 'user', 'Why no match?'), msg(2, 'assistant', 'Use the s flag.')]);
    type('Tell me a story');
    await settle();
    end('r1', 11, true);
    await frame();
    const stopped = articles().at(-1)!;
    expect(stopped.dataset.status).toBe('interrupted');
    expect(stopped.querySelector('.msg-note')!.textContent).toBe('Stopped before the end.');
    host.answers['chat.retry'] = () => {
      throw { code: 'model_loading', message: 'The model is still loading.', action: 'Try again in a moment.' } satisfies ErrorInfo;
    };
    retryButtons()[0]!.click();
    await settle();
    const alert = document.querySelector<HTMLElement>('.banner[data-notice]')!;
    expect(alert.textContent).toContain('The model is still loading.');
    expect(stopped.isConnected).toBe(true); // still there, with its Retry
    expect(retryButtons()).toHaveLength(1);
  });

  it('after a restart, the question left without an answer (or with a cut one) offers Retry', async () => {
    await open([msg(1, 'user', 'Why no match?'), msg(2, 'assistant', 'Use the s flag.'), msg(3, 'user', 'And in multiline mode?')]);
    const question = byId(3);
    expect(question.querySelector('.msg-actions')!.textContent).toContain('No answer yet.');
    expect(retryButtons()).toHaveLength(1);
    expect(question.contains(retryButtons()[0]!)).toBe(true);
    retryButtons()[0]!.click();
    expect(host.requests('chat.retry').map((r) => r.params)).toEqual([{ userMessageId: 3 }]);
    await settle();
    await frame();
    expect(articles().at(-1)!.dataset.status).toBe('streaming');
    expect(question.querySelector<HTMLElement>('.msg-actions')!.hidden).toBe(true);

    document.body.innerHTML = '<div id="app"></div>';
    await open([msg(1, 'user', 'Tell me a story'), msg(2, 'assistant', '', 'interrupted')]);
    expect(retryButtons()).toHaveLength(1);
    expect(byId(2).contains(retryButtons()[0]!)).toBe(true);
    retryButtons()[0]!.click();
    expect(host.requests('chat.retry').map((r) => r.params)).toEqual([{ userMessageId: 1 }]);
  });
});

describe('Edit', () => {
  it('edits a sent message inline and asks again from there: what followed is replaced', async () => {
    await open([msg(1, 'user', 'Why no match?'), msg(2, 'assistant', 'Use the s flag.')]);
    const mine = byId(1);
    const edit = () => mine.querySelector<HTMLButtonElement>('button[aria-label="Edit message"]')!;
    expect(byId(2).querySelector('button[aria-label="Edit message"]')).toBeNull(); // only her own messages

    edit().click();
    let input = mine.querySelector<HTMLTextAreaElement>('textarea[aria-label="Edit your message"]')!;
    expect(input.value).toBe('Why no match?');
    expect(mine.textContent).toMatch(/messages after this one are replaced/);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(mine.querySelector('textarea')).toBeNull();
    expect(host.requests('chat.edit')).toHaveLength(0);

    edit().click();
    input = mine.querySelector<HTMLTextAreaElement>('textarea[aria-label="Edit your message"]')!;
    input.value = 'Why no match across lines?';
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(host.requests('chat.edit').map((r) => r.params)).toEqual([{ messageId: 1, text: 'Why no match across lines?' }]);
    await settle();
    await frame();
    expect(mine.querySelector('textarea')).toBeNull();
    expect(mine.querySelector('.msg-body')!.textContent).toBe('Why no match across lines?');
    expect(articles().map((a) => [a.dataset.role, a.dataset.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'streaming'],
    ]);
    expect(mine.querySelector<HTMLElement>('.msg-actions')!.hidden).toBe(true); // no editing while she answers
  });

  it('keeps the editor open and the old text when the edit is refused', async () => {
    await open([msg(1, 'user', 'Why no match?'), msg(2, 'assistant', 'Use the s flag.')]);
    host.answers['chat.edit'] = () => {
      throw { code: 'busy', message: 'Alisa is still answering in this chat.', action: 'Wait for the reply to finish, or stop it first.' } satisfies ErrorInfo;
    };
    const mine = byId(1);
    mine.querySelector<HTMLButtonElement>('button[aria-label="Edit message"]')!.click();
    const input = mine.querySelector<HTMLTextAreaElement>('textarea')!;
    input.value = 'Something else';
    mine.querySelector<HTMLButtonElement>('button[aria-label="Save and ask again"]')!.click();
    await settle();
    await frame();
    expect(input.isConnected).toBe(true);
    expect(input.value).toBe('Something else');
    expect(mine.querySelector('.msg-body')!.textContent).toBe('Why no match?');
    expect(byId(2).isConnected).toBe(true);
    expect(document.querySelector('.banner[data-notice]')!.textContent).toContain('Alisa is still answering in this chat.');
  });

  it('follows an edit made in another window: the chat is reloaded from the companion', async () => {
    await open([msg(1, 'user', 'Why no match?'), msg(2, 'assistant', 'Use the s flag.')]);
    const loads = host.requests('session.messages').length;
    stored = [msg(1, 'user', 'Edited elsewhere')];
    host.emit({ type: 'reply.start', replyId: 'x1', sessionId: 7, userMessageId: 1, spontaneous: false });
    await settle();
    await frame();
    expect(host.requests('session.messages').length).toBe(loads + 1);
    expect(byId(1).querySelector('.msg-body')!.textContent).toBe('Edited elsewhere');
    expect(articles().map((a) => a.dataset.role)).toEqual(['user', 'assistant']);
    expect(articles().at(-1)!.dataset.status).toBe('streaming');
  });
});
