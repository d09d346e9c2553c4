// @vitest-environment happy-dom
// The panel's chrome in a DOM, driven through the shared fake host as the extension drives it:
// the one "Mode · Character" button and its menu (keyboard included), the character form's
// create / edit / delete flows against a companion that keeps a character table and refuses as
// the real one does (`forbidden` for the built-in character), the avatar toggle remembered across
// a reload of the view, and what VS Code's view title makes redundant (heading, "New chat").
import { afterEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import type { Character, ErrorInfo, Mode } from '../protocol';
import { App } from '../webview/ui/app';
import { FakeHost, READY_STATUS } from './helpers/fake-host';
import { mountPanelBody } from './helpers/panel';

const now = 1_700_000_000_000;
const ALISA: Character = { id: 1, key: 'alisa', name: 'Alisa', systemPrompt: 'You are Alisa.', voice: 'en-US-AnaNeural', avatar: null, builtin: true };

/** A companion with a character table: creates, updates, deletes and selects as the real one. */
class PersonaHost extends FakeHost {
  characters: Character[] = [{ ...ALISA }];
  activeId = 1;
  mode: Mode = 'teasing';
  /** Makes the next request of this method fail with this error. */
  refuse: Partial<Record<string, ErrorInfo>> = {};
  override answer(method: string, p: any): unknown {
    const refusal = this.refuse[method];
    if (refusal) {
      delete this.refuse[method];
      throw refusal;
    }
    switch (method) {
      case 'status.get':
        return { ...READY_STATUS, mode: this.mode, characterId: this.activeId };
      case 'session.list':
        return { sessions: [] };
      case 'mode.set':
        this.mode = p.mode;
        return { mode: p.mode };
      case 'character.list':
        return { characters: this.characters, activeId: this.activeId };
      case 'character.create': {
        const c: Character = {
          id: 10 + this.characters.length,
          key: p.name.toLowerCase(),
          name: p.name,
          systemPrompt: p.systemPrompt,
          voice: p.voice ?? null,
          avatar: null,
          builtin: false,
          greeting: p.greeting ?? null,
        };
        this.characters.push(c);
        return c;
      }
      case 'character.update': {
        const c = this.characters.find((x) => x.id === p.characterId)!;
        for (const k of ['name', 'systemPrompt', 'voice', 'greeting'] as const) if (k in p) Object.assign(c, { [k]: p[k] });
        return c;
      }
      case 'character.delete': {
        const c = this.characters.find((x) => x.id === p.characterId);
        if (c?.builtin)
          throw {
            code: 'forbidden',
            message: 'The default character cannot be deleted.',
            action: 'Edit it instead, or create a new character.',
          } satisfies ErrorInfo;
        this.characters = this.characters.filter((x) => x.id !== p.characterId);
        if (this.activeId === p.characterId) this.activeId = 1;
        return { ok: true };
      }
      case 'character.select':
        this.activeId = p.characterId;
        return { activeId: p.characterId };
    }
    return undefined;
  }
}

const settle = async () => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setTimeout(r, 0));
};
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const button = () => $<HTMLButtonElement>('#persona-button');
const menu = () => $('#persona-menu');
const item = (key: string) => $<HTMLButtonElement>(`#persona-menu [data-item="${key}"]`);
const panel = () => $('#character-panel');
const field = (name: string) => $<HTMLInputElement | HTMLTextAreaElement>(`#character-panel [name="${name}"]`);
const formButton = (text: string) => [...panel().querySelectorAll('button')].find((b) => b.textContent === text)!;
const key = (target: Element, k: string) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
const type = (el: HTMLInputElement | HTMLTextAreaElement, v: string) => {
  el.value = v;
  el.dispatchEvent(new Event('input', { bubbles: true }));
};
const submit = () => $<HTMLFormElement>('#character-panel form').dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));

