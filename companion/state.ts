// The companion's live state that several parts read: the mode and the active character.
// Reads always go to this object (the seed's idle loop read a stale copy of the mode); writes are
// persisted in the settings table so a restart keeps them.
import type { Mode } from '../protocol';
import type { MemoryStore } from './memory';
import { DEFAULT_MODE } from './persona';

type Listener = (change: { mode?: Mode; characterId?: number }) => void;

export class CompanionState {
  private listeners = new Set<Listener>();

  constructor(
    private memory: MemoryStore | null,
    private _mode: Mode,
    private _characterId: number,
  ) {}

  static load(memory: MemoryStore | null, defaults: { mode?: Mode; characterId: number }): CompanionState {
    const savedMode = memory?.getSetting('mode') as Mode | null | undefined;
    const savedCharacter = Number(memory?.getSetting('characterId') ?? NaN);
    const characterOk = Number.isInteger(savedCharacter) && memory?.getCharacter(savedCharacter);
    return new CompanionState(memory, defaults.mode ?? savedMode ?? DEFAULT_MODE, characterOk ? savedCharacter : defaults.characterId);
  }

  get mode(): Mode {
    return this._mode;
  }

  get characterId(): number {
    return this._characterId;
  }

  setMode(mode: Mode): void {
    this._mode = mode;
    this.memory?.setSetting('mode', mode);
    this.emit({ mode });
  }

  setCharacter(id: number): void {
    this._characterId = id;
    this.memory?.setSetting('characterId', String(id));
    this.emit({ characterId: id });
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: Parameters<Listener>[0]): void {
    for (const l of this.listeners) l(change);
  }
}
