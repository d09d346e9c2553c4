// Mode (teasing / serious / calm) and character: one compact button ("Teasing · Alisa") opening
// a menu with both choices, then "Edit “Alisa”…" and "New character…", which open the inline
// character form (character-form-view.ts), and where the host has file dialogs (VS Code) "Import
// character card…" and "Export as character card…" (the host's commands run them). One button, not two pickers: the header stays one row
// at the sidebar's 300 px, and with a single character the menu still offers to make another
// (never a disabled picker with one entry).
//
// The menu follows the WAI-ARIA menu button pattern: Enter, Space or the arrows open it and focus
// the current mode; the arrows, Home and End move; Escape closes it and gives the focus back to
// the button; Tab or a click elsewhere closes it. Items are buttons (Enter and Space click them).
//
// What it shows is what the companion says is active: a choice is sent as a request and the
// button follows the answer or the next event. Creating a character selects her; every change
// re-reads the list (the companion picks the default again when the active one is deleted).
import { MODES, type Character, type Mode, type Params, type Result } from '../../protocol';
import { request, type Host } from '../host/host';
import { CharacterFormView, type CharacterDraft } from './character-form-view';
import { el } from './dom';

/** The companion's character methods, as the view uses them (a test may pass its own). */
export interface CharacterApi {
  list(): Promise<Result<'character.list'>>;
  create(p: Params<'character.create'>): Promise<Character>;
  update(p: Params<'character.update'>): Promise<Character>;
  remove(characterId: number): Promise<unknown>;
  select(characterId: number): Promise<Result<'character.select'>>;
  /** Her card's image (optional: a test's api may leave it out). */
  portrait?(characterId: number): Promise<Result<'character.portrait'>>;
}

export function characterApi(host: Host): CharacterApi {
  return {
    list: () => request(host, 'character.list', {}),
    create: (p) => request(host, 'character.create', p),
    update: (p) => request(host, 'character.update', p),
    remove: (characterId) => request(host, 'character.delete', { characterId }),
    select: (characterId) => request(host, 'character.select', { characterId }),
    portrait: (characterId) => request(host, 'character.portrait', { characterId }),
  };
}

interface PersonaOptions {
  onMode: (mode: Mode) => void;
  onCharacter: (characterId: number) => void;
  api: CharacterApi;
  /** Where the character form goes (hidden while closed). */
  panel: HTMLElement;
  /** The characters or the active one changed through the form (names shown elsewhere follow). */
  onChanged?: () => void;
  /**
   * Character cards (issue 18): the host imports and exports them with its file dialogs. Absent, or
   * answering false (the browser UI), the menu offers neither.
   */
  cards?: { available: () => boolean; run: (action: 'importCharacterCard' | 'exportCharacterCard') => void };
}

export const MODE_LABELS: Record<Mode, string> = { teasing: 'Teasing', serious: 'Serious', calm: 'Calm' };
const MODE_HINTS: Record<Mode, string> = {
  teasing: 'Playful, teases you a little',
  serious: 'Direct and focused, no teasing',
  calm: 'Soft-spoken and reassuring',
};

export class PersonaView {
  private characters: Character[] = [];
  private activeId: number | null = null;
  private mode: Mode | null = null;
  private readonly form: CharacterFormView;
  private readonly onOutside = (ev: Event) => {
    const t = ev.target as Node | null;
    if (t && !this.menu.contains(t) && !this.button.contains(t)) this.closeMenu(false);
  };

