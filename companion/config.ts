// The companion's configuration: command-line flags, then environment variables, then defaults.
// Secrets (the token, API keys) come only from the environment, never from flags that `ps` shows.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { McpServerList, MODES, NETWORK_MODES, TtsEngineId, type McpServerConfig, type Mode, type NetworkMode } from '../protocol';
import { AlisaError } from './errors';
import { apiKeyProblem } from './server/api-key';
import { parseTtsServers, type HttpTtsId, type HttpTtsSettings } from './voice/tts/http-engines';

/** What `npm start` loads when the user has not chosen a model: small, instruction-tuned, CPU-friendly. */
export const RECOMMENDED_MODEL = 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M';

export interface CompanionConfig {
  port: number;
  legacyPort: number | null;
  /** Send Alisa's own [SPEECH_START]/[SPEECH_END] to legacy clients (off: old text clients print them). */
  legacySpeechFrames: boolean;
  /** The waifu-rt3d compatible /api/* server on 127.0.0.1 (waifu/waifu-server.ts); null: off. */
  waifuPort: number | null;
  /** The user's copy of waifu-rt3d's `frontend/` folder, served at `/` on the waifu port (--waifu-frontend); null: none. */
  waifuFrontend: string | null;
  token: string | null;
  /** ALISA_API_KEY: the key of the OpenAI-compatible API (/v1 only); null: kept in DATA/api-key. */
  openAiApiKey: string | null;
  /** --print-api-key: print the /v1 API key (creating it if needed) and exit. */
  printApiKey: boolean;
  dataDir: string;
  dbPath: string;
  modelsDir: string;
  /** Provider ids in fallback order: the first that becomes ready serves chat. */
  providers: string[];
  model: string;
  contextSize: number | undefined;
  threads: number | undefined;
  /** Sequences the embedded model serves side by side (--parallel; default 2). */
  parallel: number | undefined;
  gpu: 'auto' | false;
  endpoint: string | null;
  endpointModel: string | undefined;
  apiKey: string | undefined;
  llmTimeoutMs: number;
  mode: Mode | undefined;
  character: string | undefined;
  historyTokens: number;
  maxReplyTokens: number;
  temperature: number;
  promptStyle: 'full' | 'compact';
  /** How chats get their titles after the first exchange (chat/session-title.ts). */
  autoTitle: 'model' | 'words' | 'off';
  /** Whether the model extracts facts about the user from chats in the background (memory-recall/extractor.ts). */
  memoryExtract: 'model' | 'off';
  /** Hybrid recall's embedding model: a GGUF path, 'chat' (the chat model's file), or null (BM25 alone). */
  embeddingModel: string | null;
  /** How long a chat stays quiet before it is summarised into a memory (memory-recall/session-summarizer.ts). */
  memorySummaryIdleMs: number | undefined;
  /** Enforce the opening emotion tag by grammar (embedded model), for small models that forget it. */
  emotionGrammar: boolean;
  /** Frames per second a connection may send on average (bursts up to twice that). */
  rateLimit: number;
  /** The largest avatar file (or sprite set) an import accepts, in MB (avatars/avatar-store.ts). */
  avatarMaxImportMB: number;
  allowedOrigins: string[];
  parentPid: number | null;
  loadModelAtStart: boolean;
  /** The user already said yes to downloading the model (--download-model); otherwise they are asked first. */
  downloadModel: boolean;
  /** Help offers: how long an error must persist, and the least time between offers (defaults 4 s, 3 min). */
  helpDebounceMs: number | undefined;
  helpCooldownMs: number | undefined;
  /** Screen understanding on from the start (normally the extension turns it on by setting). */
  screen: boolean;
  /** Screen sampling periods (defaults 8 s while the user is there and focused, 20 s otherwise). */
  screenActiveMs: number | undefined;
  screenIdleMs: number | undefined;
  /** Speech out starts muted (--mute); otherwise Alisa speaks her replies. */
  muted: boolean;
  /** Text-to-speech engines in fallback order (default piper, espeak: local only; msedge is online, opt-in). */
  ttsEngines: TtsEngineId[] | undefined;
  /** Replaces Edge TTS's WebSocket URL (--edge-endpoint, ALISA_EDGE_TTS_URL). */
  edgeEndpoint: string | null;
  /** Voices on a server (--tts-servers, ALISA_TTS_SERVERS): URL, voice, model each; keys only from the environment. */
  ttsServers: Partial<Record<HttpTtsId, HttpTtsSettings>>;
  ttsVoice: string | undefined;
  piperBinary: string | null;
  piperModel: string | null;
  /** Dictation: a sherpa-onnx model (folder or file) and an OpenAI-compatible transcription server. */
  sttModel: string | null;
  sttEndpoint: string | null;
  sttServerModel: string | null;
  /** Time limits of each engine: until the first audio, and the cool-down after a failure. */
  ttsTimeoutMs: number | undefined;
  ttsCooldownMs: number | undefined;
  /** Idle talk (she speaks up unasked after a silence); --no-idle turns it off entirely. */
  idle: boolean;
  /** Multiplies every idle duration: silence bands, check period, gaps, cooldowns (tests: 0.01). */
  idleTimeScale: number;
  /** Overrides the idle check period (default 30 s x scale). */
  idleCheckMs: number | undefined;
  /** Replaces the base chance of every silence band (tests: 1). */
  idleChance: number | undefined;
  /** How soon a user message must follow an utterance to count as engaged (default 2 min x scale). */
  idleEngagedMs: number | undefined;
  /** Connections to other machines: offline (none), ask (once per host, the default), allowed (recorded). */
  network: NetworkMode;
  /** How long a connection waits for the user's answer in mode ask (default 60 s). */
  networkAskMs: number | undefined;
  /** Where notes go (write_note, the legacy "take note"); default ~/Documents/Alisa Notes. */
  notesDir: string | null;
  /** Alisa's actions: off with --no-actions; how long a question waits (default 60 s); actions a minute (default 10). */
  actions: boolean;
  actionAskMs: number | undefined;
  actionsPerMinute: number | undefined;
  /** The MCP servers whose tools join the actions (--mcp-servers or ALISA_MCP_SERVERS; env and headers may hold secrets). */
  mcpServers: McpServerConfig[];
  /** The model's tools on ordinary replies: auto (servers only), on (the embedded model too), off. `/do` always offers them. */
  modelTools: 'auto' | 'on' | 'off';
}

