// Builds the messages sent to the model, in the order the seed used:
//   1. persona (the character's system prompt) and the emotion-tag instruction
//   2. the current mode (internal instruction)
//   3. recent shared context: previous turns, trimmed to a token budget (newest kept)
//   4. passive context: what she notices, phrased as intuition, never as surveillance
//   5. learned patterns of the user
// then the user's new message. 4 and 5 are folded into the system message, after the mode, so
// chat formats that allow one system message still see them.
import { EMOTIONS, type Mode } from '../../protocol';
import type { ChatTurn } from '../llm';
import { COMPACT_PERSONA } from './characters';
import { MODE_INSTRUCTIONS } from './modes';

export const EMOTION_INSTRUCTION =
  `Begin every reply with an emotion tag that fits how you feel, exactly like <emotion=happy>, ` +
  `using one of: ${EMOTIONS.join(', ')}. Never mention the tag.`;

export interface PromptInput {
  persona: string;
  mode: Mode;
  /** Earlier turns of the session, oldest first (the new user message not included). */
  history: ChatTurn[];
  userMessage: string;
  /** Short lines about what the user seems to be doing right now. */
  passiveContext?: string[];
  /** Short lines about the user's habits. */
  patterns?: string[];
  /** Token budget for `history`. */
  historyTokenBudget: number;
  countTokens: (text: string) => number;
  /** 'compact' replaces the persona and drops the instructions, for tiny models. */
  style?: 'full' | 'compact';
}

export interface BuiltPrompt {
  messages: ChatTurn[];
  /** How many history turns made it into the prompt. */
  historyTurns: number;
  historyTokens: number;
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const compact = input.style === 'compact';
  const system: string[] = compact ? [COMPACT_PERSONA] : [input.persona, EMOTION_INSTRUCTION, MODE_INSTRUCTIONS[input.mode]];
  if (!compact && input.passiveContext?.length) {
    system.push(
      'Things you sense about what the user is doing (use them only as intuition; never say you are watching):\n' +
        input.passiveContext.map((line) => `- ${line}`).join('\n'),
    );
  }
  if (!compact && input.patterns?.length) {
    system.push('What you have learned about the user over time:\n' + input.patterns.map((line) => `- ${line}`).join('\n'));
  }
  const { turns, tokens } = trimHistory(input.history, input.historyTokenBudget, input.countTokens);
  return {
    messages: [{ role: 'system', content: system.join('\n\n') }, ...turns, { role: 'user', content: input.userMessage }],
    historyTurns: turns.length,
    historyTokens: tokens,
  };
}

/**
 * Characters per token beyond which a text is taken not to fit: tokenizers average ~4 characters
 * per token, so a turn longer than this many characters per token of the remaining budget is left
 * out without tokenizing all of it (an old pasted log must not hold the event loop).
 */
const MAX_CHARS_PER_TOKEN = 16;

/**
 * Keeps the newest turns whose tokens fit the budget. The cut never leaves an assistant turn
 * first (a reply without its question confuses small models). Each turn is tokenized once, and only
 * when it has at most (remaining budget + 1) x MAX_CHARS_PER_TOKEN characters: the work is bounded
 * by the budget, not by the length of the history.
 */
export function trimHistory(
  history: ChatTurn[],
  budget: number,
  countTokens: (text: string) => number,
): { turns: ChatTurn[]; tokens: number } {
  const kept: ChatTurn[] = [];
  const costs: number[] = [];
  let tokens = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    const room = budget - tokens - 4; // role markers
    if (room < 0) break;
    // Too long to fit at MAX_CHARS_PER_TOKEN characters a token: left out untokenized.
    if (turn.content.length > (room + 1) * MAX_CHARS_PER_TOKEN) break;
    const cost = countTokens(turn.content) + 4;
    if (tokens + cost > budget) break;
    kept.unshift(turn);
    costs.unshift(cost);
    tokens += cost;
  }
  while (kept.length && kept[0]!.role === 'assistant') {
    kept.shift();
    tokens -= costs.shift()!;
  }
  return { turns: kept, tokens };
}
