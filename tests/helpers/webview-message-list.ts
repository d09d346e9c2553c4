// The message list as the streaming tests drive it: reply r1 as it grows, token-sized pieces of a
// text, and a MessageListView in the page whose animation frames run only when the test runs them.
import type { ChatMessage } from '../../webview/chat/chat-message';
import { MessageListView } from '../../webview/ui/message-list-view';

/** The text cut into token-sized pieces (1 to 6 characters, a fixed pattern). */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (let i = 0, k = 0; i < text.length; k++) {
    const n = 1 + ((k * 7) % 6);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Her reply r1 in chat 1 with the `text` so far (streaming unless told). */
export function streamingReply(text: string, status: ChatMessage['status'] = 'streaming'): ChatMessage {
  return {
    key: 'r1',
    id: null,
    sessionId: 1,
    role: 'assistant',
    text,
    emotion: 'neutral',
    status,
    pending: false,
    spontaneous: false,
    error: null,
    replyId: '1',
    createdAt: 1_700_000_000_000,
  };
}

type CodeActionHandler = ConstructorParameters<typeof MessageListView>[1]['onCodeAction'];

/** A message list (Insert offered) in a new root in the page; the frames it asks for wait in `frames`. */
export function framedMessageList(onCodeAction: CodeActionHandler = () => {}): { list: MessageListView; root: HTMLElement; frames: Array<() => void> } {
  const frames: Array<() => void> = [];
  const root = document.createElement('div');
  document.body.append(root);
  const list = new MessageListView(root, { canInsert: true, onCodeAction, onLoadEarlier: () => {}, onScroll: () => {}, requestFrame: (f) => frames.push(f) });
  return { list, root, frames };
}
