// Messages between the webview (what the user sees) and its host: the extension inside VS Code,
// or the in-page browser adapter when the companion serves the UI to a browser.
//
// The webview speaks the companion protocol through its host: it sends `request` envelopes
// (forwarded unchanged to the companion) and receives every companion message. Besides that,
// the host tells it about the connection (`host.state`) and passes editor commands
// (`host.command`); the webview asks the host for what only the editor can do (`ui.*`).
import * as z from 'zod';
import { Attachment, ATTACHMENT_TEXT_MAX, ATTACHMENTS_MAX, SourceRef } from './attachments';
import { AvatarUrlBase } from './avatar';
import { ErrorInfo } from './common';
import { HelpTarget } from './context';
import { CompanionMessage, RequestEnvelope } from './messages';

/** The largest file the webview saves or reads through its host (a memory export). */
export const FILE_MAX = 20_000_000;

export const UI_ACTIONS = [
  'chooseModelFile', // pick a GGUF file (VS Code: open dialog)
  'downloadModel', // download the recommended model, with progress and cancel
  'cancelDownload',
  'openSettings',
  'showLogs',
  'restartCompanion',
  'setApiKey', // API key for an OpenAI-compatible server, kept in SecretStorage
  'importCharacterCard', // a SillyTavern character card (VS Code: open dialog, then the companion)
  'exportCharacterCard', // a character as a card (VS Code: which one, PNG or JSON, save dialog)
  'importAvatar', // a VRM/GLB/glTF file or a sprite folder into the avatar store (VS Code: open dialog)
] as const;
export const UiAction = z.enum(UI_ACTIONS);
export type UiAction = z.infer<typeof UiAction>;

/** Candidates one `@` completion lists at most. */
export const MENTION_CANDIDATES_MAX = 50;

/**
 * An @-mention the user picked (issue 17): what its chip shows and where it points. The host turns
 * it into an Attachment (protocol/attachments.ts) with `ui.resolveMentions`.
 */
export const Mention = SourceRef.extend({
  /** A second line in the completion list (a symbol's container, a folder's parent). */
  detail: z.string().max(300).optional(),
  /** A memory's fact: its text is the attachment (the page has it from memories.list). */
  text: z.string().max(ATTACHMENT_TEXT_MAX).optional(),
});
export type Mention = z.infer<typeof Mention>;

