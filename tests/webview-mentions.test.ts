// @vitest-environment happy-dom
// @-mentions in the panel (issue 17): "@" in the message box lists what can be attached (the
// categories, the host's files and folders, the companion's memories), filtered as the word grows
// and chosen with the keyboard; a chosen one becomes a chip above the box, read by the host at
// once (a refused one says why and blocks the send until removed); × or Backspace removes chips;
// the message goes with the chips' attachments and shows them; a reply's sources are links that
// ask VS Code to open the file at the line, and plain text in a browser. Driven the way the hosts
// drive the page.
import { describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { Attachment, Mention, MemoryFact, Message, SourceRef, WebviewToHost } from '../protocol';
import { mentionAt } from '../webview/ui/mention-hints-view';
import { FakeHost } from './helpers/fake-host';
import { clearBodyAfterEach, openPanel, restartCompanion, settle } from './helpers/panel';
import { firstRunAnswers, memoryFact, messageMaker, replyEnd } from './helpers/webview-fixtures';

const FILES: Mention[] = [
  { kind: 'file', label: 'src/app.ts', path: 'src/app.ts' },
  { kind: 'file', label: 'src/api.ts', path: 'src/api.ts' },
  { kind: 'file', label: '.env', path: '.env' },
  { kind: 'folder', label: 'src/', path: 'src' },
];
const APP_TEXT = 'export const app = 1;';
const FACT: MemoryFact = memoryFact(4, { text: 'The user prefers pytest', createdAt: 1, updatedAt: 1 });

/** VS Code's side: lists FILES that contain the query, reads them (a private one refused). */
class MentionHost extends FakeHost {
  /** Reading mentions waits for release() (a slow window). */
  hold = false;
  private held: Array<() => void> = [];
  release(): void {
    this.hold = false;
    for (const h of this.held.splice(0)) h();
  }

  override send(msg: WebviewToHost): void {
    super.send(msg);
    if (msg.type === 'ui.mentionQuery') {
      const candidates = FILES.filter((f) => f.label.includes(msg.query));
      queueMicrotask(() => this.emit({ type: 'host.mentions', id: msg.id, candidates }));
    } else if (msg.type === 'ui.resolveMentions') {
      const results = msg.mentions.map((m) =>
        m.path === '.env'
          ? { error: '.env matches your privacy globs (alisa.privacy.excludeGlobs): Alisa does not read it.' }
          : { attachment: { kind: m.kind, label: m.label, ...(m.path ? { path: m.path } : {}), text: m.kind === 'memory' ? m.text! : APP_TEXT } as Attachment },
      );
      const answer = () => this.emit({ type: 'host.attachments', id: msg.id, results });
      if (this.hold) this.held.push(answer);
      else queueMicrotask(answer);
    }
  }
}

let host: MentionHost;
/** What session.messages answers for chat 9 (the history after a reload). */
let stored: Message[] = [];
async function start(kind: 'vscode' | 'browser' = 'vscode'): Promise<void> {
  host = new MentionHost(kind, {
    answers: {
      ...firstRunAnswers(),
      'memories.list': (p: { query?: string }) => ({ facts: !p.query || 'pytest'.startsWith(p.query) ? [FACT] : [], total: 1, nextCursor: null }),
      'chat.send': () => ({ replyId: 'r1', sessionId: 9, userMessageId: 50 }),
      'session.messages': () => ({ messages: stored }),
      'session.list': () => ({ sessions: stored.length > 0 ? [{ id: 9, title: 'Chat', characterId: 1, createdAt: 1, updatedAt: 2, messageCount: 2 }] : [] }),
    },
  });
  stored = [];
  await openPanel(host, undefined, 8);
}

const box = () => document.querySelector<HTMLTextAreaElement>('#message-input')!;
const list = () => document.querySelector<HTMLElement>('.mention-hints')!;
const labels = () => (list().hidden ? [] : [...list().querySelectorAll<HTMLElement>('.slash-hint-usage')].map((o) => o.textContent));
const selected = () => list().querySelector<HTMLElement>('[aria-selected="true"] .slash-hint-usage')?.textContent;
const chips = () => [...document.querySelectorAll<HTMLElement>('.mention-chip')];
const chipLabels = () => chips().map((c) => c.querySelector('.mention-chip-label')!.textContent);

async function typeInBox(text: string): Promise<void> {
  box().value = text;
  box().setSelectionRange(text.length, text.length);
  box().dispatchEvent(new Event('input', { bubbles: true }));
  await settle();
}
function key(k: string, target: HTMLElement = box()): KeyboardEvent {
  const ev = new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true });
  target.dispatchEvent(ev);
  return ev;
}
const sends = () => host.requests('chat.send').map((r) => r.params as { text: string; attachments?: Attachment[] });

clearBodyAfterEach();

