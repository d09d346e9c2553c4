// What the view remembers across reloads and hides (VS Code's getState/setState, localStorage in
// a browser): the chat on screen, the unsent draft, where the list was scrolled, whether the
// avatar is folded away, and whether the chat list shows this workspace's chats or all. Read defensively: the stored value may come from an older version.
import type { SessionScope } from '../../protocol';
import type { Host } from '../host/host';

interface ViewState {
  v: 1;
  sessionId: number | null;
  draft: string;
  /** Scroll offset of the message list; null means "at the bottom". */
  scrollTop: number | null;
  avatarHidden: boolean;
  /** Which chats the list shows (see session.list). */
  sessionScope: SessionScope;
}

const EMPTY_VIEW_STATE: ViewState = { v: 1, sessionId: null, draft: '', scrollTop: null, avatarHidden: false, sessionScope: 'workspace' };

function readViewState(raw: unknown): ViewState {
  if (!raw || typeof raw !== 'object') return { ...EMPTY_VIEW_STATE };
  const r = raw as Partial<Record<keyof ViewState, unknown>>;
  return {
    v: 1,
    sessionId: typeof r.sessionId === 'number' && Number.isInteger(r.sessionId) && r.sessionId > 0 ? r.sessionId : null,
    draft: typeof r.draft === 'string' ? r.draft.slice(0, 100_000) : '',
    scrollTop: typeof r.scrollTop === 'number' && r.scrollTop >= 0 ? r.scrollTop : null,
    avatarHidden: r.avatarHidden === true,
    sessionScope: r.sessionScope === 'all' ? 'all' : 'workspace',
  };
}

/** Keeps the state and writes it to the host; writes are cheap, but bursts (typing) are coalesced. */
export class ViewStateStore {
  private state: ViewState;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: Host) {
    this.state = readViewState(host.getState());
  }

  get(): Readonly<ViewState> {
    return this.state;
  }

  update(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), 150);
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.host.setState(this.state);
  }
}
