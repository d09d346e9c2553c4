// POST /api/chat, POST /api/tts, POST /api/asr and GET /files/audio/:name of the waifu-rt3d API
// (issue 19), on Alisa's own pipeline: a chat message is a real reply of the ChatService (stored,
// shown in the panel, spoken by her voice there as every reply is), speech is her voice chain
// (voice-service.ts), transcription her speech-to-text engines (voice/stt/). The original's
// defects are fixed rather than copied (see /work/shared/reference/seed-apis.md):
//   - chat: `character_id` is honoured for that reply (the panel's character does not change);
//     the session N is used when it exists, else a new "Session N" is made, whose real id is
//     answered and remembered, so the next request naming N lands in it too. The legacy clients'
//     own session (legacy/legacy-session.ts) is never used.
//   - tts: the `provider` override picks that engine, and only it; clips are named by a hash of
//     what made them, so a repeated request is answered from the file (meta.cached: true); the
//     URLs are served (GET /files/audio/NAME, names of that form only).
//   - asr: "browser", the original's default that crashed, is Alisa's own local engine.
// `endpoint` and `api_key` in a /api/tts body serve that one request: the key is never stored or
// logged (error messages cut it out), and the connection goes through the network gate like every
// voice on a server (alisa.network: another machine is asked about or refused; this one is not).
import { closeSync, openSync, readSync } from 'node:fs';
import type { TtsEngineId } from '../../protocol';
import { errorText } from '../../common/sentences';
import { toAlisaError } from '../errors';
import type { MemoryStore } from '../memory';
import { OpenAiSttEngine } from '../voice/stt/openai';
import { PocketsphinxEngine } from '../voice/stt/pocketsphinx';
import { dictationEngineId, MissingEngine } from '../voice/stt/registry';
import { SherpaEngine } from '../voice/stt/sherpa';
import type { SttEngine } from '../voice/stt/types';
import { isWhisperCppEndpoint, WhisperCppEngine } from '../voice/stt/whisper-cpp';
import type { HttpTtsSettings } from '../voice/tts/http-engines';
import type { TtsEngine } from '../voice/tts/types';
import { decodeWav, readWav, toMono16k } from '../voice/wav-io';
import { TTS_PROVIDERS } from './provider-names';
import { type ApiReply, type ApiRequest, detail, ok, type RouteTable, type WaifuDeps } from './api-types';
import { AUDIO_TYPES, type AudioFormat, AudioStore, audioKey, clipSampleRate, convertClip, decodeTo16k, FFMPEG_INSTALL, ffmpegPath } from './waifu-audio';

const SERVER_ENGINES: readonly TtsEngineId[] = ['fish', 'elevenlabs', 'xtts', 'openai-tts'];
export const ASR_PROVIDERS = ['browser', 'auto', 'whisper_api', 'whisper_local', 'pocketsphinx', 'sherpa', 'openai', 'whispercpp'] as const;

const MAX_TTS_CHARS = 5000;
const TTS_TIMEOUT_MS = 60_000;
const STT_TIMEOUT_MS = 60_000;
/** Sessions the API made for a number that did not exist ("Session N"): N → the real id (a setting, bounded). */
const ALIASES_SETTING = 'waifu.sessionAliases';
const MAX_ALIASES = 100;

export function speechRoutes(deps: WaifuDeps): RouteTable {
  const audio = new AudioStore(deps.dataDir);
  return {
    'POST /api/chat': (req) => guarded(() => chat(deps, audio, req)),
    'POST /api/tts': (req) => guarded(() => tts(deps, audio, req)),
    'POST /api/asr': (req) => guarded(() => asr(deps, req)),
    'GET /files/audio/:name': async (req) => {
      const file = audio.pathOf(req.params.name ?? '');
      if (!file) return detail(404, 'Not Found');
      const ext = file.endsWith('.mp3') ? 'mp3' : 'wav';
      return { status: 200, file, contentType: AUDIO_TYPES[ext], cacheSeconds: 86_400 };
    },
  };
}

/** A thrown AlisaError as `{"detail"}` with the status its code calls for. */
async function guarded(route: () => Promise<ApiReply>): Promise<ApiReply> {
  try {
    return await route();
  } catch (err) {
    const e = toAlisaError(err);
    const status = { invalid_argument: 400, not_found: 404, forbidden: 403, busy: 409 }[e.code as string] ?? 500;
    return detail(status, errorText(e));
  }
}