async function start(host: FakeHost): Promise<App> {
  mountPanelBody();
  const app = new App(host, $('#app'));
  host.ready();
  await settle();
  return app;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the persona menu', () => {
  it('is one button "Mode · Character"; the menu has both choices and works from the keyboard', async () => {
    const host = new PersonaHost();
    await start(host);
    expect(document.querySelectorAll('select[aria-label="Mode"], select[aria-label="Character"]')).toHaveLength(0);
    expect(button().textContent).toContain('Teasing · Alisa');
    expect(button().getAttribute('aria-haspopup')).toBe('menu');
    expect(menu().hidden).toBe(true);

    button().click();
    expect(menu().hidden).toBe(false);
    expect(button().getAttribute('aria-expanded')).toBe('true');
    expect(menu().getAttribute('role')).toBe('menu');
    // The current mode has the focus; the arrows move, wrapping; Home and End jump.
    expect(document.activeElement).toBe(item('mode-teasing'));
    expect(item('mode-teasing').getAttribute('aria-checked')).toBe('true');
    key(document.activeElement!, 'ArrowDown');
    expect(document.activeElement).toBe(item('mode-serious'));
    key(document.activeElement!, 'End');
    expect(document.activeElement).toBe(item('new'));
    key(document.activeElement!, 'ArrowDown');
    expect(document.activeElement).toBe(item('mode-teasing'));
    key(document.activeElement!, 'ArrowUp');
    expect(document.activeElement).toBe(item('new'));
    // Escape closes it and gives the focus back to the button.
    key(document.activeElement!, 'Escape');
    expect(menu().hidden).toBe(true);
    expect(button().getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button());

    // ArrowDown on the button opens it at the first item; a mode is a request, the label follows the answer.
    key(button(), 'ArrowDown');
    expect(menu().hidden).toBe(false);
    expect(document.activeElement).toBe(item('mode-teasing'));
    item('mode-calm').click();
    expect(menu().hidden).toBe(true);
    expect(host.requests('mode.set').map((r) => r.params)).toEqual([{ mode: 'calm' }]);
    await settle();
    expect(button().textContent).toContain('Calm · Alisa');
  });

  it('closes on a click elsewhere', async () => {
    await start(new PersonaHost());
    button().click();
    $('#messages').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(menu().hidden).toBe(true);
  });

  it('with one character is never a dead control: the menu offers to edit her and to make another', async () => {
    await start(new PersonaHost());
    expect(button().disabled).toBe(false);
    button().click();
    const texts = [...menu().querySelectorAll('[role^="menuitem"]')].map((b) => b.querySelector('.menu-item-text')!.textContent);
    expect(texts).toEqual(['Teasing', 'Serious', 'Calm', 'Alisa', 'Edit “Alisa”…', 'New character…']);
  });

  it('shows a refused mode change as a notice and keeps the mode the companion has', async () => {
    const host = new PersonaHost();
    await start(host);
    host.refuse['mode.set'] = { code: 'internal', message: 'The mode could not be saved.', action: 'Try again.' };
    button().click();
    item('mode-serious').click();
    await settle();
    expect(button().textContent).toContain('Teasing · Alisa');
    expect(document.body.textContent).toContain('The mode could not be saved.');
  });
});

