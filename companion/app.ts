// The composition root: opens memory, creates the LLM providers, the chat pipeline and the
// servers, and reports status. Start-up never waits for the model: the server is ready at once
// and the model loads in the background (its progress is in /health and `status` events).
// It is just over 400 lines because it wires every service to the others in one place, in the
// order they depend on each other; each service's own logic lives in its module.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PROTOCOL_VERSION, type DatabaseState, type ModelState, type Status } from '../protocol';
import { SessionTitler } from './chat/session-title';
import { ChatService } from './chat/chat-service';
import { WorkspaceInstructions } from './chat/workspace-instructions';
import { RecapService } from './recap/recap-service';
import type { CompanionConfig } from './config';
import { ensureDataDir } from './data-dir';
import { HelpService } from './help/help-service';
import { IdleService } from './idle/idle-service';
import { AwareContextStore, RhythmService } from './rhythm';
import { PresenceService } from './presence';
import { ScreenService } from './screen/screen-service';
import { AlisaError, toAlisaError } from './errors';
import { LegacyServer } from './legacy/legacy-server';
import { LegacySession } from './legacy/legacy-session';
import { createProviders, type ProviderRegistry } from './llm';
import { MemoryStore, type MovedAside } from './memory';
import { describeNativeLoadError } from './memory/native-addon';
import { DEFAULT_CHARACTER } from './persona';
import { loadApiKey, type ApiKey } from './server/api-key';
import { CompanionServer } from './server/companion-server';
import { EventHub } from './events';
import { CompanionState } from './state';
import { ListenService } from './voice/listen-service';
import { VoiceService } from './voice/voice-service';
import { NetworkGate, setNetworkGate } from './privacy/network-gate';
import { ActionExecutor } from './actions/executor';
import { desktopDriver } from './actions/desktop';
import { defaultNotesDir } from './actions/notes';
import { parseSlash } from './actions/slash';
import { parseTrigger } from './legacy/legacy-actions';
import { outcomeForModel, toolSpecs } from './actions/tools';
import { McpHub } from './actions/mcp';
import { FactExtractor } from './memory-recall/extractor';
import { MemoryRecall } from './memory-recall/memory-recall';
import { createMemoryEmbedder } from './memory-recall/embeddings-setup';
import { MemoryVectors } from './memory-recall/memory-vectors';
import { SessionSummarizer } from './memory-recall/session-summarizer';
import { createCodeIndex, type CodeIndexService } from './code-index';
import { AvatarService } from './avatars/avatar-service';
import { AvatarStore } from './avatars/avatar-store';
import { CharacterCardService } from './persona/character-card-service';
import type { CompanionCore } from './server/request-handlers';
import type { WaifuDeps } from './waifu/api-types';
import { configRoutes, waifuConfigOf } from './waifu/config-routes';
import { dataRoutes } from './waifu/data-routes';
import { speechRoutes } from './waifu/speech-routes';
import { WaifuServer, waifuMultipartLimit } from './waifu/waifu-server';

declare const __ALISA_VERSION__: string;
export const VERSION = typeof __ALISA_VERSION__ === 'string' ? __ALISA_VERSION__ : '0.0.0-dev';

/**
 * A failed database open is retried on demand, at most this often (a lock may go away).
 * ALISA_DB_RETRY_MS overrides it (tests: 0 retries on every request).
 */
const DB_RETRY_MS = (() => {
  const v = Number(process.env.ALISA_DB_RETRY_MS ?? '');
  return process.env.ALISA_DB_RETRY_MS && Number.isInteger(v) && v >= 0 ? v : 2000;
})();