// ---- request checks ----

class BadRequest extends Error {
  constructor(readonly reply: ApiReply) {
    super('bad request');
  }
}

function bodyOf(req: ApiRequest): Record<string, unknown> {
  if (req.json === undefined || req.json === null) return {};
  if (typeof req.json !== 'object' || Array.isArray(req.json)) throw new BadRequest(detail(422, 'The body must be a JSON object.'));
  return req.json as Record<string, unknown>;
}

function optional<T>(body: Record<string, unknown>, key: string, type: 'string' | 'boolean' | 'number'): T | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) throw new BadRequest(detail(422, `${key} must be a ${type}.`));
  return v as T;
}

/** A positive integer from the query, or `fallback` when absent. */
function queryId(req: ApiRequest, key: string, fallback: number | null): number | null {
  const raw = req.query.get(key);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new BadRequest(detail(422, `${key} must be a positive integer.`));
  return Number(raw);
}

async function checked(route: () => Promise<ApiReply>): Promise<ApiReply> {
  try {
    return await route();
  } catch (err) {
    if (err instanceof BadRequest) return err.reply;
    throw err;
  }
}

// ---- POST /api/chat ----

async function chat(deps: WaifuDeps, audio: AudioStore, req: ApiRequest): Promise<ApiReply> {
  return checked(async () => {
    const sessionNumber = queryId(req, 'session_id', 1)!;
    const characterId = queryId(req, 'character_id', null);
    const body = bodyOf(req);
    if (body.text === undefined || body.text === null) return detail(400, 'missing text');
    const text = optional<string>(body, 'text', 'string')!;
    const speak = optional<boolean>(body, 'speak', 'boolean') ?? false;
    if (text.trim() === '') return detail(400, 'missing text');
    const { core } = deps;
    const memory = core.memory();
    if (characterId !== null && !memory.getCharacter(characterId)) return detail(404, `There is no character ${characterId}.`);
    const sessionId = waifuSession(deps, memory, sessionNumber, characterId);
    const outcome = await replyTo(deps, text, sessionId, characterId);
    if ('error' in outcome) return { status: 200, body: { ok: false, error: outcome.error, session_id: sessionId } };
    const spoken = speak ? await speakReply(deps, audio, outcome.text) : { audio: null };
    return ok({ reply: outcome.text, ...spoken, session_id: sessionId, emotion: outcome.emotion, message_id: outcome.messageId });
  });
}

/**
 * The session a waifu client's number N means: N itself when it exists (and is not the legacy
 * clients' own), else the session made earlier for N, else a new "Session N" (remembered).
 */
function waifuSession(deps: WaifuDeps, memory: MemoryStore, n: number, characterId: number | null): number {
  const chat = deps.core.chat;
  const usable = (id: number | undefined) => id !== undefined && memory.getSession(id) !== null && !chat.isReservedSession(id);
  if (usable(n)) return n;
  const aliases = readAliases(memory);
  const alias = aliases[String(n)];
  if (usable(alias)) return alias!;
  const session = memory.createSession(`Session ${n}`, characterId ?? deps.core.state.characterId);
  chat.emit({ type: 'sessions.changed', session });
  delete aliases[String(n)];
  aliases[String(n)] = session.id;
  const kept = Object.entries(aliases).slice(-MAX_ALIASES);
  memory.setSetting(ALIASES_SETTING, JSON.stringify(Object.fromEntries(kept)));
  return session.id;
}

function readAliases(memory: MemoryStore): Record<string, number> {
  try {
    const parsed = JSON.parse(memory.getSetting(ALIASES_SETTING) ?? '{}') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => Number.isSafeInteger(v))) as Record<string, number>;
  } catch {
    return {};
  }
}

let nextClient = 1;

