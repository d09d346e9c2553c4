// The avatar.* methods over the store, and which avatar is active: the active character's own
// (its avatarId) while it is stored, else the user's global choice, else the built-in SVG. Every
// change of the list or of the active avatar goes to every client as `avatar.changed`.
import type { AvatarChangedEvent, AvatarImportParams, AvatarInfo, AvatarListResult, AvatarSource, AvatarUpdateParams, Character } from '../../protocol';
import type { EventHub } from '../events';
import type { AvatarStore } from './avatar-store';

export interface AvatarServiceOptions {
  store: AvatarStore;
  events: EventHub;
  /** The active character, or null when the database is not open. */
  character: () => Pick<Character, 'avatarId'> | null;
}

export class AvatarService {
  readonly store: AvatarStore;
  private lastActive: string | null = null;

  constructor(private readonly opts: AvatarServiceOptions) {
    this.store = opts.store;
    this.lastActive = JSON.stringify(this.active());
  }

  active(): AvatarSource {
    let own: string | null | undefined = null;
    try {
      own = this.opts.character()?.avatarId;
    } catch {
      // No database: the global choice.
    }
    const id = own && this.store.get(own) ? own : this.store.selectedId();
    return this.store.source(id);
  }

  list(): AvatarListResult {
    return { avatars: this.store.list(), selectedId: this.store.selectedId(), active: this.active() };
  }

  import(p: AvatarImportParams): ReturnType<AvatarStore['import']> {
    const result = this.store.import(p);
    this.announce(true);
    return result;
  }

  /** A model uploaded as bytes (the browser UI): checked and stored as avatar.import does. */
  importBytes(bytes: Buffer, fileName: string, p: Parameters<AvatarStore['importBytes']>[2]): ReturnType<AvatarStore['import']> {
    const result = this.store.importBytes(bytes, fileName, p);
    this.announce(true);
    return result;
  }

  delete(id: string): void {
    this.store.delete(id);
    this.announce(true);
  }

  /** A sprite set from frames in memory (a character card's image): stored as AvatarStore.importFrames does. */
  importFrames(frames: Map<string, Buffer>, p: Parameters<AvatarStore['importFrames']>[1]): ReturnType<AvatarStore['importFrames']> {
    const result = this.store.importFrames(frames, p);
    this.announce(true);
    return result;
  }

  /** Deletes the avatars `origin` made (a character's card avatar when she goes); their ids. */
  deleteOrigin(origin: string): string[] {
    const ids = this.store.withOrigin(origin);
    for (const id of ids) this.store.delete(id);
    if (ids.length > 0) this.announce(true);
    return ids;
  }

  /** A rename or new expressions: the list changes, and the panel re-applies the active one. */
  update(p: AvatarUpdateParams): { avatar: AvatarInfo } {
    const avatar = this.store.update(p);
    this.announce(true);
    return { avatar };
  }

  select(id: string): { selectedId: string; active: AvatarSource } {
    this.store.select(id);
    this.announce(false);
    return { selectedId: this.store.selectedId(), active: this.active() };
  }

  /** The active character or its avatar may have changed: clients hear of it when the active avatar did. */
  refresh(): void {
    const active = this.active();
    if (JSON.stringify(active) !== this.lastActive) this.announce(false, active);
  }

  private announce(withList: boolean, active = this.active()): void {
    this.lastActive = JSON.stringify(active);
    const event: AvatarChangedEvent = { type: 'avatar.changed', active, selectedId: this.store.selectedId() };
    if (withList) event.avatars = this.store.list();
    this.opts.events.emit(event);
  }
}
