// The characters Alisa can play, in the memory store (split out of memory-store.ts): the built-in
// ones shipped with her (their system prompt refreshed at every start, never deleted) and the
// user's own (name, persona, voice, avatar, greeting). MemoryStore inherits these methods;
// callers see one store.
import type { Character } from '../../protocol';
import { AlisaError } from '../errors';
import { RhythmStore } from './rhythm-store';
import { toCharacter } from './rows';
import type { BuiltinCharacter, CharacterPatch, NewCharacter } from './types';
import * as v from './validate';
import { patchParam } from './validate';

/** The character methods of MemoryStore (see the opening comment). */
export class CharacterStore extends RhythmStore {
  /** Builtin characters first, then the user's by name. */
  listCharacters(): Character[] {
    return this.guard(() => this.sql.listCharacters.all().map(toCharacter));
  }

  getCharacter(id: number): Character | null {
    return this.guard(() => {
      const row = this.sql.getCharacter.get(id);
      return row ? toCharacter(row) : null;
    });
  }

  getCharacterByKey(key: string): Character | null {
    return this.guard(() => {
      const row = this.sql.getCharacterByKey.get(key);
      return row ? toCharacter(row) : null;
    });
  }

  /** A user character; its key is the slug of its name, suffixed -2, -3... if taken. */
  createCharacter(c: NewCharacter): Character {
    const name = v.cleanName(c.name);
    const prompt = v.checkText(c.systemPrompt, 'The system prompt');
    const voice = v.optionalString(c.voice, 'voice');
    const avatar = v.optionalString(c.avatar, 'avatar');
    const greeting = v.optionalString(c.greeting, 'greeting');
    const card = v.optionalString(c.card, 'card');
    return this.write(() => {
      const ts = this.now();
      const row = this.sql.insertCharacter.get(this.unusedKey(v.slugify(name)), name, prompt, voice, avatar, 0, ts, ts, greeting, card)!;
      return toCharacter(row);
    });
  }

  updateCharacter(id: number, patch: CharacterPatch): Character {
    const params = {
      id,
      ...patchParam(patch, 'name', 'name', v.cleanName),
      ...patchParam(patch, 'systemPrompt', 'system_prompt', (text) => v.checkText(text, 'The system prompt')),
      ...patchParam(patch, 'voice', 'voice', (voice) => v.optionalString(voice, 'voice')),
      ...patchParam(patch, 'avatar', 'avatar', (avatar) => v.optionalString(avatar, 'avatar')),
      ...patchParam(patch, 'greeting', 'greeting', (greeting) => v.optionalString(greeting, 'greeting')),
      ...patchParam(patch, 'card', 'card', (card) => v.optionalString(card, 'card')),
      ...patchParam(patch, 'portrait', 'portrait', (portrait) => v.optionalString(portrait, 'portrait')),
      ...patchParam(patch, 'avatarId', 'avatar_id', (id) => v.optionalString(id, 'avatarId')),
    };
    return this.write(() => {
      const row = this.sql.updateCharacter.get({ ...params, now: this.now() });
      if (!row) throw v.notFound('Character', id);
      return toCharacter(row);
    });
  }

  /** Sessions that used it keep their history and fall back to no character. */
  deleteCharacter(id: number): void {
    this.write(() => {
      const row = this.sql.getCharacter.get(id);
      if (!row) throw v.notFound('Character', id);
      if (row.builtin) throw new AlisaError('forbidden', 'The default character cannot be deleted.', 'Edit it instead, or create a new character.');
      this.sql.deleteCharacter.run(id);
    });
  }

  /**
   * At start-up: makes sure a character shipped with Alisa exists. A new one is inserted; an
   * existing one gets the current system prompt and keeps the rest (the user may have renamed it).
   */
  upsertBuiltinCharacter(c: BuiltinCharacter): Character {
    const name = v.cleanName(c.name);
    const prompt = v.checkText(c.systemPrompt, 'The system prompt');
    const voice = v.optionalString(c.voice, 'voice');
    if (typeof c.key !== 'string' || c.key.trim() === '') throw new AlisaError('invalid_argument', 'A builtin character needs a key.');
    return this.write(() => {
      const ts = this.now();
      const row = this.sql.refreshBuiltin.get(prompt, ts, c.key) ?? this.sql.insertCharacter.get(c.key, name, prompt, voice, null, 1, ts, ts, null, null)!;
      return toCharacter(row);
    });
  }

  /** The stored card JSON and portrait path of one character (export needs them; the list does not). */
  characterCardRow(id: number): { card: string | null; portrait: string | null } {
    return this.guard(() => {
      const row = this.sql.getCharacter.get(id);
      if (!row) throw v.notFound('Character', id);
      return { card: row.card ?? null, portrait: row.portrait ?? null };
    });
  }

  private unusedKey(base: string): string {
    let key = base;
    for (let n = 2; this.sql.getCharacterByKey.get(key); n++) key = `${base}-${n}`;
    return key;
  }
}
