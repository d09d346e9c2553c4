// The companion process's one event hub: everything that happens and may interest a client (reply
// tokens, status, speech, presence, help offers, network questions) is emitted here, and the
// socket server, the voice, the legacy endpoint and the services that react to replies listen
// here. It exists before anything else in app.ts, so no service depends on another one having
// been built first to publish or to listen (the chat service used to double as the bus).
import type { ClientWorkspace, CompanionEvent } from '../protocol';

/** Who an event concerns, when it answers a request. */
export interface ReplyOrigin {
  /** Who asked: used by the legacy endpoint to answer errors to the requester only. */
  clientId: string;
  /** The requester's workspace (see Hello.workspace): a request naming no session lands in its sessions. */
  workspace?: ClientWorkspace | null;
  /** Only this client hears the event (a help offer about its own window's editor). */
  only?: boolean;
}

export type EventListener = (event: CompanionEvent, origin: ReplyOrigin | null) => void;

/** What a listener needs of the hub. */
export interface EventSource {
  onEvent(listener: EventListener): () => void;
}

export class EventHub implements EventSource {
  private readonly listeners = new Set<EventListener>();

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: CompanionEvent, origin: ReplyOrigin | null = null): void {
    for (const l of [...this.listeners]) l(event, origin);
  }
}
