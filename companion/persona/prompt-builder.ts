// Builds the messages sent to the model. Laid out for the model's prompt cache (issue 13): what
// rarely changes comes first, what changes every turn last.
//   1. system: persona (the character's system prompt), the emotion-tag instruction, the current
//      mode (internal instruction) and learned patterns of the user: stable for many turns
//   2. recent shared context: previous turns (see chat/prompt-window.ts for which), each rendered
//      exactly as the model saw it when it was new
//   3. the user's new message, preceded by the passive context of this moment (what she notices,
//      phrased as intuition, never as surveillance). It stays with that message in later turns, so
//      the prompt of the next turn begins with the tokens of this one.
import { EMOTIONS, type Mode } from '../../protocol';
import type { ChatTurn } from '../llm';
import { COMPACT_PERSONA } from './characters';
import { MODE_INSTRUCTIONS } from './modes';

export const EMOTION_INSTRUCTION =
  `Begin every reply with an emotion tag that fits how you feel, exactly like <emotion=happy>, ` +
  `using one of: ${EMOTIONS.join(', ')}. Never mention the tag.`;

interface PromptInput {
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

interface BuiltPrompt {
  messages: ChatTurn[];
  /** How many history turns made it into the prompt. */
  historyTurns: number;
  historyTokens: number;
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const { turns, tokens } = trimHistory(input.history, input.historyTokenBudget, input.countTokens);
  return {
    messages: [
      { role: 'system', content: systemPrompt(input) },
      ...turns,
      { role: 'user', content: userTurn(input.userMessage, input.passiveContext, input.style) },
    ],
    historyTurns: turns.length,
    historyTokens: tokens,
  };
}

/** The system message: persona, emotion instruction, mode and learned patterns (stable across turns). */
export function systemPrompt(input: Pick<PromptInput, 'persona' | 'mode' | 'patterns' | 'style'>): string {
  if (input.style === 'compact') return COMPACT_PERSONA;
  const system: string[] = [input.persona, EMOTION_INSTRUCTION, MODE_INSTRUCTIONS[input.mode]];
  if (input.patterns?.length) {
    system.push('What you have learned about the user over time:\n' + input.patterns.map((line) => `- ${line}`).join('\n'));
  }
  return system.join('\n\n');
}

/** The user's message as the model sees it: after what she senses right now, if anything (full style). */
export function userTurn(text: string, passiveContext: readonly string[] | undefined, style: PromptInput['style']): string {
  if (style === 'compact' || !passiveContext?.length) return text;
  return `(What you sense right now; use it only as intuition, never say you are watching:\n${passiveContext.map((line) => `- ${line}`).join('\n')})\n\n${text}`;
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
export function trimHistory(history: ChatTurn[], budget: number, countTokens: (text: string) => number): { turns: ChatTurn[]; tokens: number } {
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