describe('the character form', () => {
  it('creates a character: checks the fields, saves, selects her, and the menu lists her', async () => {
    const host = new PersonaHost();
    await start(host);
    button().click();
    item('new').click();
    expect(panel().hidden).toBe(false);
    expect(menu().hidden).toBe(true);
    expect(panel().textContent).toContain('New character');
    expect(document.activeElement).toBe(field('name'));
    // The label names each field; nothing to save without a name and a persona.
    expect($(`label[for="${field('systemPrompt').id}"]`).textContent).toBe('Persona');
    submit();
    expect($('#character-panel [role="alert"]').textContent).toBe('Give the character a name.');
    type(field('name'), '  Mika ');
    submit();
    expect($('#character-panel [role="alert"]').textContent).toContain('persona');
    expect(host.requests('character.create')).toHaveLength(0);

    type(field('systemPrompt'), 'You are Mika, cheerful.');
    type(field('voice'), 'en-GB-SoniaNeural');
    type(field('greeting'), ' Hi! What are we building today? ');
    expect($('.empty-chat').textContent).toContain('Say hello to Alisa.');
    submit();
    expect(formButton('Saving…').disabled).toBe(true);
    await settle();
    expect(host.requests('character.create').map((r) => r.params)).toEqual([
      { name: 'Mika', systemPrompt: 'You are Mika, cheerful.', voice: 'en-GB-SoniaNeural', greeting: 'Hi! What are we building today?' },
    ]);
    expect(host.requests('character.select').map((r) => r.params)).toEqual([{ characterId: 11 }]);
    expect(panel().hidden).toBe(true);
    expect(document.activeElement).toBe(button());
    expect(button().textContent).toContain('Teasing · Mika');
    // Her greeting is what an empty chat says now.
    expect($('.empty-chat').textContent).toBe('Mika: “Hi! What are we building today?”');
    button().click();
    expect(item('character-11').getAttribute('aria-checked')).toBe('true');
    expect(item('character-1').getAttribute('aria-checked')).toBe('false');
    // Picking Alisa again goes to the companion.
    item('character-1').click();
    await settle();
    expect(host.requests('character.select').at(-1)!.params).toEqual({ characterId: 1 });
    expect(button().textContent).toContain('Teasing · Alisa');
    expect($('.empty-chat').textContent).toContain('Say hello to Alisa.');
  });

  it('edits the active character: sends only what changed; Escape cancels', async () => {
    const host = new PersonaHost();
    host.characters.push({ id: 5, key: 'mika', name: 'Mika', systemPrompt: 'Old.', voice: null, avatar: null, builtin: false, greeting: 'Hey.' });
    host.activeId = 5;
    await start(host);
    expect($('.empty-chat').textContent).toBe('Mika: “Hey.”');
    button().click();
    item('edit').click();
    expect(panel().textContent).toContain('Edit “Mika”');
    expect(field('name').value).toBe('Mika');
    expect(field('systemPrompt').value).toBe('Old.');
    expect(field('greeting').value).toBe('Hey.');
    key(field('name'), 'Escape');
    expect(panel().hidden).toBe(true);
    expect(host.requests('character.update')).toHaveLength(0);

    button().click();
    item('edit').click();
    type(field('systemPrompt'), 'New persona.');
    submit();
    await settle();
    expect(host.requests('character.update').map((r) => r.params)).toEqual([{ characterId: 5, systemPrompt: 'New persona.' }]);
    expect(panel().hidden).toBe(true);
    expect(host.characters.find((c) => c.id === 5)!.systemPrompt).toBe('New persona.');

    // Emptying the greeting clears it (null), and the empty chat invites a hello again.
    button().click();
    item('edit').click();
    type(field('greeting'), '');
    submit();
    await settle();
    expect(host.requests('character.update').at(-1)!.params).toEqual({ characterId: 5, greeting: null });
    expect($('.empty-chat').textContent).toBe('Say hello to Mika.');
  });

  it('deletes after an inline "Delete? Yes / No"; No keeps her', async () => {
    const host = new PersonaHost();
    host.characters.push({ id: 5, key: 'mika', name: 'Mika', systemPrompt: 'p', voice: null, avatar: null, builtin: false });
    host.activeId = 5;
    await start(host);
    button().click();
    item('edit').click();
    formButton('Delete…').click();
    const confirm = $('#character-panel [role="group"][aria-label="Delete character"]');
    expect(confirm.hidden).toBe(false);
    expect(confirm.textContent).toContain('Delete “Mika”?');
    expect(document.activeElement!.textContent).toBe('Yes, delete');
    formButton('No').click();
    expect(confirm.hidden).toBe(true);
    expect(host.requests('character.delete')).toHaveLength(0);

    formButton('Delete…').click();
    formButton('Yes, delete').click();
    await settle();
    expect(host.requests('character.delete').map((r) => r.params)).toEqual([{ characterId: 5 }]);
    expect(panel().hidden).toBe(true);
    // The companion went back to the default character; the menu lists only her.
    expect(button().textContent).toContain('Teasing · Alisa');
    button().click();
    expect(menu().querySelector('[data-item="character-5"]')).toBeNull();
  });

  it('offers no Delete for the built-in character, and shows a refused delete or save in the form', async () => {
    const host = new PersonaHost();
    host.characters.push({ id: 5, key: 'mika', name: 'Mika', systemPrompt: 'p', voice: null, avatar: null, builtin: false });
    await start(host);
    button().click();
    item('edit').click();
    expect(panel().textContent).toContain('Edit “Alisa”');
    expect(formButton('Delete…').hidden).toBe(true);
    expect(panel().textContent).toContain('Alisa is built in: rename her, change her voice or greeting; she cannot be deleted');
    // Her persona is renewed by the companion at each start: not editable here.
    expect(field('systemPrompt').readOnly).toBe(true);
    expect(field('voice').value).toBe('en-US-AnaNeural');

    // A save the companion refuses: its words in the form, the input kept, the form open.
    host.refuse['character.update'] = { code: 'invalid_argument', message: 'The voice contains control characters', action: 'Remove them.' };
    type(field('voice'), 'en-US-Odd');
    submit();
    await settle();
    expect(host.requests('character.update').map((r) => r.params)).toEqual([{ characterId: 1, voice: 'en-US-Odd' }]);
    expect($('#character-panel [role="alert"]').textContent).toBe('The voice contains control characters. Remove them.');
    expect(panel().hidden).toBe(false);
    expect(field('voice').value).toBe('en-US-Odd');
    expect(formButton('Save').disabled).toBe(false);
    formButton('Cancel').click();

    // Should the companion refuse a delete (the character became built in), the form says why.
    host.characters[1]!.builtin = true;
    host.activeId = 5;
    host.emit({ type: 'status', status: { ...READY_STATUS, characterId: 5 } });
    button().click();
    item('edit').click();
    formButton('Delete…').click();
    formButton('Yes, delete').click();
    await settle();
    expect($('#character-panel [role="alert"]').textContent).toBe('The default character cannot be deleted. Edit it instead, or create a new character.');
    expect(panel().hidden).toBe(false);
    expect(host.characters.some((c) => c.id === 5)).toBe(true);
  });
});

