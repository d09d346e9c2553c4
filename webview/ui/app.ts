// Wires the views to the host and the companion. Lifecycle: the page sends `ui.ready`; each time
// the host reports the connection ready (first start, or after a restart) the app reloads status,
// chats and characters and shows the chat the user had open. Companion events then keep
// everything current: reply.* stream into the log and move the face, status updates the banners.
import type { ErrorInfo, HelpOffer, HostState, HostToWebview, Message, Session, SessionScope, Status, VoiceStatus, VoiceTranscript } from '../../protocol';
import { WebAudioOutput, type AudioOutput } from '../audio/audio-output';
import { SpeechPlayer } from '../audio/speech-player';
import type { ChatMessage } from '../chat/chat-message';
import { EmotionState } from '../chat/emotion-state';
import { ReplyAssembler, type ApplyResult } from '../chat/reply-assembler';
import { AvatarView } from '../avatar/avatar-view';
import { request, toErrorInfo, type Host } from '../host/host';
import { ViewStateStore } from '../state/view-state';
import { computeBanners } from '../status/status-banners';
import { BannerView } from './banner-view';
import { CameraIndicatorView } from './camera-indicator-view';
import { ComposerView } from './composer-view';
import { DndToggleView } from './dnd-toggle-view';
import { ContextNoticeView } from './context-notice-view';
import { HelpOfferView, type HelpOfferChoice } from './help-offer-view';
import { MessageListView } from './message-list-view';
import { PersonaView } from './persona-view';
import { ScreenIndicatorView } from './screen-indicator-view';
import { SearchView } from './search-view';
import { SessionBarView } from './session-bar-view';
import { VoiceView } from './voice-view';
import { NetworkAskView } from './network-ask-view';
import { buildShell, type Shell } from './shell';

const PAGE_SIZE = 200;
/** Chats per page of the chat list, and the most one reload asks for (session.list's limit). */
const SESSION_PAGE = 50;
const SESSION_PAGE_MAX = 500;

export interface AppOptions {
  /** Where speech plays (default: Web Audio). Tests pass a recording stand-in. */
  audio?: AudioOutput;
}

const AUTOPLAY_HINT = "Click anywhere in Alisa's panel to let her voice play.";
const NO_AUDIO_HINT = "Alisa's voice cannot play here (no audio output); her replies stay in text.";

export class App {
  private hostState: HostState | null = null;
  private status: Status | null = null;
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
  /** Settles when the latest (re)load after connecting is done. */
  private loaded: Promise<void> = Promise.resolve();
  private loading = false;
  private readonly assembler = new ReplyAssembler();
  private readonly store: ViewStateStore;
  private readonly shell: Shell;
  readonly avatar: AvatarView;
  private readonly face: EmotionState;
  private readonly banners: BannerView;
  private readonly persona: PersonaView;
  private readonly sessionBar: SessionBarView;
  private readonly search: SearchView;
  private readonly list: MessageListView;
  private readonly composer: ComposerView;
  private readonly offers: HelpOfferView;
  private readonly screen: ScreenIndicatorView;
  private readonly voice: VoiceView;
  private readonly camera: CameraIndicatorView;
  private readonly dnd: DndToggleView;
  /** Says when Alisa sees only part of the editor's problems (a big workspace). */
  private readonly contextNotice = new ContextNoticeView();
  /** The network gate's questions; shown in a browser only (VS Code asks with a modal). */
  private readonly networkAsks: NetworkAskView;
  readonly speech: SpeechPlayer;
  /** Notices already shown (`voice.notice` comes once per cause; a reload must not repeat it). */
  private readonly voiceNotices = new Set<string>();
  private textSpeaking = false;
  private audioSpeaking = false;
  /** Messages sent while the companion (re)starts: they go once she is back and the chat is reloaded. */
  private readyWaiters: Array<{ resolve: () => void; reject: (err: ErrorInfo) => void }> = [];