describe('the @ completion', () => {
  it('finds the @word the caret ends', () => {
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('look at @src/ap', 15)).toEqual({ start: 8, query: 'src/ap' });
    expect(mentionAt('mail me@home', 12)).toBeNull();
    expect(mentionAt('@app now', 8)).toBeNull();
  });

  it('"@" lists the categories, the files and folders, and the memories; typing filters; a space closes it', async () => {
    await start();
    expect(list().hidden).toBe(true);
    await typeInBox('look at @');
    expect(list().hidden).toBe(false);
    expect(list().getAttribute('role')).toBe('listbox');
    expect(box().getAttribute('aria-expanded')).toBe('true');
    expect(box().getAttribute('aria-controls')).toBe(list().id);
    expect(labels()).toEqual([
      '@problems',
      '@terminal',
      '@selection',
      '@diff',
      '@codebase',
      'src/app.ts',
      'src/api.ts',
      '.env',
      'src/',
      'memory: The user prefers pytest',
    ]);
    await typeInBox('look at @src/ap');
    expect(labels()).toEqual(['src/app.ts', 'src/api.ts']);
    expect(list().querySelector('mark')!.textContent).toBe('src/ap');
    await typeInBox('look at @pro');
    expect(labels()).toEqual(['@problems']);
    await typeInBox('look at @src/app.ts ');
    expect(labels()).toEqual([]);
    expect(box().getAttribute('aria-expanded')).toBe('false');
  });

  it('Up/Down and Enter choose one: its @word leaves the box and a chip shows, read by the host; nothing is sent', async () => {
    await start();
    await typeInBox('explain @src/a');
    expect(selected()).toBe('src/app.ts');
    key('ArrowDown');
    expect(selected()).toBe('src/api.ts');
    key('ArrowUp');
    expect(box().getAttribute('aria-activedescendant')).toBe(list().querySelector('[aria-selected="true"]')!.id);
    expect(key('Enter').defaultPrevented).toBe(true);
    expect(box().value).toBe('explain ');
    expect(list().hidden).toBe(true);
    expect(chipLabels()).toEqual(['src/app.ts']);
    await settle();
    expect(chips()[0]!.dataset.state).toBe('ready');
    expect(chips()[0]!.getAttribute('tabindex')).toBe('0');
    expect(chips()[0]!.querySelector('button')!.getAttribute('aria-label')).toBe('Remove src/app.ts');
    expect(sends()).toEqual([]);
    // Tab chooses too; Escape closes the list until the caret leaves that @word.
    await typeInBox('explain @pro');
    key('Tab');
    await settle();
    expect(chipLabels()).toEqual(['src/app.ts', '@problems']);
    await typeInBox('explain @');
    key('Escape');
    expect(list().hidden).toBe(true);
    await typeInBox('explain @s');
    expect(list().hidden).toBe(true);
  });

  it('sending carries the attachments; the message shows its chips; the box and chips are cleared', async () => {
    await start();
    await typeInBox('what is @src/app');
    key('Enter');
    await typeInBox('what is @pyt');
    key('Enter');
    await settle();
    await typeInBox('what is this?');
    key('Enter');
    await settle();
    expect(sends()).toEqual([
      {
        text: 'what is this?',
        sessionId: 9,
        attachments: [
          { kind: 'file', label: 'src/app.ts', path: 'src/app.ts', text: APP_TEXT },
          { kind: 'memory', label: 'memory: The user prefers pytest', text: 'The user prefers pytest' },
        ],
      },
    ]);
    expect(box().value).toBe('');
    expect(chips()).toEqual([]);
    const mine = document.querySelector<HTMLElement>('#messages .msg[data-role="user"]')!;
    expect(mine.querySelector('.msg-sources')!.textContent).toBe('Attached:src/app.tsmemory: The user prefers pytest');
  });

  it('a refused chip says why and keeps the message from going until it is removed (×, Delete, Backspace)', async () => {
    await start();
    await typeInBox('check @.env');
    key('Enter');
    await settle();
    const refused = chips()[0]!;
    expect(refused.dataset.state).toBe('error');
    expect(refused.textContent).toContain('matches your privacy globs');
    expect(refused.getAttribute('aria-label')).toContain('refused');
    await typeInBox('check this');
    key('Enter');
    await settle();
    expect(sends()).toEqual([]);
    expect(box().value).toBe('check this');
    expect(document.body.textContent).toContain('.env: .env matches your privacy globs');
    // × removes it; then the message goes without it.
    refused.querySelector<HTMLButtonElement>('.mention-chip-remove')!.click();
    expect(chips()).toEqual([]);
    // Delete on a focused chip, and Backspace at the start of an empty box, remove chips too.
    await typeInBox('@src/app');
    key('Enter');
    await typeInBox('@src/api');
    key('Enter');
    await typeInBox('@pro');
    key('Enter');
    expect(chipLabels()).toEqual(['src/app.ts', 'src/api.ts', '@problems']);
    key('Delete', chips()[1]!);
    expect(chipLabels()).toEqual(['src/app.ts', '@problems']);
    await typeInBox('');
    expect(key('Backspace').defaultPrevented).toBe(true);
    expect(chipLabels()).toEqual(['src/app.ts']);
    await typeInBox('x');
    expect(key('Backspace').defaultPrevented).toBe(false);
    expect(chipLabels()).toEqual(['src/app.ts']);
    await settle();
    await typeInBox('check this');
    key('Enter');
    await settle();
    expect(sends().map((s) => s.attachments?.map((a) => a.label))).toEqual([['src/app.ts']]);
  });

  it('Enter while a chip is still read sends nothing yet, then the message goes once', async () => {
    await start();
    host.hold = true;
    await typeInBox('@src/app');
    key('Enter');
    await settle();
    expect(chips()[0]!.dataset.state).toBe('reading');
    expect(chips()[0]!.textContent).toContain('reading…');
    await typeInBox('look');
    key('Enter');
    key('Enter');
    await settle();
    expect(sends()).toEqual([]);
    host.release();
    await settle();
    expect(sends().map((s) => [s.text, s.attachments?.map((a) => a.label)])).toEqual([['look', ['src/app.ts']]]);
  });

  it('a failed send gives back the text and the chips', async () => {
    await start();
    host.answers['chat.send'] = () => {
      throw { code: 'invalid_argument', message: 'The attachments hold too much.' };
    };
    await typeInBox('@src/app');
    key('Enter');
    await settle();
    await typeInBox('look');
    key('Enter');
    await settle(10);
    expect(sends()).toHaveLength(1);
    expect(box().value).toBe('look');
    expect(chipLabels()).toEqual(['src/app.ts']);
  });
});

