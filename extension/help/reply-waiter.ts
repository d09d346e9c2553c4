// Waits for the end of a reply that a request started. Events are recorded from before the
// request is sent, so a reply that ends before its request resolves is not missed.
import type * as vscode from 'vscode';
import type { CompanionEvent, ReplyEnd, ReplyError } from '../../protocol/messages';

type ReplyOutcome = ReplyEnd | ReplyError | { type: 'timeout' };

export class ReplyWaiter {
  private readonly ended = new Map<string, ReplyEnd | ReplyError>();
  private readonly waiting = new Map<string, (o: ReplyOutcome) => void>();
  private readonly subscription: vscode.Disposable;

  constructor(onEvent: vscode.Event<CompanionEvent>) {
    this.subscription = onEvent((e) => {
      if (e.type !== 'reply.end' && e.type !== 'reply.error') return;
      const resolve = this.waiting.get(e.replyId);
      if (resolve) resolve(e);
      else this.ended.set(e.replyId, e);
    });
  }

  wait(replyId: string, timeoutMs: number): Promise<ReplyOutcome> {
    const done = this.ended.get(replyId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'timeout' }), timeoutMs);
      this.waiting.set(replyId, (o) => {
        clearTimeout(timer);
        this.waiting.delete(replyId);
        resolve(o);
      });
    });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const resolve of this.waiting.values()) resolve({ type: 'timeout' });
    this.waiting.clear();
  }
}
