// The prompt for each reply (split out of chat-service.ts, issue 14), laid out for the model's
// prompt cache (see persona/prompt-builder.ts and prompt-window.ts): a stable system message, the
// session's window of earlier turns rendered exactly as the model saw them, then this moment's
// context with the user's message. It remembers, in bounded maps, each turn as rendered, token
// counts per turn and per system message, and each session's window anchor, so consecutive
// prompts share their prefix and nothing is tokenized twice.
import type { ChatTurn, LlmProvider } from '../llm';
import type { MemoryStore } from '../memory';
import { DEFAULT_CHARACTER, systemPrompt, userTurn } from '../persona';
import { expandMacros } from '../../common/character-macros';
import type { ContextStore } from '../context/context-store';
import type { CompanionState } from '../state';
import { ATTACHMENTS_FALLBACK_TOKENS, ATTACHMENTS_SHARE, fitAttachments, type AttachmentItem } from './attachments';
import { chooseWindow, type HistoryTurn } from './prompt-window';
import type { SourceRef } from '../../protocol';
import type { WorkspaceInstructions } from './workspace-instructions';

/** How many earlier messages are read from the database before trimming to the token budget. */
const HISTORY_FETCH = 200;
/** Tokens a chat format adds around a turn (role markers), counted on top of the text's own. */
const TURN_OVERHEAD_TOKENS = 4;
/** A turn longer than this many characters per token of room is taken not to fit (not tokenized). */
const MAX_CHARS_PER_TOKEN = 16;
/** Turns remembered as the model saw them, and token counts, per message (bounded). */
const RENDERED_MAX = 4096;

export interface ChatPromptDeps {
  state: CompanionState;
  context: ContextStore;
  settings: { historyTokens: number; promptStyle: 'full' | 'compact' };
  /** Each workspace's instructions (workspace-instructions.ts): they end the system message of its chats' replies. */
  instructions?: Pick<WorkspaceInstructions, 'block'>;
  /** Long-term memory (memory-recall/): the block of what she remembers relevant to this message ('' for none). */
  recall?: (req: { text: string; sessionId: number; userMessageId: number; workspace: string | null; countTokens?: (text: string) => number }) => string;
}

export class ChatPrompt {
  /** Each turn as the model saw it (context and emotion tag included), by message id. */
  private readonly rendered = new BoundedMap<number, string>(RENDERED_MAX);
  /** Tokens of each rendered turn, by 'x'|'e' (exact or estimated) + message id. */
  private readonly tokenCounts = new BoundedMap<string, number>(RENDERED_MAX * 2);
  /** Tokens of the system messages last used (they change only with the mode, character or patterns). */
  private readonly systemTokens = new BoundedMap<string, number>(8);
  /** Each session's prompt window anchor (see prompt-window.ts). */
  private readonly anchors = new BoundedMap<number, number | null>(256);

  constructor(private readonly deps: ChatPromptDeps) {}

  /** A reply as generated (emotion tag included): how the next prompt renders it. */
  rememberReply(messageId: number, text: string): void {
    this.rendered.set(messageId, text);
  }

  /**
   * Asking again from message `fromId` of a session (retry, edit): `changed` messages were deleted
   * or rewritten, so their remembered renderings and counts go (SQLite may give a deleted id to a
   * new message), and a window anchored after `fromId` starts afresh.
   */
  rewind(sessionId: number, fromId: number, changed: readonly number[]): void {
    for (const id of changed) {
      this.rendered.delete(id);
      this.tokenCounts.delete(`x${id}`);
      this.tokenCounts.delete(`e${id}`);
    }
    if ((this.anchors.get(sessionId) ?? 0) > fromId) this.anchors.delete(sessionId);
  }

