// The protocol's view of an imported character card (CharacterCardInfo): the card's own fields
// beyond what Alisa uses directly, read from the JSON the characters table keeps verbatim (v10).
// A card is checked on import (persona/character-cards.ts); here a field of another type reads as
// empty rather than breaking the character list.
import type { CharacterCardInfo } from '../../protocol';

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const texts = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function cardFields(json: string | null): { card: CharacterCardInfo | null } {
  if (!json) return { card: null };
  let parsed: { spec?: unknown; data?: Record<string, unknown> };
  try {
    parsed = JSON.parse(json);
  } catch {
    return { card: null };
  }
  const d = parsed.data ?? {};
  return {
    card: {
      spec: parsed.spec === 'chara_card_v3' ? 'chara_card_v3' : 'chara_card_v2',
      description: text(d.description),
      personality: text(d.personality),
      scenario: text(d.scenario),
      firstMessage: text(d.first_mes),
      alternateGreetings: texts(d.alternate_greetings),
      exampleDialogue: text(d.mes_example),
      systemPrompt: text(d.system_prompt),
      postHistoryInstructions: text(d.post_history_instructions),
      creatorNotes: text(d.creator_notes),
      tags: texts(d.tags),
      creator: text(d.creator),
      characterVersion: text(d.character_version),
    },
  };
}
