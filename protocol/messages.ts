// Every message between extension, webview and companion, declared once.
//
// Shape of the conversation on the companion's WebSocket (`/ws`):
//   client -> companion  {type:'hello', protocolVersion, client}
//   companion -> client  {type:'welcome', protocolVersion, status}   (or an error, then close)
//   client -> companion  {type:'request', id, method, params}
//   companion -> client  {type:'response', id, result} | {type:'error', id, error}
//   companion -> client  events: reply.*, status, mode.changed, ...  (unsolicited)
//
// Each method maps to a [params, result] pair in `methods` (after Continue's protocol): the
// compiler checks every send and every handler, and the companion validates every incoming
// frame against the same schemas at its socket. The file is over 400 lines on purpose: the
// method table is the wire contract, read and reviewed as one list (the feature areas' own
// messages live in context.ts, screen.ts, voice.ts, rhythm.ts and network.ts).
import * as z from 'zod';
import { ActivityState, ContextUpdate, HelpOffer, HelpRetract, HelpTarget, Range } from './context';
import { IdleConfigure, IdleStateEvent, IdleStatus, PresenceConfigure, PresenceStateEvent, PresenceStatus, RhythmSummary } from './rhythm';
import { NetworkActivity, NetworkAskDoneEvent, NetworkAskEvent, NetworkConfigure, NetworkDecide, NetworkStateEvent, NetworkStatus } from './network';
import { ScreenConfigure, ScreenStateEvent, ScreenStatus } from './screen';
import { MemoryChangedEvent, MemoryMethods } from './memory';
import { RecapAskEvent, RecapMethods } from './recap';
import { Attachment, ATTACHMENTS_MAX, SourceRef } from './attachments';
import { WorkspaceInstructionsParams, WorkspaceInstructionsResult } from './instructions';
import { CodeIndexMethods, CodeIndexProgressEvent } from './code-index';
import { AvatarChangedEvent, AvatarMethods } from './avatar';
import { SettingsChangedEvent } from './settings-sync';
import { CharacterCardMethods } from './character-cards';
import {
  ActionAskDoneEvent,
  ActionAskEvent,
  ActionAuditEntry,
  ActionConfigure,
  ActionDecision,
  ActionDoneEvent,
  ActionExecEvent,
  ActionOutcome,
  ActionPolicyStatus,
  ActionRegister,
  ActionStateEvent,
  McpServerStatus,
} from './actions';
import {
  SpeechChunk,
  SpeechEnd,
  SpeechStart,
  VoiceConfigure,
  VoiceDownloadPlan,
  VoiceDownloadState,
  VoiceNotice,
  VoiceStateEvent,
  VoiceStatus,
  VoiceTranscript,
} from './voice';
import { Character, DownloadPlan, Emotion, ErrorInfo, HistorySummary, Id, Message, Mode, ModelState, SearchHit, Session, Status, Timings } from './common';

const method = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R) => ({ params, result });
const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });
/** Which workspace a client works in (see `Hello.workspace`). */
export const ClientWorkspace = z.object({ id: z.string().max(2000), name: z.string().max(200) });
export type ClientWorkspace = z.infer<typeof ClientWorkspace>;
export const SessionScope = z.enum(['workspace', 'all']);
export type SessionScope = z.infer<typeof SessionScope>;