  constructor(
    private readonly host: Host,
    root: HTMLElement,
    opts: AppOptions = {},
  ) {
    this.store = new ViewStateStore(host);
    const doc = root.ownerDocument;
    doc.getElementById('app-loading')?.remove();
    doc.body.dataset.host = host.kind;
    this.shell = buildShell(root, doc.getElementById('avatar'));
    this.avatar = new AvatarView(this.shell.avatar);
    this.face = new EmotionState({
      onChange: (s) => {
        this.avatar.setEmotion(s.emotion);
        this.textSpeaking = s.speaking;
        this.avatar.setSpeaking(this.textSpeaking || this.audioSpeaking);
      },
    });
    this.banners = new BannerView(this.shell.status, this.shell.alerts, (action) => host.send({ type: 'ui.action', action }));
    this.persona = new PersonaView(this.shell.modeSelect, this.shell.characterSelect, {
      onMode: (mode) =>
        this.call(request(host, 'mode.set', { mode }).then((r) => this.persona.setMode(r.mode)), () => this.persona.revert()),
      onCharacter: (characterId) =>
        this.call(
          request(host, 'character.select', { characterId }).then((r) => {
            this.persona.setActiveCharacter(r.activeId);
            this.list.setAssistantName(this.persona.activeName());
          }),
          () => this.persona.revert(),
        ),
    });
    this.sessionBar = new SessionBarView(this.shell.sessionBar, {
      onSwitch: (id) => void this.openSession(id),
      onRename: (sessionId, title) => this.call(request(host, 'session.rename', { sessionId, title }).then((s) => this.upsertSession(s))),
      onLoadMore: () => void this.loadMoreSessions(),
      onDelete: (sessionId) => this.call(this.deleteSession(sessionId)),
      // A browser belongs to no workspace: it always sees every chat.
      ...(host.kind === 'vscode'
        ? {
            scope: {
              initial: this.store.get().sessionScope,
              onChange: (sessionScope: SessionScope) => {
                this.store.update({ sessionScope });
                void this.refreshSessions();
              },
            },
          }
        : {}),
    });
    this.search = new SearchView(this.shell.searchPanel, this.shell.searchToggle, {
      search: (query) => request(host, 'memory.search', { query, limit: 50 }).then((r) => r.hits),
      onOpen: (hit) => void this.openAt(hit.sessionId, hit.messageId),
      onClose: () => {},
    });
    this.list = new MessageListView(this.shell.messages, {
      canInsert: host.kind === 'vscode',
      onCodeAction: (action, code, language) =>
        host.send(action === 'copy' ? { type: 'ui.copy', text: code } : { type: 'ui.insertCode', code, ...(language ? { language } : {}) }),
      onLoadEarlier: () => void this.loadEarlier(),
      onScroll: (scrollTop) => this.store.update({ scrollTop }),
    });
    this.screen = new ScreenIndicatorView((params) => {
      const call = request(host, 'screen.configure', params).then((s) => this.screen.setStatus(s));
      this.call(call);
      return call.catch(() => {});
    });
    this.shell.headerStatus.append(this.screen.node);
    // Webcam presence and Do not disturb (issue 7): asked of the companion directly, as the screen pill is.
    this.camera = new CameraIndicatorView((params) => {
      const call = request(host, 'presence.configure', params).then((s) => this.camera.setStatus(s));
      this.call(call);
      return call.catch(() => {});
    });
    this.shell.headerStatus.append(this.camera.node);
    this.dnd = new DndToggleView((params) => {
      const call = request(host, 'idle.configure', params).then((s) => this.dnd.setStatus(s));
      this.call(call);
      return call;
    });
    const win = doc.defaultView ?? window;
    this.speech = new SpeechPlayer({
      output: opts.audio ?? new WebAudioOutput(win),
      onLevel: (level) => this.avatar.setAudioLevel(level),
      onActive: (active) => this.avatar.setVoice(active),
      onSpeaking: (speaking) => {
        this.audioSpeaking = speaking;
        this.avatar.setSpeaking(this.textSpeaking || this.audioSpeaking);
      },
      onBlocked: (why) => this.voice.showLine(why === 'autoplay' ? AUTOPLAY_HINT : NO_AUDIO_HINT, 'hint'),
    });
    this.voice = new VoiceView({
      configure: (params) => {
        const call = request(host, 'voice.configure', params).then((s) => this.setVoiceStatus(s));
        this.call(call);
        return call;
      },
      listen: (action) => {
        // The user starts to talk: she stops.
        if (action === 'start') this.bargeIn();
        const call = request(host, 'voice.listen', { action });
        this.call(call);
        return call;
      },
      onMuteClicked: (muted) => {
        if (muted) this.bargeIn();
      },
    });
    this.shell.headerStatus.append(this.voice.muteButton, this.voice.onlineBadge, this.dnd.node);
    this.shell.composer.before(this.voice.line);
    this.networkAsks = new NetworkAskView({
      decide: (id, allow, remember) => {
        const call = request(host, 'network.decide', { id, allow, remember });
        this.call(call);
        return call;
      },
    });
    this.shell.composer.before(this.networkAsks.node);
    this.shell.composer.before(this.contextNotice.node);
    // The autoplay rule: audio may start only after the user has touched the page.
    const unlock = () =>
      this.voiceStep(() => {
        this.speech.unlock();
        this.voice.hideLine('hint');
      });
    doc.addEventListener('pointerdown', unlock, true);
    doc.addEventListener('keydown', unlock, true);
    this.offers = new HelpOfferView(this.shell.messages, { onChoice: (offer, choice) => this.answerOffer(offer, choice) });
    this.composer = new ComposerView(this.shell.composer, {
      onSend: (text) => this.send(text),
      onStop: () => this.stop(),
      onDraft: (draft) => this.store.update({ draft }),
    });
    this.composer.addAction(this.voice.micButton);
    this.shell.newChat.addEventListener('click', () => this.call(this.newSession()));
    this.shell.avatarToggle.addEventListener('click', () => this.setAvatarHidden(!this.store.get().avatarHidden));

    const saved = this.store.get();
    this.composer.setValue(saved.draft);
    this.setAvatarHidden(saved.avatarHidden);
    this.sessionBar.setSessions([], null);
    this.banners.setBanners(computeBanners(null, null));
    doc.addEventListener('visibilitychange', () => doc.visibilityState === 'hidden' && this.store.flush());
    doc.defaultView?.addEventListener('pagehide', () => this.store.flush());
    host.onMessage((m) => this.onMessage(m));
    host.send({ type: 'ui.ready' });
  }

