// The question "Alisa: Import Character Card…" asks when a character of the card's name exists
// (no vscode import: unit-tested). A card is never stored over one silently, and the built-in
// Alisa is never offered for replacing (the companion refuses it too).
import type { Character } from '../../protocol';

export function conflictQuestion(existing: Pick<Character, 'name' | 'builtin'>, cardName: string): { message: string; detail: string; buttons: string[] } {
  return {
    message: `A character named “${existing.name}” already exists.`,
    detail: existing.builtin
      ? `${existing.name} is built in and cannot be replaced. Keep both adds the card as “${cardName} 2”.`
      : `Replace puts the card in place of “${existing.name}” (her chats stay with her). Keep both adds it as another character.`,
    buttons: existing.builtin ? ['Keep Both'] : ['Replace', 'Keep Both'],
  };
}