export const methods = {
  /** Start a reply. The result arrives at once; the reply streams as `reply.*` events. */
  'chat.send': method(
    z.object({
      text: z.string().min(1).max(100_000),
      /**
       * Omitted: the most recent session of the client's workspace (created in it if there is
       * none); for a client without a workspace, the most recent session other than the legacy
       * clients' own (created if there is none).
       */
      sessionId: Id.optional(),
      maxTokens: z.number().int().positive().max(8192).optional(),
      /** What the user attached with @-mentions (protocol/attachments.ts); fitted into her turn under a budget. */
      attachments: z.array(Attachment).max(ATTACHMENTS_MAX).optional(),
    }),
    z.object({
      /** Null when the text was a command (`/mode serious`) rather than a chat message. */
      replyId: z.string().nullable(),
      sessionId: Id,
      userMessageId: Id.nullable(),
      /** Set when the text was `/mode <name>`. */
      mode: Mode.optional(),
      /** Set when the text was an action's slash command (`/run npm test`): its outcome comes as `action.done` with this call id. */
      action: z.object({ callId: z.string(), name: z.string() }).optional(),
      /** Secrets found in the text (stored as typed; the panel warns the user). */
      secrets: z.number().int().nonnegative().optional(),
    }),
  ),
  /**
   * Asks again for the reply to the user's message `userMessageId` (its reply failed, was stopped,
   * or never came): the messages after it are deleted (`removedMessageIds`; a failed reply never
   * reaches a prompt) and a new reply streams as after chat.send. Only a chat's last message of
   * the user's can be retried (`invalid_argument` otherwise); `busy` while a reply streams there.
   */
  'chat.retry': method(z.object({ userMessageId: Id }), z.object({ replyId: z.string(), sessionId: Id, userMessageId: Id, removedMessageIds: z.array(Id) })),
  /**
   * The user rewrote her message `messageId`: its text is replaced (stored as typed, like
   * chat.send; `secrets` counts what looks like one, for a warning), every later message of its
   * chat is deleted (`removedMessageIds`) and a new reply streams. `busy` while a reply streams there.
   */
  'chat.edit': method(
    z.object({ messageId: Id, text: z.string().min(1).max(100_000) }),
    z.object({
      replyId: z.string(),
      sessionId: Id,
      userMessageId: Id,
      removedMessageIds: z.array(Id),
      secrets: z.number().int().nonnegative().optional(),
    }),
  ),
  'chat.cancel': method(z.object({ replyId: z.string() }), z.object({ cancelled: z.boolean() })),
  'mode.set': method(z.object({ mode: Mode }), z.object({ mode: Mode })),
  'status.get': method(Empty, Status),
  /**
   * The window that started the companion is closing: the companion stops, unless other VS Code
   * windows are attached to it (then it keeps serving them, `staying: true`).
   */
  'companion.detach': method(Empty, z.object({ staying: z.boolean() })),
  /** Loads the configured model now (or retries after a failure); progress arrives as `status` events. */
  'model.load': method(Empty, z.object({ model: ModelState })),
  /** Stops a download or load in progress; a partial download is kept and resumes next time. */
  'model.cancelLoad': method(Empty, z.object({ cancelled: z.boolean() })),
  /** What downloading a model (default: the configured one) would take: size, free disk, RAM. No network. */
  'model.downloadPlan': method(z.object({ uri: z.string().min(1).max(2000).optional() }), DownloadPlan),

  /**
   * `workspace` (the default): for a client that said its workspace in hello, that workspace's
   * sessions and those tied to none; `all`: every session. A client without a workspace gets all.
   * Newest first either way, one page at a time: `limit` sessions (default 50) after `cursor`
   * (the previous page's `nextCursor`; none for the first page). `nextCursor` is null on the last
   * page. Sessions that change later arrive as `sessions.changed` events carrying them, so a
   * client keeps its list without asking again.
   */
  'session.list': method(
    z.object({ scope: SessionScope.optional(), limit: z.number().int().positive().max(500).optional(), cursor: z.string().max(64).optional() }).strict(),
    z.object({
      sessions: z.array(Session),
      /** Older companions do not page: read as null (the list was whole). */
      nextCursor: z.string().nullable().default(null),
      /**
       * The workspace id the companion knows this client by (from hello; null: none), so the client
       * can tell whether a session from an event belongs in its `workspace` scope.
       */
      workspace: z.string().nullable().default(null),
    }),
  ),
  /** The new session belongs to the client's workspace (none for a client without one). */
  'session.create': method(z.object({ title: z.string().max(200).optional() }), Session),
  'session.rename': method(z.object({ sessionId: Id, title: z.string().min(1).max(200) }), Session),
  'session.delete': method(z.object({ sessionId: Id }), Ok),
  'session.messages': method(
    z.object({ sessionId: Id, limit: z.number().int().positive().max(1000).optional(), beforeId: Id.optional() }),
    z.object({ messages: z.array(Message) }),
  ),

  'memory.search': method(
    z.object({ query: z.string().min(1).max(500), limit: z.number().int().positive().max(200).optional() }),
    z.object({ hits: z.array(SearchHit) }),
  ),
  'history.summary': method(z.object({ sessionId: Id.optional() }), HistorySummary),
  /**
   * Deletes one session's messages, or every session and message: only after the user confirmed
   * it in the UI, which the caller states with `confirm: true` (no client clears by accident).
   */
  'history.clear': method(
    z.object({ sessionId: Id.optional(), confirm: z.literal(true, { error: 'deleting history needs confirm: true, sent only after the user confirmed it' }) }),
    Ok,
  ),
  'history.export': method(
    z.object({ format: z.enum(['json', 'markdown']), sessionId: Id.optional() }),
    z.object({ format: z.enum(['json', 'markdown']), content: z.string() }),
  ),

  'character.list': method(Empty, z.object({ characters: z.array(Character), activeId: Id })),
  'character.create': method(
    z.object({
      name: z.string().min(1).max(80),
      systemPrompt: z.string().min(1).max(60_000),
      voice: z.string().max(200).optional(),
      avatar: z.string().max(500).optional(),
      greeting: z.string().max(20_000).optional(),
    }),
    Character,
  ),
  'character.update': method(
    z.object({
      characterId: Id,
      name: z.string().min(1).max(80).optional(),
      systemPrompt: z.string().min(1).max(60_000).optional(),
      voice: z.string().max(200).nullable().optional(),
      avatar: z.string().max(500).nullable().optional(),
      greeting: z.string().max(20_000).nullable().optional(),
      /** Her own avatar (an `avatar.*` id); null: the default. */
      avatarId: z.string().max(200).nullable().optional(),
    }),
    Character,
  ),
  'character.delete': method(z.object({ characterId: Id }), Ok),
  'character.select': method(z.object({ characterId: Id }), z.object({ activeId: Id })),
  /** A SillyTavern character card (V1/V2/V3, JSON or PNG) becomes a character (protocol/character-cards.ts). */
  'character.import': method(CharacterCardMethods.import.params, CharacterCardMethods.import.result),
  'character.export': method(CharacterCardMethods.export.params, CharacterCardMethods.export.result),
  /** Her card's image (a portrait), for the panel to show. */
  'character.portrait': method(CharacterCardMethods.portrait.params, CharacterCardMethods.portrait.result),

  /** A coalesced snapshot of what the user is doing (issue 4); answers the fused state. */
  'context.update': method(ContextUpdate, z.object({ state: ActivityState })),
  /** The user's answer to a help offer: explain or fix it (a reply streams), or not now. */
  'help.respond': method(
    z.object({ offerId: z.string().max(100), response: z.enum(['explain', 'fix', 'dismiss']) }),
    z.object({ replyId: z.string().nullable(), sessionId: Id.nullable() }),
  ),
  /** Explain an error the user points at (code action, command palette); a reply streams. */
  'help.explain': method(
    z.object({ target: HelpTarget, excerpt: z.string().max(8000).optional(), language: z.string().max(50).optional() }),
    z.object({ replyId: z.string(), sessionId: Id }),
  ),
  /**
   * Ask for a fix: the reply streams like a chat reply and ends with one fenced code block that
   * replaces lines `excerptStartLine`..`excerptStartLine + excerpt lines - 1` of the file.
   */
  'fix.propose': method(
    z.object({
      target: HelpTarget,
      path: z.string().max(500),
      language: z.string().max(50),
      excerpt: z.string().max(8000),
      excerptStartLine: z.number().int().nonnegative(),
      related: z
        .array(z.object({ path: z.string().max(500), range: Range, message: z.string().max(2000) }))
        .max(10)
        .optional(),
    }),
    z.object({ replyId: z.string(), sessionId: Id }),
  ),

  /** Screen understanding (issue 5): turn on or off, pause or resume, set excluded windows. */
  'screen.configure': method(ScreenConfigure, ScreenStatus),
  'screen.status': method(z.object({}), ScreenStatus),

  /** Voice (issue 6): settings of both directions; mute is `muted`. */
  'voice.configure': method(VoiceConfigure, VoiceStatus),
  'voice.status': method(z.object({}), VoiceStatus),
  /** Stop speaking now (barge-in); the rest of the reply is not spoken. */
  'voice.stop': method(z.object({}), Ok),
  /** Push-to-talk: start recording, or stop and transcribe. */
  'voice.listen': method(z.object({ action: z.enum(['start', 'stop']) }), z.object({ listening: z.boolean() })),
  /** What downloading the default Piper voice takes (size, free disk, where). No network. */
  'voice.downloadPlan': method(Empty, VoiceDownloadPlan),
  /**
   * Downloads the default Piper voice (the user said yes) into DATA/voices/: in the background,
   * through the network gate; progress and the outcome come in `voice.state` (voiceDownload).
   * Only the companion's own catalogue: no address comes over the connection.
   */
  'voice.download': method(Empty, VoiceDownloadState),
  /** Stops the voice download; what arrived is kept and resumes next time. */
  'voice.cancelDownload': method(Empty, z.object({ cancelled: z.boolean() })),

  /** Webcam presence (issue 7), off by default. */
  'presence.configure': method(PresenceConfigure, PresenceStatus),
  'presence.status': method(z.object({}), PresenceStatus),
  /** Idle talk: Do not disturb, chattiness. */
  'idle.configure': method(IdleConfigure, IdleStatus),
  'idle.status': method(z.object({}), IdleStatus),
  /** What she has learned about the user's rhythm, and forgetting it. */
  'rhythm.summary': method(z.object({}), RhythmSummary),
  'rhythm.clear': method(z.object({}), Ok),

  /** The network gate: offline / ask / allowed, and forgetting remembered answers. */
  'network.configure': method(NetworkConfigure, NetworkStatus),
  'network.status': method(z.object({}), NetworkStatus),
  /** The user's answer to a `network.ask`; `applied` is false for an unknown id. */
  'network.decide': method(NetworkDecide, z.object({ applied: z.boolean() })),
  /** What left the machine (or tried to): when, where, why, the decision, bytes. */
  'network.activity': method(z.object({ limit: z.number().int().positive().max(1000).optional() }), NetworkActivity),

  /**
   * Alisa's hands (issue 16, protocol/actions.ts). Runs one action for the user (a slash command,
   * the palette, a button): it goes through the one policy, may ask (`action.ask`), and the result
   * comes when it is done, refused, denied or expired (at most the question's 60 s plus the run).
   */
  'action.run': method(
    z.object({ action: z.string().max(100), args: z.record(z.string(), z.unknown()).optional(), source: z.enum(['user', 'voice']).optional() }).strict(),
    ActionOutcome,
  ),
  /** The user's answer to an `action.ask`; `applied` is false for an unknown or expired question. */
  'action.decide': method(z.object({ id: z.string().max(100), decision: ActionDecision }).strict(), z.object({ applied: z.boolean() })),
  /** A VS Code window offers its editor actions, its folders and its trust; sent again on every change. */
  'action.register': method(ActionRegister, ActionPolicyStatus),
  /** The window's answer to an `action.exec` (the result is checked against the action's result schema). */
  'action.complete': method(
    z
      .object({ callId: z.string().max(100), ok: z.boolean(), result: z.record(z.string(), z.unknown()).optional(), error: z.string().max(4000).optional() })
      .strict(),
    z.object({ applied: z.boolean() }),
  ),
  'action.configure': method(ActionConfigure, ActionPolicyStatus),
  'action.status': method(z.object({}), ActionPolicyStatus),
  /** The audit log, newest first. */
  'action.audit': method(z.object({ limit: z.number().int().positive().max(10_000).optional() }), z.object({ entries: z.array(ActionAuditEntry) })),
  /** Clears the audit log, only after the user confirmed it in the UI. */
  /**
   * Long-term memory (issue 17, protocol/memory.ts): the facts Alisa remembers about the user, for
   * the Memory view. A client with a workspace sees the global ones and its workspace's.
   */
  'memories.list': method(MemoryMethods.list.params, MemoryMethods.list.result),
  'memories.add': method(MemoryMethods.add.params, MemoryMethods.add.result),
  'memories.update': method(MemoryMethods.update.params, MemoryMethods.update.result),
  'memories.delete': method(MemoryMethods.delete.params, MemoryMethods.delete.result),
  /** Forgets every memory (row and index), only after the user confirmed it in the UI. */
  'memories.clear': method(MemoryMethods.clear.params, MemoryMethods.clear.result),
  'memories.export': method(MemoryMethods.export.params, MemoryMethods.export.result),
  /** Adds the facts of an export file; duplicates, secrets and invalid ones are skipped with the reason. */
  'memories.import': method(MemoryMethods.import.params, MemoryMethods.import.result),
  /** A fix that worked, from the extension: remembered per workspace by its error signature (deduped, counted). */
  'memories.recordFix': method(MemoryMethods.recordFix.params, MemoryMethods.recordFix.result),
  /** Returning after a break (protocol/recap.ts): the recap's consent, break length and privacy globs, from the settings. */
  'recap.configure': method(RecapMethods.configure.params, RecapMethods.configure.result),
  /** The answer to the consent card (the extension saves it as alisa.memory.recapAfterBreak); a yes gives the waiting recap. */
  'recap.consent': method(RecapMethods.consent.params, RecapMethods.consent.result),
  'action.clearAudit': method(
    z.object({ confirm: z.literal(true, { error: 'clearing the audit log needs confirm: true, sent only after the user confirmed it' }) }),
    z.object({ removed: z.number().int() }),
  ),
  /** The MCP servers the user listed (`--mcp-servers`): each one's state and tools (their actions are `mcp_<server>_<tool>`). */
  'mcp.status': method(z.object({}), z.object({ servers: z.array(McpServerStatus) })),
  /**
   * The workspace's instructions (issue 17, protocol/instructions.ts): `.alisa/instructions.md` and
   * `AGENTS.md` of its folders, capped and redacted by the window, sent on every connection and
   * change; they join the system message of replies in that workspace's chats. An empty list
   * clears them; a client without a workspace keeps none.
   */
  'workspace.instructions': method(WorkspaceInstructionsParams, WorkspaceInstructionsResult),
  /**
   * The codebase index of the client's workspace (issue 17, protocol/code-index.ts): `build` says
   * its folders (sent on every connection: a pass re-reads only what changed) and answers at once,
   * the pass reporting as `codeIndex.progress`; `update` names files that changed; `search` finds
   * chunks. A client without a workspace gets `invalid_argument`.
   */
  'codeIndex.build': method(CodeIndexMethods.build.params, CodeIndexMethods.build.result),
  'codeIndex.update': method(CodeIndexMethods.update.params, CodeIndexMethods.update.result),
  'codeIndex.status': method(CodeIndexMethods.status.params, CodeIndexMethods.status.result),
  'codeIndex.cancel': method(CodeIndexMethods.cancel.params, CodeIndexMethods.cancel.result),
  'codeIndex.search': method(CodeIndexMethods.search.params, CodeIndexMethods.search.result),
  /**
   * Her body (issue 18, protocol/avatar.ts): the avatars the user imported into the data folder.
   * `import` reads a file (.vrm/.glb/.gltf) or a sprite folder on the companion's machine and checks
   * it whole before storing anything; every change comes as `avatar.changed`.
   */
  'avatar.list': method(AvatarMethods.list.params, AvatarMethods.list.result),
  'avatar.import': method(AvatarMethods.import.params, AvatarMethods.import.result),
  'avatar.delete': method(AvatarMethods.delete.params, AvatarMethods.delete.result),
  'avatar.select': method(AvatarMethods.select.params, AvatarMethods.select.result),
  'avatar.update': method(AvatarMethods.update.params, AvatarMethods.update.result),
} as const;

