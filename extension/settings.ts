// Reads the `alisa.*` settings into plain data for companion-args.ts, and says which setting
// changes need a new companion process and which the running one can take live. The screen
// settings (`alisa.screen.*`) are live too: screen/screen-controller.ts sends them as
// `screen.configure`; so are the voice settings (`alisa.voice.*`, voice/voice-controller.ts,
// `voice.configure`), except the four that name a program, a model file or a server
// (piperBinary, piperModel, sttModel, sttEndpoint: launch flags, the user's own value only); and
// so are presence and idle talk (`alisa.presence.*`, `alisa.idle.*`,
// rhythm/presence-controller.ts and rhythm/idle-controller.ts).
import { isRemoteModel } from '../common/model-uri';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Mode } from '../protocol/common';
import type { NetworkMode } from '../protocol/network';
import { deviceInputProblem } from '../protocol/inputs';
import type { CompanionSettings, ProviderId } from './companion-args';
import { DEFAULT_EXCLUDED_WINDOWS, normalizeScreenSettings, type ScreenSettings } from './screen/screen-logic';
import { normalizeVoiceLaunchSettings, normalizeVoiceSettings, voiceInput, type VoiceSettings } from './voice/voice-logic';
import {
  IDLE_DEFAULTS,
  normalizeIdleSettings,
  normalizePresenceSettings,
  PRESENCE_DEFAULTS,
  type IdleSettings,
  type PresenceSettings,
} from './rhythm/rhythm-logic';
import { joinSentences } from '../common/sentences';

export const SECTION = 'alisa';
export const API_KEY_SECRET = 'alisa.llm.apiKey';
/** The key of a transcription server (alisa.voice.sttEndpoint); the companion gets it as ALISA_STT_API_KEY. */
export const STT_KEY_SECRET = 'alisa.voice.sttApiKey';

/** Changing one of these restarts the companion (it reads them only at start). */
const RESTART_KEYS = [
  'alisa.model.path',
  'alisa.llm',
  'alisa.dataFolder',
  'alisa.companion.nodePath',
  'alisa.legacy.port',
  'alisa.legacy.speechFrames',
  'alisa.waifu.port',
  'alisa.waifu.frontendFolder',
  // Executables, model files and servers of voice: launch flags, never sent over the connection.
  'alisa.voice.piperBinary',
  'alisa.voice.piperModel',
  'alisa.voice.sttModel',
  'alisa.voice.sttEndpoint',
  // Voices on a server (issue 19): their URLs and voices are launch settings too.
  'alisa.voice.servers',
  'alisa.voice.sttServerModel',
  // Programs and servers whose tools Alisa may use: started by the companion.
  'alisa.mcp.servers',
  // A launch flag: turning the model's fact extraction off takes effect at once.
  'alisa.memory.extract',
  // A model file the companion loads for recall by meaning.
  'alisa.memory.embeddingModel',
  // The import limit of the avatar store (issue 18), a launch flag.
  'alisa.avatar.maxImportMB',
];
/** These the running companion takes without a restart (mode.set, character.select). */
export const LIVE_KEYS = { mode: 'alisa.mode', character: 'alisa.character' } as const;

/** Every mode, checked by the compiler against the protocol's (a value import would load zod at activation). */
const MODE_NAMES: Record<Mode, true> = { teasing: true, serious: true, calm: true };
const isMode = (value: string): value is Mode => Object.hasOwn(MODE_NAMES, value);

export function needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return RESTART_KEYS.some((key) => e.affectsConfiguration(key));
}

/** True when the user set `key` anywhere (not just the default): only then does it override the companion's memory. */
function isSet(config: vscode.WorkspaceConfiguration, key: string): boolean {
  const i = config.inspect(key);
  return !!i && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
}

/**
 * The user's own value of `key` (User settings, or a remote's machine settings), never a
 * workspace's: for settings that name a program, a file or a server (`"scope": "machine"` in
 * package.json; this also ignores a value an older VS Code took from a workspace).
 */