export const WebviewToHost = z.discriminatedUnion('type', [
  RequestEnvelope,
  /** The webview has loaded and listens: the host answers with `host.state`. */
  z.object({ type: z.literal('ui.ready') }),
  z.object({ type: z.literal('ui.action'), action: UiAction }),
  /** Insert a code block at the cursor of the active editor. */
  z.object({ type: z.literal('ui.insertCode'), code: z.string().max(1_000_000), language: z.string().max(50).optional() }),
  /** Copy text to the clipboard (webviews may not reach the clipboard themselves). */
  z.object({ type: z.literal('ui.copy'), text: z.string().max(1_000_000) }),
  /** "Apply…" on a code block: the host asks where, then shows it as a diff (nothing changes without Apply). */
  z.object({ type: z.literal('ui.applyCode'), code: z.string().max(1_000_000), language: z.string().max(50).optional() }),
  /** "Fix" on a help offer: the host asks the companion for a fix and previews it as a diff. */
  z.object({ type: z.literal('ui.fix'), offerId: z.string().max(100), target: HelpTarget }),
  /** Save `content` as a file (VS Code: a save dialog offering `name`); the host answers with `host.file`. */
  z.object({ type: z.literal('ui.saveFile'), id: z.string().max(100), name: z.string().min(1).max(200), content: z.string().max(FILE_MAX) }),
  /** Pick a JSON file to read (VS Code: an open dialog); the host answers with `host.file` and its text. */
  z.object({ type: z.literal('ui.openFile'), id: z.string().max(100) }),
  /** What the user typed after `@`: the host answers with `host.mentions` (files, folders, symbols). */
  z.object({ type: z.literal('ui.mentionQuery'), id: z.string().max(100), query: z.string().max(200) }),
  /** Mentions to turn into attachments (read in the user's window); the host answers with `host.attachments`. */
  z.object({ type: z.literal('ui.resolveMentions'), id: z.string().max(100), mentions: z.array(Mention).max(ATTACHMENTS_MAX) }),
  /** A reply's source link: open the workspace-relative `path` at `line` (refused outside the workspace). */
  z.object({ type: z.literal('ui.openSource'), path: z.string().min(1).max(2000), line: z.number().int().positive().optional() }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;

export const ConnectionState = z.enum(['starting', 'connecting', 'ready', 'restarting', 'failed', 'stopped']);
export type ConnectionState = z.infer<typeof ConnectionState>;

export const HostState = z.object({
  type: z.literal('host.state'),
  host: z.enum(['vscode', 'browser']),
  connection: ConnectionState,
  /** What is going on, in words for the user ("Restarting Alisa (attempt 2 of 5)…"). */
  message: z.string().nullable(),
  error: ErrorInfo.nullable(),
  /** False until the user has chosen a model (file or download): the UI offers the choice. */
  modelConfigured: z.boolean(),
  /** Actions this host can carry out (the browser cannot open a file dialog, for example). */
  actions: z.array(UiAction),
  /** How the page loads stored avatars' files (protocol/avatar.ts); absent or null: it cannot (only the built-in SVG). */
  avatarUrl: AvatarUrlBase.nullable().optional(),
  /** The 3D avatar's frame-rate cap (`alisa.avatar.maxFps`); absent: the page's default (30). */
  avatarMaxFps: z.number().int().min(1).max(120).optional(),
});
export type HostState = z.infer<typeof HostState>;

/** charactersChanged: a character card was imported outside the panel; it reads the list again. */
export const HOST_COMMANDS = ['newSession', 'focusInput', 'showSearch', 'send', 'showSession', 'showMemories', 'charactersChanged'] as const;
export const HostCommand = z.object({
  type: z.literal('host.command'),
  command: z.enum(HOST_COMMANDS),
  /** For `send`: the message to send (e.g. "Explain this file" with the file's text). */
  text: z.string().optional(),
  /** For `send`: what goes with it ("Ask About the Codebase": an `@codebase` attachment). */
  attachments: z.array(Attachment).max(ATTACHMENTS_MAX).optional(),
  /** For `showSearch`: a query to run. */
  query: z.string().optional(),
  /** For `showSession`: the chat to show (where a reply the editor asked for is streaming). */
  sessionId: z.number().int().positive().optional(),
});
export type HostCommand = z.infer<typeof HostCommand>;

/** The answer to `ui.saveFile` / `ui.openFile` (same `id`): saved, the text opened, cancelled, or why it failed. */
export const HostFile = z.object({
  type: z.literal('host.file'),
  id: z.string().max(100),
  outcome: z.enum(['saved', 'opened', 'cancelled', 'failed']),
  /** For `opened`: the file's text. */
  text: z.string().max(FILE_MAX).optional(),
  /** For `failed`: why, in words for the user. */
  message: z.string().max(2000).optional(),
});
export type HostFile = z.infer<typeof HostFile>;

/** The answer to `ui.mentionQuery` (same `id`). */
export const HostMentions = z.object({
  type: z.literal('host.mentions'),
  id: z.string().max(100),
  candidates: z.array(Mention).max(MENTION_CANDIDATES_MAX),
});
export type HostMentions = z.infer<typeof HostMentions>;

/** The answer to `ui.resolveMentions` (same `id`): one entry per mention, in order, each an attachment or why it was refused. */
export const HostAttachments = z.object({
  type: z.literal('host.attachments'),
  id: z.string().max(100),
  results: z.array(z.union([z.object({ attachment: Attachment }), z.object({ error: z.string().max(1000) })])).max(ATTACHMENTS_MAX),
});
export type HostAttachments = z.infer<typeof HostAttachments>;

export const HostToWebview = z.union([CompanionMessage, HostState, HostCommand, HostFile, HostMentions, HostAttachments]);
export type HostToWebview = z.infer<typeof HostToWebview>;