export type MethodName = keyof typeof methods;
export type Params<M extends MethodName> = z.infer<(typeof methods)[M]['params']>;
export type Result<M extends MethodName> = z.infer<(typeof methods)[M]['result']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

// ---------------------------------------------------------------- client -> companion

export const Hello = z.object({
  type: z.literal('hello'),
  protocolVersion: z.number().int(),
  client: z.string().max(100),
  /**
   * The workspace the client works in (a VS Code window): `id` is a stable key (the workspace
   * file's or the first folder's URI), `name` its display name. Null or absent: no workspace
   * (the browser UI, a window with no folder, older clients), which sees every session.
   */
  workspace: ClientWorkspace.nullable().optional(),
});
export type Hello = z.infer<typeof Hello>;

/** The envelope; `params` is checked against `methods[method].params` after the envelope passes. */
export const RequestEnvelope = z.object({
  type: z.literal('request'),
  id: z.union([z.string().max(100), z.number().int()]),
  method: z.string().max(100),
  params: z.unknown().optional(),
});
export type RequestEnvelope = z.infer<typeof RequestEnvelope>;

export type Request<M extends MethodName = MethodName> = {
  type: 'request';
  id: string | number;
  method: M;
  params: Params<M>;
};

export const ClientMessage = z.discriminatedUnion('type', [Hello, RequestEnvelope]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---------------------------------------------------------------- companion -> client

export const Welcome = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.number().int(),
  status: Status,
});

