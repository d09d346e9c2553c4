// @vitest-environment happy-dom
// Character cards in the panel (issue 18), through the shared fake host as the extension drives
// it: the persona menu offers "Import character card…" and "Export as character card…" only where
// the host can open file dialogs (VS Code; not the browser UI), picking one asks the host to run
// it, an import done elsewhere ("charactersChanged") makes the menu read the list again, and a
// card's greeting shows with its {{char}} / {{user}} resolved. The extension's conflict question
// never offers to replace the built-in Alisa.
import { afterEach, describe, expect, it } from 'vitest';
import './helpers/happy-dom-fixes';
import { CARD_INLINE_MAX_BYTES, type Character, type UiAction } from '../protocol';
import { conflictQuestion } from '../extension/characters/card-conflict';
import { App } from '../webview/ui/app';
import { importCardInBrowser } from '../webview/ui/character-cards-browser';
import { FakeHost, READY_STATUS } from './helpers/fake-host';
import { mountPanelBody } from './helpers/panel';

const ALISA: Character = { id: 1, key: 'alisa', name: 'Alisa', systemPrompt: 'You are Alisa.', voice: null, avatar: null, builtin: true };
const MIKA: Character = {
  id: 2,
  key: 'mika',
  name: 'Mika',
  systemPrompt: '{{char}} helps {{user}}.',
  voice: null,
  avatar: null,
  builtin: false,
  greeting: 'Hi {{user}}, I am {{char}}.',
};

class CardHost extends FakeHost {
  characters: Character[] = [ALISA];
  activeId = 1;
  constructor(actions: UiAction[]) {
    super('vscode', { actions });
  }
  override answer(method: string, p: any): unknown {
    if (method === 'character.portrait') return p.characterId === 2 ? { mimeType: 'image/png', data: 'iVBORw0KGgo=' } : null;
    if (method === 'status.get') return { ...READY_STATUS, mode: 'teasing', characterId: this.activeId };
    if (method === 'session.list') return { sessions: [] };
    if (method === 'character.list') return { characters: this.characters, activeId: this.activeId };
    return undefined;
  }
}

const settle = async () => {
  for (let i = 0; i < 8; i++) await new Promise((r) => setTimeout(r, 0));
};
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const item = (key: string) => document.querySelector<HTMLButtonElement>(`#persona-menu [data-item="${key}"]`);

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

describe('character cards in the panel', () => {
  it('the menu offers import and export where the host has file dialogs, and asks the host to run them', async () => {
    const host = new CardHost(['importCharacterCard', 'exportCharacterCard']);
    await start(host);
    $<HTMLButtonElement>('#persona-button').click();
    expect(item('import-card')?.textContent).toContain('Import character card…');
    expect(item('export-card')?.textContent).toContain('Export as character card…');
    item('import-card')!.click();
    expect($('#persona-menu').hidden).toBe(true);
    $<HTMLButtonElement>('#persona-button').click();
    item('export-card')!.click();
    expect(host.sent.filter((m) => m.type === 'ui.action')).toEqual([
      { type: 'ui.action', action: 'importCharacterCard' },
      { type: 'ui.action', action: 'exportCharacterCard' },
    ]);
  });

  it('a VS Code host without the commands is offered neither', async () => {
    await start(new CardHost([]));
    $<HTMLButtonElement>('#persona-button').click();
    expect(item('new')).not.toBeNull();
    expect(item('import-card')).toBeNull();
    expect(item('export-card')).toBeNull();
  });

  it('the browser page imports with its own picker: the bytes inline, kept beside a namesake; too big is refused unsent', async () => {
    const host = new CardHost([]);
    host.kind = 'browser';
    const imports: any[] = [];
    host.answers['character.import'] = (p: any) => {
      imports.push(p);
      return { status: 'imported', character: MIKA, cardName: 'Mika' };
    };
    await start(host);
    $<HTMLButtonElement>('#persona-button').click();
    expect(item('import-card')).not.toBeNull();
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 250]);
    const picked = new File([bytes], 'mika.png', { type: 'image/png' });
    expect(await importCardInBrowser(host, document, async () => picked)).toEqual(MIKA);
    expect(imports).toEqual([{ data: Buffer.from(bytes).toString('base64'), onConflict: 'keepBoth' }]);

    const big = new File([new Uint8Array(CARD_INLINE_MAX_BYTES + 1)], 'big.png');
    await expect(importCardInBrowser(host, document, async () => big)).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/“big.png” is 181 kB; the browser page sends cards of up to 180 kB/),
      action: expect.stringMatching(/Import Character Card/),
    });
    expect(imports).toHaveLength(1);
    expect(await importCardInBrowser(host, document, async () => null)).toBeNull();
    expect(imports).toHaveLength(1);

    // Stored, but her image did not become her avatar: the page hears why.
    host.answers['character.import'] = () => ({
      status: 'imported',
      character: MIKA,
      cardName: 'Mika',
      warning: 'Her card’s image did not become her avatar: too wide.',
    });
    const warnings: string[] = [];
    expect(
      await importCardInBrowser(
        host,
        document,
        async () => picked,
        (w) => warnings.push(w),
      ),
    ).toEqual(MIKA);
    expect(warnings).toEqual(['Her card’s image did not become her avatar: too wide.']);
  });

  it('an import elsewhere reloads the list; a card greeting shows with its macros resolved', async () => {
    const host = new CardHost(['importCharacterCard', 'exportCharacterCard']);
    await start(host);
    host.characters = [ALISA, MIKA];
    host.activeId = 2;
    host.emit({ type: 'host.command', command: 'charactersChanged' });
    await settle();
    $<HTMLButtonElement>('#persona-button').click();
    expect(item('character-2')?.textContent).toBe('Mika');
    expect($('#persona-button').textContent).toContain('Mika');
    const greeting = document.querySelector('[data-greeting]');
    expect(greeting?.textContent).toBe('Mika: “Hi you, I am Mika.”');
  });

  it("her edit form shows where the card came from and the card's image", async () => {
    const host = new CardHost([]);
    const card = {
      spec: 'chara_card_v2' as const,
      ...{ description: 'd', personality: '', scenario: '', firstMessage: '', alternateGreetings: [], exampleDialogue: '', systemPrompt: '' },
      ...{ postHistoryInstructions: '', creatorNotes: '', tags: ['coding', 'friendly'], creator: 'tester', characterVersion: '1' },
    };
    host.characters = [ALISA, { ...MIKA, card, portrait: true }];
    host.activeId = 2;
    await start(host);
    $<HTMLButtonElement>('#persona-button').click();
    item('edit')!.click();
    await settle();
    const info = $('#character-panel .character-card-info');
    expect(info.hidden).toBe(false);
    expect(info.textContent).toContain('From a character card by tester (coding, friendly).');
    const img = $<HTMLImageElement>('#character-panel .character-portrait');
    expect(img.hidden).toBe(false);
    expect(img.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(img.alt).toBe("Mika's card image");
    expect(host.requests('character.portrait').map((r) => r.params)).toEqual([{ characterId: 2 }]);
  });

  it('the name-conflict question never offers to replace the built-in Alisa', () => {
    expect(conflictQuestion({ name: 'Alisa', builtin: true }, 'Alisa').buttons).toEqual(['Keep Both']);
    const q = conflictQuestion({ name: 'Mika', builtin: false }, 'mika');
    expect(q.buttons).toEqual(['Replace', 'Keep Both']);
    expect(q.message).toBe('A character named “Mika” already exists.');
  });
});
