// Which earlier turns of a session go into the prompt, chosen so that the model's prompt cache
// keeps matching turn after turn (issue 13, "Long chats must not slow down").
//
// The model (node-llama-cpp, llama-server) keeps the tokens it evaluated for the previous turn and
// re-evaluates only from the first token where the new prompt differs. A window that slides by one
// turn each time (the newest turns that fit) differs right after the system prompt on every turn
// once the budget is full, so the whole history is evaluated again for every reply. Here the
// window's first turn (its anchor) stays where it was while the history still fits; when it no
// longer fits, the window is cut in one large step to KEEP_FRACTION of the budget. One full
// evaluation then buys many turns that evaluate only the new message, as with a raw chat session
// whose context shift drops a block of old tokens.
import type { ChatTurn } from '../llm';

/** What is kept of the budget after a cut (the rest fills up again over the following turns). */
export const KEEP_FRACTION = 0.5;

export interface HistoryTurn extends ChatTurn {
  /** The message id (ascending with time). */
  id: number;
}

interface PromptWindow {
  turns: HistoryTurn[];
  /** The first turn's id, to pass back next time (null: no history in the prompt). */
  anchorId: number | null;
  tokens: number;
}

/**
 * `history`: oldest first. `cost(turn, room)`: the turn's tokens (with its role markers), or
 * Infinity for a turn too long to fit `room` (it is then not tokenized). `anchorId`: the window's
 * first turn last time, or null.
 */
export function chooseWindow(
  history: readonly HistoryTurn[],
  opts: { budget: number; anchorId: number | null; cost: (turn: HistoryTurn, room: number) => number; keepFraction?: number },
): PromptWindow {
  const budget = Math.max(0, opts.budget);
  if (opts.anchorId !== null) {
    // The same first turn as last time, if everything from it on still fits.
    const from = history.findIndex((t) => t.id >= opts.anchorId!);
    if (from >= 0) {
      let tokens = 0;
      let fits = true;
      for (let i = from; i < history.length; i++) {
        tokens += opts.cost(history[i]!, budget - tokens);
        if (tokens > budget) {
          fits = false;
          break;
        }
      }
      if (fits) return startWithUser(history.slice(from), tokens, opts.cost, budget);
    } else if (history.length === 0) {
      return { turns: [], anchorId: opts.anchorId, tokens: 0 };
    }
  }
  // No anchor yet (a new session, a restart) fills the budget; a cut keeps a fraction of it.
  const target = opts.anchorId === null && fitsWhole(history, budget, opts.cost) ? budget : Math.floor(budget * (opts.keepFraction ?? KEEP_FRACTION));
  const kept: HistoryTurn[] = [];
  let tokens = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const c = opts.cost(history[i]!, target - tokens);
    if (tokens + c > target) break;
    kept.unshift(history[i]!);
    tokens += c;
  }
  return startWithUser(kept, tokens, opts.cost, budget);
}

function fitsWhole(history: readonly HistoryTurn[], budget: number, cost: (turn: HistoryTurn, room: number) => number): boolean {
  let tokens = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    tokens += cost(history[i]!, budget - tokens);
    if (tokens > budget) return false;
  }
  return true;
}

/** A reply without its question confuses small models: the window never opens with the assistant. */
function startWithUser(turns: HistoryTurn[], tokens: number, cost: (turn: HistoryTurn, room: number) => number, budget: number): PromptWindow {
  let start = 0;
  while (start < turns.length && turns[start]!.role !== 'user') {
    tokens -= cost(turns[start]!, budget);
    start++;
  }
  const kept = turns.slice(start);
  return { turns: kept, anchorId: kept[0]?.id ?? null, tokens: Math.max(0, tokens) };
}