function userValue(config: vscode.WorkspaceConfiguration, key: string): unknown {
  return config.inspect(key)?.globalValue;
}

/** alisa.memory.embeddingModel: '' (none), "chat", "openai:NAME", or a GGUF path (`~` expanded). */
function embeddingModelOf(value: string): string {
  const t = value.trim();
  return t === '' || t === 'chat' || t.startsWith('openai:') ? t : expandHome(t);
}

/** `~/models/x.gguf` works in settings as it does in a shell. */
function expandHome(p: string): string {
  const t = p.trim();
  if (t === '~') return os.homedir();
  if (t.startsWith('~/') || t.startsWith('~\\')) return path.join(os.homedir(), t.slice(2));
  return t;
}

function intOrNull(value: unknown, min: number): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= min ? value : null;
}

export function readSettings(defaultDataFolder: string): CompanionSettings & { nodePath: string } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const providers = c.get<string[]>('llm.providers', ['embedded']).filter((p): p is ProviderId => p === 'embedded' || p === 'openai');
  const mode = c.get<string>('mode', 'teasing');
  // Settings that name a file, a folder, a server or a port: the user's own value only (machine
  // scope), so a workspace's .vscode/settings.json cannot point Alisa elsewhere.
  const modelPath = stringOr(userValue(c, 'model.path'), '').trim();
  return {
    modelPath: isRemoteModel(modelPath) ? modelPath : expandHome(modelPath),
    dataFolder: expandHome(stringOr(userValue(c, 'dataFolder'), '')) || defaultDataFolder,
    providers: isSet(c, 'llm.providers') ? providers : null,
    endpoint: stringOr(userValue(c, 'llm.endpoint'), ''),
    endpointModel: c.get<string>('llm.endpointModel', ''),
    contextSize: intOrNull(c.get('llm.contextSize', null), 128),
    threads: intOrNull(c.get('llm.threads', null), 1),
    parallel: intOrNull(c.get('llm.parallel', null), 1),
    gpu: c.get<string>('llm.gpu', 'auto') === 'off' ? 'off' : 'auto',
    promptStyle: c.get<string>('llm.promptStyle', 'full') === 'compact' ? 'compact' : 'full',
    autoTitle: autoTitleOf(c.get<string>('chat.autoTitle', 'model')),
    // Application scope: the user's own value only.
    memoryExtract: userValue(c, 'memory.extract') === 'off' ? 'off' : 'model',
    // A model file: the user's own value only, as alisa.model.path.
    embeddingModel: embeddingModelOf(stringOr(userValue(c, 'memory.embeddingModel'), '')),
    emotionGrammar: c.get<boolean>('llm.emotionGrammar', false) === true,
    historyTokens: intOrNull(c.get('llm.historyTokens', 3000), 0) ?? 3000,
    maxReplyTokens: intOrNull(c.get('llm.maxReplyTokens', 512), 1) ?? 512,
    character: isSet(c, 'character') ? c.get<string>('character', 'alisa').trim() || null : null,
    mode: isSet(c, 'mode') && isMode(mode) ? mode : null,
    legacyPort: intOrNull(userValue(c, 'legacy.port') ?? null, 0),
    legacySpeechFrames: userValue(c, 'legacy.speechFrames') === true,
    waifuPort: intOrNull(userValue(c, 'waifu.port') ?? null, 0),
    waifuFrontend: expandHome(stringOr(userValue(c, 'waifu.frontendFolder'), '')) || null,
    voice: normalizeVoiceLaunchSettings((key) => userValue(c, `voice.${key}`), expandHome),
    network: readNetworkMode(),
    notesFolder: expandHome(stringOr(userValue(c, 'actions.notesFolder'), '').trim()),
    modelTools: modelToolsOf(userValue(c, 'actions.modelTools')),
    mcpServers: arrayOr(userValue(c, 'mcp.servers')),
    ttsServers: userValue(c, 'voice.servers'),
    avatarMaxImportMB: intOrNull(c.get('avatar.maxImportMB', null), 1),
    nodePath: expandHome(stringOr(userValue(c, 'companion.nodePath'), 'node')) || 'node',
  };
}