  private onMessage(m: HostToWebview): void {
    // One message that cannot be shown must not stop the next ones (nor the host's other listeners).
    try {
      this.handle(m);
    } catch (err) {
      console.error(`Alisa: the panel could not handle a ${m.type} message`, err);
    }
  }

  private handle(m: HostToWebview): void {
    switch (m.type) {
      case 'host.state':
        return this.onHostState(m);
      case 'host.command':
        // Commands can arrive right after `ui.ready`: they wait until the chat on screen is known.
        void this.loaded.then(() => {
          if (m.command === 'newSession') this.call(this.newSession());
          else if (m.command === 'focusInput') this.composer.focus();
          else if (m.command === 'showSearch') this.search.open(m.query);
          else if (m.command === 'send' && m.text?.trim()) this.sendFromEditor(m.text.trim());
          else if (m.command === 'showSession' && m.sessionId !== undefined && m.sessionId !== this.assembler.sessionId) {
            void this.openSession(m.sessionId, { keepScroll: 'bottom' });
          }
        });
        return;
      case 'welcome':
      case 'status':
        return this.setStatus(m.status);
      case 'mode.changed':
        return this.persona.setMode(m.mode);
      case 'sessions.changed':
        // The changed session itself (in place, no reload), one gone, or: reload the list.
        if (m.session) return this.upsertSession(m.session);
        if (m.deletedSessionId !== undefined) return void this.dropSession(m.deletedSessionId);
        return void this.refreshSessions();
      case 'reply.start':
      case 'reply.token':
      case 'reply.emotion':
      case 'reply.end':
      case 'reply.error': {
        // Barge-in: a new reply silences what she was still saying.
        if (m.type === 'reply.start') this.voiceStep(() => this.speech.stop());
        this.face.apply(m);
        const result = this.assembler.apply(m);
        this.applyResult(result);
        if (result.needsReload && this.assembler.sessionId !== null) void this.openSession(this.assembler.sessionId, { keepScroll: 'bottom' });
        // A companion that pushes session changes says so with sessions.changed after the reply.
        if ((m.type === 'reply.end' || m.type === 'reply.error') && this.ownWorkspace === undefined) void this.refreshSessions();
        return;
      }
      case 'error':
        // Frames the companion could not tie to a request (too large, too many…).
        if (m.id === null) this.banners.notify(m.error);
        return;
      case 'response':
        return; // Answers to requests: handled by request().
      case 'help.offer':
        this.offers.show(m);
        // Her face shows how she means it (as a reply's emotion would).
        this.face.apply({ type: 'reply.emotion', replyId: `offer:${m.offerId}`, emotion: m.emotion });
        return;
      case 'context.state':
        return this.contextNotice.setState(m.state);
      case 'screen.state':
        return this.screen.setStatus(m.status);
      case 'speech.start':
      case 'speech.chunk':
      case 'speech.end':
        return this.voiceStep(() => this.speech.apply(m));
      case 'voice.state':
        return this.setVoiceStatus(m.status);
      case 'presence.state':
        return this.camera.setStatus(m.status);
      case 'idle.state':
        return this.dnd.setStatus(m.status);
      case 'voice.transcript':
        return this.onTranscript(m);
      case 'voice.notice':
        // Piper has no voice yet: in VS Code the extension offers the download (a notification); the browser shows it here.
        if (m.code === 'piper_voice_missing' && this.host.kind === 'vscode') return;
        if (this.voiceNotices.has(m.message)) return;
        this.voiceNotices.add(m.message);
        this.banners.notify({ code: 'voice_unavailable', message: m.message, ...(m.action ? { action: m.action } : {}) }, 'Voice');
        return;
      case 'network.ask':
        if (this.host.kind === 'browser') this.networkAsks.show(m);
        return;
      case 'network.askDone':
        return this.networkAsks.done(m.id);
      case 'network.state':
        return;
    }
  }

