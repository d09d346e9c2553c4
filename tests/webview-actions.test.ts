// @vitest-environment happy-dom
// Alisa's actions in the panel (issue 16): a card per call from the companion's events. A question
// (`action.ask`) reads "Waiting for your answer" with the title, the exact detail (monospace,
// folded when long) and who asked (the model: a plain warning); `action.askDone` and `action.done`
// give the outcome with its reason or result. Cards of a reply's tool calls sit in that reply,
// others at the end of the chat; every text is text, never HTML. And the slash commands listed as
// the user types "/", filtered and chosen with the keyboard. Driven the way the hosts drive the page.
import { describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { ActionAskInfo, CompanionMessage, Message } from '../protocol';
import { SLASH_USAGE } from '../protocol';
import { SLASH_USAGE as COMPANION_SLASH_USAGE } from '../companion/actions/slash';
import { matchCommands } from '../webview/ui/slash-hints-view';
import { FakeHost } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, restartCompanion, settle } from './helpers/panel';
import { firstRunAnswers, messageMaker, replyEnd } from './helpers/webview-fixtures';

type Done = Extract<CompanionMessage, { type: 'action.done' }>;

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

function ask(patch: Partial<ActionAskInfo> = {}): CompanionMessage {
  return {
    type: 'action.ask',
    id: 'ask-act-1',
    callId: 'act-1',
    action: 'run_in_terminal',
    risk: 'program',
    title: 'Run `npm test` in a terminal',
    detail: 'npm test',
    source: 'user',
    provenance: null,
    canAlwaysAllow: true,
    expiresAt: Date.now() + 60_000,
    ...patch,
  };
}

function done(patch: Partial<Done['outcome']> = {}, more: Partial<Omit<Done, 'outcome'>> = {}): CompanionMessage {
  return {
    type: 'action.done',
    outcome: { callId: 'act-1', action: 'run_in_terminal', status: 'done', result: { text: 'all 12 tests passed', exitCode: 0 }, reason: null, ...patch },
    source: 'user',
    replyId: null,
    title: 'Run `npm test` in a terminal',
    ...more,
  };
}

let host: FakeHost;
/** What session.messages answers for chat 9. */
let stored: Message[] = [];
async function start(kind: 'vscode' | 'browser' = 'vscode'): Promise<void> {
  host = new FakeHost(kind, {
    answers: {
      ...firstRunAnswers(),
      'session.messages': () => ({ messages: stored }),
      // Chat 9 is listed once it holds a message (then a reload opens it again).
      'session.list': () => ({ sessions: stored.length > 0 ? [{ id: 9, title: 'Chat', characterId: 1, createdAt: 1, updatedAt: 2, messageCount: 1 }] : [] }),
      'chat.send': (p: { text: string }) =>
        p.text.startsWith('/run')
          ? { replyId: null, sessionId: 9, userMessageId: null, action: { callId: 'act-7', name: 'run_in_terminal' } }
          : { replyId: 'r-chat', sessionId: 9, userMessageId: 50 },
    },
  });
  stored = [];
  await openPanel(host, undefined, 8);
}

async function emit(...messages: CompanionMessage[]): Promise<void> {
  for (const m of messages) host.emit(m);
  await settle();
}

const cards = () => [...document.querySelectorAll<HTMLElement>('#messages .action-card')];
const card = (callId = 'act-1') => document.querySelector<HTMLElement>(`#messages .action-card[data-call-id="${callId}"]`)!;
const statusOf = (c: HTMLElement) => c.querySelector<HTMLElement>('.action-card-status')!;
const box = () => document.querySelector<HTMLTextAreaElement>('#message-input')!;
const hints = () => document.querySelector<HTMLElement>('.slash-hints')!;
const listed = () => (hints().hidden ? [] : [...hints().querySelectorAll<HTMLElement>('[role="option"]')].map((o) => o.dataset.command));
const selected = () => hints().querySelector<HTMLElement>('[role="option"][aria-selected="true"]')?.dataset.command;