/** Starts a real reply and waits for its end: its text (no emotion tags) and emotion, or the error in words. */
async function replyTo(
  deps: WaifuDeps,
  text: string,
  sessionId: number,
  characterId: number | null,
): Promise<{ text: string; emotion: string; messageId: number } | { error: string }> {
  const chat = deps.core.chat;
  const origin = { clientId: `waifu-${nextClient++}` };
  // Listening before the reply starts: its end can never be missed.
  let replyId: string | null = null;
  const ends = new Map<string, { text: string; emotion: string; messageId: number } | { error: string }>();
  let settle: (() => void) | null = null;
  const off = chat.onEvent((event) => {
    if (event.type === 'reply.end')
      ends.set(
        event.replyId,
        event.interrupted ? { error: 'The reply was stopped before it finished.' } : { text: event.text, emotion: event.emotion, messageId: event.messageId },
      );
    else if (event.type === 'reply.error') ends.set(event.replyId, { error: errorText(event.error) });
    else return;
    if (replyId !== null && ends.has(replyId)) settle?.();
  });
  try {
    const started = chat.startReply({ shownText: text, promptText: text, sessionId, ...(characterId !== null ? { characterId } : {}) }, origin);
    replyId = started.replyId;
    try {
      // As chat.send does: "remember that ..." reaches long-term memory.
      chat.memoryHook?.(text, origin, started.userMessageId);
    } catch {
      // Long-term memory never stops a reply.
    }
    const id = replyId;
    if (!ends.has(id)) await new Promise<void>((resolve) => (settle = resolve));
    return ends.get(id)!;
  } finally {
    off();
  }
}

/** The reply as a clip in DATA/waifu-audio/, or why there is none (never silently null). */
async function speakReply(deps: WaifuDeps, audio: AudioStore, text: string): Promise<{ audio: string | null; audio_error?: string }> {
  const voice = deps.core.voice;
  try {
    const key = audioKey(['chat', voice.chainTag(), text]);
    const found = audio.find(key, null);
    if (found) return { audio: `/files/audio/${found}` };
    const result = await voice.synthesizeClip(text, {}, AbortSignal.timeout(TTS_TIMEOUT_MS));
    const name = audio.save(key, result.mime === 'audio/mpeg' ? 'mp3' : 'wav', result.data);
    return { audio: `/files/audio/${name}` };
  } catch (err) {
    const why = errorText(toAlisaError(err));
    deps.log(`waifu: the reply could not be spoken: ${why}`);
    return { audio: null, audio_error: why };
  }
}

// ---- POST /api/tts ----

