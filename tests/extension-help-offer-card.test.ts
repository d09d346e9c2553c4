// @vitest-environment happy-dom
// The help offer card in the chat view: shown from a `help.offer` event with Explain / Fix /
// Not now; Explain and Not now answer the companion, Fix goes to the host (ui.fix).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { HelpOffer } from '../protocol';
import { App } from '../webview/ui/app';
import { FakeHost } from './helpers/fake-host';
import { mountPanelBody, settle } from './helpers/panel';

/** The shared fake host answering as the companion does here; `failRespond` makes help.respond fail. */
class OfferHost extends FakeHost {
  failRespond = false;
  override answer(method: string): unknown {
    if (method === 'help.respond') {
      if (this.failRespond) throw { code: 'internal', message: 'Nope.' };
      return { replyId: 'r9', sessionId: 7 };
    }
    if (method === 'session.list') return { sessions: [] };
    if (method === 'session.create')
      return { id: 8, title: 'New chat', characterId: null, createdAt: 1, updatedAt: 1, messageCount: 0, workspace: null, workspaceName: null };
    if (method === 'session.messages') return { messages: [] };
    return undefined;
  }
  responds() {
    return this.requests('help.respond').map((m) => m.params);
  }
}

const offer: HelpOffer = {
  type: 'help.offer',
  offerId: 'o1',
  text: 'That type error has been sitting there for a while. Want me to look?',
  emotion: 'teasing',
  target: {
    kind: 'diagnostic',
    path: 'src/app.ts',
    range: { start: { line: 11, character: 4 }, end: { line: 11, character: 9 } },
    message: "Type 'string' is not assignable to type 'number'.",
    code: '2322',
  },
};
const card = () => document.querySelector<HTMLElement>('.help-offer');
const button = (label: string) => [...card()!.querySelectorAll('button')].find((b) => b.textContent === label)!;
/** The offer comes, and the user clicks `label` on its card. */
async function offerAndClick(label: string) {
  host.emit(offer);
  button(label).click();
  await settle();
}

let host: OfferHost;
async function start(kind: 'vscode' | 'browser' = 'vscode') {
  mountPanelBody();
  host = new OfferHost(kind);
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.ready();
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

  it.each([
    ['Explain asks the companion and removes the card', 'Explain', 'explain'],
    ['Not now dismisses it', 'Not now', 'dismiss'],
  ])('%s', async (_name, label, response) => {
    await offerAndClick(label);
    expect(host.responds()).toEqual([{ offerId: 'o1', response }]);
    expect(card()).toBeNull();
  });

  it('Fix goes to the host in VS Code (no help.respond)', async () => {
    await offerAndClick('Fix');
    expect(host.sent).toContainEqual({ type: 'ui.fix', offerId: 'o1', target: offer.target });
    expect(host.responds()).toEqual([]);
    expect(card()).toBeNull();
  });

  it('Fix in the browser asks the companion', async () => {
    document.body.innerHTML = '';
    await start('browser');
    await offerAndClick('Fix');
    expect(host.responds()).toEqual([{ offerId: 'o1', response: 'fix' }]);
  });

  it('keeps the card (buttons enabled) when the answer fails', async () => {
    host.failRespond = true;
    await offerAndClick('Explain');
    expect(card()).not.toBeNull();
    expect(button('Explain').disabled).toBe(false);
    expect(document.querySelector('#alerts')!.textContent).toContain('Nope.');
  });

  it('shows one offer at a time, the newest; clears offers when the connection drops', () => {
    host.emit(offer);
    host.emit({ ...offer, offerId: 'o2', text: 'Still there, you know.' });
    expect(document.querySelectorAll('.help-offer')).toHaveLength(1);
    expect(card()!.dataset.offerId).toBe('o2');
    // Another problem: its offer takes the place of the older one (never two cards).
    host.emit({ ...offer, offerId: 'o3', target: { ...offer.target, message: 'Another one.' } });
    expect(document.querySelectorAll('.help-offer')).toHaveLength(1);
    expect(card()!.dataset.offerId).toBe('o3');
    host.emit({ type: 'host.state', host: 'vscode', connection: 'restarting', message: null, error: null, modelConfigured: true, actions: [] });
    expect(document.querySelectorAll('.help-offer')).toHaveLength(0);
  });

  it('drops the card when the companion withdraws the offer (the error is gone), and on a new chat', async () => {
    host.emit(offer);
    // A retraction of another offer changes nothing.
    host.emit({ type: 'help.retract', offerId: 'other', reason: 'resolved' });
    expect(card()!.dataset.offerId).toBe('o1');
    host.emit({ type: 'help.retract', offerId: 'o1', reason: 'resolved' });
    expect(card()).toBeNull();
    host.emit({ ...offer, offerId: 'o4' });
    expect(card()!.dataset.offerId).toBe('o4');
    // VS Code's "+" in the view title (New Chat Session) tells the page so.
    host.emit({ type: 'host.command', command: 'newSession' });
    await settle();
    expect(card()).toBeNull();
  });
});