  private onHostState(state: HostState): void {
    const wasReady = this.hostState?.connection === 'ready';
    this.hostState = state;
    this.updateBanners();
    const ready = state.connection === 'ready';
    if (ready && !wasReady) {
      this.loading = true;
      this.loaded = this.refreshAll()
        .catch(() => {})
        .finally(() => (this.loading = false));
      // Messages sent while she was away go now (each waits for the reload: `loading` is set).
      for (const w of this.readyWaiters.splice(0)) w.resolve();
    } else if (state.connection === 'failed' || state.connection === 'stopped') {
      const err: ErrorInfo = { code: 'internal', message: 'Alisa is not running.', action: 'Your message is back in the box; send it when she is back.' };
      for (const w of this.readyWaiters.splice(0)) w.reject(err);
    }
    if (!ready && wasReady) {
      this.offers.clear();
      this.networkAsks.clear();
      this.screen.setStatus(null); // a companion that is gone captures nothing
      this.voiceStep(() => this.speech.stop()); // …and says nothing more
      this.setVoiceStatus(null);
      this.camera.setStatus(null); // …nor looks through the camera
      this.dnd.setStatus(null);
      this.contextNotice.setState(null);
      this.applyResult(this.assembler.interruptAll());
      this.face.reset();
    }
  }

  private setStatus(status: Status): void {
    this.status = status;
    this.persona.setMode(status.mode);
    this.persona.setActiveCharacter(status.characterId);
    this.list.setAssistantName(this.persona.activeName());
    this.updateBanners();
  }

  private updateBanners(): void {
    this.banners.setBanners(computeBanners(this.hostState, this.status));
  }

  private async refreshAll(): Promise<void> {
    const [status, characters, screen, voice, presence, idle] = await Promise.allSettled([
      request(this.host, 'status.get', {}),
      request(this.host, 'character.list', {}),
      request(this.host, 'screen.status', {}),
      request(this.host, 'voice.status', {}),
      request(this.host, 'presence.status', {}),
      request(this.host, 'idle.status', {}),
    ]);
    // Likewise without voice: no mute or mic button.
    if (voice.status === 'fulfilled') this.setVoiceStatus(voice.value);
    if (characters.status === 'fulfilled') this.persona.setCharacters(characters.value.characters, characters.value.activeId);
    if (status.status === 'fulfilled') this.setStatus(status.value);
    // A companion without screen understanding answers with an error: no pill.
    if (screen.status === 'fulfilled') this.screen.setStatus(screen.value);
    // …and without presence or idle talk: no camera pill, no Do-not-disturb toggle.
    if (presence.status === 'fulfilled') this.camera.setStatus(presence.value);
    if (idle.status === 'fulfilled') this.dnd.setStatus(idle.value);
    // Questions of the network gate asked before this page connected (browser only; not waited for).
    if (this.host.kind === 'browser') {
      request(this.host, 'network.status', {}).then(
        (s) => s.pending.forEach((ask) => this.networkAsks.show(ask)),
        () => {},
      );
    }
    await this.refreshSessions({ reopen: true });
  }

  /** Shows `scope` in the picker and remembers it (the caller reloads the list). */
  private setScope(sessionScope: SessionScope): void {
    this.store.update({ sessionScope });
    this.sessionBar.setScope(sessionScope);
  }

