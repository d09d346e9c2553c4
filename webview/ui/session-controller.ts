// The chat list and the chat on screen (issue 14 moved them out of app.ts): which chats are
// listed (a page at a time, newest activity first, in the scope the picker says), which one is
// open, and keeping both current as sessions.changed events, search hits and the user's clicks
// come in. It owns the list's state (the loaded sessions, the cursor of the next page, the
// workspace the companion knows this panel by) and drives the session bar and the message list;
// App routes events and clicks here.
import type { Message, Session, SessionScope } from '../../protocol';
import type { ReplyAssembler } from '../chat/reply-assembler';
import { request, toErrorInfo, type Host } from '../host/host';
import type { ViewStateStore } from '../state/view-state';
import type { BannerView } from './banner-view';
import type { MessageListView } from './message-list-view';
import type { SessionBarView } from './session-bar-view';

const PAGE_SIZE = 200;
/** Chats per page of the chat list, and the most one reload asks for (session.list's limit). */
const SESSION_PAGE = 50;
const SESSION_PAGE_MAX = 500;

interface SessionControllerDeps {
  host: Host;
  store: ViewStateStore;
  assembler: ReplyAssembler;
  list: MessageListView;
  sessionBar: SessionBarView;
  banners: BannerView;
  /** After a new chat is opened (the composer is made ready for typing). */
  focusComposer: () => void;
  /** After a chat is shown (the composer follows whether a reply is streaming). */
  onShown: () => void;
}

export class SessionController {
  private sessions: Session[] = [];
  /** Where the next page of the chat list starts (null: the list is whole). */
  private sessionsCursor: string | null = null;
  /**
   * The workspace the companion knows this panel by (session.list says it), to tell whether a
   * session from an event belongs in the "This workspace" list; undefined until a companion that
   * pushes session changes has answered (older ones: the list is reloaded after each reply).
   */
  private ownWorkspace: string | null | undefined = undefined;
  private openSeq = 0;
  private firstOpen = true;
  private readonly host: Host;
  private readonly store: ViewStateStore;
  private readonly assembler: ReplyAssembler;
  private readonly list: MessageListView;
  private readonly sessionBar: SessionBarView;
  private readonly banners: BannerView;
  private readonly focusComposer: () => void;
  private readonly onShown: () => void;

  constructor(deps: SessionControllerDeps) {
    this.host = deps.host;
    this.store = deps.store;
    this.assembler = deps.assembler;
    this.list = deps.list;
    this.sessionBar = deps.sessionBar;
    this.banners = deps.banners;
    this.focusComposer = deps.focusComposer;
    this.onShown = deps.onShown;
  }

  /** False until a companion that pushes session changes (sessions.changed) has listed the chats. */
  get pushesChanges(): boolean {
    return this.ownWorkspace !== undefined;
  }

  /** Shows `scope` in the picker and remembers it (the caller reloads the list). */
  private setScope(sessionScope: SessionScope): void {
    this.store.update({ sessionScope });
    this.sessionBar.setScope(sessionScope);
  }