  /**
   * The prompt for a reply, laid out for the model's prompt cache (see persona/prompt-builder.ts and
   * prompt-window.ts): a stable system message, the session's window of earlier turns rendered as
   * the model saw them, then this moment's context with the user's message.
   */
  build(
    memory: MemoryStore,
    provider: LlmProvider,
    sessionId: number,
    userMessageId: number,
    userText: string,
    maxTokens: number,
    remember = true,
    /** The asking client's workspace id (null: none; absent: the session's). */
    workspace?: string | null,
    /** The message's attachments (attachments.ts): fitted into the turn; `sources` is set to the refs of what went in. */
    attached?: { items: readonly AttachmentItem[]; sources?: SourceRef[] },
    /** The character who answers (the waifu API's character_id); absent: the active one. */
    characterId?: number,
  ): ChatTurn[] {
    const style = this.deps.settings.promptStyle;
    const history: HistoryTurn[] = memory
      .listMessages(sessionId, { limit: HISTORY_FETCH, beforeId: userMessageId })
      .filter((m) => m.text.trim() !== '' && m.role !== 'system')
      .map((m) => ({
        id: m.id,
        role: m.role as 'user' | 'assistant',
        content: this.rendered.get(m.id) ?? (m.role === 'assistant' && m.emotion && style !== 'compact' ? `<emotion=${m.emotion}> ${m.text}` : m.text),
      }));
    const character = memory.getCharacter(characterId ?? this.deps.state.characterId);
    let system = systemPrompt({
      // Imported character cards speak of {{char}} and {{user}} (persona/character-cards.ts).
      persona: character ? expandMacros(character.systemPrompt, character.name) : DEFAULT_CHARACTER.systemPrompt,
      mode: this.deps.state.mode,
      patterns: this.deps.context.learnedLines(),
      style,
    });
    // The session's workspace's instructions (issue 17): rarely changed, so in the stable prefix;
    // a change is a new system message (counted anew, the model's cache re-evaluates from there).
    const instructions = this.deps.instructions?.block(memory.getSession(sessionId)?.workspace);
    if (instructions) system = `${system}\n\n${instructions}`;
    let user = userTurn(userText, this.deps.context.passiveContextLines(), style);
    // What she remembers that bears on this message (issue 17): with the message, not in the system
    // message, so the stable prefix stays the same turn after turn; remembered with the turn below.
    const recalled = remember
      ? this.deps.recall?.({
          text: userText,
          sessionId,
          userMessageId,
          workspace: workspace !== undefined ? workspace : (memory.getSession(sessionId)?.workspace ?? null),
          ...(provider.exactTokenCount ? { countTokens: (t: string) => provider.countTokens(t) } : {}),
        })
      : '';
    const memories = recalled ? `(${recalled})\n\n` : '';
    // What the user attached (issue 17), between the memories and the message, under a share of the
    // room the system message, the memories and the message leave (the history gets what is left).
    if (attached?.items.length) {
      const room = provider.promptTokenBudget?.(maxTokens) ?? provider.contextSize() ?? ATTACHMENTS_FALLBACK_TOKENS;
      const free = room - this.countSystem(provider, system) - provider.countTokens(memories + user) - 2 * TURN_OVERHEAD_TOKENS;
      const { block, sources } = fitAttachments(attached.items, Math.max(0, free) * ATTACHMENTS_SHARE, (t) => provider.countTokens(t));
      attached.sources = sources;
      if (block) user = `${block}\n\n${user}`;
    }
    user = memories + user;
    // Later prompts render this message exactly as now, context included (the cache matches).
    if (remember) this.rendered.set(userMessageId, user);
    const exact = provider.exactTokenCount;
    const cost = (turn: HistoryTurn, room: number): number => {
      const key = `${exact ? 'x' : 'e'}${turn.id}`;
      const known = this.tokenCounts.get(key);
      if (known !== undefined) return known;
      // Too long to fit at MAX_CHARS_PER_TOKEN characters a token: left out untokenized.
      if (turn.content.length > (Math.max(0, room) + 1) * MAX_CHARS_PER_TOKEN) return Infinity;
      const n = provider.countTokens(turn.content) + TURN_OVERHEAD_TOKENS;
      this.tokenCounts.set(key, n);
      return n;
    };
    // Within what the model can evaluate as given: beyond it the provider would drop turns itself.
    let budget = this.deps.settings.historyTokens;
    const providerBudget = provider.promptTokenBudget?.(maxTokens) ?? null;
    if (providerBudget !== null) {
      const fixed = this.countSystem(provider, system) + provider.countTokens(user) + 2 * TURN_OVERHEAD_TOKENS;
      budget = Math.min(budget, Math.floor((providerBudget - fixed) * 0.97) - 8);
    }
    const window = chooseWindow(history, { budget, anchorId: this.anchors.get(sessionId) ?? null, cost });
    this.anchors.set(sessionId, window.anchorId);
    return [{ role: 'system', content: system }, ...window.turns.map(({ role, content }) => ({ role, content })), { role: 'user', content: user }];
  }

  /** Tokens of a system message: the same turn after turn, so counted once per text. */
  private countSystem(provider: LlmProvider, system: string): number {
    const key = `${provider.exactTokenCount ? 'x' : 'e'}${system}`;
    let n = this.systemTokens.get(key);
    if (n === undefined) {
      n = provider.countTokens(system);
      this.systemTokens.set(key, n);
    }
    return n;
  }
}

/** A Map that forgets its oldest entries past `max` (insertion order). */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value!);
    return this;
  }
}