export const HELP = `Usage: npm run companion -- [options]

  --model FILE|URI       GGUF file, or hf:user/repo:quant / https:// URI to download (default: ${RECOMMENDED_MODEL})
  --data DIR             data folder for the database and downloaded models
  --db FILE              database file (default: DATA/alisa.db)
  --port N               port on 127.0.0.1 (default 0: any free port)
  --legacy-port N        enable the legacy /ws/chat endpoint on 127.0.0.1:N (off by default)
  --legacy-speech-frames send [SPEECH_START]/[SPEECH_END] to legacy clients when Alisa speaks (off by default)
  --waifu-port N         enable the waifu-rt3d compatible API (/api/*, /files/*) on 127.0.0.1:N (off by
                         default; 0: any free port). It has no token (its clients cannot send one): any
                         program on this machine can use it; browser pages of other Origins are refused
  --waifu-frontend DIR   your copy of waifu-rt3d's frontend/ folder, served at / on the waifu port
  --providers LIST       LLM providers in fallback order, e.g. embedded,openai (default: embedded)
  --endpoint URL         OpenAI-compatible server, e.g. http://127.0.0.1:1234/v1 (key in ALISA_LLM_API_KEY)
  --endpoint-model NAME  model name on that server (default: the first it lists)
  --context-size N       context size in tokens (default: the model's, at most 4096)
  --threads N            CPU threads for the embedded model (default: from the core count)
  --parallel N           replies the embedded model writes side by side, each with its own
                         prompt cache and a context's worth of memory (1-8, default 2)
  --gpu auto|off         use a GPU when there is one (default auto)
  --mode NAME            teasing, serious or calm
  --character KEY        character to start with
  --history-tokens N     token budget for recent turns in the prompt (default 3000)
  --max-reply-tokens N   longest reply (default 512)
  --prompt-style S       full or compact (compact suits tiny models)
  --auto-title T         model (default: first words, then a title the model writes), words, or off
  --memory-extract M     model (default: the model notes facts about you from chats, in the background) or off
  --embedding-model M    a GGUF embedding model for recall by meaning, "chat" (the chat model's own
                         file) or openai:NAME (the --endpoint server's /embeddings); default none:
                         memories are recalled by their words only
  --memory-summary-idle-ms N  how long a chat stays quiet before she sums it up as a memory (default
                         1200000; also when another chat becomes active; off with --memory-extract off)
  --emotion-grammar      make the embedded model open every reply with an emotion tag
  --rate-limit N         frames per second per connection (default 20)
  --avatar-max-import-mb N  the largest avatar (model file or sprite set) an import accepts (default 100)
  --allow-origin ORIGIN  an extra browser Origin allowed to connect (repeatable)
  --parent-pid N         exit when this process dies
  --no-model             start without loading a model (it loads on first use)
  --download-model       download the model (an hf: or https: URI) without asking first; otherwise
                         Alisa tells its size, the free disk space and the RAM it needs, and waits
                         for a yes (Download in the panel, or the model.load request)
  --help-debounce-ms N   how long an error must persist before she offers help (default 4000)
  --help-cooldown-ms N   least time between two help offers (default 180000)
  --screen               turn screen understanding (OCR of the screen) on at start
  --screen-active-ms N   screen sampling period while the user is there (default 8000)
  --screen-idle-ms N     screen sampling period otherwise (default 20000)
  --mute                 start with speech out muted (Alisa speaks her replies by default)
  --tts-engines LIST     text-to-speech engines in fallback order (default piper,espeak: nothing leaves
                         the machine); msedge is online (the text goes to Microsoft), opt-in
  --tts-voice NAME       an espeak-ng voice (en-us), an Edge voice (en-US-AnaNeural) or a Piper speaker
                         number; default: each engine's own
  --edge-endpoint URL    WebSocket URL replacing Edge TTS's (also ALISA_EDGE_TTS_URL)
  --tts-servers JSON     voices on a server, e.g. {"xtts":{"url":"http://127.0.0.1:8020","voice":"a.wav"}}
                         (openaiTts, elevenLabs, fishAudio, xtts; also ALISA_TTS_SERVERS); keys only
                         in ALISA_TTS_API_KEY, ELEVENLABS_API_KEY, FISH_API_KEY
  --piper-model PATH     a Piper voice for the built-in engine (sherpa-onnx): a vits-piper-* folder
                         (.onnx, tokens.txt, espeak-ng-data/) or its .onnx; default: the voice
                         downloaded into DATA/voices/ (voice.download; npm run voice -- --download-voice)
  --piper-binary FILE    run Piper with this program instead; --piper-model is then an .onnx with
                         its .onnx.json
  --stt-model PATH       sherpa-onnx dictation model (its folder or one of its .onnx files)
  --stt-endpoint URL     transcription server: OpenAI-compatible, e.g. http://127.0.0.1:8080/v1,
                         or whisper.cpp's, e.g. http://127.0.0.1:8080/inference (key in
                         ALISA_STT_API_KEY)
  --stt-server-model M   the model name sent to an OpenAI-compatible one (default whisper-1).
                         These five are launch settings only: they cannot be changed over the
                         connection.
  --print-api-key        print the key of the OpenAI-compatible API (/v1) for other tools and exit
  --tts-timeout-ms N     time allowed until an engine's first audio (default 4000)
  --tts-cooldown-ms N    how long a failed engine is skipped (default 30000)
  --no-idle              never speak up unasked (idle talk off; Do not disturb is the user's switch)
  --idle-time-scale F    multiply every idle duration (silence bands 120/300/600/1800 s, the 30 s
                         check, 90 s between utterances, reaction cooldowns), e.g. 0.01 for tests
  --idle-check-ms N      idle check period (default 30000 x scale)
  --idle-chance P        replace the base chance of every silence band (0..1; tests use 1)
  --idle-engaged-ms N    a reply this soon after an utterance counts as engaged (default 120000 x scale)
  --network MODE         connections to other machines (downloads, online voices, remote servers):
                         offline (never), ask (ask the connected UI once per host; the default) or
                         allowed (connect and record); loopback is always allowed
  --network-ask-ms N     how long a connection waits for the user's answer in mode ask (default 60000)
  --notes-dir DIR        where notes are written (default: ~/Documents/Alisa Notes)
  --no-actions           Alisa takes no action (files, programs, desktop); she still chats
  --action-ask-ms N      how long a question before an action waits for the answer (default 60000)
  --actions-per-minute N at most N actions a minute (default 10)
  --model-tools MODE     auto (OpenAI-compatible servers get Alisa's actions as tools; the default),
                         on (the embedded model too: for models trained to call tools), off
  --model-tools MODE     auto (OpenAI-compatible servers get Alisa's actions as tools; the default),
                         on (the embedded model too: for models trained to call tools), off
  --mcp-servers JSON     MCP servers whose tools Alisa may use (with the same questions), a JSON array
                         of {"name", "command", "args"?, "env"?, "cwd"?} (a program over stdio) or
                         {"name", "url", "headers"?} (streamable HTTP), each with "risk"? (default
                         program) and "timeoutMs"? (default 60000); also ALISA_MCP_SERVERS, which
                         keeps secrets in env or headers out of the process list

Environment: ALISA_TOKEN (fixed control token, at least 32 random characters), ALISA_API_KEY
(fixed /v1 API key, at least 32 characters; otherwise kept in DATA/api-key), ALISA_LLM_API_KEY, ALISA_STT_API_KEY, ALISA_MODEL,
ALISA_DATA_DIR, ALISA_EDGE_TTS_URL, ALISA_MCP_SERVERS.`;