  /** Reloads the chat list; opens another chat if the one on screen is gone (or on reconnect). */
  async refreshSessions(opts: { reopen?: boolean } = {}): Promise<void> {
    let sessions: Session[];
    let cursor: string | null;
    let workspace: string | null | undefined;
    const scopeNow = () => (this.host.kind === 'vscode' ? this.store.get().sessionScope : 'workspace');
    const scope = scopeNow();
    try {
      // The default scope is sent as no scope: the request a companion before workspaces knows.
      // As many as are loaded now (pages that were loaded stay loaded), at least one page; the
      // companion's default page is sent as no limit (a companion before paging refuses one).
      const limit = Math.min(SESSION_PAGE_MAX, Math.max(SESSION_PAGE, this.sessions.length));
      const res = await request(this.host, 'session.list', { ...(scope === 'all' ? { scope } : {}), ...(limit > SESSION_PAGE ? { limit } : {}) });
      sessions = res.sessions;
      cursor = res.nextCursor ?? null;
      workspace = res.workspace;
    } catch (err) {
      if (opts.reopen) this.banners.notify(toErrorInfo(err), 'Your chats could not be loaded');
      return;
    }
    // The scope changed meanwhile: the list asked for with the new one is the one to show.
    if (scope !== scopeNow() && !opts.reopen) return;
    this.sessions = [...sessions].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
    this.sessionsCursor = cursor;
    this.ownWorkspace = workspace;
    const current = this.assembler.sessionId;
    const exists = (id: number | null) => id !== null && this.sessions.some((s) => s.id === id);
    const saved = this.store.get().sessionId;
    // The open (or remembered) chat may lie beyond the pages loaded: the list pages on to it.
    const wanted = current ?? (opts.reopen ? saved : null);
    if (wanted !== null && !exists(wanted)) await this.ensureListed(wanted);
    // Only a whole list says the open chat is gone (then another one opens).
    const gone = current !== null && !exists(current) && this.sessionsCursor === null;
    if (opts.reopen || gone) {
      const pick = exists(current) ? current : exists(saved) ? saved : (this.sessions[0]?.id ?? null);
      const restore = this.firstOpen && pick === saved ? (this.store.get().scrollTop ?? 'bottom') : 'bottom';
      this.firstOpen = false;
      await this.openSession(pick, { keepScroll: restore });
    } else {
      this.sessionBar.setSessions(this.sessions, current, this.sessionsCursor !== null);
    }
  }

  /** Loads pages of the list until it shows `sessionId` or is whole (at most 40 pages); says whether it is listed. */
  private async ensureListed(sessionId: number): Promise<boolean> {
    for (let page = 0; page < 40 && this.sessionsCursor !== null && !this.sessions.some((s) => s.id === sessionId); page++) {
      const before = this.sessionsCursor;
      await this.loadMoreSessions();
      if (this.sessionsCursor === before) break; // failed or superseded: no further
    }
    return this.sessions.some((s) => s.id === sessionId);
  }

  /** The next page of the chat list ('Older chats…' in the bar). */
  async loadMoreSessions(): Promise<void> {
    const cursor = this.sessionsCursor;
    if (cursor === null) return;
    const scope = this.host.kind === 'vscode' ? this.store.get().sessionScope : 'workspace';
    let res;
    try {
      res = await request(this.host, 'session.list', scope === 'all' ? { scope, cursor } : { cursor });
    } catch (err) {
      this.banners.notify(toErrorInfo(err), 'Older chats could not be loaded');
      return;
    }
    // The list was reloaded or the scope changed meanwhile: this page belongs to another list.
    if (cursor !== this.sessionsCursor || scope !== (this.host.kind === 'vscode' ? this.store.get().sessionScope : 'workspace')) return;
    const known = new Set(this.sessions.map((s) => s.id));
    this.sessions = [...this.sessions, ...res.sessions.filter((s) => !known.has(s.id))];
    this.sessionsCursor = res.nextCursor ?? null;
    this.sessionBar.setSessions(this.sessions, this.assembler.sessionId, this.sessionsCursor !== null);
  }