describe('the avatar toggle and the chrome', () => {
  it('remembers a hidden avatar across a reload of the view', async () => {
    const host = new PersonaHost();
    await start(host);
    const toggle = () => $<HTMLButtonElement>('#avatar-toggle');
    expect($('#stage').hidden).toBe(false);
    expect(toggle().getAttribute('aria-label')).toBe('Hide avatar');
    toggle().click();
    expect($('#stage').hidden).toBe(true);
    expect($('#avatar').dataset.motion).not.toBe('full');
    expect(toggle().getAttribute('aria-expanded')).toBe('false');
    // Written at once, not on the next timer: the view may be gone right after the click.
    expect((host.state as { avatarHidden: boolean }).avatarHidden).toBe(true);

    // The view reloads (VS Code keeps the state): a new page on the same host state.
    const again = new PersonaHost('vscode', { state: host.state });
    await start(again);
    expect($('#stage').hidden).toBe(true);
    expect(toggle().getAttribute('aria-label')).toBe('Show avatar');
    toggle().click();
    expect($('#stage').hidden).toBe(false);
    expect((again.state as { avatarHidden: boolean }).avatarHidden).toBe(false);
  });

  it('in VS Code shows no heading and no page "New chat" (the view title has both); a browser tab has them', async () => {
    await start(new PersonaHost('vscode'));
    expect(document.querySelector('h1')).toBeNull();
    expect(document.querySelectorAll('button[aria-label="New chat"]')).toHaveLength(0);

    const browser = new PersonaHost('browser');
    browser.answers['session.create'] = () => ({
      id: 9,
      title: '',
      characterId: 1,
      createdAt: now,
      updatedAt: now,
      messageCount: 0,
      workspace: null,
      workspaceName: null,
    });
    await start(browser);
    expect($('h1').textContent).toBe('Alisa');
    const newChat = document.querySelectorAll<HTMLButtonElement>('button[aria-label="New chat"]');
    expect(newChat).toHaveLength(1);
    newChat[0]!.click();
    await settle();
    expect(browser.requests('session.create')).toHaveLength(1);
  });
});
