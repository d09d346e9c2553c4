// Asking Alisa again (issue 15, chat basics): Retry on a failed or stopped reply, or on a question
// left unanswered when the companion stopped (chat.retry), and saving an edited message
// (chat.edit). The companion deletes what followed the message and starts a new reply; its
// reply.start, which arrives before the answer, lets the assembler drop those messages here and
// show the new reply in their place (this window said it expects that, so no reload). A refusal
// (she is still answering, the message is gone, no model) is shown in the alerts area; an edit
// that was refused puts the old text back and keeps the editor open.
import type { ChatMessage } from '../chat/chat-message';
import type { ReplyAssembler } from '../chat/reply-assembler';
import { request, toErrorInfo, type Host } from '../host/host';
import type { BannerView } from './banner-view';
import type { MessageListView } from './message-list-view';

interface AskAgainDeps {
  host: Host;
  assembler: ReplyAssembler;
  list: MessageListView;
  banners: BannerView;
  /** Silences her (asking again is a barge-in, as sending is). */
  bargeIn: () => void;
  /** After a request went or failed (the composer follows whether a reply is streaming). */
  onSent: () => void;
}

export class AskAgain {
  constructor(private readonly deps: AskAgainDeps) {}

  /** Retry on `m`: a reply that failed or stopped, or the user's unanswered question. */
  async retry(m: ChatMessage): Promise<void> {
    const { assembler, banners } = this.deps;
    const userMessageId = m.role === 'user' ? m.id : (m.userMessageId ?? this.questionBefore(m));
    if (userMessageId === null) {
      banners.notify(
        { code: 'not_found', message: 'This reply cannot be retried from here.', action: 'Open the chat again, then press Retry.' },
        'Not retried',
      );
      return;
    }
    this.deps.bargeIn();
    assembler.expectAgain(userMessageId);
    try {
      await request(this.deps.host, 'chat.retry', { userMessageId });
    } catch (err) {
      assembler.expectAgain(userMessageId, false);
      banners.notify(toErrorInfo(err), 'Not retried');
    }
    this.deps.onSent();
  }

  /** Saves an edited message: true when the companion took it (a new reply streams). */
  async edit(m: ChatMessage, text: string): Promise<boolean> {
    const { assembler, list, banners } = this.deps;
    const messageId = m.id;
    if (messageId === null) return false;
    const before = { text: m.text, secrets: m.secrets ?? 0 };
    // Shown at once; put back if the companion refuses.
    assembler.setUserText(m.key, text);
    list.update(m.key, m);
    this.deps.bargeIn();
    assembler.expectAgain(messageId);
    try {
      const res = await request(this.deps.host, 'chat.edit', { messageId, text });
      assembler.setUserText(m.key, text, res.secrets ?? 0);
      list.update(m.key, m);
      return true;
    } catch (err) {
      assembler.expectAgain(messageId, false);
      assembler.setUserText(m.key, before.text, before.secrets);
      list.update(m.key, m);
      banners.notify(toErrorInfo(err), 'Your edit was not saved');
      return false;
    } finally {
      this.deps.onSent();
    }
  }

  /** The stored question a reply answers: the nearest user message before it. */
  private questionBefore(reply: ChatMessage): number | null {
    const shown = this.deps.assembler.messages;
    const at = shown.indexOf(reply);
    for (let i = at - 1; i >= 0; i--) if (shown[i]!.role === 'user') return shown[i]!.id;
    return null;
  }
}
