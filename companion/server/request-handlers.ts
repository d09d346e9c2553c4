// One handler per protocol method. The compiler checks that every method in `protocol/` has a
// handler here and that each returns that method's result type.
import type { ClientWorkspace, MemoryChangedEvent, MethodName, Params, Result, Session, Status } from '../../protocol';
import { BUILTIN_AVATAR_ID } from '../../protocol';
import type { ChatService } from '../chat/chat-service';
import type { EventHub } from '../events';
import type { HelpService } from '../help/help-service';
import type { IdleService } from '../idle/idle-service';
import type { RhythmService } from '../rhythm';
import type { PresenceService } from '../presence';
import type { ScreenService } from '../screen/screen-service';
import type { VoiceService } from '../voice/voice-service';
import { AlisaError } from '../errors';
import { downloadPlan } from '../llm/download-plan';
import { isRemoteModel } from '../llm/model-source';
import { networkGate } from '../privacy/network-gate';
import { redactContextUpdate, redactExplain, redactFix, secretsIn } from '../privacy/doors';
import type { ProviderRegistry } from '../llm';
import type { MemoryStore } from '../memory';
import { recordFix } from '../memory/fix-memory';
import type { RecapService } from '../recap/recap-service';

import type { CompanionState } from '../state';
import type { NetworkGate } from '../privacy/network-gate';
import type { ActionExecutor } from '../actions/executor';
import type { McpHub } from '../actions/mcp';
import type { WorkspaceInstructions } from '../chat/workspace-instructions';
import type { CodeIndexService } from '../code-index/code-index-service';
import type { AvatarService } from '../avatars/avatar-service';
import { avatarHandlers } from '../avatars/avatar-handlers';
import type { CharacterCardService } from '../persona/character-card-service';

export interface CompanionCore {
  chat: ChatService;
  /** The process's event hub (events.ts). */
  events: EventHub;
  help: HelpService;
  idle: IdleService;
  rhythm: RhythmService;
  screen: ScreenService;
  presence: PresenceService;
  voice: VoiceService;
  registry: ProviderRegistry;
  /** The open database; throws an AlisaError when it cannot be opened. */
  memory(): MemoryStore;
  state: CompanionState;
  status(): Status;
  historyTokens: number;
  defaultCharacterId(): number;
  /** The configured model (path or URI) and where downloads go. */
  modelUri: string;
  /** The network gate: its mode, the user's answers, the activity. */
  network: NetworkGate;
  modelsDir: string;
  /** VS Code windows connected now (they keep settings; the waifu-rt3d config asks them to write its changes). */
  windows?: () => number;
  /** The starting window is closing (companion.detach): true when the companion stays for other windows. */
  detach?: () => boolean;
  /** Alisa's hands: the one executor and its policy (actions/executor.ts). */
  actions: ActionExecutor;
  /** The MCP servers the user listed (null: none). */
  mcp?: McpHub | null;
  /** Each workspace's instructions (issue 17); absent: none are kept. */
  instructions?: WorkspaceInstructions;
  /** The codebase indexes (issue 17); absent: the codeIndex.* methods say it is not available. */
  codeIndex?: CodeIndexService;
  /** The user's own avatars (issue 18, avatars/); absent: the avatar.* methods say there are none. */
  avatars?: AvatarService;
  /** Character cards (issue 18): import, export, portraits; absent: the methods say it is not available. */
  characterCards?: CharacterCardService;
  /** Returning after a break (issue 17, recap/); absent: no recap, and its methods say so. */
  recap?: RecapService;
}

export interface RequestContext {
  clientId: string;
  /** The workspace the client said in hello; null: none (the browser UI, older clients). */
  workspace: ClientWorkspace | null;
}

export type Handlers = {
  [M in MethodName]: (params: Params<M>, ctx: RequestContext) => Result<M> | Promise<Result<M>>;
};