export const ResponseMessage = z.object({
  type: z.literal('response'),
  id: z.union([z.string(), z.number()]),
  result: z.unknown(),
});

export const ErrorMessage = z.object({
  type: z.literal('error'),
  /** The request it answers; null when the frame could not be read far enough to know. */
  id: z.union([z.string(), z.number()]).nullable(),
  error: ErrorInfo,
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

export const ReplyStart = z.object({
  type: z.literal('reply.start'),
  replyId: z.string(),
  sessionId: Id,
  userMessageId: Id.nullable(),
  spontaneous: z.boolean(),
});
export const ReplyToken = z.object({ type: z.literal('reply.token'), replyId: z.string(), text: z.string() });
export const ReplyEmotion = z.object({ type: z.literal('reply.emotion'), replyId: z.string(), emotion: Emotion });
export const ReplyEnd = z.object({
  type: z.literal('reply.end'),
  replyId: z.string(),
  sessionId: Id,
  messageId: Id,
  text: z.string(),
  emotion: Emotion,
  interrupted: z.boolean(),
  tokens: z.object({
    prompt: z.number().int(),
    completion: z.number().int(),
    /** Prompt tokens the model evaluated for this reply (the rest was reused from its cache); when the provider knows. */
    evaluated: z.number().int().optional(),
  }),
  timings: Timings,
  provider: z.string(),
  /** What the reply drew on (attachments, codebase chunks), shown as file:line links; stored on the message too. */
  sources: z.array(SourceRef).optional(),
});
export const ReplyError = z.object({
  type: z.literal('reply.error'),
  replyId: z.string(),
  sessionId: Id,
  error: ErrorInfo,
  /** The partial reply that was kept (marked interrupted), if any. */
  messageId: Id.nullable(),
});

export const StatusEvent = z.object({ type: z.literal('status'), status: Status });
export const ContextStateEvent = z.object({ type: z.literal('context.state'), state: ActivityState });
export const ModeChanged = z.object({ type: z.literal('mode.changed'), mode: Mode });
/**
 * The session list changed. With `session`: that one was created or changed (a message added, a
 * rename, its history cleared): put it in place of the old copy, newest first. With
 * `deletedSessionId`: that one is gone. With neither: reload the list (older companions, clearing
 * every chat).
 */
export const SessionsChanged = z.object({
  type: z.literal('sessions.changed'),
  session: Session.optional(),
  deletedSessionId: Id.optional(),
});

export const CompanionMessage = z.discriminatedUnion('type', [
  Welcome,
  ResponseMessage,
  ErrorMessage,
  ReplyStart,
  ReplyToken,
  ReplyEmotion,
  ReplyEnd,
  ReplyError,
  StatusEvent,
  ModeChanged,
  SessionsChanged,
  ContextStateEvent,
  HelpOffer,
  HelpRetract,
  ScreenStateEvent,
  SpeechStart,
  SpeechChunk,
  SpeechEnd,
  VoiceNotice,
  VoiceStateEvent,
  VoiceTranscript,
  PresenceStateEvent,
  IdleStateEvent,
  NetworkAskEvent,
  NetworkAskDoneEvent,
  NetworkStateEvent,
  ActionAskEvent,
  ActionAskDoneEvent,
  ActionExecEvent,
  ActionDoneEvent,
  ActionStateEvent,
  MemoryChangedEvent,
  CodeIndexProgressEvent,
  RecapAskEvent,
  AvatarChangedEvent,
  SettingsChangedEvent,
]);
export type CompanionMessage = z.infer<typeof CompanionMessage>;
export type CompanionEvent = Exclude<CompanionMessage, { type: 'welcome' | 'response' | 'error' }>;
export type ReplyEnd = z.infer<typeof ReplyEnd>;
export type ReplyError = z.infer<typeof ReplyError>;

/** The line the companion prints first on stdout. */
export const ReadyLine = z.object({
  type: z.literal('ready'),
  port: z.number().int(),
  token: z.string(),
  pid: z.number().int(),
  version: z.string(),
  protocolVersion: z.number().int(),
  legacyPort: z.number().int().nullable(),
  /** The waifu-rt3d compatible API's port (--waifu-port), or null when off. Optional: older companions do not say. */
  waifuPort: z.number().int().nullable().optional(),
  /**
   * Where the key of the OpenAI-compatible API (/v1 only) is kept (a 0600 file in the data
   * folder), or null when it comes from ALISA_API_KEY. Never the key itself. Optional: older
   * companions do not say.
   */
  apiKeyFile: z.string().nullable().optional(),
});
export type ReadyLine = z.infer<typeof ReadyLine>;
