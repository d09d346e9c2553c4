// The user's outgoing messages (issue 14 moved them out of app.ts): what happens to a message
// from the composer, the editor ("Explain this file") or dictation. It goes at once when Alisa is
// connected and not answering; while the companion starts, connects or restarts it is shown
// at once, pending, and queued until she is back and the chat is reloaded (then sent), or until
// she is known to be gone (then it fails and its text is put back in the box). A message with
// no chat open first creates one.
//
// While she answers (or a message is on its way), Enter never does nothing: the message is
// queued, shown last and marked so, and goes by itself once her reply ends (`pump`, called after
// every reply event); its row offers Stop and send (the reply is stopped, then it goes) and
// Cancel (its text comes back to the box when the box is empty). Queued messages go one by one,
// to the chat they were typed in.
import type { Attachment, ErrorInfo, HostState } from '../../protocol';
import type { ChatMessage } from '../chat/chat-message';
import type { ReplyAssembler } from '../chat/reply-assembler';
import { request, toErrorInfo, type Host } from '../host/host';
import type { BannerView } from './banner-view';
import type { ComposerView } from './composer-view';
import type { MessageListView } from './message-list-view';
import type { PersonaView } from './persona-view';
import type { SessionController } from './session-controller';

interface OutboxDeps {
  host: Host;
  assembler: ReplyAssembler;
  list: MessageListView;
  composer: ComposerView;
  banners: BannerView;
  persona: PersonaView;
  sessions: SessionController;
  /** The connection the host last reported (undefined before its first report). */
  connection: () => HostState['connection'] | undefined;
  /** The (re)load after connecting while it runs, else null: a message sent meanwhile waits for it. */
  pendingLoad: () => Promise<void> | null;
  /** Silences her (sending a message is a barge-in). */
  bargeIn: () => void;
  /** After a message went or failed (the composer follows whether a reply is streaming). */
  onSent: () => void;
  /** Stops the reply streaming in the chat on screen (chat.cancel). */
  stop: () => void;
  /** The text was an action's slash command (`/run npm test`): its call, whose outcome comes as `action.done`. */
  onAction?: (callId: string, text: string) => void;
}

export class Outbox {
  /** Messages sent while the companion (re)starts: they go once she is back and the chat is reloaded. */
  private readyWaiters: Array<{ resolve: () => void; reject: (err: ErrorInfo) => void }> = [];
  private readonly host: Host;
  private readonly assembler: ReplyAssembler;
  private readonly list: MessageListView;
  private readonly composer: ComposerView;
  private readonly banners: BannerView;
  private readonly persona: PersonaView;
  private readonly sessions: SessionController;
  /** Messages typed while she answered, oldest first (each is also in the assembler's list, `queued`). */
  private queue: ChatMessage[] = [];
  /** chat.send requests on their way: a message typed meanwhile is queued, not refused as busy. */
  private inFlight = 0;

  constructor(private readonly deps: OutboxDeps) {
    this.host = deps.host;
    this.assembler = deps.assembler;
    this.list = deps.list;
    this.composer = deps.composer;
    this.banners = deps.banners;
    this.persona = deps.persona;
    this.sessions = deps.sessions;
  }

  /** She is back: the queued messages go (each waits for the reload after connecting). */
  release(): void {
    for (const w of this.readyWaiters.splice(0)) w.resolve();
    void (this.deps.pendingLoad() ?? Promise.resolve()).then(() => this.pump());
  }

  /** She is gone: the queued messages fail with `err`. */
  rejectAll(err: ErrorInfo): void {
    for (const w of this.readyWaiters.splice(0)) w.reject(err);
    for (const q of this.queue.splice(0)) {
      q.queued = false;
      this.assembler.failUserMessage(q.key, err);
      this.list.update(q.key, q);
      this.giveBack(q.text, q.attachments);
    }
  }

  /** A message that did not go: its text back in the box (when the box is empty) and its chips with it. */
  private giveBack(text: string, attachments: Attachment[] | undefined): void {
    if (this.composer.value !== '') return;
    this.composer.setValue(text);
    this.composer.restoreAttachments(attachments);
  }

  /** Whether a message typed now waits (she answers in this chat, or a message is on its way). */
  private mustWait(): boolean {
    return this.assembler.streamingReplyId() !== null || this.inFlight > 0 || this.queue.some((q) => q.sessionId === this.assembler.sessionId);
  }

  /** Holds a message until the reply in this chat ends; it shows at once, marked queued. */
  private enqueue(text: string, attachments?: Attachment[]): void {
    const local = this.assembler.addUserMessage(text, { queued: true, attachments });
    this.queue.push(local);
    this.list.sync(this.assembler.messages, { keepScroll: 'bottom' });
  }

  /** Sends the first queued message if its chat is free now (called after reply events and sends). */
  pump(): void {
    const next = this.queue[0];
    if (!next || this.inFlight > 0 || this.deps.connection() !== 'ready') return;
    if (this.assembler.streamingReplyId(next.sessionId) !== null) return;
    this.queue.shift();
    next.queued = false;
    this.list.update(next.key, next);
    this.deps.bargeIn();
    void this.post(next, next.sessionId);
  }