export function createHandlers(core: CompanionCore): Handlers {
  const sessionsChanged = (change: { session?: Session; deletedSessionId?: number } = {}) => core.events.emit({ type: 'sessions.changed', ...change });
  const memoryChanged = (change: Omit<MemoryChangedEvent, 'type'>) => core.events.emit({ type: 'memory.changed', ...change });
  const cards = () => {
    if (!core.characterCards) throw new AlisaError('invalid_argument', 'This companion cannot import or export character cards.');
    return core.characterCards;
  };
  const codeIndex = () => {
    if (!core.codeIndex) throw new AlisaError('invalid_argument', 'This companion keeps no codebase index.');
    return core.codeIndex;
  };
  return {
    'chat.send': (p, ctx) => {
      // A new message from the user is a barge-in: she stops talking at once.
      core.voice.bargeIn();
      const result = core.chat.send(p, { clientId: ctx.clientId, workspace: ctx.workspace });
      // The user's own words are stored as typed; a secret in them is reported for a warning.
      const secrets = result.replyId === null ? 0 : secretsIn(p.text);
      return secrets > 0 ? { ...result, secrets } : result;
    },
    'chat.retry': (p, ctx) => {
      core.voice.bargeIn();
      return core.chat.retry(p.userMessageId, { clientId: ctx.clientId, workspace: ctx.workspace });
    },
    'chat.edit': (p, ctx) => {
      core.voice.bargeIn();
      const result = core.chat.edit(p.messageId, p.text, { clientId: ctx.clientId, workspace: ctx.workspace });
      // Stored as typed, as chat.send stores it; a secret in it is reported for a warning.
      const secrets = secretsIn(p.text);
      return secrets > 0 ? { ...result, secrets } : result;
    },
    'chat.cancel': (p) => ({ cancelled: core.chat.cancel(p.replyId) }),
    'mode.set': (p) => ({ mode: core.chat.setModeByName(p.mode) }),
    'status.get': () => core.status(),
    'companion.detach': () => ({ staying: core.detach?.() ?? false }),
    'model.load': () => {
      // An explicit load is the user's yes to a download the model may need, and to its host (the
      // download dialog named it): the network gate does not ask a second time.
      core.registry.allowDownloads();
      if (isRemoteModel(core.modelUri)) {
        const host = downloadPlan(core.modelUri, core.modelsDir).host;
        if (host) networkGate().allowForRun(new URL(`http://${host}`).hostname);
      }
      // In the background: the caller follows progress and errors through `status` events.
      core.registry.active().catch(() => {});
      return { model: core.registry.current() };
    },
    'model.cancelLoad': () => ({ cancelled: core.registry.cancelLoads() }),
    'model.downloadPlan': (p) => downloadPlan(p.uri ?? core.modelUri, core.modelsDir),

    // A client without a workspace sees every session, whatever scope it asks for.
    'session.list': (p, ctx) => ({
      ...core.memory().listSessionsPage({ workspace: p.scope === 'all' ? null : ctx.workspace?.id, limit: p.limit, cursor: p.cursor }),
      workspace: ctx.workspace?.id ?? null,
    }),
    'session.create': (p, ctx) => {
      const s = core.memory().createSession(p.title, core.state.characterId, ctx.workspace);
      sessionsChanged({ session: s });
      return s;
    },
    'session.rename': (p) => {
      const s = core.memory().renameSession(p.sessionId, p.title);
      sessionsChanged({ session: s });
      return s;
    },
    'session.delete': (p) => {
      // Its summary (issue 17) goes with it: the Memory view hears of that too.
      const summary = core.memory().sessionSummary(p.sessionId);
      core.memory().deleteSession(p.sessionId);
      sessionsChanged({ deletedSessionId: p.sessionId });
      if (summary) memoryChanged({ deletedIds: [summary.id] });
      return { ok: true };
    },
    'session.messages': (p) => {
      const memory = core.memory();
      if (!memory.getSession(p.sessionId)) throw new AlisaError('not_found', `There is no chat session ${p.sessionId}.`);
      return { messages: memory.listMessages(p.sessionId, { limit: p.limit, beforeId: p.beforeId }) };
    },

    'memory.search': (p) => ({ hits: core.memory().search(p.query, p.limit) }),
    'history.summary': (p) => core.memory().summary(p.sessionId, core.historyTokens),
    'history.clear': (p) => {
      const memory = core.memory();
      memory.clear(p.sessionId);
      // One chat emptied: that one changed; all of them: every client reloads its (empty) list.
      const session = p.sessionId === undefined ? null : memory.getSession(p.sessionId);
      sessionsChanged(session ? { session } : {});
      return { ok: true };
    },
    'history.export': (p) => {
      const memory = core.memory();
      return { format: p.format, content: p.format === 'json' ? memory.exportJson(p.sessionId) : memory.exportMarkdown(p.sessionId) };
    },

    'character.list': () => ({ characters: core.memory().listCharacters(), activeId: core.state.characterId }),
    'character.create': (p) => core.memory().createCharacter(p),
    'character.update': (p) => {
      const { characterId, ...patch } = p;
      // An id that names no avatar would quietly show the default: refused, with the way out.
      if (typeof patch.avatarId === 'string' && patch.avatarId !== BUILTIN_AVATAR_ID && !core.avatars?.store.get(patch.avatarId)) {
        throw new AlisaError(
          'invalid_argument',
          `There is no avatar "${patch.avatarId.slice(0, 200)}".`,
          `Choose one of the avatars listed (avatar.list), "${BUILTIN_AVATAR_ID}", or null for the default.`,
        );
      }
      return core.memory().updateCharacter(characterId, patch);
    },
    'character.delete': (p) => {
      core.memory().deleteCharacter(p.characterId);
      core.characterCards?.removeFiles(p.characterId);
      if (core.state.characterId === p.characterId) core.state.setCharacter(core.defaultCharacterId());
      return { ok: true };
    },
    'character.import': (p) => cards().import(p),
    'character.export': (p) => cards().export(p),
    'character.portrait': (p) => cards().portrait(p.characterId),
    'character.select': (p) => {
      if (!core.memory().getCharacter(p.characterId)) throw new AlisaError('not_found', `There is no character ${p.characterId}.`);
      core.state.setCharacter(p.characterId);
      return { activeId: p.characterId };
    },

    'context.update': (raw, ctx) => {
      // Outside text (editor, diagnostics, terminal, debugger) is redacted at the door.
      const p = redactContextUpdate(raw).update;
      const result = core.help.onContextUpdate(p, ctx.clientId, ctx.workspace?.id ?? null);
      core.recap?.observe(p, ctx.workspace);
      // Each report is a sign of activity for task memory; typing keeps idle talk back.
      core.rhythm.observe(result.state.activity);
      if (p.typing) core.idle.typing();
      return result;
    },
    'help.respond': (p, ctx) => core.help.respond(p, ctx.workspace),
    'help.explain': (p, ctx) => core.help.explain(redactExplain(p), ctx.workspace),
    'fix.propose': (p, ctx) => core.help.proposeFix(redactFix(p), ctx.workspace),
    'screen.configure': (p) => core.screen.configure(p),
    'screen.status': () => core.screen.status(),
    'voice.configure': (p) => core.voice.configure(p),
    'voice.status': () => core.voice.status(),
    'voice.stop': () => core.voice.stop(),
    'voice.listen': (p) => core.voice.listenAction(p.action),
    'voice.downloadPlan': () => core.voice.downloadPlan(),
    'voice.download': () => {
      // The user's yes to the download (its dialog named the host) answers the gate for that host.
      const host = core.voice.downloadPlan().host;
      if (host) networkGate().allowForRun(new URL(`https://${host}`).hostname);
      return core.voice.startDownload();
    },
    'voice.cancelDownload': () => core.voice.cancelDownload(),
    'presence.configure': (p) => core.presence.configure(p),
    'presence.status': () => core.presence.status(),
    'idle.configure': (p) => core.idle.configure(p),
    'idle.status': () => core.idle.status(),
    'rhythm.summary': () => core.rhythm.summary(),
    'rhythm.clear': () => {
      core.rhythm.clear();
      core.help.refreshQuietHours();
      return { ok: true };
    },
    'network.configure': (p) => core.network.configure(p),
    'network.status': () => core.network.status(),
    'network.decide': (p) => ({ applied: core.network.decide(p.id, p.allow, p.remember ?? false) }),
    'network.activity': (p) => core.network.activity(p.limit),
    'action.run': (p, ctx) =>
      core.actions.run({ action: p.action, args: p.args ?? {}, source: p.source ?? 'user', clientId: ctx.clientId, workspace: ctx.workspace }),
    'action.decide': (p) => ({ applied: core.actions.decide(p.id, p.decision) }),
    'action.register': (p, ctx) => {
      // A window is there to answer questions: MCP servers that are down get another try.
      core.mcp?.retryFailed();
      return core.actions.register(ctx.clientId, ctx.workspace, p);
    },
    'action.complete': (p, ctx) => ({ applied: core.actions.complete(p.callId, ctx.clientId, p) }),
    'action.configure': (p) => core.actions.configure(p),
    'action.status': () => core.actions.status(),
    'action.audit': (p) => ({ entries: core.memory().listActions(p.limit) }),
    'action.clearAudit': () => ({ removed: core.memory().clearActions() }),
    'mcp.status': () => ({ servers: core.mcp?.status() ?? [] }),

    // Long-term memory (issue 17): a client sees the global memories and its workspace's (one
    // without a workspace, every workspace's); every change is announced as memory.changed.
    'memories.list': (p, ctx) => core.memory().listFacts({ ...p, workspace: ctx.workspace?.id ?? null }),
    'memories.add': (p, ctx) => {
      const r = core.memory().addFact({ text: p.text, scope: p.scope, pinned: p.pinned, workspace: ctx.workspace, source: 'manual', confidence: 1 });
      memoryChanged({ fact: r.fact });
      if (r.pruned.length) memoryChanged({ deletedIds: r.pruned });
      return r.fact;
    },
    'memories.update': (p, ctx) => {
      const { id, ...patch } = p;
      const fact = core.memory().updateFact(id, patch, ctx.workspace);
      memoryChanged({ fact });
      return fact;
    },
    'memories.delete': (p) => {
      if (!core.memory().deleteFact(p.id)) throw new AlisaError('not_found', `There is no memory ${p.id}.`, 'Reload the list.');
      memoryChanged({ deletedIds: [p.id] });
      return { ok: true };
    },
    'memories.clear': () => {
      const removed = core.memory().clearFacts();
      memoryChanged({ cleared: true });
      return { removed };
    },
    'memories.export': () => core.memory().exportFacts(),
    'memories.import': (p) => {
      const r = core.memory().importFacts(p.file);
      for (const fact of r.added) memoryChanged({ fact });
      if (r.pruned.length) memoryChanged({ deletedIds: r.pruned });
      return { added: r.added.length, skipped: r.skipped, reasons: r.reasons };
    },
    'recap.configure': (p) => recapOf(core).configure(p),
    'recap.consent': (p) => recapOf(core).consent(p.allow),
    'memories.recordFix': (p, ctx) => {
      const r = recordFix(core.memory(), p, ctx.workspace);
      memoryChanged({ fact: r.fact });
      return { fact: r.fact, times: r.times };
    },
    'workspace.instructions': (p, ctx) => ({ ok: true, chars: core.instructions?.set(ctx.workspace?.id ?? null, p.files) ?? 0 }),
    'codeIndex.build': (p, ctx) => codeIndex().build(ctx.workspace, p),
    'codeIndex.update': (p, ctx) => codeIndex().update(ctx.workspace, p),
    'codeIndex.status': (_p, ctx) => codeIndex().status(ctx.workspace),
    'codeIndex.cancel': (_p, ctx) => ({ cancelled: codeIndex().cancel(ctx.workspace) }),
    'codeIndex.search': async (p, ctx) => ({ hits: await codeIndex().search(ctx.workspace, p.query, p.limit) }),
    ...avatarHandlers(core.avatars),
  };
}

function recapOf(core: CompanionCore): RecapService {
  if (!core.recap) throw new AlisaError('not_found', 'This companion gives no recap after a break.', 'Update Alisa.');
  return core.recap;
}