async function tts(deps: WaifuDeps, audio: AudioStore, req: ApiRequest): Promise<ApiReply> {
  return checked(async () => {
    const body = bodyOf(req);
    const text = optional<string>(body, 'text', 'string');
    if (text === undefined || text.trim() === '') return detail(400, 'text required');
    if (text.length > MAX_TTS_CHARS) return detail(400, `The text is longer than ${MAX_TTS_CHARS} characters: send it in parts.`);
    const providerName = optional<string>(body, 'provider', 'string');
    const voiceName = optional<string>(body, 'voice_id', 'string') ?? optional<string>(body, 'voice', 'string');
    const formatName = optional<string>(body, 'format', 'string');
    const sampleRate = optional<number>(body, 'sample_rate', 'number') ?? null;
    const endpoint = optional<string>(body, 'endpoint', 'string');
    const apiKey = optional<string>(body, 'api_key', 'string');
    const format = formatName === undefined ? null : formatName.toLowerCase();
    if (format !== null && format !== 'wav' && format !== 'mp3') return detail(400, `The format "${formatName}" is not available: use wav or mp3.`);
    if (sampleRate !== null && (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 48000))
      return detail(400, 'sample_rate must be a whole number of Hz from 8000 to 48000.');

    // Which engine: the one named (and only it), else Alisa's chain in its order.
    const wantsServer = Boolean(endpoint?.trim() || apiKey);
    const name = providerName ?? (wantsServer ? deps.config().tts?.provider : undefined);
    let picked: { engine: TtsEngine; tag: string } | null = null;
    if (name !== undefined) {
      const id = TTS_PROVIDERS[name.trim().toLowerCase()];
      if (!id) return detail(400, `Unknown TTS provider "${name}": use one of ${Object.keys(TTS_PROVIDERS).join(', ')}.`);
      if (wantsServer && !SERVER_ENGINES.includes(id))
        return detail(400, `endpoint and api_key are for voices on a server (fish_audio, elevenlabs, xtts_server, openai_tts), not ${name}.`);
      const server: HttpTtsSettings = {
        ...(endpoint?.trim() ? { url: endpoint.trim() } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(voiceName && SERVER_ENGINES.includes(id) ? { voice: voiceName } : {}),
      };
      picked = deps.core.voice.clipEngine(id, server);
    } else if (wantsServer) {
      return detail(400, 'endpoint and api_key need a provider (fish_audio, elevenlabs, xtts_server, openai_tts).');
    }

    const voiceOpt = picked && SERVER_ENGINES.includes(picked.engine.id) ? undefined : voiceName;
    const key = audioKey(['tts', picked?.tag ?? deps.core.voice.chainTag(), voiceOpt ?? '', format ?? 'native', sampleRate ?? 0, text]);
    // provider: as asked, else the configured one (the chain's first); engine: the one that spoke.
    const meta = (file: string, engine: TtsEngineId | null, cached: boolean) => ({
      provider: providerName ?? deps.config().tts?.provider ?? engine,
      engine,
      voice_id: voiceName ?? null,
      format: file.endsWith('.mp3') ? 'mp3' : 'wav',
      sr: sampleRateOf(audio, file) ?? sampleRate,
      cached,
    });
    const found = audio.find(key, format);
    if (found) return ok({ url: `/files/audio/${found}`, meta: meta(found, picked?.engine.id ?? spokeBy.get(found) ?? null, true) });

    let result: Awaited<ReturnType<typeof deps.core.voice.synthesizeClip>>;
    try {
      result = await deps.core.voice.synthesizeClip(
        text,
        { engine: picked?.engine, ...(voiceOpt !== undefined ? { voice: voiceOpt } : {}) },
        AbortSignal.timeout(TTS_TIMEOUT_MS),
      );
    } catch (err) {
      return detail(400, errorText(toAlisaError(err)));
    }
    const native: AudioFormat = result.mime === 'audio/mpeg' ? 'mp3' : 'wav';
    const target = format ?? native;
    let data = result.data;
    const rate = native === 'wav' ? (readWav(data)?.sampleRate ?? null) : null;
    if (target !== native || (sampleRate !== null && sampleRate !== rate)) {
      const bin = ffmpegPath();
      if (!bin)
        return detail(
          400,
          `Converting the clip (${native} to ${target}${sampleRate ? ` at ${sampleRate} Hz` : ''}) needs ffmpeg. ${FFMPEG_INSTALL} Or ask for format "wav".`,
        );
      try {
        data = await convertClip(bin, data, target, sampleRate);
      } catch (err) {
        return detail(500, `The clip could not be converted to ${target}: ${(err as Error).message}.`);
      }
    }
    const file = audio.save(key, target, data);
    rememberEngine(file, result.engine);
    return ok({ url: `/files/audio/${file}`, meta: meta(file, result.engine, false) });
  });
}

/** Which engine of the chain spoke each clip made in this run (bounded; after a restart: unknown). */
const spokeBy = new Map<string, TtsEngineId>();
function rememberEngine(name: string, engine: TtsEngineId): void {
  spokeBy.delete(name);
  spokeBy.set(name, engine);
  if (spokeBy.size > 1000) spokeBy.delete(spokeBy.keys().next().value!);
}

/** The sample rate of a stored clip, from its first bytes. */
function sampleRateOf(audio: AudioStore, name: string): number | null {
  const file = audio.pathOf(name);
  if (!file) return null;
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(8192);
      const n = readSync(fd, head, 0, head.length, 0);
      return clipSampleRate(head.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

// ---- POST /api/asr ----

async function asr(deps: WaifuDeps, req: ApiRequest): Promise<ApiReply> {
  const cfg = deps.config().asr ?? {};
  if (cfg.enabled !== true) return detail(400, 'ASR not enabled in configuration');
  const upload = req.files.find((f) => f.field === 'file');
  if (!upload) return detail(422, 'missing file: send the audio as the multipart field "file"');
  const provider = (typeof cfg.provider === 'string' && cfg.provider.trim() ? cfg.provider.trim() : 'browser').toLowerCase();
  const engine = sttEngineFor(deps, provider, cfg);
  if (!engine) return detail(400, `Unknown ASR provider "${provider}": use one of ${ASR_PROVIDERS.join(', ')}.`);
  if (upload.data.length === 0) return detail(400, 'The upload is empty: send a recording.');
  const decoded = await decodeUpload(upload.data);
  if ('problem' in decoded) return detail(decoded.status, decoded.problem);
  const state = await engine.available();
  if (!state.available) return detail(500, `Transcription failed: ${state.reason ?? `${engine.id} is not available`}`);
  try {
    const t = await engine.transcribe(decoded.pcm, { signal: AbortSignal.timeout(STT_TIMEOUT_MS) });
    const language = typeof cfg.language === 'string' && cfg.language ? cfg.language : 'en';
    return { status: 200, body: { text: t.text, language, confidence: t.confidence ?? null, provider, engine: engine.id } };
  } catch (err) {
    const server = engine.id === 'openai' || engine.id === 'whispercpp';
    return detail(server ? 502 : 500, `Transcription failed: ${errorText(toAlisaError(err))}`);
  }
}

/** The engine for a waifu ASR provider: the servers as configured, "browser" Alisa's own local engine. */
function sttEngineFor(deps: WaifuDeps, asked: string, cfg: NonNullable<ReturnType<WaifuDeps['config']>['asr']>): SttEngine | null {
  const c = deps.companionConfig;
  let provider = asked;
  const language = typeof cfg.language === 'string' && cfg.language ? cfg.language : undefined;
  const endpoint = typeof cfg.endpoint === 'string' && cfg.endpoint.trim() ? cfg.endpoint.trim() : null;
  if (provider === 'auto') {
    // Alisa's own choice (alisa.voice.sttEngine auto): a model, else the server set, else pocketsphinx.
    const id = dictationEngineId({ sttEngine: 'auto', sttModel: c.sttModel, sttEndpoint: endpoint ?? c.sttEndpoint });
    provider = id === 'openai' ? 'whisper_api' : id === 'whispercpp' ? 'whisper_local' : 'browser';
  }
  switch (provider) {
    case 'whisper_api':
    case 'openai': {
      const url = endpoint ?? (c.sttEndpoint && !isWhisperCppEndpoint(c.sttEndpoint) ? c.sttEndpoint : null);
      if (!url) return new MissingEngine('openai', 'No transcription server is set (asr.endpoint, or alisa.voice.sttEndpoint).');
      const model = typeof cfg.model === 'string' && cfg.model ? cfg.model : (c.sttServerModel ?? undefined);
      return new OpenAiSttEngine({ endpoint: url, model, language });
    }
    case 'whisper_local':
    case 'whispercpp':
      return new WhisperCppEngine({
        endpoint: endpoint ?? (c.sttEndpoint && isWhisperCppEndpoint(c.sttEndpoint) ? c.sttEndpoint : 'http://127.0.0.1:8080'),
        language,
      });
    case 'browser':
      // The original's default (its browser did the work, and the server crashed): here Alisa's
      // own local dictation, a Whisper/Moonshine model when one is set, else pocketsphinx.
      return c.sttModel ? new SherpaEngine({ model: c.sttModel, modelsDir: deps.core.modelsDir }) : new PocketsphinxEngine({ grammar: null });
    case 'sherpa':
      return new SherpaEngine({ model: c.sttModel, modelsDir: deps.core.modelsDir });
    case 'pocketsphinx':
      return new PocketsphinxEngine({ grammar: null });
    default:
      return null;
  }
}

/** Any audio to 16 kHz mono PCM: ffmpeg when installed, else WAV only. */
async function decodeUpload(data: Buffer): Promise<{ pcm: Buffer | Int16Array } | { status: number; problem: string }> {
  const bin = ffmpegPath();
  if (bin) {
    try {
      const pcm = await decodeTo16k(bin, data);
      if (pcm.length < 2) return { status: 400, problem: 'The upload holds no audio.' };
      return { pcm };
    } catch (err) {
      const why = (err as Error).message;
      if (/too long/.test(why)) return { status: 413, problem: 'The recording is too long (at most 10 minutes).' };
      return { status: 400, problem: `The upload is not audio that can be read (${why}).` };
    }
  }
  try {
    const pcm = toMono16k(decodeWav(data));
    if (pcm.length === 0) return { status: 400, problem: 'The upload holds no audio.' };
    return { pcm };
  } catch {
    return { status: 400, problem: `The upload is not a WAV file, and other formats need ffmpeg. ${FFMPEG_INSTALL}` };
  }
}