function typeInBox(text: string): void {
  box().value = text;
  box().dispatchEvent(new Event('input', { bubbles: true }));
}
function key(k: string, opts: KeyboardEventInit = {}): KeyboardEvent {
  const ev = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...opts });
  box().dispatchEvent(ev);
  return ev;
}

clearBodyAfterEach();

describe('an action card', () => {
  it('waits for the answer with the title, the exact detail and who asked; then shows the outcome', async () => {
    await start();
    await emit(ask());
    expect(cards()).toHaveLength(1);
    const c = card();
    expect(c.dataset.state).toBe('waiting');
    expect(c.querySelector('.action-card-title')!.textContent).toBe('Run `npm test` in a terminal');
    const status = statusOf(c);
    expect(status.textContent).toBe('Waiting for your answer');
    expect(status.getAttribute('role')).toBe('status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    const detail = c.querySelector('pre.action-card-detail')!;
    expect(detail.textContent).toBe('npm test');
    expect(c.querySelector('details')).toBeNull(); // short: not folded
    expect(c.querySelector('.action-card-source')!.textContent).toBe('You asked for this.');
    expect(c.querySelector('.action-card-hint')!.textContent).toBe('It runs a program. Answer in the dialog VS Code shows.');
    expect(c.querySelector('.action-card-warning')).toBeNull();
    // No reply: it is at the end of the chat.
    expect(c.parentElement!.classList.contains('action-cards')).toBe(true);

    await emit({ type: 'action.askDone', id: 'ask-act-1', decision: 'allow' });
    expect(c.dataset.state).toBe('running');
    expect(statusOf(c).textContent).toBe('Running');

    await emit(done());
    expect(cards()).toHaveLength(1);
    expect(card()).toBe(c);
    expect(c.dataset.state).toBe('done');
    // The same live region, with new words: screen readers hear the change.
    expect(statusOf(c)).toBe(status);
    expect(status.textContent).toBe('Done');
    expect(c.querySelector('.action-card-icon svg')).not.toBeNull();
    expect(c.querySelector('.action-card-result')!.textContent).toBe('all 12 tests passed');
    expect(c.querySelector('.action-card-detail')).toBeNull();
    expect(c.getAttribute('aria-label')).toBe('Run `npm test` in a terminal: Done');
  });

  it('says "You said no", "Expired", "Refused" or "Failed" with the reason', async () => {
    await start();
    await emit(ask(), { type: 'action.askDone', id: 'ask-act-1', decision: 'deny' });
    expect(statusOf(card()).textContent).toBe('You said no');
    await emit(done({ status: 'denied', result: null, reason: 'You said no.' }));
    expect(card().dataset.state).toBe('denied');
    expect(card().querySelector('.action-card-result')).toBeNull();
    // "You said no." is the status already: not said twice.
    expect(card().querySelector('.action-card-reason')).toBeNull();
    await emit(done({ status: 'denied', result: null, reason: 'You said no to this command.' }));
    expect(card().querySelector('p.action-card-reason')!.textContent).toBe('You said no to this command.');

    const outcomes = [
      ['act-2', 'expired', 'Expired', 'Nobody answered within 60 s.'],
      ['act-3', 'refused', 'Refused', 'rm -rf is blocked.'],
      ['act-4', 'failed', 'Failed', 'The command exited with 1.'],
    ] as const;
    for (const [callId, status, , reason] of outcomes) await emit(done({ callId, status, result: null, reason }));
    for (const [callId, status, word, reason] of outcomes) {
      expect(card(callId).dataset.state).toBe(status);
      expect(statusOf(card(callId)).textContent).toBe(word);
      expect(card(callId).querySelector('.action-card-reason')!.textContent).toBe(reason);
    }
    expect(cards().map((c) => c.dataset.callId)).toEqual(['act-1', 'act-2', 'act-3', 'act-4']);
  });

  it('folds a long detail and a long result under <details>, closed, with the whole text inside', async () => {
    await start();
    const detail = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    await emit(ask({ action: 'write_note', title: 'Write a note', detail, risk: 'workspace' }));
    const fold = card().querySelector<HTMLDetailsElement>('details.action-card-fold')!;
    expect(fold).not.toBeNull();
    expect(fold.open).toBe(false);
    expect(fold.querySelector('summary')!.textContent).toBe('Show all 30 lines');
    expect(fold.querySelector('pre')!.textContent).toBe(detail);
    expect(card().querySelector('.action-card-preview')!.textContent).toBe('line 1\nline 2\nline 3…');

    const output = Array.from({ length: 8 }, (_, i) => `ok ${i + 1}`).join('\n');
    await emit(done({ result: { text: output } }));
    const result = card().querySelector<HTMLDetailsElement>('.action-card-result details')!;
    expect(result.open).toBe(false);
    expect(result.querySelector('summary')!.textContent).toBe('Result (8 lines)');
    expect(result.querySelector('pre')!.textContent).toBe(output);

    // One very long line is folded too.
    await emit(done({ callId: 'act-2', result: { text: 'x'.repeat(1000) } }));
    expect(card('act-2').querySelector('.action-card-result summary')!.textContent).toBe('Result (1000 characters)');
  });

  it('shows every text as text, never as HTML', async () => {
    await start();
    const evil = '<img src=x onerror="globalThis.pwned=1"><b>bold</b>';
    await emit(ask({ title: `Type ${evil}`, detail: evil, provenance: evil, source: 'model', canAlwaysAllow: false }));
    expect(card().querySelector('img, b')).toBeNull();
    expect(card().querySelector('.action-card-title')!.textContent).toBe(`Type ${evil}`);
    expect(card().querySelector('.action-card-detail')!.textContent).toBe(evil);
    expect(card().querySelector('.action-card-provenance')!.textContent).toBe(`Where it came from: ${evil}`);
    await emit(done({ status: 'done', result: { text: evil } }, { title: `Type ${evil}`, source: 'model' }));
    expect(card().querySelector('img, b')).toBeNull();
    expect(card().querySelector('.action-card-result')!.textContent).toBe(evil);
    await emit(done({ callId: 'act-2', status: 'failed', result: null, reason: evil }));
    expect(card('act-2').querySelector('img, b')).toBeNull();
    expect(card('act-2').querySelector('.action-card-reason')!.textContent).toBe(evil);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it("warns plainly when the model asked (text it read may be behind it); says a voice command's and a legacy client's", async () => {
    await start();
    await emit(
      ask({ source: 'model', provenance: "the model's reply, after reading src/a.ts", canAlwaysAllow: false }),
      ask({ id: 'ask-act-2', callId: 'act-2', source: 'voice' }),
      ask({ id: 'ask-act-3', callId: 'act-3', source: 'legacy' }),
    );
    const model = card('act-1');
    expect(model.dataset.source).toBe('model');
    expect(model.querySelector('.action-card-source')!.textContent).toBe('The model asked for this, not you.');
    expect(model.querySelector('.action-card-provenance')!.textContent).toBe("Where it came from: the model's reply, after reading src/a.ts");
    const warning = model.querySelector('.action-card-warning')!;
    expect(warning.getAttribute('role')).toBe('note');
    expect(warning.textContent).toMatch(
      /^Text the model read \(a file, a web page, the screen, a terminal or a tool's result\) may be trying to make Alisa do this\./,
    );
    expect(card('act-2').querySelector('.action-card-source')!.textContent).toBe('You asked for this with a voice command.');
    expect(card('act-3').querySelector('.action-card-source')!.textContent).toMatch(/^A legacy client/);
    for (const id of ['act-2', 'act-3']) expect(card(id).querySelector('.action-card-warning')).toBeNull();
  });

  it("sits with the reply whose tool call it is (and its stored copy after a reload); a slash command's at the end of the chat", async () => {
    await start();
    // A slash command: its card shows when chat.send answers with its call, at the end of the chat.
    typeInBox('/run npm run lint');
    key('Enter');
    await settle();
    expect(host.requests('chat.send').map((r) => (r.params as { text: string }).text)).toEqual(['/run npm run lint']);
    const slash = card('act-7');
    expect(slash.parentElement!.classList.contains('action-cards')).toBe(true);
    expect(slash.querySelector('.action-card-title')!.textContent).toBe('/run npm run lint');
    expect(statusOf(slash).textContent).toBe('Running');
    // Not a chat message: the typed line is not left in the log.
    expect(document.querySelectorAll('#messages .msg[data-role="user"]')).toHaveLength(0);

    await emit(
      { type: 'reply.start', replyId: 'r1', sessionId: 9, userMessageId: null, spontaneous: false },
      { type: 'reply.token', replyId: 'r1', text: 'Let me look.' },
    );
    await frame();
    // The model's question names no reply: it goes with the one streaming.
    await emit(ask({ source: 'model', provenance: null, canAlwaysAllow: false }));
    const reply = document.querySelector<HTMLElement>('#messages .msg[data-key="rr1"]')!;
    expect(reply.querySelector('.msg-action-cards .action-card[data-call-id="act-1"]')).not.toBeNull();
    // A read the policy allowed without asking: only its outcome comes, naming the reply.
    await emit(done({ callId: 'act-2', action: 'read_file', result: { text: 'export {}' } }, { replyId: 'r1', title: 'Read src/a.ts', source: 'model' }));
    expect([...reply.querySelectorAll<HTMLElement>('.action-card')].map((c) => c.dataset.callId)).toEqual(['act-1', 'act-2']);
    // The cards follow the text of the reply.
    expect(reply.querySelector('.msg-body')!.nextElementSibling!.classList.contains('msg-action-cards')).toBe(true);
    // …and the slash command's card stays at the end.
    expect([...document.querySelectorAll<HTMLElement>('#messages .action-cards > .action-card')].map((c) => c.dataset.callId)).toEqual(['act-7']);

    // The reply ends; the companion restarts and the chat is loaded again: its stored copy takes the cards.
    await emit(replyEnd({ replyId: 'r1', sessionId: 9, messageId: 77, text: 'Let me look. Done.', emotion: 'calm' }));
    stored = [messageMaker(9, 1_700_000_000_000)(77, 'assistant', 'Let me look. Done.')];
    await restartCompanion(host);
    await frame();
    const copy = document.querySelector<HTMLElement>('#messages .msg[data-message-id="77"]')!;
    expect(copy).not.toBe(reply);
    expect([...copy.querySelectorAll<HTMLElement>('.action-card')].map((c) => c.dataset.callId)).toEqual(['act-1', 'act-2']);
  });

  it('in a browser tab: the same cards, answered in VS Code', async () => {
    await start('browser');
    await emit(ask());
    expect(statusOf(card()).textContent).toBe('Waiting for your answer');
    expect(card().querySelector('.action-card-detail')!.textContent).toBe('npm test');
    expect(card().querySelector('.action-card-hint')!.textContent).toBe('It runs a program. Answer in VS Code: Alisa asks there before she acts.');
    await emit({ type: 'action.askDone', id: 'ask-act-1', decision: 'expired' }, done({ status: 'expired', result: null, reason: 'Nobody answered.' }));
    expect(statusOf(card()).textContent).toBe('Expired');
    expect(card().querySelector('.action-card-reason')!.textContent).toBe('Nobody answered.');
  });

  it('an open question says so when the connection goes', async () => {
    await start();
    await emit(ask(), done({ callId: 'act-2' }));
    host.connection('restarting');
    await settle();
    expect(card().dataset.state).toBe('lost');
    expect(statusOf(card()).textContent).toBe('Connection lost');
    expect(card('act-2').dataset.state).toBe('done'); // an outcome stays as it was
  });
});

describe('the slash commands in the message box', () => {
  it('the list lives in protocol/ (one copy; the companion re-exports it)', () => {
    expect(COMPANION_SLASH_USAGE).toBe(SLASH_USAGE);
    expect(SLASH_USAGE.run).toBe('/run <command>');
    expect(matchCommands('n').map((c) => c.name)).toEqual(['note', 'open', 'find', 'run', 'window']);
  });

  it('"/" lists every command, /do and /mode too; typing filters; a space (the arguments) or no match closes it', async () => {
    await start();
    expect(hints().hidden).toBe(true);
    typeInBox('/');
    expect(hints().hidden).toBe(false);
    expect(listed()).toEqual([...Object.keys(SLASH_USAGE), 'do', 'mode']);
    expect(box().getAttribute('aria-expanded')).toBe('true');
    expect(hints().getAttribute('role')).toBe('listbox');
    const run = hints().querySelector<HTMLElement>('[data-command="run"]')!;
    expect(run.querySelector('.slash-hint-usage')!.textContent).toBe('/run <command>');
    expect(run.querySelector('.slash-hint-description')!.textContent).toMatch(/^Run a command in a terminal/);
    typeInBox('/ru');
    expect(listed()).toEqual(['run']);
    expect(hints().querySelector('[data-command="run"] mark')!.textContent).toBe('ru');
    typeInBox('/mo');
    expect(listed()).toEqual(['mode']);
    typeInBox('/run ');
    expect(listed()).toEqual([]);
    expect(box().getAttribute('aria-expanded')).toBe('false');
    typeInBox('/zzz');
    expect(listed()).toEqual([]);
    typeInBox('hello /run');
    expect(listed()).toEqual([]);
  });

  it('Up/Down move through it (wrapping), Enter puts the command in the box and sends nothing', async () => {
    await start();
    typeInBox('/');
    expect(selected()).toBe('open');
    key('ArrowDown');
    key('ArrowDown');
    expect(selected()).toBe('read');
    expect(box().getAttribute('aria-activedescendant')).toBe(hints().querySelector('[aria-selected="true"]')!.id);
    key('ArrowUp');
    key('ArrowUp');
    key('ArrowUp');
    expect(selected()).toBe('mode');
    const enter = key('Enter');
    expect(enter.defaultPrevented).toBe(true);
    expect(box().value).toBe('/mode ');
    expect(hints().hidden).toBe(true);
    await settle();
    expect(host.requests('chat.send')).toHaveLength(0);
    // With the list closed, Enter sends as ever.
    box().value = '/mode calm';
    key('Enter');
    await settle();
    expect(host.requests('chat.send').map((r) => (r.params as { text: string }).text)).toEqual(['/mode calm']);
  });

  it('Tab takes the selected command of the filtered list; Escape closes it until the box starts again', async () => {
    await start();
    typeInBox('/n');
    key('ArrowDown');
    expect(selected()).toBe('open');
    const tab = key('Tab');
    expect(tab.defaultPrevented).toBe(true);
    expect(box().value).toBe('/open ');
    typeInBox('/s');
    expect(listed()).toEqual(['status', 'scroll', 'problems', 'task']); // starting with it first, then containing it
    const esc = key('Escape');
    expect(esc.defaultPrevented).toBe(true);
    expect(hints().hidden).toBe(true);
    typeInBox('/st');
    expect(listed()).toEqual([]); // dismissed while the command word is typed
    typeInBox('');
    typeInBox('/st');
    expect(listed()).toEqual(['status']);
    // A click on an option takes it too.
    hints().querySelector<HTMLElement>('[data-command="status"] .slash-hint-usage')!.click();
    expect(box().value).toBe('/status ');
    expect(hints().hidden).toBe(true);
  });
});
