// Shared fixtures for the webview tests: what a ready companion answers (the built-in character, an
// empty chat list, a new chat, her voice), the `host.state` a host sends, stored messages and
// `reply.end` events. Plain data: no DOM needed (tests/helpers/panel.ts mounts the panel).
import type { Character, CompanionMessage, HostState, MemoryFact, Message, Status, UiAction, VoiceStatus } from '../../protocol';
import { type Answers, READY_STATUS } from './fake-host';

/** Every button a host.state can offer (what the extension offers once it runs a companion). */
export const ALL_ACTIONS: UiAction[] = ['chooseModelFile', 'downloadModel', 'cancelDownload', 'openSettings', 'showLogs', 'restartCompanion', 'setApiKey'];

/** A `host.state` from VS Code, ready, with every action; `patch` changes any of it. */
export function hostState(patch: Partial<HostState> = {}): HostState {
  return { type: 'host.state', host: 'vscode', connection: 'ready', message: null, error: null, modelConfigured: true, actions: ALL_ACTIONS, ...patch };
}

/** The built-in character, as `character.list` gives it in the panel tests. */
export const ALISA: Character = { id: 1, key: 'alisa', name: 'Alisa', systemPrompt: 'x', voice: null, avatar: null, builtin: true };

/** The answer to `character.list`: Alisa (active), then `more`. */
export function characterList(...more: Character[]) {
  return { characters: [ALISA, ...more], activeId: 1 };
}

/** What the panel asks a companion first: status.get (ready unless told) and character.list (Alisa). */
export function readyAnswers(status: Status = READY_STATUS): Answers {
  return {
    'status.get': () => status,
    'character.list': () => characterList(),
  };
}

/** A companion without chats: an empty session.list. */
export const NO_CHATS: Answers = { 'session.list': () => ({ sessions: [] }) };

/** Chat 9, created empty when the panel has none to open (session.create and session.messages). */
export const NEW_CHAT_ANSWERS: Answers = {
  'session.create': () => ({ id: 9, title: '', characterId: 1, createdAt: 1, updatedAt: 1, messageCount: 0 }),
  'session.messages': () => ({ messages: [] }),
};

/** A ready companion without chats, that makes chat 9 when the panel asks for one. */
export function firstRunAnswers(): Answers {
  return { ...readyAnswers(), ...NO_CHATS, ...NEW_CHAT_ANSWERS };
}

/** Makes stored messages of one chat: `createdAt` is `at + id`; assistant messages are calm. */
export function messageMaker(sessionId: number, at: number) {
  return (id: number, role: 'user' | 'assistant', text: string, status: Message['status'] = 'complete'): Message => ({
    id,
    sessionId,
    role,
    text,
    emotion: role === 'assistant' ? 'calm' : null,
    status,
    spontaneous: false,
    promptTokens: null,
    completionTokens: null,
    createdAt: at + id,
  });
}

type ReplyEndFields = Extract<CompanionMessage, { type: 'reply.end' }>;

/** A `reply.end` event: not interrupted, one token each way, from the embedded model; `fields` say the rest. */
export function replyEnd(fields: Pick<ReplyEndFields, 'replyId' | 'sessionId' | 'messageId' | 'text' | 'emotion'> & Partial<ReplyEndFields>): CompanionMessage {
  return {
    type: 'reply.end',
    interrupted: false,
    tokens: { prompt: 1, completion: 1 },
    timings: { firstTokenMs: 1, totalMs: 2, tokensPerSecond: null },
    provider: 'embedded',
    ...fields,
  };
}

/** A `voice.status` answer: not muted, silent, eSpeak as her voice, no speech recognition; `patch` changes any of it. */
export function voiceStatus(patch: Partial<VoiceStatus> = {}): VoiceStatus {
  return {
    muted: false,
    speaking: false,
    listening: false,
    handsFree: false,
    tts: [{ id: 'espeak', available: true, reason: null }],
    stt: [],
    lastEngine: null,
    error: null,
    ...patch,
  };
}

/** A memory as the companion lists it: global, said by the user, never used; `patch` changes any field. */
export function memoryFact(id: number, patch: Partial<MemoryFact> = {}): MemoryFact {
  return {
    id,
    text: `fact ${id}`,
    scope: 'global',
    workspace: null,
    workspaceName: null,
    source: 'explicit',
    sourceMessageId: null,
    confidence: 1,
    pinned: false,
    createdAt: 0,
    updatedAt: 0,
    lastUsedAt: null,
    ...patch,
  };
}
