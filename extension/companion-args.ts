// Turns the extension's settings into the companion's command line (see companion/config.ts for
// the flags). Plain data in, plain data out: the `vscode` side reads the settings, this decides.
// No `vscode` import: unit-tested in vitest.
import type { Mode } from '../protocol/common';
import type { NetworkMode } from '../protocol/network';
import { voiceLaunchArgs, type VoiceLaunchSettings } from './voice/voice-logic';

/**
 * Kept equal to RECOMMENDED_MODEL in companion/config.ts (a test checks it); duplicated so the
 * extension bundle does not pull in the companion's configuration module.
 */
export const RECOMMENDED_MODEL = 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M';

export type ProviderId = 'embedded' | 'openai';

export interface CompanionSettings {
  /** GGUF file path or hf:/https: URI; '' = none chosen yet. */
  modelPath: string;
  dataFolder: string;
  /** alisa.llm.providers, or null when the user has not set it (see `effectiveProviders`). */
  providers: ProviderId[] | null;
  endpoint: string;
  endpointModel: string;
  contextSize: number | null;
  threads: number | null;
  /** alisa.llm.parallel (null: the companion's default). */
  parallel?: number | null;
  gpu: 'auto' | 'off';
  promptStyle: 'full' | 'compact';
  /** alisa.chat.autoTitle (absent: the companion's default, model). */
  autoTitle?: 'model' | 'words' | 'off';
  /** alisa.memory.extract (absent: the companion's default, model). */
  memoryExtract?: 'model' | 'off';
  /** alisa.memory.embeddingModel: a GGUF path, "chat", or '' / absent (none: recall by words). */
  embeddingModel?: string;
  emotionGrammar: boolean;
  historyTokens: number;
  maxReplyTokens: number;
  /** Null when not set by the user: the companion keeps the one chosen in chat. */
  character: string | null;
  /** Null when not set by the user: the companion keeps the one chosen in chat (/mode). */
  mode: Mode | null;
  legacyPort: number | null;
  /** alisa.legacy.speechFrames: her own [SPEECH_START]/[SPEECH_END] to legacy clients (default false). */
  legacySpeechFrames?: boolean;
  /** alisa.waifu.port: the waifu-rt3d compatible API (no token; off when null or absent). */
  waifuPort?: number | null;
  /** alisa.waifu.frontendFolder: the user's copy of waifu-rt3d's front end, served on that port. */
  waifuFrontend?: string | null;
  /** Executables, model files and servers of voice: launch flags only, from the user's own settings. */
  voice?: VoiceLaunchSettings;
  /** alisa.network (the user's value only): the companion starts with it; changes go live (network.configure). */
  network?: NetworkMode;
  /** alisa.actions.notesFolder (the user's value only; empty: ~/Documents/Alisa Notes). */
  notesFolder?: string;
  /** alisa.actions.modelTools (absent: the companion's default, auto). */
  modelTools?: 'auto' | 'on' | 'off';
  /**
   * alisa.mcp.servers (the user's value only), passed as is in the environment (ALISA_MCP_SERVERS,
   * see companionEnv): their env and headers may hold secrets, which a command line would show to
   * every process on the machine. The companion checks it at start.
   */
  mcpServers?: unknown[];
  /** alisa.voice.servers (user value only): the companion checks it (--tts-servers) and refuses keys in it. */
  ttsServers?: unknown;
  /** alisa.avatar.maxImportMB (null/absent: the companion's default, 100). */
  avatarMaxImportMB?: number | null;
}

/**
 * The provider order the companion gets. Precedence, first match wins:
 *   1. alisa.llm.providers, when the user set it;
 *   2. a model is configured: the embedded model, then the endpoint if there is one;
 *   3. only an endpoint is configured: the endpoint alone (no surprise 2 GB download);
 *   4. nothing configured: the embedded model with the recommended URI, not loaded until the
 *      user chooses a file or the download.
 */
