// Wires the views to the host and the companion. Lifecycle: the page sends `ui.ready`; each time
// the host reports the connection ready (first start, or after a restart) the app reloads status,
// chats and characters and shows the chat the user had open. Companion events then keep
// everything current: reply.* stream into the log and move the face, status updates the banners.
// The chat list and the open chat live in session-controller.ts, the user's outgoing messages in
// outbox.ts, her voice in voice-controller.ts and her actions' cards in action-cards-view.ts; this
// file is still about 500 lines because it is the composition root (building and cross-wiring
// every view, and routing each host message type), which reads best in one place.
import type { AvatarSource, ErrorInfo, HelpOffer, HostState, HostToWebview, SessionScope, SourceRef, Status, VoiceTranscript } from '../../protocol';
import type { AudioOutput } from '../audio/audio-output';
import type { SpeechPlayer } from '../audio/speech-player';
import { EmotionState } from '../chat/emotion-state';
import { ReplyAssembler, type ApplyResult } from '../chat/reply-assembler';
import { AvatarStage } from '../avatar/avatar-stage';
import { createSpriteRenderer } from '../avatar/sprite-avatar';
import { AvatarPickerView } from './avatar-picker-view';
import { resolveAvatarSource } from './avatar-picker-urls';
import { request, toErrorInfo, type Host } from '../host/host';
import { ViewStateStore } from '../state/view-state';
import { computeBanners } from '../status/status-banners';
import { BannerView } from './banner-view';
import { CameraIndicatorView } from './camera-indicator-view';
import { ComposerView, composerBlockedReason } from './composer-view';
import { DndToggleView } from './dnd-toggle-view';
import { ContextNoticeView } from './context-notice-view';
import { HelpOfferView, type HelpOfferChoice } from './help-offer-view';
import { RecapConsentView } from './recap-consent-view';
import { MessageListView } from './message-list-view';
import { PersonaView, characterApi } from './persona-view';
import { ScreenIndicatorView } from './screen-indicator-view';
import { SearchView } from './search-view';
import { MemoryView } from './memory-view';
import { fileAccess } from './memory-files';
import { SessionBarView } from './session-bar-view';
import type { VoiceView } from './voice-view';
import { NetworkAskView } from './network-ask-view';
import { VoiceController } from './voice-controller';
import { Outbox } from './outbox';
import { AskAgain } from './ask-again';
import { ActionCardsView } from './action-cards-view';
import { SessionController } from './session-controller';
import { MentionSource } from './mentions';
import { buildShell, type Shell } from './shell';
import { expandMacros } from '../../common/character-macros';
import { exportCardInBrowser, importCardInBrowser } from './character-cards-browser';

interface AppOptions {
  /** Where speech plays (default: Web Audio). Tests pass a recording stand-in. */
  audio?: AudioOutput;
}

export class App {
  private hostState: HostState | null = null;
  private status: Status | null = null;
  /** Settles when the latest (re)load after connecting is done. */
  private loaded: Promise<void> = Promise.resolve();
  private loading = false;
  private readonly assembler = new ReplyAssembler();
  private readonly store: ViewStateStore;
  private readonly shell: Shell;
  /** Her face: the SVG, a sprite set or a 3D model (issue 18), behind one interface. */
  readonly avatar: AvatarStage;
  /** Her avatars (issue 18): the picker, and the one the companion says is active (unresolved) and what is shown. */
  private readonly avatars: AvatarPickerView;
  private activeAvatar: AvatarSource | null = null;
  private shownAvatar = 'null';
  private readonly face: EmotionState;
  /** One of her fixes is under way (Fix on an offer, or code applied): a fix recorded next means it worked. */
  private awaitingFix = false;
  private readonly banners: BannerView;
  private readonly persona: PersonaView;
  /** The chat list and the chat on screen. */
  private readonly chats: SessionController;
  /** The user's messages on their way (queued while she restarts). */
  private readonly outbox: Outbox;
  /** Retry and Edit on the messages in the log. */
  private readonly askAgain: AskAgain;
  private readonly search: SearchView;
  /** What she remembers (issue 17): list, search, edit, pin, delete, forget all, export / import. */
  private readonly memory: MemoryView;
  private readonly list: MessageListView;
  private readonly composer: ComposerView;
  private readonly offers: HelpOfferView;
  private readonly recapConsent: RecapConsentView;
  private readonly screen: ScreenIndicatorView;
  private readonly voice: VoiceView;
  private readonly camera: CameraIndicatorView;
  private readonly dnd: DndToggleView;
  /** Says when Alisa sees only part of the editor's problems (a big workspace). */
  private readonly contextNotice = new ContextNoticeView();
  /** The network gate's questions; shown in a browser only (VS Code asks with a modal). */
  private readonly networkAsks: NetworkAskView;
  /** Her actions (issue 16): a card per call, with its reply or at the end of the chat. */
  private readonly actionCards: ActionCardsView;
  /** Her voice: playback, its controls, barge-in. */
  private readonly voices: VoiceController;
  readonly speech: SpeechPlayer;

