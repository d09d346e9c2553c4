// @vitest-environment happy-dom
// A streaming reply is rendered incrementally: blocks that are complete stay the same DOM nodes
// as more text arrives (only the growing last block is rendered again), what is shown equals a
// full render of the text so far, and however many tokens come between two frames, the list
// renders once per frame with the newest text.
import { describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import { MarkdownStream, renderMarkdown } from '../webview/chat/markdown';
import { framedMessageList, streamingReply, tokens } from './helpers/webview-message-list';

const REPLY = [
  '# Plan',
  '',
  'First a paragraph with **bold**, `code` and a [link](https://example.com/a).',
  'It goes on over a second line.',
  '',
  '- one',
  '- two with *emphasis*',
  '',
  '1. first',
  '2. second',
  '',
  '```ts',
  'const x = 1;',
  '',
  'function f() { return x; }',
  '```',
  '',
  '> a quote',
  '> that goes on',
  '',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '',
  'Title',
  '=====',
  '',
  'The end, with <b>raw html</b> shown as text.',
].join('\n');

function fullRender(text: string): string {
  const el = document.createElement('div');
  renderMarkdown(el, text, { insert: true });
  return el.innerHTML;
}

describe('MarkdownStream', () => {
  it('shows what a full render shows after every token, and at the end', () => {
    const el = document.createElement('div');
    const stream = new MarkdownStream(el, { insert: true });
    let text = '';
    for (const t of tokens(REPLY)) {
      text += t;
      stream.render(text, false);
      expect(el.innerHTML, JSON.stringify(text.slice(-40))).toBe(fullRender(text));
    }
    stream.render(text, true);
    expect(el.innerHTML).toBe(fullRender(REPLY));
    expect(el.querySelector('h1')?.textContent).toBe('Plan');
    expect(el.querySelector('table td')?.textContent).toBe('1');
    expect(el.querySelector('h1 ~ h1')?.textContent).toBe('Title');
  });

  it('keeps the nodes of complete blocks while the reply grows', () => {
    const el = document.createElement('div');
    const stream = new MarkdownStream(el, { insert: true });
    const all = tokens(REPLY);
    let text = '';
    let i = 0;
    // Until the code block has started: heading, paragraph and both lists are complete.
    while (!text.includes('```ts\nconst')) {
      text += all[i++];
      stream.render(text, false);
    }
    const heading = el.querySelector('h1')!;
    const paragraph = el.querySelector('p')!;
    const lists = [...el.querySelectorAll('ul, ol')];
    const link = el.querySelector('a')!;
    expect(lists).toHaveLength(2);
    // The growing block is rendered again on each token: its node is replaced.
    const code = el.querySelector('.code-block')!;
    text += all[i++];
    stream.render(text, false);
    expect(el.querySelector('.code-block')).not.toBe(code);
    while (i < all.length) {
      text += all[i++];
      stream.render(text, false);
      expect(el.querySelector('h1')).toBe(heading);
    }
    stream.render(text, true);
    // The same objects, still in the element, at the end too.
    expect(el.querySelector('h1')).toBe(heading);
    expect(el.querySelector('p')).toBe(paragraph);
    expect([...el.querySelectorAll('ul, ol')].slice(0, 2)).toEqual(lists);
    expect(lists.every((l) => el.contains(l))).toBe(true);
    expect(el.querySelector('a')).toBe(link);
    expect(el.innerHTML).toBe(fullRender(REPLY));
  });

  it('renders anew when the text is replaced rather than extended', () => {
    const el = document.createElement('div');
    const stream = new MarkdownStream(el, { insert: false });
    stream.render('# One\n\nfirst text\n\nmore', false);
    stream.render('Something else\n\n- entirely', false);
    expect(el.innerHTML).toBe(fullRender('Something else\n\n- entirely').replace(/<button[^>]*data-code-action="insert"[^>]*>Insert<\/button>/g, ''));
    expect(el.querySelector('h1')).toBeNull();
    // A link definition at the end changes an earlier block: the final render has it.
    const text = 'See [the docs][d].\n\nMore text.\n\n[d]: https://example.com/docs';
    let shown = '';
    for (const t of tokens(text)) stream.render((shown += t), false);
    stream.render(shown, true);
    expect(el.innerHTML).toBe(fullRender(text));
    expect(el.querySelector('a')?.getAttribute('href')).toBe('https://example.com/docs');
  });
});

describe('MessageListView streaming', () => {
  const reply = streamingReply;

  it('renders many tokens between two frames once, with the newest text', () => {
    const { list, root, frames } = framedMessageList();
    list.sync([reply('')]);
    const body = root.querySelector<HTMLElement>('[data-role="assistant"] .msg-body')!;
    expect(body.querySelector('.typing')).not.toBeNull();
    const before = body.innerHTML;
    const all = tokens(REPLY);
    let text = '';
    for (const t of all) {
      text += t;
      list.update('r1', reply(text));
    }
    // One frame asked for, and nothing rendered before it comes.
    expect(frames).toHaveLength(1);
    expect(body.innerHTML).toBe(before);
    frames.shift()!();
    expect(body.innerHTML).toBe(fullRender(REPLY));
    const heading = body.querySelector('h1');
    // The end of the reply: another frame, the same heading node.
    list.update('r1', reply(text, 'complete'));
    list.update('r1', reply(text, 'complete'));
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(root.querySelector('[data-role="assistant"]')?.getAttribute('data-status')).toBe('complete');
    expect(body.querySelector('h1')).toBe(heading);
    expect(body.innerHTML).toBe(fullRender(REPLY));
    root.remove();
  });
});