export function effectiveProviders(s: CompanionSettings): ProviderId[] {
  if (s.providers && s.providers.length > 0) return [...new Set(s.providers)];
  const endpoint = s.endpoint.trim() !== '';
  if (s.modelPath.trim() !== '') return endpoint ? ['embedded', 'openai'] : ['embedded'];
  return endpoint ? ['openai'] : ['embedded'];
}

/** False until the user has chosen something Alisa can talk with: a model, or an endpoint in use. */
export function isModelConfigured(s: CompanionSettings): boolean {
  if (s.modelPath.trim() !== '') return true;
  return s.endpoint.trim() !== '' && effectiveProviders(s).includes('openai');
}

/** The companion's arguments (after the script path). Secrets are never here: they go in env. */
export function companionArgs(s: CompanionSettings, parentPid: number): string[] {
  const modelPath = s.modelPath.trim();
  const args = ['--data', s.dataFolder, '--providers', effectiveProviders(s).join(',')];
  // Without a chosen model the companion starts with the recommended one configured but not
  // loaded, so the UI can offer "Choose file / Download" before anything is downloaded.
  args.push('--model', modelPath || RECOMMENDED_MODEL);
  if (!modelPath) args.push('--no-model');
  if (s.endpoint.trim()) args.push('--endpoint', s.endpoint.trim());
  if (s.endpointModel.trim()) args.push('--endpoint-model', s.endpointModel.trim());
  if (s.contextSize !== null) args.push('--context-size', String(s.contextSize));
  if (s.threads !== null) args.push('--threads', String(s.threads));
  if (s.parallel != null) args.push('--parallel', String(Math.min(8, s.parallel)));
  args.push('--gpu', s.gpu);
  args.push('--prompt-style', s.promptStyle);
  if (s.autoTitle && s.autoTitle !== 'model') args.push('--auto-title', s.autoTitle);
  if (s.memoryExtract === 'off') args.push('--memory-extract', 'off');
  if (s.embeddingModel) args.push('--embedding-model', s.embeddingModel);
  if (s.emotionGrammar) args.push('--emotion-grammar');
  args.push('--history-tokens', String(s.historyTokens));
  args.push('--max-reply-tokens', String(s.maxReplyTokens));
  if (s.character) args.push('--character', s.character);
  if (s.mode) args.push('--mode', s.mode);
  if (s.legacyPort !== null) args.push('--legacy-port', String(s.legacyPort));
  if (s.legacyPort !== null && s.legacySpeechFrames) args.push('--legacy-speech-frames');
  if (s.waifuPort !== undefined && s.waifuPort !== null) {
    args.push('--waifu-port', String(s.waifuPort));
    if (s.waifuFrontend) args.push('--waifu-frontend', s.waifuFrontend);
  }
  args.push(...voiceLaunchArgs(s.voice));
  if (s.network) args.push('--network', s.network);
  if (s.notesFolder) args.push('--notes-dir', s.notesFolder);
  if (s.modelTools && s.modelTools !== 'auto') args.push('--model-tools', s.modelTools);
  if (s.avatarMaxImportMB != null) args.push('--avatar-max-import-mb', String(Math.min(2000, s.avatarMaxImportMB)));
  args.push('--parent-pid', String(parentPid));
  return args;
}

/** The companion's environment additions: the secrets and the settings that may hold them (never arguments). */
export function companionEnv(
  s: CompanionSettings,
  apiKey: string | undefined,
  sttApiKey?: string,
  voiceKeys: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  if (apiKey) env.ALISA_LLM_API_KEY = apiKey;
  if (sttApiKey) env.ALISA_STT_API_KEY = sttApiKey;
  if (s.mcpServers && s.mcpServers.length > 0) env.ALISA_MCP_SERVERS = JSON.stringify(s.mcpServers);
  // Keys of the voices on a server (ELEVENLABS_API_KEY, FISH_API_KEY, ALISA_TTS_API_KEY) from SecretStorage.
  for (const [name, key] of Object.entries(voiceKeys)) if (key) env[name] = key;
  if (s.ttsServers && typeof s.ttsServers === 'object' && Object.keys(s.ttsServers).length > 0) env.ALISA_TTS_SERVERS = JSON.stringify(s.ttsServers);
  return env;
}