  constructor(
    private readonly host: Host,
    root: HTMLElement,
    opts: AppOptions = {},
  ) {
    this.store = new ViewStateStore(host);
    const doc = root.ownerDocument;
    doc.getElementById('app-loading')?.remove();
    doc.body.dataset.host = host.kind;
    this.shell = buildShell(root, doc.getElementById('avatar'), host.kind);
    this.avatar = new AvatarStage(this.shell.avatar);
    // A sprite set (one picture per emotion) is drawn by the 2D sprite renderer.
    this.avatar.setFactory('sprites', createSpriteRenderer);
    this.face = new EmotionState({
      onChange: (s) => {
        this.avatar.setEmotion(s.emotion);
        this.voices.setTextSpeaking(s.speaking);
      },
    });
    this.banners = new BannerView(this.shell.status, this.shell.alerts, (action) => host.send({ type: 'ui.action', action }));
    this.persona = new PersonaView(this.shell.personaButton, this.shell.personaMenu, {
      api: characterApi(host),
      panel: this.shell.characterPanel,
      onChanged: () => this.showCharacter(),
      // VS Code runs its commands (file dialogs, Replace / Keep both); the browser page does its own.
      cards: {
        available: () => host.kind === 'browser' || this.hostState?.actions.includes('importCharacterCard') === true,
        run: (action) => {
          if (this.hostState?.actions.includes(action)) return host.send({ type: 'ui.action', action });
          if (action === 'exportCharacterCard') {
            const id = this.status?.characterId;
            if (id !== undefined) this.call(exportCardInBrowser(host, doc, id));
            return;
          }
          this.call(
            importCardInBrowser(host, doc, undefined, (warning) =>
              this.banners.notify({ code: 'invalid_argument', message: warning }, 'Imported, without an avatar'),
            ).then(async (c) => {
              if (!c) return;
              await request(host, 'character.select', { characterId: c.id });
              await this.persona.refresh();
              this.showCharacter();
            }),
          );
        },
      },
      onMode: (mode) =>
        this.call(
          request(host, 'mode.set', { mode }).then((r) => this.persona.setMode(r.mode)),
          () => this.persona.revert(),
        ),
      onCharacter: (characterId) =>
        this.call(
          request(host, 'character.select', { characterId }).then((r) => {
            this.persona.setActiveCharacter(r.activeId);
            this.showCharacter();
          }),
          () => this.persona.revert(),
        ),
    });
    this.avatars = new AvatarPickerView(this.shell.avatar, this.shell.characterPanel, {
      host,
      urlBase: () => this.hostState?.avatarUrl,
      canImport: () => this.hostState?.actions.includes('importAvatar') === true,
      canUpload: () => host.kind === 'browser' && !!this.hostState?.avatarUrl,
    });
    const sessionBar = new SessionBarView(this.shell.sessionBar, {
      onSwitch: (id) => void this.chats.openSession(id),
      onRename: (sessionId, title) => this.call(request(host, 'session.rename', { sessionId, title }).then((s) => this.chats.upsertSession(s))),
      onLoadMore: () => void this.chats.loadMoreSessions(),
      onDelete: (sessionId) => this.call(this.chats.deleteSession(sessionId)),
      // A browser belongs to no workspace: it always sees every chat.
      ...(host.kind === 'vscode'
        ? {
            scope: {
              initial: this.store.get().sessionScope,
              onChange: (sessionScope: SessionScope) => {
                this.store.update({ sessionScope });
                void this.chats.refreshSessions();
              },
            },
          }
        : {}),
    });
    this.search = new SearchView(this.shell.searchPanel, this.shell.searchToggle, {
      search: (query) => request(host, 'memory.search', { query, limit: 50 }).then((r) => r.hits),
      onOpen: (hit) => void this.chats.openAt(hit.sessionId, hit.messageId),
      onClose: () => {},
    });
    this.memory = new MemoryView(this.shell.memoryPanel, this.shell.memoryToggle, {
      call: (method, params) => request(host, method, params),
      files: fileAccess(host, doc),
      hostKind: host.kind,
    });
    this.list = new MessageListView(this.shell.messages, {
      canInsert: host.kind === 'vscode',
      onCodeAction: (action, code, language) => {
        if (action === 'apply') this.awaitingFix = true;
        host.send(
          action === 'copy'
            ? { type: 'ui.copy', text: code }
            : action === 'apply'
              ? { type: 'ui.applyCode', code, ...(language ? { language } : {}) }
              : { type: 'ui.insertCode', code, ...(language ? { language } : {}) },
        );
      },
      onLoadEarlier: () => void this.chats.loadEarlier(),
      onScroll: (scrollTop) => this.store.update({ scrollTop }),
      onRetry: (m) => void this.askAgain.retry(m),
      onEdit: (m, text) => this.askAgain.edit(m, text),
      onQueued: (m, action) => this.outbox.queued(m, action),
      onSync: () => this.actionCards.place(),
      // A reply's sources open in the editor; a browser has none to open them in (plain text).
      ...(host.kind === 'vscode'
        ? {
            onOpenSource: (ref: SourceRef) =>
              ref.path && host.send({ type: 'ui.openSource', path: ref.path, ...(ref.startLine ? { line: ref.startLine } : {}) }),
          }
        : {}),
    });
    this.actionCards = new ActionCardsView({
      parent: this.shell.messages,
      hostKind: host.kind,
      sessionId: () => this.assembler.sessionId,
      streamingReplyId: () => this.assembler.streamingReplyId(),
      replyMessage: (replyId) => this.assembler.replyMessage(replyId),
      onChange: () => this.list.followIfPinned(),
    });
    this.chats = new SessionController({
      host,
      store: this.store,
      assembler: this.assembler,
      list: this.list,
      sessionBar,
      banners: this.banners,
      focusComposer: () => {
        // A new chat: an offer from before belongs to what the user left behind.
        this.offers.clear();
        this.composer.focus();
      },
      onShown: () => this.updateStreaming(),
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
    this.voices = new VoiceController({ host, doc, avatar: this.avatar, banners: this.banners, audio: opts.audio, call: (p) => this.call(p) });
    this.speech = this.voices.speech;
    this.voice = this.voices.view;
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
    this.voices.listenForUnlock(doc);
    this.offers = new HelpOfferView(this.shell.messages, { onChoice: (offer, choice) => this.answerOffer(offer, choice) });
    this.recapConsent = new RecapConsentView(this.shell.messages, {
      onAnswer: async (allow) => {
        const call = request(host, 'recap.consent', { allow });
        this.call(call);
        await call;
      },
    });
    this.composer = new ComposerView(this.shell.composer, {
      onSend: (text, attachments) => this.outbox.send(text, attachments),
      mentions: new MentionSource(host),
      onRefused: (message) => this.banners.notify({ code: 'invalid_argument', message }, 'Not sent'),
      onStop: () => this.stop(),
      onDraft: (draft) => this.store.update({ draft }),
    });
    this.composer.addAction(this.voice.micButton);
    this.outbox = new Outbox({
      host,
      assembler: this.assembler,
      list: this.list,
      composer: this.composer,
      banners: this.banners,
      persona: this.persona,
      sessions: this.chats,
      connection: () => this.hostState?.connection,
      pendingLoad: () => (this.loading ? this.loaded : null),
      bargeIn: () => this.voices.bargeIn(),
      onSent: () => this.updateStreaming(),
      stop: () => this.stop(),
      onAction: (callId, text) => this.actionCards.started(callId, text),
    });
    this.askAgain = new AskAgain({
      host,
      assembler: this.assembler,
      list: this.list,
      banners: this.banners,
      bargeIn: () => this.voices.bargeIn(),
      onSent: () => this.updateStreaming(),
    });
    this.shell.newChat?.addEventListener('click', () => this.call(this.chats.newSession()));
    this.shell.avatarToggle.addEventListener('click', () => {
      this.setAvatarHidden(!this.store.get().avatarHidden);
      this.store.flush(); // a choice the user made: kept even if the view goes right away
    });

    const saved = this.store.get();
    this.composer.setValue(saved.draft);
    this.setAvatarHidden(saved.avatarHidden);
    sessionBar.setSessions([], null);
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
          if (m.command === 'newSession') this.call(this.chats.newSession());
          else if (m.command === 'focusInput') this.composer.focus();
          else if (m.command === 'showSearch') this.search.open(m.query);
          else if (m.command === 'showMemories') this.memory.open();
          else if (m.command === 'charactersChanged') void this.persona.refresh().then(() => this.showCharacter());
          else if (m.command === 'send' && m.text?.trim()) this.outbox.sendFromEditor(m.text.trim(), m.attachments);
          else if (m.command === 'showSession' && m.sessionId !== undefined && m.sessionId !== this.assembler.sessionId) {
            void this.chats.openSession(m.sessionId, { keepScroll: 'bottom' });
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
        if (m.session) return this.chats.upsertSession(m.session);
        if (m.deletedSessionId !== undefined) return void this.chats.dropSession(m.deletedSessionId);
        return void this.chats.refreshSessions();
      case 'reply.start':
      case 'reply.token':
      case 'reply.emotion':
      case 'reply.end':
      case 'reply.error': {
        // Barge-in: a new reply silences what she was still saying.
        if (m.type === 'reply.start') this.voices.step(() => this.speech.stop());
        this.face.apply(m);
        const result = this.assembler.apply(m);
        this.applyResult(result);
        // A reply that ended frees its chat for the next queued message.
        if (m.type === 'reply.end' || m.type === 'reply.error') this.outbox.pump();
        if (result.needsReload && this.assembler.sessionId !== null) void this.chats.openSession(this.assembler.sessionId, { keepScroll: 'bottom' });
        // A companion that pushes session changes says so with sessions.changed after the reply.
        if ((m.type === 'reply.end' || m.type === 'reply.error') && !this.chats.pushesChanges) void this.chats.refreshSessions();
        return;
      }
      case 'error':
        // Frames the companion could not tie to a request (too large, too many…).
        if (m.id === null) this.banners.notify(m.error);
        return;
      case 'response':
        return; // Answers to requests: handled by request().
      case 'help.retract':
        // Only an offer on screen was her problem too: its error gone means fixed (she is pleased).
        if (m.reason === 'resolved' && this.offers.has(m.offerId)) this.avatar.react('fixed');
        this.offers.retract(m.offerId);
        break;
      case 'recap.ask':
        this.recapConsent.ask();
        break;
      case 'help.offer':
        this.offers.show(m);
        // Her face shows how she means it (as a reply's emotion would).
        this.face.apply({ type: 'reply.emotion', replyId: `offer:${m.offerId}`, emotion: m.emotion });
        // A problem showed up for the user: she notices (a start and a sweat drop).
        this.avatar.react('error');
        return;
      case 'context.state':
        return this.contextNotice.setState(m.state);
      case 'screen.state':
        return this.screen.setStatus(m.status);
      case 'speech.start':
      case 'speech.chunk':
      case 'speech.end':
        return this.voices.step(() => this.speech.apply(m));
      case 'voice.state':
        return this.voices.setStatus(m.status);
      case 'presence.state':
        return this.camera.setStatus(m.status);
      case 'idle.state':
        return this.dnd.setStatus(m.status);
      case 'voice.transcript':
        return this.onTranscript(m);
      case 'voice.notice':
        return this.voices.notice(m);
      case 'network.ask':
        if (this.host.kind === 'browser') this.networkAsks.show(m);
        return;
      case 'network.askDone':
        return this.networkAsks.done(m.id);
      case 'network.state':
        return;
      case 'action.ask':
      case 'action.askDone':
      case 'action.done':
        return this.actionCards.apply(m);
      case 'memory.changed':
        // The editor records a fix once her change made the error go away (the memory of fixes): she is pleased.
        if (this.awaitingFix && m.fact?.source === 'fix') {
          this.awaitingFix = false;
          this.avatar.react('fixed');
        }
        return this.memory.changed(m);
      case 'host.file':
        return this.memory.fileAnswer(m);
      case 'avatar.changed':
        this.avatars.changed(m);
        return this.showAvatar(m.active);
      case 'action.exec': // for the extension (it runs editor actions), not the page
      case 'settings.changed': // for the extension (it writes VS Code's settings)
      case 'action.state':
        return;
    }
  }

  private onHostState(state: HostState): void {
    const wasReady = this.hostState?.connection === 'ready';
    const avatarUrlChanged = JSON.stringify(this.hostState?.avatarUrl) !== JSON.stringify(state.avatarUrl);
    this.hostState = state;
    if (avatarUrlChanged) this.showAvatar(this.activeAvatar);
    if (state.avatarMaxFps !== undefined) this.avatar.setMaxFps(state.avatarMaxFps);
    this.updateBanners();
    this.composer.setBlocked(composerBlockedReason(state));
    const ready = state.connection === 'ready';
    if (ready && !wasReady) {
      this.loading = true;
      this.loaded = this.refreshAll()
        .catch(() => {})
        .finally(() => (this.loading = false));
      // Messages sent while she was away go now (each waits for the reload: `loading` is set).
      this.outbox.release();
      this.memory.reset(); // an open Memory view reads the list again
    } else if (state.connection === 'failed' || state.connection === 'stopped') {
      const err: ErrorInfo = { code: 'internal', message: 'Alisa is not running.', action: 'Your message is back in the box; send it when she is back.' };
      this.outbox.rejectAll(err);
    }
    if (!ready && wasReady) {
      this.offers.clear();
      this.networkAsks.clear();
      this.actionCards.interrupt();
      this.screen.setStatus(null); // a companion that is gone captures nothing
      this.voices.step(() => this.speech.stop()); // …and says nothing more
      this.voices.setStatus(null);
      this.camera.setStatus(null); // …nor looks through the camera
      this.dnd.setStatus(null);
      this.contextNotice.setState(null);
      this.applyResult(this.assembler.interruptAll());
      this.face.reset();
    }
  }

  /** Shows `source` (what the companion says is active) as this page can load it; the SVG when it cannot. */
  private showAvatar(source: AvatarSource | null): void {
    this.activeAvatar = source;
    const resolved = source ? resolveAvatarSource(source, this.hostState?.avatarUrl) : null;
    const key = JSON.stringify(resolved);
    if (key === this.shownAvatar) return;
    this.shownAvatar = key;
    void this.avatar.setSource(resolved);
  }

  private setStatus(status: Status): void {
    this.status = status;
    this.persona.setMode(status.mode);
    this.persona.setActiveCharacter(status.characterId);
    this.memory.setEmbeddings(status.embeddings ?? null);
    this.showCharacter();
    this.updateBanners();
  }

  private updateBanners(): void {
    this.banners.setBanners(computeBanners(this.hostState, this.status));
  }

  private async refreshAll(): Promise<void> {
    // Her avatar loads on its own time (a model may be large): not waited for.
    request(this.host, 'avatar.list', {}).then(
      (r) => this.showAvatar(r.active),
      () => {},
    );
    const [status, characters, screen, voice, presence, idle] = await Promise.allSettled([
      request(this.host, 'status.get', {}),
      request(this.host, 'character.list', {}),
      request(this.host, 'screen.status', {}),
      request(this.host, 'voice.status', {}),
      request(this.host, 'presence.status', {}),
      request(this.host, 'idle.status', {}),
    ]);
    // Likewise without voice: no mute or mic button.
    if (voice.status === 'fulfilled') this.voices.setStatus(voice.value);
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
    await this.chats.refreshSessions({ reopen: true });
  }

  /** What the user said: a voice command is shown; dictation goes into the box, or is sent. */
  private onTranscript(t: VoiceTranscript): void {
    if (t.command !== null) {
      this.voice.showLine(`Heard: ${t.command}`, 'heard');
      const command = t.command.trim().toLowerCase();
      // The editor carries out explain / fix / open / new session; a browser has only the panel.
      if (command === 'hello alisa' || command === 'hey alisa') this.outbox.send('Hello, Alisa!');
      else if (command === 'new session' && this.hostState?.host === 'browser') this.call(this.chats.newSession());
      return;
    }
    const text = t.text.trim();
    if (!text) return;
    this.voice.hideLine('heard');
    if (t.mode === 'send' && this.composer.value.trim() === '' && this.outbox.send(text)) return;
    this.composer.insert(text);
  }

  /**
   * An answer to a help offer. "Fix" in VS Code goes to the host, which asks for the fix and
   * previews it as a diff; elsewhere (and for Explain / Not now) the companion is told directly.
   */
  private async answerOffer(offer: HelpOffer, choice: HelpOfferChoice): Promise<void> {
    if (choice === 'fix') this.awaitingFix = true;
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

  /** The active character's name on her replies, and her greeting in an empty chat. */
  private showCharacter(): void {
    const name = this.persona.activeName();
    this.list.setAssistantName(name);
    // A card's greeting speaks of {{char}} and {{user}}; she says it to the user: "you".
    const greeting = this.persona.activeGreeting();
    this.list.setGreeting(name, greeting === null ? null : expandMacros(greeting, name, 'you'));
  }

  private setAvatarHidden(hidden: boolean): void {
    this.shell.stage.hidden = hidden;
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