  /** A session created or changed elsewhere (sessions.changed): put in place, newest first, without a reload. */
  upsertSession(session: Session): void {
    const scope = this.host.kind === 'vscode' ? this.store.get().sessionScope : 'workspace';
    const own = this.ownWorkspace;
    const inScope = scope === 'all' || own === null || own === undefined || session.workspace === null || session.workspace === own;
    const rest = this.sessions.filter((s) => s.id !== session.id);
    const newer = (a: Session, b: Session) => a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.id > b.id);
    const last = rest.at(-1);
    // Beyond the loaded pages it is not shown (yet): 'Older chats…' brings it in its place.
    const loaded = this.sessionsCursor === null || last === undefined || newer(session, last) || session.id === this.assembler.sessionId;
    if (inScope && loaded) {
      const at = rest.findIndex((s) => newer(session, s));
      rest.splice(at === -1 ? rest.length : at, 0, session);
    }
    this.sessions = rest;
    this.sessionBar.setSessions(this.sessions, this.assembler.sessionId, this.sessionsCursor !== null);
  }

  /** A session deleted elsewhere; the open one gone opens the newest left. */
  async dropSession(sessionId: number): Promise<void> {
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    if (this.assembler.sessionId === sessionId) await this.openSession(this.sessions[0]?.id ?? null);
    else this.sessionBar.setSessions(this.sessions, this.assembler.sessionId, this.sessionsCursor !== null);
  }

  /** Shows a chat: its latest messages, merged with a reply still streaming there. */
  async openSession(sessionId: number | null, opts: { keepScroll?: 'bottom' | number; fresh?: boolean } = {}): Promise<void> {
    const seq = ++this.openSeq;
    let messages: Message[] = [];
    if (sessionId !== null && !opts.fresh) {
      try {
        messages = (await request(this.host, 'session.messages', { sessionId, limit: PAGE_SIZE })).messages;
      } catch (err) {
        if (seq === this.openSeq) this.banners.notify(toErrorInfo(err), 'This chat could not be opened');
        return;
      }
    }
    if (seq !== this.openSeq) return; // Another chat was chosen meanwhile.
    this.assembler.load(sessionId, messages);
    this.list.setCanLoadEarlier(messages.length >= PAGE_SIZE);
    this.list.sync(this.assembler.messages, { keepScroll: opts.keepScroll ?? 'bottom' });
    this.store.update({ sessionId, scrollTop: typeof opts.keepScroll === 'number' ? opts.keepScroll : null });
    this.sessionBar.setSessions(this.sessions, sessionId, this.sessionsCursor !== null);
    this.onShown();
  }

  async loadEarlier(): Promise<boolean> {
    const sessionId = this.assembler.sessionId;
    const first = this.assembler.messages.find((m) => m.id !== null);
    if (sessionId === null || !first?.id) return false;
    try {
      const { messages } = await request(this.host, 'session.messages', { sessionId, limit: PAGE_SIZE, beforeId: first.id });
      if (this.assembler.sessionId !== sessionId) return false;
      this.assembler.prepend(messages);
      this.list.setCanLoadEarlier(messages.length >= PAGE_SIZE);
      this.list.sync(this.assembler.messages, { keepScroll: 'anchor' });
      return messages.length > 0;
    } catch (err) {
      this.banners.notify(toErrorInfo(err), 'Earlier messages could not be loaded');
      return false;
    }
  }

  /** Opens a chat at a message (a search result), paging back until it is loaded. */
  async openAt(sessionId: number, messageId: number): Promise<void> {
    // Search spans every workspace: a hit in a chat this list does not hold (once paged to its
    // end) switches it to all, or the chat would be dropped again at the next refresh.
    const listed = await this.ensureListed(sessionId);
    if (this.host.kind === 'vscode' && this.store.get().sessionScope !== 'all' && !listed) {
      this.setScope('all');
      await this.refreshSessions();
      await this.ensureListed(sessionId);
    }
    if (sessionId !== this.assembler.sessionId) await this.openSession(sessionId);
    for (let page = 0; page < 20 && !this.list.reveal(messageId); page++) {
      if (!(await this.loadEarlier())) break;
    }
  }

  async newSession(): Promise<void> {
    const session = await request(this.host, 'session.create', {});
    this.sessions = [session, ...this.sessions.filter((s) => s.id !== session.id)];
    await this.openSession(session.id, { fresh: true });
    this.focusComposer();
  }

  async deleteSession(sessionId: number): Promise<void> {
    await request(this.host, 'session.delete', { sessionId });
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    if (this.assembler.sessionId === sessionId) await this.openSession(this.sessions[0]?.id ?? null);
    else this.sessionBar.setSessions(this.sessions, this.assembler.sessionId, this.sessionsCursor !== null);
  }
}
