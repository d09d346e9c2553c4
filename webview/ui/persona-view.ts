// Mode (teasing / serious / calm) and character pickers. They show what the companion says is
// active: a change is sent as a request and the pickers follow the answer or the next event.
import type { Character, Mode } from '../../protocol';
import { el } from './dom';

export interface PersonaOptions {
  onMode: (mode: Mode) => void;
  onCharacter: (characterId: number) => void;
}

export class PersonaView {
  private characters: Character[] = [];
  private activeId: number | null = null;
  private mode: Mode | null = null;

  constructor(
    private readonly modeSelect: HTMLSelectElement,
    private readonly characterSelect: HTMLSelectElement,
    opts: PersonaOptions,
  ) {
    modeSelect.addEventListener('change', () => {
      const mode = modeSelect.value as Mode;
      if (mode !== this.mode) opts.onMode(mode);
    });
    characterSelect.addEventListener('change', () => {
      const id = Number(characterSelect.value);
      if (Number.isInteger(id) && id !== this.activeId) opts.onCharacter(id);
    });
    // Until the companion has answered, there is nothing true to show.
    this.field(characterSelect).hidden = true;
    modeSelect.disabled = true;
  }

  private field(select: HTMLSelectElement): HTMLElement {
    return (select.closest('.field') as HTMLElement | null) ?? select;
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    this.modeSelect.disabled = false;
    this.modeSelect.value = mode;
  }

  /** Puts the picker back to the companion's value (after a refused change). */
  revert(): void {
    if (this.mode) this.modeSelect.value = this.mode;
    if (this.activeId !== null) this.characterSelect.value = String(this.activeId);
  }

  setCharacters(characters: readonly Character[], activeId: number): void {
    this.characters = [...characters];
    this.characterSelect.replaceChildren(...this.characters.map((c) => el('option', { value: String(c.id), text: c.name })));
    this.characterSelect.disabled = this.characters.length < 2;
    this.field(this.characterSelect).hidden = this.characters.length === 0;
    this.setActiveCharacter(activeId);
  }

  setActiveCharacter(id: number): void {
    this.activeId = id;
    if (this.characters.some((c) => c.id === id)) this.characterSelect.value = String(id);
  }

  /** The active character's name, for labels ("Alisa is typing"). */
  activeName(): string {
    return this.characters.find((c) => c.id === this.activeId)?.name ?? 'Alisa';
  }
}