  constructor(
    private readonly button: HTMLButtonElement,
    private readonly menu: HTMLElement,
    private readonly opts: PersonaOptions,
  ) {
    this.form = new CharacterFormView(opts.panel, {
      save: (draft, editing) => this.save(draft, editing),
      remove: (c) => this.remove(c),
      onClose: () => this.button.focus(),
      portrait: async (c) => {
        const r = await opts.api.portrait?.(c.id);
        return r ? `data:${r.mimeType};base64,${r.data}` : null;
      },
    });
    button.addEventListener('click', () => (this.isOpen ? this.closeMenu(true) : this.openMenu('current')));
    button.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
      ev.preventDefault();
      this.openMenu(ev.key === 'ArrowDown' ? 'first' : 'last');
    });
    menu.addEventListener('keydown', (ev) => this.onMenuKey(ev));
    this.render();
  }

  get isOpen(): boolean {
    return !this.menu.hidden;
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    this.render();
  }

  /** Shows the companion's values again (after a refused change). */
  revert(): void {
    this.render();
  }

  setCharacters(characters: readonly Character[], activeId: number): void {
    this.characters = [...characters];
    this.activeId = activeId;
    this.render();
  }

  setActiveCharacter(id: number): void {
    this.activeId = id;
    this.render();
  }

  /** The active character's name, for labels ("Alisa is typing"). */
  activeName(): string {
    return this.active()?.name ?? 'Alisa';
  }

  /** The active character's greeting (her first line in an empty chat), if she has one. */
  activeGreeting(): string | null {
    return this.active()?.greeting?.trim() || null;
  }

  /** Opens the character form: for `characterId`, or empty for a new character. */
  editCharacter(characterId: number | null): void {
    this.closeMenu(false);
    this.form.open(characterId === null ? null : (this.characters.find((c) => c.id === characterId) ?? null));
  }

  private active(): Character | undefined {
    return this.characters.find((c) => c.id === this.activeId);
  }

  private render(): void {
    const name = this.active()?.name;
    const label = [this.mode ? MODE_LABELS[this.mode] : null, name].filter(Boolean).join(' · ');
    this.button.replaceChildren(
      el('span', { class: 'persona-label', text: label || 'Mode' }),
      el('span', { class: 'persona-chevron', 'aria-hidden': 'true', text: '▾' }),
    );
    this.button.title = 'Mode and character';
    // Until the companion has said which mode is on, there is nothing true to show.
    this.button.disabled = this.mode === null;
    if (this.button.disabled) this.closeMenu(false);
    const focused = this.menu.contains(this.menu.ownerDocument.activeElement) ? (this.menu.ownerDocument.activeElement as HTMLElement).dataset.item : undefined;
    this.menu.replaceChildren(...this.menuItems());
    if (focused) this.menu.querySelector<HTMLElement>(`[data-item="${focused}"]`)?.focus();
  }

  private menuItems(): HTMLElement[] {
    const item = (role: string, key: string, text: string, onPick: () => void, checked?: boolean, hint?: string) => {
      const b = el('button', { type: 'button', class: 'menu-item', role, tabindex: -1, 'data-item': key }, el('span', { class: 'menu-item-text', text }));
      if (checked !== undefined) b.setAttribute('aria-checked', String(checked));
      if (hint) {
        const id = `persona-hint-${key.replace(/[^a-z0-9-]/gi, '-')}`;
        b.append(el('span', { class: 'menu-item-hint', id, text: hint }));
        b.setAttribute('aria-describedby', id);
      }
      b.addEventListener('click', onPick);
      return b;
    };
    const group = (label: string, id: string, items: HTMLElement[]) =>
      el(
        'div',
        { role: 'group', 'aria-labelledby': id, class: 'menu-group' },
        el('div', { class: 'menu-heading', id, role: 'presentation', text: label }),
        ...items,
      );
    const modes = MODES.map((m) => item('menuitemradio', `mode-${m}`, MODE_LABELS[m], () => this.pickMode(m), m === this.mode, MODE_HINTS[m]));
    const out: HTMLElement[] = [group('Mode', 'persona-mode-heading', modes), el('div', { role: 'separator', class: 'menu-separator' })];
    if (this.characters.length > 0) {
      const chars = this.characters.map((c) => item('menuitemradio', `character-${c.id}`, c.name, () => this.pickCharacter(c.id), c.id === this.activeId));
      out.push(group('Character', 'persona-character-heading', chars));
    }
    const active = this.active();
    if (active) out.push(item('menuitem', 'edit', `Edit “${active.name}”…`, () => this.editCharacter(active.id)));
    out.push(item('menuitem', 'new', 'New character…', () => this.editCharacter(null)));
    const cards = this.opts.cards;
    if (cards?.available()) {
      const run = (action: 'importCharacterCard' | 'exportCharacterCard') => () => {
        this.closeMenu(true);
        cards.run(action);
      };
      out.push(item('menuitem', 'import-card', 'Import character card…', run('importCharacterCard'), undefined, 'SillyTavern PNG or JSON'));
      out.push(item('menuitem', 'export-card', 'Export as character card…', run('exportCharacterCard')));
    }
    return out;
  }

  private items(): HTMLButtonElement[] {
    return [...this.menu.querySelectorAll<HTMLButtonElement>('.menu-item:not(:disabled)')];
  }

  private openMenu(focus: 'current' | 'first' | 'last'): void {
    if (this.button.disabled) return;
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.menu.ownerDocument.addEventListener('pointerdown', this.onOutside, true);
    const items = this.items();
    const target = focus === 'last' ? items.at(-1) : focus === 'first' ? items[0] : (items.find((i) => i.getAttribute('aria-checked') === 'true') ?? items[0]);
    target?.focus();
  }

  private closeMenu(focusButton: boolean): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    this.menu.ownerDocument.removeEventListener('pointerdown', this.onOutside, true);
    if (focusButton) this.button.focus();
  }

  private onMenuKey(ev: KeyboardEvent): void {
    const items = this.items();
    const at = items.indexOf(ev.target as HTMLButtonElement);
    const move = (i: number) => items[(i + items.length) % items.length]?.focus();
    if (ev.key === 'ArrowDown') move(at + 1);
    else if (ev.key === 'ArrowUp') move(at < 0 ? -1 : at - 1);
    else if (ev.key === 'Home') move(0);
    else if (ev.key === 'End') move(-1);
    else if (ev.key === 'Escape') this.closeMenu(true);
    else if (ev.key === 'Tab') return this.closeMenu(false);
    else return;
    ev.preventDefault();
    ev.stopPropagation();
  }

  private pickMode(mode: Mode): void {
    this.closeMenu(true);
    if (mode !== this.mode) this.opts.onMode(mode);
  }

  private pickCharacter(id: number): void {
    this.closeMenu(true);
    if (id !== this.activeId) this.opts.onCharacter(id);
  }

  /** Reads the list again (a card was imported elsewhere); a failure keeps what is shown. */
  async refresh(): Promise<void> {
    await this.reload().catch(() => {});
  }

  /** Reads the list again: names, and which one is active (the companion decides). */
  private async reload(): Promise<void> {
    const r = await this.opts.api.list();
    this.setCharacters(r.characters, r.activeId);
    this.opts.onChanged?.();
  }

  private async save(draft: CharacterDraft, editing: Character | null): Promise<void> {
    if (editing) {
      const p: Params<'character.update'> = { characterId: editing.id };
      if (draft.name !== editing.name) p.name = draft.name;
      if (draft.systemPrompt !== editing.systemPrompt) p.systemPrompt = draft.systemPrompt;
      if (draft.voice !== (editing.voice ?? null)) p.voice = draft.voice;
      if (draft.greeting !== (editing.greeting ?? null)) p.greeting = draft.greeting;
      if (Object.keys(p).length > 1) await this.opts.api.update(p);
    } else {
      const created = await this.opts.api.create({
        name: draft.name,
        systemPrompt: draft.systemPrompt,
        ...(draft.voice ? { voice: draft.voice } : {}),
        ...(draft.greeting ? { greeting: draft.greeting } : {}),
      });
      // A new character is one the user wants to talk to: she becomes the active one.
      // She exists now: a failed select must not make the form offer to create her twice.
      this.characters.push(created);
      await this.opts.api.select(created.id).catch(() => {});
    }
    // Saved: a failing re-read must not make the form say otherwise (the next status corrects it).
    await this.reload().catch(() => {});
  }

  private async remove(c: Character): Promise<void> {
    await this.opts.api.remove(c.id);
    await this.reload().catch(() => {
      // Gone in any case; the companion's next status says who is active now.
      this.characters = this.characters.filter((x) => x.id !== c.id);
      this.render();
    });
  }
}