export class CompanionApp {
  readonly token: string;
  /** The key of the OpenAI-compatible API (/v1 only), stable across restarts; see server/api-key.ts. */
  readonly apiKey: ApiKey;
  readonly context = new AwareContextStore();
  readonly registry: ProviderRegistry;
  readonly state: CompanionState;
  readonly chat: ChatService;
  /** Long-term memory in the chat: capture and recall (memory-recall/). */
  readonly recall: MemoryRecall;
  /** Hybrid recall's vectors, made in the background (null: no embedding model, BM25 alone). */
  readonly vectors: MemoryVectors | null;
  /** Each workspace's instructions, as its windows sent them (issue 17). */
  readonly instructions = new WorkspaceInstructions();
  /** The codebase index of each workspace (issue 17, code-index/): the codeIndex.* methods and chat's `@codebase`. */
  readonly codeIndex: CodeIndexService;
  readonly help: HelpService;
  /** Returning after a break: the recap in her greeting (issue 17, recap/). */
  readonly recap: RecapService;
  /** The user's own avatars and which one is active (issue 18, avatars/). */
  readonly avatars: AvatarService;
  readonly rhythm: RhythmService;
  readonly idle: IdleService;
  readonly screen: ScreenService;
  readonly presence: PresenceService;
  readonly voice: VoiceService;
  /** Every connection to another machine goes through it (privacy/network-gate.ts). */
  readonly network: NetworkGate;
  /** Alisa's hands: every action through one policy (actions/executor.ts). */
  readonly actions: ActionExecutor;
  /** The MCP servers the user listed (null: none); their tools run through `actions`. */
  readonly mcp: McpHub | null;
  /** The legacy clients' own session; reserved even while the legacy port is off. */
  readonly legacySession: LegacySession;
  private memoryStore: MemoryStore | null = null;
  private dbError: AlisaError | null = null;
  private dbFailedAt = 0;
  /** The failure cannot heal by waiting (the SQLite addon does not load): no more attempts. */
  private dbFinal = false;
  /** The failure last logged and how often it came back since, unlogged. */
  private dbLogged: { text: string; repeats: number } | null = null;
  /** The damaged file moved aside at open, reported in status until the companion exits. */
  private dbRecovered: MovedAside | null = null;
  /** The process's one event hub (events.ts): built before everything that publishes or listens. */
  readonly events = new EventHub();
  private server: CompanionServer | null = null;
  private legacy: LegacyServer | null = null;
  private waifu: WaifuServer | null = null;
  private defaultCharacterId = 1;