  /** Reloads the chat list; opens another chat if the one on screen is gone (or on reconnect). */
  private async refreshSessions(opts: { reopen?: boolean } = {}): Promise<void> {
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
  private async loadMoreSessions(): Promise<void> {
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
  private upsertSession(session: Session): void {
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
  private async dropSession(sessionId: number): Promise<void> {
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    if (this.assembler.sessionId === sessionId) await this.openSession(this.sessions[0]?.id ?? null);
    else this.sessionBar.setSessions(this.sessions, this.assembler.sessionId, this.sessionsCursor !== null);
  }

  /** Shows a chat: its latest messages, merged with a reply still streaming there. */
  private async openSession(sessionId: number | null, opts: { keepScroll?: 'bottom' | number; fresh?: boolean } = {}): Promise<void> {
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
    this.updateStreaming();
  }

  private async loadEarlier(): Promise<boolean> {
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
  private async openAt(sessionId: number, messageId: number): Promise<void> {
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

  private async newSession(): Promise<void> {
    const session = await request(this.host, 'session.create', {});
    this.sessions = [session, ...this.sessions.filter((s) => s.id !== session.id)];
    await this.openSession(session.id, { fresh: true });
    this.composer.focus();
  }

  private async deleteSession(sessionId: number): Promise<void> {
    await request(this.host, 'session.delete', { sessionId });
    this.sessions = this.sessions.filter((s) => s.id !== sessionId);
    if (this.assembler.sessionId === sessionId) await this.openSession(this.sessions[0]?.id ?? null);
    else this.sessionBar.setSessions(this.sessions, this.assembler.sessionId, this.sessionsCursor !== null);
  }

  /**
   * Sends a message; false when it cannot go now (the text stays in the box). While the companion
   * is starting, connecting or restarting, the message is shown at once and goes when she is back.
   */
  private send(text: string): boolean {
    const connection = this.hostState?.connection;
    if (connection === 'starting' || connection === 'connecting' || connection === 'restarting') {
      void this.deliver(text, { whenBack: true });
      return true;
    }
    if (connection !== 'ready') {
      this.banners.notify({ code: 'internal', message: 'Alisa is not connected yet.', action: 'Your message stays in the box; send it when she is back.' }, 'Not sent');
      return false;
    }
    if (this.assembler.streamingReplyId() !== null) return false;
    this.bargeIn();
    void this.deliver(text);
    return true;
  }

  /** Silences her now (the user speaks, sends or mutes): here at once, and in the companion. */
  private bargeIn(): void {
    this.voiceStep(() => {
      if (!this.speech.active) return;
      this.speech.stop();
      request(this.host, 'voice.stop', {}).catch(() => {});
    });
  }

  private setVoiceStatus(status: VoiceStatus | null): void {
    this.voiceStep(() => this.voice.setStatus(status));
    this.voiceStep(() => this.speech.setMuted(status?.muted ?? false));
  }

  /** Runs a step of her voice (playback, its controls): a broken audio path must never block chatting. */
  private voiceStep(step: () => void): void {
    try {
      step();
    } catch (err) {
      console.warn("Alisa: her voice failed here (the chat goes on without it)", err);
    }
  }

  private untilReady(): Promise<void> {
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** What the user said: a voice command is shown; dictation goes into the box, or is sent. */
  private onTranscript(t: VoiceTranscript): void {
    if (t.command !== null) {
      this.voice.showLine(`Heard: ${t.command}`, 'heard');
      const command = t.command.trim().toLowerCase();
      // The editor carries out explain / fix / open / new session; a browser has only the panel.
      if (command === 'hello alisa' || command === 'hey alisa') this.send('Hello, Alisa!');
      else if (command === 'new session' && this.hostState?.host === 'browser') this.call(this.newSession());
      return;
    }
    const text = t.text.trim();
    if (!text) return;
    this.voice.hideLine('heard');
    if (t.mode === 'send' && this.composer.value.trim() === '' && this.send(text)) return;
    this.composer.insert(text);
  }

  /** A message the editor asks to send ("Explain this file"); kept in the box if it cannot go now. */
  private sendFromEditor(text: string): void {
    if (this.send(text)) return;
    if (this.assembler.streamingReplyId() !== null) {
      this.banners.notify({ code: 'busy', message: 'Alisa is still answering.', action: 'Your message is in the box; send it when she is done.' }, 'Not sent yet');
    }
    this.composer.setValue(text);
    this.composer.focus();
  }

  private async deliver(text: string, opts: { whenBack?: boolean } = {}): Promise<void> {
    let early: ChatMessage | null = null;
    if (opts.whenBack) {
      // She is (re)starting: the message shows now, pending, and goes once she is back.
      early = this.assembler.addUserMessage(text);
      this.list.sync(this.assembler.messages, { keepScroll: 'bottom' });
      try {
        await this.untilReady();
      } catch (err) {
        this.assembler.failUserMessage(early.key, toErrorInfo(err));
        this.list.update(early.key, early);
        if (this.composer.value === '') this.composer.setValue(text);
        return;
      }
    }
    // Sent during the load after connecting: it goes to the chat that load opens. Otherwise the
    // message shows at once (no await before it is added).
    if (this.loading) await this.loaded;
    let sessionId = this.assembler.sessionId;
    if (sessionId === null) {
      try {
        await this.newSession();
      } catch (err) {
        if (early) {
          this.assembler.removeLocal(early.key);
          this.list.sync(this.assembler.messages);
        }
        this.banners.notify(toErrorInfo(err), 'Not sent');
        if (this.composer.value === '') this.composer.setValue(text);
        return;
      }
      sessionId = this.assembler.sessionId;
    }
    // The early copy survives the reload if the same chat is open again; otherwise it is shown anew.
    if (early && !this.assembler.messages.includes(early)) early = null;
    const local = early ?? this.assembler.addUserMessage(text);
    this.list.sync(this.assembler.messages, { keepScroll: 'bottom' });
    try {
      const res = await request(this.host, 'chat.send', { text, ...(sessionId !== null ? { sessionId } : {}) });
      if (res.replyId === null) {
        // A command such as `/mode calm`: nothing was stored; the pickers follow the event.
        this.assembler.removeLocal(local.key);
        if (res.mode) this.persona.setMode(res.mode);
        this.list.sync(this.assembler.messages);
      } else if (res.userMessageId !== null) {
        this.assembler.confirmUserMessage(local.key, res.userMessageId, res.secrets ?? 0);
        this.list.update(local.key, local);
      }
    } catch (err) {
      this.assembler.failUserMessage(local.key, toErrorInfo(err));
      this.list.update(local.key, local);
      if (this.composer.value === '') this.composer.setValue(text);
    }
    this.updateStreaming();
  }

  /**
   * An answer to a help offer. "Fix" in VS Code goes to the host, which asks for the fix and
   * previews it as a diff; elsewhere (and for Explain / Not now) the companion is told directly.
   */
  private async answerOffer(offer: HelpOffer, choice: HelpOfferChoice): Promise<void> {
    if (choice === 'fix' && this.host.kind === 'vscode') {
      this.host.send({ type: 'ui.fix', offerId: offer.offerId, target: offer.target });
      return;
    }
    try {
      await request(this.host, 'help.respond', { offerId: offer.offerId, response: choice });
    } catch (err) {
      this.banners.notify(toErrorInfo(err), choice === 'dismiss' ? 'The offer could not be dismissed' : 'Alisa could not start');
      throw err;
    }
  }

  private stop(): void {
    const replyId = this.assembler.streamingReplyId();
    if (replyId) this.call(request(this.host, 'chat.cancel', { replyId }));
  }

  private applyResult(r: ApplyResult): void {
    if (r.listChanged) this.list.sync(this.assembler.messages);
    if (r.updated.length > 0) {
      const byKey = new Map(this.assembler.messages.map((m) => [m.key, m]));
      for (const key of r.updated) this.list.update(key, byKey.get(key));
    }
    this.updateStreaming();
  }

  private updateStreaming(): void {
    this.composer.setStreaming(this.assembler.streamingReplyId() !== null);
  }

  private setAvatarHidden(hidden: boolean): void {
    this.shell.avatar.hidden = hidden;
    this.shell.avatarToggle.setAttribute('aria-expanded', String(!hidden));
    const label = hidden ? 'Show avatar' : 'Hide avatar';
    this.shell.avatarToggle.setAttribute('aria-label', label);
    this.shell.avatarToggle.title = label;
    this.avatar.setShown(!hidden);
    this.store.update({ avatarHidden: hidden });
  }

  /** Runs a request for a user action; a failure is shown as a notice (and `undo` runs). */
  private call(p: Promise<unknown>, undo?: () => void): void {
    p.catch((err) => {
      undo?.();
      this.banners.notify(toErrorInfo(err));
    });
  }
}