/**
 * `alisa.network`: the user's own value (application scope; a workspace value is ignored, so a
 * workspace cannot loosen it), default "ask". Live: network/network-controller.ts sends changes.
 */
export function readNetworkMode(): NetworkMode {
  const v = userValue(vscode.workspace.getConfiguration(SECTION), 'network');
  return v === 'offline' || v === 'allowed' || v === 'ask' ? v : 'ask';
}

/** `alisa.screen.*` (application scope: a workspace's settings cannot turn screen capture on). */
export function readScreenSettings(): ScreenSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return normalizeScreenSettings(c.get<unknown>('screen.enabled', false), c.get<unknown>('screen.excludedWindows', [...DEFAULT_EXCLUDED_WINDOWS]));
}

/** `alisa.voice.*`, cleaned into what `voice.configure` accepts (`~/` paths expanded; the input is the user's own value only). */
export function readVoiceSettings(): VoiceSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const input = voiceInput(userValue(c, 'voice.input'), expandHome);
  if (input.problem) warnOnce(input.problem, 'Alisa uses the default microphone until it is fixed.');
  return normalizeVoiceSettings((key) => (key === 'input' ? input.input : c.get<unknown>(`voice.${key}`)), expandHome);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A list setting as an array (anything else: empty); its items are checked where they are used. */
function arrayOr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const warned = new Set<string>();
/** A setting the companion would refuse: said once per value, then replaced by its default. */
function warnOnce(problem: string, consequence: string): void {
  if (warned.has(problem)) return;
  warned.add(problem);
  void vscode.window.showWarningMessage(joinSentences(problem, consequence));
}

/** `alisa.presence.*` (application scope: a workspace's settings cannot turn the camera on). */
export function readPresenceSettings(): PresenceSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const input = c.get<unknown>('presence.input', PRESENCE_DEFAULTS.input);
  const problem = typeof input === 'string' ? deviceInputProblem(input, 'alisa.presence.input: the presence input') : null;
  if (problem) warnOnce(problem, 'Alisa uses the default camera until it is fixed.');
  return normalizePresenceSettings(c.get<unknown>('presence.enabled', PRESENCE_DEFAULTS.enabled), input, expandHome);
}

/** `alisa.idle.*`: Do not disturb and how chatty she is when the user seems idle. */
export function readIdleSettings(): IdleSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return normalizeIdleSettings(c.get<unknown>('idle.doNotDisturb', IDLE_DEFAULTS.doNotDisturb), c.get<unknown>('idle.chattiness', IDLE_DEFAULTS.chattiness));
}

/** Where a write to `key` (in `config`) takes effect: the workspace folder's or the workspace's value if there is one (it would hide the user's), else the user's. */
export function settingTarget(config: vscode.WorkspaceConfiguration, key: string): vscode.ConfigurationTarget {
  const i = config.inspect(key);
  return i?.workspaceFolderValue !== undefined
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : i?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
}

/**
 * Writes `alisa.<key>` where it takes effect (settingTarget). A read-only settings file is let be:
 * the companion still has the value for this session.
 */
export async function writeSettingWhereEffective(key: string, value: unknown): Promise<void> {
  const config = vscode.workspace.getConfiguration('alisa');
  const target = settingTarget(config, key);
  try {
    await config.update(key, value, target);
  } catch {
    // Read-only: nothing to do.
  }
}

/** alisa.chat.autoTitle: anything unknown is the default. */
function autoTitleOf(v: string | undefined): 'model' | 'words' | 'off' {
  return v === 'words' || v === 'off' ? v : 'model';
}

/** `alisa.actions.modelTools` (the user's own value: a workspace cannot hand the model tools). */
function modelToolsOf(v: unknown): 'auto' | 'on' | 'off' {
  return v === 'on' || v === 'off' ? v : 'auto';
}