  /** A queued message's buttons: Stop and send (it goes first, once the reply stops), or Cancel. */
  queued(m: ChatMessage, action: 'send-now' | 'cancel'): void {
    if (!this.queue.includes(m)) return;
    this.queue = this.queue.filter((q) => q !== m);
    if (action === 'send-now') {
      this.queue.unshift(m);
      if (this.assembler.streamingReplyId(m.sessionId) !== null) this.deps.stop();
      else this.pump();
      return;
    }
    this.assembler.removeLocal(m.key);
    this.list.sync(this.assembler.messages);
    this.giveBack(m.text, m.attachments);
    this.composer.focus();
  }

  /**
   * Sends a message; false when it cannot go now (the text stays in the box). While the companion
   * is starting, connecting or restarting, the message is shown at once and goes when she is back.
   */
  send(text: string, attachments?: Attachment[]): boolean {
    const connection = this.deps.connection();
    if (connection === 'starting' || connection === 'connecting' || connection === 'restarting') {
      void this.deliver(text, { whenBack: true, attachments });
      return true;
    }
    if (connection !== 'ready') {
      this.banners.notify(
        { code: 'internal', message: 'Alisa is not connected yet.', action: 'Your message stays in the box; send it when she is back.' },
        'Not sent',
      );
      return false;
    }
    if (this.mustWait()) {
      this.enqueue(text, attachments);
      return true;
    }
    this.deps.bargeIn();
    void this.deliver(text, { attachments });
    return true;
  }
  private untilReady(): Promise<void> {
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** A message the editor asks to send ("Explain this file"); kept in the box if it cannot go now. */
  sendFromEditor(text: string, attachments?: Attachment[]): void {
    if (this.send(text, attachments)) return;
    if (this.assembler.streamingReplyId() !== null) {
      this.banners.notify(
        { code: 'busy', message: 'Alisa is still answering.', action: 'Your message is in the box; send it when she is done.' },
        'Not sent yet',
      );
    }
    this.composer.setValue(text);
    this.composer.focus();
  }

  private async deliver(text: string, opts: { whenBack?: boolean; attachments?: Attachment[] } = {}): Promise<void> {
    let early: ChatMessage | null = null;
    if (opts.whenBack) {
      // She is (re)starting: the message shows now, pending, and goes once she is back.
      early = this.assembler.addUserMessage(text, { attachments: opts.attachments });
      this.list.sync(this.assembler.messages, { keepScroll: 'bottom' });
      try {
        await this.untilReady();
      } catch (err) {
        this.assembler.failUserMessage(early.key, toErrorInfo(err));
        this.list.update(early.key, early);
        this.giveBack(text, opts.attachments);
        return;
      }
    }
    // Sent during the load after connecting: it goes to the chat that load opens. Otherwise the
    // message shows at once (no await before it is added).
    const load = this.deps.pendingLoad();
    if (load) await load;
    let sessionId = this.assembler.sessionId;
    if (sessionId === null) {
      try {
        await this.sessions.newSession();
      } catch (err) {
        if (early) {
          this.assembler.removeLocal(early.key);
          this.list.sync(this.assembler.messages);
        }
        this.banners.notify(toErrorInfo(err), 'Not sent');
        this.giveBack(text, opts.attachments);
        return;
      }
      sessionId = this.assembler.sessionId;
    }
    // The early copy survives the reload if the same chat is open again; otherwise it is shown anew.
    if (early && !this.assembler.messages.includes(early)) early = null;
    const local = early ?? this.assembler.addUserMessage(text, { attachments: opts.attachments });
    this.list.sync(this.assembler.messages, { keepScroll: 'bottom' });
    await this.post(local, sessionId);
  }

  /** Sends a shown message (`chat.send`) and marks it sent, or failed with its text back in the box. */
  private async post(local: ChatMessage, sessionId: number | null): Promise<void> {
    const text = local.text;
    this.inFlight++;
    try {
      const attachments = local.attachments;
      const res = await request(this.host, 'chat.send', {
        text,
        ...(sessionId !== null ? { sessionId } : {}),
        ...(attachments?.length ? { attachments } : {}),
      });
      if (res.replyId === null) {
        // A command such as `/mode calm`: nothing was stored; the pickers follow the event. An
        // action's command (`/run npm test`) shows as its card.
        this.assembler.removeLocal(local.key);
        if (res.mode) this.persona.setMode(res.mode);
        if (res.action) this.deps.onAction?.(res.action.callId, text);
        this.list.sync(this.assembler.messages);
      } else if (res.userMessageId !== null) {
        // Sent: the chips' text is the companion's now (the message keeps their refs to show).
        delete local.attachments;
        this.assembler.confirmUserMessage(local.key, res.userMessageId, res.secrets ?? 0);
        this.list.update(local.key, local);
      }
    } catch (err) {
      this.assembler.failUserMessage(local.key, toErrorInfo(err));
      this.list.update(local.key, local);
      this.giveBack(text, local.attachments);
    } finally {
      this.inFlight--;
    }
    this.deps.onSent();
    this.pump();
  }
}
