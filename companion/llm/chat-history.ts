// Conversions between Alisa's chat turns and node-llama-cpp's chat history, and the real prompt
// size: the chat wrapper renders the history exactly as LlamaChat does before evaluating it, and
// the model's own tokenizer counts the result.
import type { ChatHistoryItem, LlamaChat } from 'node-llama-cpp';
import type { ChatTurn } from './types';

export function toChatHistory(turns: readonly ChatTurn[]): ChatHistoryItem[] {
  return turns.map((turn): ChatHistoryItem => {
    switch (turn.role) {
      case 'system':
        return { type: 'system', text: turn.content };
      case 'user':
        return { type: 'user', text: turn.content };
      case 'assistant':
        return { type: 'model', response: [turn.content] };
    }
  });
}

/**
 * Tokens of the prompt the model evaluates for `history`: rendered with an open model response at
 * the end (what generation continues from). When the history already ends with a model turn, that
 * turn is the prefix being continued and is kept as it is.
 */
export function countPromptTokens(chat: LlamaChat, history: readonly ChatHistoryItem[]): number {
  const withOpenResponse: ChatHistoryItem[] = history.at(-1)?.type === 'model' ? [...history] : [...history, { type: 'model', response: [] }];
  const { contextText } = chat.chatWrapper.generateContextState({ chatHistory: withOpenResponse });
  return contextText.tokenize(chat.model.tokenizer).length;
}

/**
 * The prompt actually used after a generation: LlamaChat reports the context window it evaluated
 * (after any context shift dropped old turns), ending with the model's response. The response is
 * reset to what it was before generating (`prefix`: an assistant turn being continued, or nothing).
 */
export function promptWindow(contextWindow: readonly ChatHistoryItem[], prefix: ChatHistoryItem | undefined): ChatHistoryItem[] {
  const window = [...contextWindow];
  if (window.at(-1)?.type === 'model') window.pop();
  window.push(prefix?.type === 'model' ? prefix : { type: 'model', response: [] });
  return window;
}