  constructor(
    readonly config: CompanionConfig,
    private readonly log: (line: string) => void,
  ) {
    this.token = config.token ?? randomBytes(32).toString('base64url');
    // First: nothing below may connect out before the gate is in place. Its questions go to every
    // connected client (none connected: refused at once).
    this.network = new NetworkGate({
      mode: config.network,
      dataDir: config.dataDir,
      askTimeoutMs: config.networkAskMs,
      log,
      ask: (ask) => {
        this.events.emit({ type: 'network.ask', ...ask });
        return this.server?.clientCount() ?? 0;
      },
      askDone: (id, allow) => this.events.emit({ type: 'network.askDone', id, allow }),
      onChange: (status) => this.events.emit({ type: 'network.state', status }),
    });
    setNetworkGate(this.network);
    this.apiKey = loadApiKey(config.dataDir, config.openAiApiKey ?? undefined, log);
    this.tryOpenMemory();
    this.state = CompanionState.load(this.memoryStore, { mode: config.mode, characterId: this.pickCharacter() });
    this.registry = createProviders({
      order: config.providers,
      embedded: {
        model: config.model,
        modelsDir: config.modelsDir,
        contextSize: config.contextSize,
        threads: config.threads,
        parallel: config.parallel,
        gpu: config.gpu,
        downloadAllowed: config.downloadModel,
      },
      openai: config.endpoint ? { baseUrl: config.endpoint, apiKey: config.apiKey, model: config.endpointModel, timeoutMs: config.llmTimeoutMs } : undefined,
    });
    const embedder = createMemoryEmbedder(config);
    const replying = () => this.chat.activeReplies().length > 0;
    this.vectors = embedder ? new MemoryVectors({ memory: () => this.memory(), embedder, events: this.events, replying, log }) : null;
    this.vectors?.onStateChange(() => this.events.emit({ type: 'status', status: this.status() }));
    this.vectors?.start();
    this.recall = new MemoryRecall({ memory: () => this.memory(), emit: (e) => this.events.emit(e), log, similar: () => this.vectors });
    // The codebase index may search by meaning too, with the same embedding model, when a window asks (alisa.codeIndex.embeddings).
    this.codeIndex = createCodeIndex({ dataDir: config.dataDir, events: this.events, log, embedder: () => embedder });
    this.chat = new ChatService({
      memory: () => this.memory(),
      registry: this.registry,
      state: this.state,
      context: this.context,
      settings: {
        historyTokens: config.historyTokens,
        maxReplyTokens: config.maxReplyTokens,
        temperature: config.temperature,
        promptStyle: config.promptStyle,
        emotionGrammar: config.emotionGrammar,
      },
      events: this.events,
      instructions: this.instructions,
      recall: (req) => this.recall.recall(req),
      prepareRecall: (text) => this.recall.prepare(text),
      codebase: this.codeIndex,
    });
    // Long-term memory (issue 17): "remember that ..." / "forget ..." in the user's own messages.
    this.chat.memoryHook = (text, origin, userMessageId) => this.recall.onUserMessage(text, origin?.workspace ?? null, userMessageId);
    // What the model does in the background after an exchange: name the chat, note facts about the user.
    const background = { memory: () => this.memory(), events: this.events, log, readyProvider: () => this.registry.readyProvider() };
    new SessionTitler({ ...background, mode: config.autoTitle });
    new FactExtractor({ ...background, mode: config.memoryExtract, replying });
    new SessionSummarizer({ ...background, mode: config.memoryExtract, replying, idleMs: config.memorySummaryIdleMs });
    this.legacySession = new LegacySession({ memory: () => this.memory(), emit: (e) => this.events.emit(e), characterId: () => this.state.characterId });
    this.chat.isReservedSession = (id) => this.legacySession.isReserved(id);
    // Task memory first: help offers and idle talk share its learned quiet hours.
    this.rhythm = new RhythmService({
      memory: () => this.memory(),
      log,
      onTaskSwitch: (_from, _to, at) => this.idle?.taskSwitched(at),
    });
    this.context.patternLines = () => this.rhythm.promptLines();
    this.help = new HelpService({
      rhythm: this.rhythm,
      chat: this.chat,
      context: this.context,
      state: this.state,
      maxReplyTokens: config.maxReplyTokens,
      memory: () => this.memory(),
      log,
      policy: {
        ...(config.helpDebounceMs !== undefined ? { debounceMs: config.helpDebounceMs } : {}),
        ...(config.helpCooldownMs !== undefined ? { cooldownMs: config.helpCooldownMs } : {}),
      },
    });
    this.recap = new RecapService({ chat: this.chat, state: this.state, memory: () => this.memory(), log });
    this.idle = new IdleService({
      chat: this.chat,
      context: this.context,
      state: this.state,
      memory: () => this.memory(),
      rhythm: this.rhythm,
      disabled: !config.idle,
      log,
      policy: {
        timeScale: config.idleTimeScale,
        ...(config.idleChance !== undefined ? { chanceOverride: config.idleChance } : {}),
      },
      ...(config.idleCheckMs !== undefined ? { checkMs: config.idleCheckMs } : {}),
      ...(config.idleEngagedMs !== undefined ? { engagedWithinMs: config.idleEngagedMs } : {}),
    });
    // What the user does feeds task memory: their chats, and changes of activity (editor or
    // desktop) as the activity fuser reports them.
    this.events.onEvent((event) => {
      if (event.type === 'reply.start' && !event.spontaneous) this.rhythm.observe('chat');
      else if (event.type === 'context.state') this.rhythm.observe(event.state.activity);
    });
    // A reply starting or ending changed its session (a message more, newer): every client hears
    // of it with the session itself and updates its list in place instead of reloading it. After
    // the reply event itself (a microtask), which the clients see first.
    this.events.onEvent((event) => {
      if (event.type !== 'reply.start' && event.type !== 'reply.end' && event.type !== 'reply.error') return;
      const { sessionId } = event;
      queueMicrotask(() => {
        let session;
        try {
          session = this.memory().getSession(sessionId);
        } catch (err) {
          log(`session ${sessionId} could not be read for the session list: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        if (session) this.events.emit({ type: 'sessions.changed', session });
      });
    });
    this.screen = new ScreenService({
      context: this.context,
      emit: (e) => this.events.emit(e),
      log,
      timing: {
        ...(config.screenActiveMs !== undefined ? { activeMs: config.screenActiveMs } : {}),
        ...(config.screenIdleMs !== undefined ? { idleMs: config.screenIdleMs } : {}),
      },
    });
    this.presence = new PresenceService({ context: this.context, emit: (e) => this.events.emit(e), log });
    this.voice = new VoiceService({
      events: this.events,
      emit: (e) => this.events.emit(e),
      dataDir: config.dataDir,
      log,
      options: {
        muted: config.muted,
        ttsEngines: config.ttsEngines,
        voice: config.ttsVoice ?? null,
        edgeEndpoint: config.edgeEndpoint,
        servers: config.ttsServers,
        piperBinary: config.piperBinary,
        piperModel: config.piperModel,
        timings: {
          ...(config.ttsTimeoutMs !== undefined ? { firstAudioMs: config.ttsTimeoutMs } : {}),
          ...(config.ttsCooldownMs !== undefined ? { cooldownMs: config.ttsCooldownMs } : {}),
        },
      },
    });
    // Speech in: push-to-talk and hands-free recording, dictation and the offline voice commands.
    this.voice.attachListen(
      new ListenService({
        emit: (e) => this.events.emit(e),
        modelsDir: config.modelsDir,
        // Launch settings only (never over the connection): checked by the engines, which say
        // in the voice status what is wrong and which setting to fix.
        sttModel: config.sttModel,
        sttEndpoint: config.sttEndpoint,
        sttServerModel: config.sttServerModel,
        log,
        onUserSpeech: () => this.voice.bargeIn(),
        onCommand: (c) => this.voice.handleCommand(c),
        // "Take a note: ...", "open firefox": the original's phrases, said aloud, through the executor (it asks first).
        onActionPhrase: (text) => {
          const trigger = parseTrigger(text.replace(/[.!?]+$/, ''));
          if (!trigger) return false;
          void this.actions.run({ ...trigger, source: 'voice', clientId: null, workspace: null });
          return true;
        },
        onChange: () => this.voice.changed(),
      }),
    );
    this.actions = new ActionExecutor({
      memory: () => this.memory(),
      emit: (e, origin) => this.events.emit(e, origin ?? null),
      desktop: desktopDriver(),
      notesDir: config.notesDir ?? defaultNotesDir(),
      log,
      askTimeoutMs: config.actionAskMs,
      settings: { enabled: config.actions, ...(config.actionsPerMinute !== undefined ? { perMinute: config.actionsPerMinute } : {}) },
    });
    this.mcp = config.mcpServers.length > 0 ? new McpHub({ servers: config.mcpServers, log, version: VERSION }) : null;
    if (this.mcp) this.actions.addProvider(this.mcp);
    this.chat.actionCommand = (text, origin) => {
      const slash = parseSlash(text);
      if (!slash) return null;
      const { callId } = this.actions.start({ ...slash, source: 'user', clientId: origin?.clientId ?? null, workspace: origin?.workspace ?? null });
      return { callId, name: slash.action };
    };
    // The model's tools: every call it makes runs through the same executor as the model's.
    this.chat.toolRunner = {
      specs: () => toolSpecs(this.actions),
      offerTo: (providerId) => config.modelTools === 'on' || (config.modelTools === 'auto' && providerId !== 'embedded'),
      run: async (call, ctx) =>
        outcomeForModel(
          await this.actions.run({
            action: call.name,
            args: call.args,
            source: 'model',
            provenance: ctx.provenance,
            clientId: ctx.origin?.clientId ?? null,
            workspace: ctx.origin?.workspace ?? null,
            replyId: ctx.replyId,
          }),
        ),
    };
    this.registry.onStateChange(() => this.events.emit({ type: 'status', status: this.status() }));
    this.state.onChange(() => this.events.emit({ type: 'status', status: this.status() }));
    this.avatars = new AvatarService({
      store: new AvatarStore({ dir: path.join(config.dataDir, 'avatars'), maxImportMB: config.avatarMaxImportMB, log }),
      events: this.events,
      character: () => (this.memoryStore ? (this.memoryStore.getCharacter(this.state.characterId) ?? null) : null),
    });
    // Another character may have another avatar.
    this.state.onChange((change) => {
      if (change.characterId !== undefined) this.avatars.refresh();
    });
  }

  /** The open database, reopening it if an earlier attempt failed (a lock may have gone). */
  memory(): MemoryStore {
    if (this.memoryStore) return this.memoryStore;
    if (!this.dbFinal && Date.now() - this.dbFailedAt >= DB_RETRY_MS) this.tryOpenMemory();
    if (this.memoryStore) return this.memoryStore;
    throw this.dbError ?? new AlisaError('database_unavailable', 'The database is not open.');
  }

  private tryOpenMemory(): void {
    try {
      ensureDataDir(this.config.dataDir);
      const store = MemoryStore.open(this.config.dbPath);
      if (store.movedAside) {
        this.dbRecovered = store.movedAside;
        this.log(`database: ${store.movedAside.message} ${store.movedAside.action}`);
      }
      try {
        const interrupted = store.markStreamingInterrupted();
        if (interrupted > 0) this.log(`marked ${interrupted} reply(s) cut off by the last exit as interrupted`);
        this.defaultCharacterId = store.upsertBuiltinCharacter(DEFAULT_CHARACTER).id;
      } catch (err) {
        store.close();
        throw err;
      }
      this.memoryStore = store;
      this.dbError = null;
      if (this.dbLogged) {
        this.log(`database: open now, after ${this.dbLogged.repeats + 1} failed attempt(s) with the error above`);
        this.dbLogged = null;
      }
    } catch (err) {
      this.dbError = toAlisaError(err, 'database_unavailable');
      this.dbFailedAt = Date.now();
      // A SQLite addon that does not load (another Node's ABI, missing, another platform) stays so
      // until the companion restarts: reported once, never retried every 2 s.
      this.dbFinal = describeNativeLoadError(this.dbError.cause ?? err) !== null;
      this.logDbFailure(
        `${this.dbError.message}${this.dbError.action ? ` ${this.dbError.action}` : ''}${this.dbFinal ? ' (not retried until Alisa restarts)' : ''}`,
      );
    }
  }

  /** Each distinct failure once; a repeat is counted, and the count told when the error changes. */
  private logDbFailure(text: string): void {
    const last = this.dbLogged;
    if (last?.text === text) {
      last.repeats++;
      return;
    }
    if (last && last.repeats > 0) this.log(`database: the error above came back ${last.repeats} more time(s)`);
    this.dbLogged = { text, repeats: 0 };
    this.log(`database: ${text}`);
  }

  private pickCharacter(): number {
    if (this.config.character && this.memoryStore) {
      const c = this.memoryStore.getCharacterByKey(this.config.character);
      if (c) return c.id;
      this.log(`character "${this.config.character}" not found; using ${DEFAULT_CHARACTER.name}`);
    }
    return this.defaultCharacterId;
  }

  private recoveredInfo(): DatabaseState['recovered'] {
    const r = this.dbRecovered;
    return r ? { movedTo: r.movedTo, message: r.message, action: r.action } : null;
  }

  status(): Status {
    const providers = this.registry.states();
    const database: DatabaseState = this.memoryStore
      ? { state: 'ready', path: this.config.dbPath, error: null, recovered: this.recoveredInfo() }
      : {
          state: 'error',
          path: this.config.dbPath,
          error: (this.dbError ?? new AlisaError('database_unavailable', 'The database is not open.')).toInfo(),
          recovered: this.recoveredInfo(),
        };
    const model: ModelState = this.registry.current();
    return {
      version: VERSION,
      protocolVersion: PROTOCOL_VERSION,
      model,
      providers,
      database,
      mode: this.state.mode,
      characterId: this.state.characterId,
      ...(this.vectors ? { embeddings: this.vectors.state() } : {}),
    };
  }

  async start(): Promise<{ port: number; legacyPort: number | null; waifuPort: number | null }> {
    // One core for both servers: the waifu-rt3d API works on the same services as the panel.
    const core: CompanionCore = {
      chat: this.chat,
      events: this.events,
      help: this.help,
      idle: this.idle,
      rhythm: this.rhythm,
      screen: this.screen,
      presence: this.presence,
      voice: this.voice,
      registry: this.registry,
      memory: () => this.memory(),
      state: this.state,
      status: () => this.status(),
      historyTokens: this.config.historyTokens,
      defaultCharacterId: () => this.defaultCharacterId,
      network: this.network,
      modelUri: this.config.model,
      modelsDir: this.config.modelsDir,
      detach: () => this.detach?.() ?? false,
      windows: () => this.windowCount(),
      actions: this.actions,
      mcp: this.mcp,
      instructions: this.instructions,
      codeIndex: this.codeIndex,
      characterCards: new CharacterCardService({ memory: () => this.memory(), dataDir: this.config.dataDir, avatars: this.avatars }),
      recap: this.recap,
      avatars: this.avatars,
    };
    this.server = new CompanionServer(core, this.registry, {
      port: this.config.port,
      token: this.token,
      apiKey: this.apiKey.key,
      rateLimit: this.config.rateLimit,
      allowedOrigins: this.config.allowedOrigins,
      version: VERSION,
      log: this.log,
    });
    const port = await this.server.listen();
    // A window that leaves takes its editor actions with it.
    this.server.onClientsChanged(() => this.actions.forgetClientsExcept(this.server?.clientIds() ?? new Set()));
    this.help.start();
    this.idle.start();
    let legacyPort: number | null = null;
    if (this.config.legacyPort !== null) {
      this.legacy = new LegacyServer(this.config.legacyPort, {
        chat: this.chat,
        context: this.context,
        session: this.legacySession,
        historyTokens: this.config.historyTokens,
        speechFrames: this.config.legacySpeechFrames,
        version: VERSION,
        log: this.log,
        actions: this.actions,
      });
      legacyPort = await this.legacy.listen();
    }
    let waifuPort: number | null = null;
    if (this.config.waifuPort !== null) {
      const base: Omit<WaifuDeps, 'config'> = { core, companionConfig: this.config, dataDir: this.config.dataDir, log: this.log };
      const deps: WaifuDeps = { ...base, config: () => waifuConfigOf(base) };
      this.waifu = new WaifuServer([dataRoutes(deps), configRoutes(deps), speechRoutes(deps)], {
        port: this.config.waifuPort,
        allowedOrigins: this.config.allowedOrigins,
        multipartLimit: waifuMultipartLimit(this.avatars.store.maxImportBytes),
        frontend: this.config.waifuFrontend,
        log: this.log,
      });
      waifuPort = await this.waifu.listen();
    }
    // In the background: each server's failure is in its state (mcp.status), never thrown.
    void this.mcp?.start();
    if (this.config.screen) void this.screen.configure({ enabled: true });
    if (this.config.loadModelAtStart) {
      // In the background: failures are reported through status, never thrown.
      this.registry.active().catch((err) => this.log(`model: ${toAlisaError(err).message}`));
    }
    return { port, legacyPort, waifuPort };
  }

  /** Set by main.ts: the starting window is closing; true when the companion stays for other windows. */
  detach: (() => boolean) | null = null;

  /** VS Code windows connected now (see window-keeper.ts). */
  windowCount(): number {
    return this.server?.windowCount() ?? 0;
  }

  onClientsChanged(listener: () => void): () => void {
    return this.server?.onClientsChanged(listener) ?? (() => {});
  }

  async stop(): Promise<void> {
    this.help.stop();
    this.idle.stop();
    this.rhythm.stop();
    await this.voice.dispose();
    await this.screen.stop();
    await this.presence.stop();
    this.actions.dispose();
    await this.mcp?.dispose();
    await this.chat.shutdown();
    await this.codeIndex.dispose();
    await this.vectors?.dispose();
    await this.legacy?.close();
    await this.waifu?.close();
    await this.server?.close();
    await this.registry.dispose();
    this.memoryStore?.close();
    this.memoryStore = null;
    this.network.dispose();
  }
}
