// @vitest-environment happy-dom
// The panel's one-time question before her first recap after a break (issue 17): shown on
// `recap.ask` with Yes / No; the answer goes to the companion as recap.consent (in VS Code the host
// saves it as the setting); a failed answer keeps the card so the user can try again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import { App } from '../webview/ui/app';
import { FakeHost } from './helpers/fake-host';
import { mountPanelBody, settle } from './helpers/panel';

class RecapHost extends FakeHost {
  fail = false;
  override answer(method: string): unknown {
    if (method === 'recap.consent') {
      if (this.fail) throw { code: 'internal', message: 'No companion.' };
      return { mode: 'on', recapped: true };
    }
    if (method === 'session.list') return { sessions: [] };
    if (method === 'session.messages') return { messages: [] };
    return undefined;
  }
}

const card = () => document.querySelector<HTMLElement>('.recap-consent');
const button = (label: string) => [...card()!.querySelectorAll('button')].find((b) => b.textContent === label)!;

let host: RecapHost;
beforeEach(async () => {
  mountPanelBody();
  host = new RecapHost('vscode');
  new App(host, document.querySelector<HTMLElement>('#app')!);
  host.ready();
  await settle();
});
afterEach(() => {
  document.body.innerHTML = '';
});

describe('recap consent card', () => {
  it('asks once, in the conversation, with Yes and No', () => {
    expect(card()).toBeNull();
    host.emit({ type: 'recap.ask' });
    host.emit({ type: 'recap.ask' });
    expect(document.querySelectorAll('.recap-consent')).toHaveLength(1);
    expect(card()!.closest('#messages')).not.toBeNull();
    expect(card()!.textContent).toContain('Recap what you were doing when you come back?');
    expect([...card()!.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Yes', 'No']);
  });

  it.each([
    ['Yes', true],
    ['No', false],
  ])('%s answers the companion and removes the card', async (label, allow) => {
    host.emit({ type: 'recap.ask' });
    button(label).click();
    await settle();
    expect(host.requests('recap.consent').map((m) => m.params)).toEqual([{ allow }]);
    expect(card()).toBeNull();
  });

  it('keeps the card (buttons enabled) when the answer fails', async () => {
    host.fail = true;
    host.emit({ type: 'recap.ask' });
    button('Yes').click();
    await settle();
    expect(card()).not.toBeNull();
    expect(button('Yes').disabled).toBe(false);
    expect(document.querySelector('#alerts')!.textContent).toContain('No companion.');
  });
});