describe("a reply's sources", () => {
  const SOURCES: SourceRef[] = [
    { kind: 'file', label: 'src/app.ts:12-40', path: 'src/app.ts', startLine: 12, endLine: 40 },
    { kind: 'codebase', label: '@codebase: not used (no index yet)' },
  ];
  async function replyWithSources(): Promise<HTMLElement> {
    await typeInBox('hi');
    key('Enter');
    await settle();
    // The companion stored both; the panel may read the chat again after the reply (then from here).
    const make = messageMaker(9, 1_700_000_000_000);
    stored = [
      { ...make(50, 'user', 'hi'), sources: [{ kind: 'file', label: 'src/app.ts', path: 'src/app.ts' }] },
      { ...make(51, 'assistant', 'See there.'), sources: SOURCES },
    ];
    host.emit({ type: 'reply.start', replyId: 'r1', sessionId: 9, userMessageId: 50, spontaneous: false });
    host.emit(replyEnd({ replyId: 'r1', sessionId: 9, messageId: 51, text: 'See there.', emotion: 'calm', sources: SOURCES }));
    await settle();
    await new Promise<void>((r) => requestAnimationFrame(() => r()));
    return document.querySelector<HTMLElement>('#messages .msg[data-role="assistant"] .msg-sources')!;
  }

  it('in VS Code: a link per source with a path opens it at its line through the host', async () => {
    await start();
    const sources = await replyWithSources();
    expect(sources.hidden).toBe(false);
    const links = [...sources.querySelectorAll<HTMLAnchorElement>('a.msg-source-link')];
    expect(links.map((a) => a.textContent)).toEqual(['src/app.ts:12-40']);
    expect(sources.textContent).toContain('@codebase: not used (no index yet)');
    links[0]!.click();
    expect(host.sent.filter((m) => m.type === 'ui.openSource')).toEqual([{ type: 'ui.openSource', path: 'src/app.ts', line: 12 }]);
    // After a reload the history shows them again, from the stored messages.
    await restartCompanion(host);
    await new Promise<void>((r) => requestAnimationFrame(() => r()));
    expect(document.querySelector('#messages .msg[data-message-id="50"] .msg-sources')!.textContent).toBe('Attached:src/app.ts');
    expect(document.querySelector('#messages .msg[data-message-id="51"] a.msg-source-link')!.textContent).toBe('src/app.ts:12-40');
  });

  it('in a browser: the same sources as plain text, and only memories and the codebase to mention', async () => {
    await start('browser');
    await typeInBox('@');
    expect(labels()).toEqual(['@codebase', 'memory: The user prefers pytest']);
    expect(host.sent.some((m) => m.type === 'ui.mentionQuery')).toBe(false);
    key('Enter');
    await settle();
    expect(chipLabels()).toEqual(['@codebase']);
    expect(chips()[0]!.dataset.state).toBe('ready');
    key('Backspace');
    const sources = await replyWithSources();
    expect(sources.querySelectorAll('a').length).toBe(0);
    expect(sources.textContent).toContain('src/app.ts:12-40');
  });
});
