// @vitest-environment happy-dom
// The help offer card in the chat view: shown from a `help.offer` event with Explain / Fix /
// Not now; Explain and Not now answer the companion, Fix goes to the host (ui.fix).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { CompanionMessage, HelpOffer, HostToWebview, WebviewToHost } from '../protocol';
import type { Host } from '../webview/host/host';
import { renderWebviewHtml } from '../common/webview-html';
import { App } from '../webview/ui/app';

class FakeHost implements Host {
  kind: 'vscode' | 'browser' = 'vscode';
  sent: WebviewToHost[] = [];
  failRespond = false;
  private listeners: Array<(m: HostToWebview) => void> = [];
  private state: unknown;
  send(msg: WebviewToHost): void {
    this.sent.push(msg);
    if (msg.type !== 'request') return;
    let reply: CompanionMessage;
    if (msg.method === 'help.respond' && this.failRespond) reply = { type: 'error', id: msg.id, error: { code: 'internal', message: 'Nope.' } };
    else if (msg.method === 'help.respond') reply = { type: 'response', id: msg.id, result: { replyId: 'r9', sessionId: 7 } };
    else if (msg.method === 'session.list') reply = { type: 'response', id: msg.id, result: { sessions: [] } };
    else reply = { type: 'error', id: msg.id, error: { code: 'unknown_method', message: 'no' } };
    queueMicrotask(() => this.emit(reply));
  }
  onMessage(cb: (m: HostToWebview) => void): void {
    this.listeners.push(cb);
  }
  getState<T>(): T | undefined {
    return this.state as T | undefined;
  }
  setState<T>(s: T): void {
    this.state = s;
  }
  emit(m: HostToWebview): void {
    for (const l of this.listeners) l(m);
  }
  responds() {
    return this.sent.filter((m) => m.type === 'request' && m.method === 'help.respond').map((m) => (m as { params: unknown }).params);
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};
const offer: HelpOffer = {
  type: 'help.offer',
  offerId: 'o1',
  text: 'That type error has been sitting there for a while. Want me to look?',
  emotion: 'teasing',
  target: { kind: 'diagnostic', path: 'src/app.ts', range: { start: { line: 11, character: 4 }, end: { line: 11, character: 9 } }, message: "Type 'string' is not assignable to type 'number'.", code: '2322' },
};
const card = () => document.querySelector<HTMLElement>('.help-offer');
const button = (label: string) => [...card()!.querySelectorAll('button')].find((b) => b.textContent === label)!;

let host: FakeHost;
async function start(kind: 'vscode' | 'browser' = 'vscode') {
  const html = renderWebviewHtml({
    scriptUri: 'webview.js',
    styleUri: 'webview-style.css',
    cspSource: "'self'",
    nonce: 'dGVzdG5vbmNlMTIz',
    avatarSvg: readFileSync(path.join(__dirname, '..', 'media', 'avatar.svg'), 'utf8'),
  });
  document.body.innerHTML = /<body>([\s\S]*)<script/.exec(html)![1]!;
  host = new FakeHost();
  host.kind = kind;
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.emit({ type: 'host.state', host: kind, connection: 'ready', message: null, error: null, modelConfigured: true, actions: [] });
  await settle();
}

beforeEach(() => start());
afterEach(() => {
  document.body.innerHTML = '';
});

describe('help offer card', () => {
  it('shows the offer in her words, where it is, with three buttons, and her face', () => {
    host.emit(offer);
    const c = card()!;
    expect(c.getAttribute('role')).toBe('group');
    expect(c.getAttribute('aria-label')).toBe('Alisa offers help');
    expect(c.closest('#messages')).not.toBeNull();
    expect(c.textContent).toContain(offer.text);
    expect(c.textContent).toContain('src/app.ts:12');
    expect([...c.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Explain', 'Fix', 'Not now']);
    expect(document.querySelector<HTMLElement>('#avatar')!.dataset.emotion).toBe('teasing');
  });

  it('Explain asks the companion and removes the card', async () => {
    host.emit(offer);
    button('Explain').click();
    await settle();
    expect(host.responds()).toEqual([{ offerId: 'o1', response: 'explain' }]);
    expect(card()).toBeNull();
  });

  it('Not now dismisses it', async () => {
    host.emit(offer);
    button('Not now').click();
    await settle();
    expect(host.responds()).toEqual([{ offerId: 'o1', response: 'dismiss' }]);
    expect(card()).toBeNull();
  });

  it('Fix goes to the host in VS Code (no help.respond)', async () => {
    host.emit(offer);
    button('Fix').click();
    await settle();
    expect(host.sent).toContainEqual({ type: 'ui.fix', offerId: 'o1', target: offer.target });
    expect(host.responds()).toEqual([]);
    expect(card()).toBeNull();
  });

  it('Fix in the browser asks the companion', async () => {
    document.body.innerHTML = '';
    await start('browser');
    host.emit(offer);
    button('Fix').click();
    await settle();
    expect(host.responds()).toEqual([{ offerId: 'o1', response: 'fix' }]);
  });

  it('keeps the card (buttons enabled) when the answer fails', async () => {
    host.failRespond = true;
    host.emit(offer);
    button('Explain').click();
    await settle();
    expect(card()).not.toBeNull();
    expect(button('Explain').disabled).toBe(false);
    expect(document.querySelector('#alerts')!.textContent).toContain('Nope.');
  });

  it('replaces an older offer for the same problem, and clears offers when the connection drops', () => {
    host.emit(offer);
    host.emit({ ...offer, offerId: 'o2', text: 'Still there, you know.' });
    expect(document.querySelectorAll('.help-offer')).toHaveLength(1);
    expect(card()!.dataset.offerId).toBe('o2');
    host.emit({ ...offer, offerId: 'o3', target: { ...offer.target, message: 'Another one.' } });
    expect(document.querySelectorAll('.help-offer')).toHaveLength(2);
    host.emit({ type: 'host.state', host: 'vscode', connection: 'restarting', message: null, error: null, modelConfigured: true, actions: [] });
    expect(document.querySelectorAll('.help-offer')).toHaveLength(0);
  });
});