export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Alisa');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Alisa');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'alisa');
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new AlisaError('invalid_argument', `--${name} must be ${allowed.join(', ')}, got "${value}".`);
  return value as T;
}

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AlisaError('invalid_argument', `--${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  }
  return n;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): CompanionConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      model: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      port: { type: 'string' },
      'legacy-port': { type: 'string' },
      'legacy-speech-frames': { type: 'boolean' },
      'waifu-port': { type: 'string' },
      'waifu-frontend': { type: 'string' },
      providers: { type: 'string' },
      endpoint: { type: 'string' },
      'endpoint-model': { type: 'string' },
      'context-size': { type: 'string' },
      threads: { type: 'string' },
      parallel: { type: 'string' },
      gpu: { type: 'string' },
      mode: { type: 'string' },
      character: { type: 'string' },
      'history-tokens': { type: 'string' },
      'max-reply-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'prompt-style': { type: 'string' },
      'auto-title': { type: 'string' },
      'memory-extract': { type: 'string' },
      'embedding-model': { type: 'string' },
      'memory-summary-idle-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      'avatar-max-import-mb': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'parent-pid': { type: 'string' },
      'llm-timeout': { type: 'string' },
      'no-model': { type: 'boolean' },
      'download-model': { type: 'boolean' },
      'emotion-grammar': { type: 'boolean' },
      'help-debounce-ms': { type: 'string' },
      'help-cooldown-ms': { type: 'string' },
      screen: { type: 'boolean' },
      'screen-active-ms': { type: 'string' },
      'screen-idle-ms': { type: 'string' },
      mute: { type: 'boolean' },
      'tts-engines': { type: 'string' },
      'tts-voice': { type: 'string' },
      'edge-endpoint': { type: 'string' },
      'tts-servers': { type: 'string' },
      'piper-binary': { type: 'string' },
      'piper-model': { type: 'string' },
      'stt-model': { type: 'string' },
      'stt-endpoint': { type: 'string' },
      'stt-server-model': { type: 'string' },
      'print-api-key': { type: 'boolean' },
      'tts-timeout-ms': { type: 'string' },
      'tts-cooldown-ms': { type: 'string' },
      'no-idle': { type: 'boolean' },
      'idle-time-scale': { type: 'string' },
      'idle-check-ms': { type: 'string' },
      'idle-chance': { type: 'string' },
      'idle-engaged-ms': { type: 'string' },
      network: { type: 'string' },
      'network-ask-ms': { type: 'string' },
      'notes-dir': { type: 'string' },
      'no-actions': { type: 'boolean' },
      'action-ask-ms': { type: 'string' },
      'actions-per-minute': { type: 'string' },
      'mcp-servers': { type: 'string' },
      'model-tools': { type: 'string' },
    },
  });
  if (values.help) return 'help';

  const dataDir = path.resolve(values.data ?? env.ALISA_DATA_DIR ?? defaultDataDir());
  const network = values.network ?? 'ask';
  if (!(NETWORK_MODES as readonly string[]).includes(network)) {
    throw new AlisaError('invalid_argument', `--network must be one of ${NETWORK_MODES.join(', ')}, got "${network}".`);
  }
  const mode = values.mode;
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) {
    throw new AlisaError('invalid_argument', `--mode must be one of ${MODES.join(', ')}, got "${mode}".`);
  }
  const promptStyle = values['prompt-style'] ?? 'full';
  if (promptStyle !== 'full' && promptStyle !== 'compact') {
    throw new AlisaError('invalid_argument', `--prompt-style must be full or compact, got "${promptStyle}".`);
  }
  const autoTitle = values['auto-title'] ?? 'model';
  if (autoTitle !== 'model' && autoTitle !== 'words' && autoTitle !== 'off') {
    throw new AlisaError('invalid_argument', `--auto-title must be model, words or off, got "${autoTitle}".`);
  }
  const memoryExtract = values['memory-extract'] ?? 'model';
  if (memoryExtract !== 'model' && memoryExtract !== 'off') {
    throw new AlisaError('invalid_argument', `--memory-extract must be model or off, got "${memoryExtract}".`);
  }
  const gpu = values.gpu ?? 'auto';
  if (!['auto', 'off', 'false'].includes(gpu)) throw new AlisaError('invalid_argument', `--gpu must be auto or off, got "${gpu}".`);
  const providers = (values.providers ?? (values.endpoint ? 'embedded,openai' : 'embedded'))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of providers) {
    if (p !== 'embedded' && p !== 'openai') throw new AlisaError('invalid_argument', `Unknown LLM provider "${p}": use embedded or openai.`);
  }
  const temperature = values.temperature === undefined ? 0.8 : Number(values.temperature);
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
    throw new AlisaError('invalid_argument', `--temperature must be a number from 0 to 2, got "${values.temperature}".`);
  }

  let ttsEngines: TtsEngineId[] | undefined;
  if (values['tts-engines'] !== undefined) {
    ttsEngines = [];
    for (const e of values['tts-engines']
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const parsed = TtsEngineId.safeParse(e);
      if (!parsed.success)
        throw new AlisaError(
          'invalid_argument',
          `Unknown text-to-speech engine "${e}": use piper, espeak, msedge (online), openai-tts, elevenlabs, fish or xtts.`,
        );
      ttsEngines.push(parsed.data);
    }
  }
  let ttsServers: Partial<Record<HttpTtsId, HttpTtsSettings>> = {};
  const ttsServersJson = values['tts-servers'] ?? (env.ALISA_TTS_SERVERS || null);
  if (ttsServersJson) {
    try {
      ttsServers = parseTtsServers(ttsServersJson);
    } catch (err) {
      throw new AlisaError('invalid_argument', `--tts-servers: ${(err as Error).message}.`);
    }
  }
  const edgeEndpoint = values['edge-endpoint'] ?? (env.ALISA_EDGE_TTS_URL || null);
  if (edgeEndpoint !== null && !/^wss?:\/\//.test(edgeEndpoint)) {
    throw new AlisaError('invalid_argument', `--edge-endpoint must be a ws:// or wss:// URL, got "${edgeEndpoint}".`);
  }

  const token = env.ALISA_TOKEN && env.ALISA_TOKEN.length > 0 ? env.ALISA_TOKEN : null;
  if (token !== null) {
    // The control token opens everything: a guessable one (`ALISA_TOKEN=a`) is refused, not used.
    const problem = apiKeyProblem(token) ?? (new Set(token).size < 5 ? 'it does not look random (fewer than 5 different characters)' : null);
    if (problem) {
      throw new AlisaError(
        'invalid_argument',
        `ALISA_TOKEN is not a usable control token: ${problem}. Set it to at least 32 random characters (e.g. \`openssl rand -base64 32\`), or unset it for a fresh random token per launch.`,
      );
    }
  }
  const openAiApiKey = env.ALISA_API_KEY && env.ALISA_API_KEY.length > 0 ? env.ALISA_API_KEY : null;
  if (openAiApiKey !== null) {
    const problem = apiKeyProblem(openAiApiKey);
    if (problem) throw new AlisaError('invalid_argument', `ALISA_API_KEY is not a usable API key: ${problem}.`);
    if (openAiApiKey === token)
      throw new AlisaError('invalid_argument', 'ALISA_API_KEY must differ from ALISA_TOKEN: the API key opens only /v1, the token everything.');
  }

  const mcpServers = parseMcpServers(values['mcp-servers'] ?? (env.ALISA_MCP_SERVERS || undefined));

  const fraction = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new AlisaError('invalid_argument', `--${name} must be a number from ${min} to ${max}, got "${value}".`);
    return n;
  };

  return {
    port: int('port', values.port, 0, 65535) ?? 0,
    legacyPort: int('legacy-port', values['legacy-port'], 0, 65535) ?? null,
    legacySpeechFrames: values['legacy-speech-frames'] ?? false,
    waifuPort: int('waifu-port', values['waifu-port'], 0, 65535) ?? null,
    waifuFrontend: waifuFrontendOf(values['waifu-frontend']),
    token,
    openAiApiKey,
    printApiKey: values['print-api-key'] ?? false,
    dataDir,
    dbPath: path.resolve(values.db ?? path.join(dataDir, 'alisa.db')),
    modelsDir: path.join(dataDir, 'models'),
    providers,
    model: values.model ?? env.ALISA_MODEL ?? RECOMMENDED_MODEL,
    contextSize: int('context-size', values['context-size'], 128, 1_048_576),
    threads: int('threads', values.threads, 1, 1024),
    parallel: int('parallel', values.parallel, 1, 8),
    gpu: gpu === 'auto' ? 'auto' : false,
    endpoint: values.endpoint ?? null,
    endpointModel: values['endpoint-model'],
    apiKey: env.ALISA_LLM_API_KEY || undefined,
    llmTimeoutMs: int('llm-timeout', values['llm-timeout'], 100, 600_000) ?? 15_000,
    mode: mode as Mode | undefined,
    character: values.character,
    historyTokens: int('history-tokens', values['history-tokens'], 0, 1_000_000) ?? 3000,
    maxReplyTokens: int('max-reply-tokens', values['max-reply-tokens'], 1, 8192) ?? 512,
    temperature,
    promptStyle,
    autoTitle,
    memoryExtract,
    embeddingModel: values['embedding-model']?.trim() || null,
    memorySummaryIdleMs: int('memory-summary-idle-ms', values['memory-summary-idle-ms'], 10, 7 * 24 * 3_600_000),
    emotionGrammar: values['emotion-grammar'] ?? false,
    rateLimit: int('rate-limit', values['rate-limit'], 1, 100_000) ?? 20,
    avatarMaxImportMB: int('avatar-max-import-mb', values['avatar-max-import-mb'], 1, 2000) ?? 100,
    allowedOrigins: values['allow-origin'] ?? [],
    parentPid: int('parent-pid', values['parent-pid'], 1, 2 ** 31) ?? null,
    loadModelAtStart: !values['no-model'],
    downloadModel: values['download-model'] ?? false,
    helpDebounceMs: int('help-debounce-ms', values['help-debounce-ms'], 0, 3_600_000),
    helpCooldownMs: int('help-cooldown-ms', values['help-cooldown-ms'], 0, 86_400_000),
    screen: values.screen ?? false,
    screenActiveMs: int('screen-active-ms', values['screen-active-ms'], 100, 3_600_000),
    screenIdleMs: int('screen-idle-ms', values['screen-idle-ms'], 100, 3_600_000),
    muted: values.mute ?? false,
    ttsEngines,
    edgeEndpoint,
    ttsServers,
    ttsVoice: values['tts-voice'],
    piperBinary: values['piper-binary'] ?? null,
    piperModel: values['piper-model'] ?? null,
    sttModel: values['stt-model'] || null,
    sttEndpoint: values['stt-endpoint'] || null,
    sttServerModel: values['stt-server-model'] || null,
    ttsTimeoutMs: int('tts-timeout-ms', values['tts-timeout-ms'], 10, 600_000),
    ttsCooldownMs: int('tts-cooldown-ms', values['tts-cooldown-ms'], 0, 86_400_000),
    idle: !values['no-idle'],
    idleTimeScale: fraction('idle-time-scale', values['idle-time-scale'], 0.0001, 1) ?? 1,
    idleCheckMs: int('idle-check-ms', values['idle-check-ms'], 10, 3_600_000),
    idleChance: fraction('idle-chance', values['idle-chance'], 0, 1),
    idleEngagedMs: int('idle-engaged-ms', values['idle-engaged-ms'], 10, 86_400_000),
    network: network as NetworkMode,
    networkAskMs: int('network-ask-ms', values['network-ask-ms'], 100, 3_600_000),
    notesDir: values['notes-dir'] || null,
    actions: !values['no-actions'],
    actionAskMs: int('action-ask-ms', values['action-ask-ms'], 100, 3_600_000),
    actionsPerMinute: int('actions-per-minute', values['actions-per-minute'], 1, 600),
    mcpServers,
    modelTools: oneOf('model-tools', values['model-tools'], ['auto', 'on', 'off'] as const) ?? 'auto',
  };
}

/** `--mcp-servers`: a JSON array checked against McpServerList. Its values never appear in an error (they may be secrets). */
function parseMcpServers(text: string | undefined): McpServerConfig[] {
  if (text === undefined || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AlisaError('invalid_argument', '--mcp-servers must be a JSON array of MCP servers; it is not valid JSON.');
  }
  const parsed = McpServerList.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : 'the list'}: ${i.message}`);
    throw new AlisaError('invalid_argument', `--mcp-servers is not a valid list of MCP servers: ${issues.join('; ')}.`);
  }
  return parsed.data;
}

/** --waifu-frontend: a folder with the original front end's index.html, checked at start so a wrong path is said at once. */
function waifuFrontendOf(value: string | undefined): string | null {
  if (!value) return null;
  const dir = path.resolve(value);
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new AlisaError('invalid_argument', `--waifu-frontend: ${dir} has no index.html; point it at waifu-rt3d's frontend/ folder.`);
  }
  return dir;
}
