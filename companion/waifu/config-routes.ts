// GET/PUT /api/config of the waifu-rt3d compatibility surface (issue 19): the original's
// app.json, as a view of Alisa's own settings. One source of truth: a field Alisa has a setting
// for is read live from the running companion (its launch settings, and what VS Code sent since
// with voice.configure), and a PUT changes it there and in VS Code's settings; only the fields
// Alisa has no setting for live in DATA/waifu-config.json.
//
//   config field                 Alisa                                    how a PUT applies it
//   output_mode text|text+voice  alisa.voice.muted (text = muted)         live, and the setting
//   tts.provider + fallback_chain alisa.voice.ttsEngines (the order: the  live, and the setting
//                                provider, then the chain); fish_audio=fish, elevenlabs,
//                                piper_local=piper, xtts_server=xtts, openai_tts=openai-tts,
//                                espeak, msedge
//   tts.endpoint, tts.voice_id   a voice on a server: alisa.voice.servers live, and the setting
//                                (url, voice); a local engine: voice_id = alisa.voice.voice
//                                (an endpoint is ignored, with a note)
//   llm.provider                 alisa.llm.providers (embedded; openai for the setting; Alisa restarts
//                                any OpenAI-compatible name: openai, lmstudio, ollama, ...)
//   llm.endpoint, llm.model      alisa.llm.endpoint, alisa.llm.endpointModel  the setting; Alisa restarts
//   asr.provider                 alisa.voice.sttEngine (whisper_api=openai,  live, and the setting
//                                whisper_local=whispercpp, auto, sherpa, pocketsphinx); `browser`
//                                (the page transcribes itself) is kept in the file
//   asr.endpoint, asr.model      alisa.voice.sttEndpoint, sttServerModel  the setting; Alisa restarts
//   profile, input_mode, tts.format, tts.sample_rate, tts.voice, asr.enabled, asr.language,
//   memory.max_history, and every unknown key       DATA/waifu-config.json (read by the API's own routes)
//
// The settings are written by the VS Code windows connected (a `settings.changed` event,
// protocol/settings-sync.ts; extension/settings-sync.ts writes them to the user's settings). The
// reverse direction needs nothing here: a changed setting reaches the companion (voice.configure,
// or a restart for launch settings) and GET reads it there. With no window connected, live
// changes last until the companion stops and launch settings are not applied; the answer's
// `notes` say so, field by field.
//
// Keys (`api_key`): never in the file, a log or an answer. GET answers `""` and `api_key_set`. A
// key sent by PUT is used for this run only where an engine can take it (a voice on a server);
// the LLM's and dictation's keys are kept by VS Code's secret storage ("Alisa: Set API Key") or
// the environment, so a key for them is refused with a note, not stored. Any other key whose name
// says it is a secret (token, password, ...) is dropped rather than stored.
//
// PUT is a real deep merge (objects merged recursively, arrays and scalars replaced, `null`
// removes an unknown key), validated first: a known field of the wrong type or out of range is a
// 422 naming it, and nothing is applied or stored.
import { TTS_NAMES, TTS_PROVIDERS } from './provider-names';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SyncedSetting, TtsEngineId, VoiceConfigure } from '../../protocol';
import { HTTP_TTS_DEFAULTS, HTTP_TTS_IDS, KEY_ENV, settingPrefix, type HttpTtsId, type HttpTtsSettings } from '../voice/tts/http-engines';
import type { CompanionCore } from '../server/request-handlers';
import { detail, type ApiReply, type RouteTable, type WaifuConfig, type WaifuDeps } from './api-types';

type Json = Record<string, unknown>;
type Deps = Omit<WaifuDeps, 'config'>;

export const CONFIG_FILE = 'waifu-config.json';

/** The original's defaults (preflight) for the fields Alisa has no setting for. */
const FILE_DEFAULTS = {
  profile: 'auto',
  input_mode: 'text',
  tts: { format: 'mp3', sample_rate: 24000 },
  asr: { enabled: false, language: 'en' },
  memory: { max_history: 12 },
} as const;

/** waifu-rt3d's TTS provider names ↔ Alisa's engines (Alisa's own ids are accepted too). */
/** Names of OpenAI-compatible servers; all are Alisa's `openai` provider. */
const OPENAI_LLM_NAMES = ['openai', 'lmstudio', 'ollama', 'openai_compatible', 'llamacpp', 'vllm', 'localai'];
const LLM_NAMES = ['embedded', ...OPENAI_LLM_NAMES];
type SttEngine = NonNullable<VoiceConfigure['sttEngine']>;
const ASR_TO_ALISA: Record<string, SttEngine | 'browser'> = {
  whisper_api: 'openai',
  whisper_local: 'whispercpp',
  browser: 'browser',
  auto: 'auto',
  sherpa: 'sherpa',
  pocketsphinx: 'pocketsphinx',
};
const ASR_NAMES: Record<SttEngine, string> = {
  openai: 'whisper_api',
  whispercpp: 'whisper_local',
  auto: 'auto',
  sherpa: 'sherpa',
  pocketsphinx: 'pocketsphinx',
};
const FORMATS = ['mp3', 'wav', 'opus', 'ogg', 'flac', 'aac', 'pcm'];

/** Fields Alisa's settings hold: never stored in the file. */
const MAPPED: Record<string, readonly string[]> = {
  '': ['output_mode'],
  llm: ['provider', 'endpoint', 'model', 'api_key', 'api_key_set'],
  tts: ['provider', 'endpoint', 'voice_id', 'fallback_chain', 'api_key', 'api_key_set'],
  asr: ['provider', 'endpoint', 'model', 'api_key', 'api_key_set'],
};
/** Unknown keys whose name says they hold a secret: dropped, never stored. */
const SECRET_NAME = /api[_-]?key|secret|passw(or)?d|token|credential/i;

// ---------------------------------------------------------------- plain helpers

export function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const sectionOf = (patch: Json, key: string): Json => (isPlainObject(patch[key]) ? (patch[key] as Json) : {});
const has = (o: Json, k: string): boolean => Object.hasOwn(o, k);

/**
 * The deep merge of `patch` into `base` (neither is changed): objects merged recursively, arrays
 * and scalars replaced, `null` removes the key.
 */
export function deepMerge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = deepMerge(out[k] as Json, v);
    else if (isPlainObject(v)) out[k] = deepMerge({}, v);
    else out[k] = v;
  }
  return out;
}

function isHttpUrlOrEmpty(s: string): boolean {
  if (s === '') return true;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !/\s/.test(s);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- validation

type Check = (v: unknown) => string | null;
const str =
  (max: number): Check =>
  (v) =>
    typeof v !== 'string' ? 'must be a string' : v.length > max ? `must be at most ${max} characters` : null;
const oneOf =
  (names: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && names.includes(v) ? null : `must be one of ${names.join(', ')}`;
const url: Check = (v) =>
  typeof v !== 'string' || v.length > 1000 || !isHttpUrlOrEmpty(v) ? 'must be an http:// or https:// URL (no user name or key in it), or ""' : null;
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const int =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : `must be a whole number from ${min} to ${max}`;
const language: Check = (v) =>
  typeof v === 'string' && /^(auto|[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*)$/.test(v) ? null : 'must be a language code such as en or pt-BR, or auto';
const chain: Check = (v) => {
  if (!Array.isArray(v)) return 'must be a list of provider names';
  if (v.length > 9) return 'must have at most 9 providers';
  const bad = v.find((x) => typeof x !== 'string' || !(x in TTS_PROVIDERS));
  return bad === undefined ? null : `has an unknown provider ${JSON.stringify(bad)}: use ${Object.values(TTS_NAMES).join(', ')}`;
};

const SCHEMA: Record<string, Check | Record<string, Check>> = {
  profile: str(100),
  input_mode: str(50),
  output_mode: oneOf(['text', 'text+voice']),
  llm: { provider: oneOf(LLM_NAMES), endpoint: url, api_key: str(1000), model: str(200), api_key_set: bool },
  tts: {
    provider: oneOf(Object.values(TTS_NAMES)),
    endpoint: url,
    api_key: str(1000),
    voice_id: str(500),
    voice: str(1000),
    format: oneOf(FORMATS),
    sample_rate: int(8000, 48000),
    fallback_chain: chain,
    api_key_set: bool,
  },
  asr: {
    enabled: bool,
    provider: oneOf(Object.keys(ASR_TO_ALISA)),
    endpoint: url,
    api_key: str(1000),
    model: str(200),
    language,
    api_key_set: bool,
  },
  memory: { max_history: int(1, 1000) },
};

/** Why `patch` cannot be applied (naming the field), or null. Unknown keys are anything. */
export function patchProblem(patch: Json): string | null {
  for (const [key, v] of Object.entries(patch)) {
    const rule = SCHEMA[key];
    if (rule === undefined) continue;
    if (v === null) return `${key} cannot be null: give a value (null removes only keys the API does not know).`;
    if (typeof rule === 'function') {
      const p = rule(v);
      if (p) return `${key} ${p}.`;
      continue;
    }
    if (!isPlainObject(v)) return `${key} must be an object, e.g. {"${key}": {"${Object.keys(rule)[0]}": ...}}.`;
    for (const [field, fv] of Object.entries(v)) {
      const check = rule[field];
      if (check === undefined) continue;
      if (fv === null) return `${key}.${field} cannot be null: give a value.`;
      const p = check(fv);
      if (p) return `${key}.${field} ${p}.`;
    }
  }
  return null;
}

// ---------------------------------------------------------------- the stored part

interface ConfigState {
  stored: Json | null;
  /** PUTs one at a time. */
  queue: Promise<unknown>;
}
const states = new WeakMap<CompanionCore, ConfigState>();

function stateOf(deps: Deps): ConfigState {
  let s = states.get(deps.core);
  if (!s) {
    s = { stored: null, queue: Promise.resolve() };
    states.set(deps.core, s);
  }
  return s;
}

export function configFile(dataDir: string): string {
  return path.join(dataDir, CONFIG_FILE);
}

/**
 * DATA/waifu-config.json: missing is the defaults; a file that is not a JSON object, or holds a
 * known field of the wrong type, is moved aside (never overwritten) and the defaults are used.
 */
export function loadStored(dataDir: string, log: (line: string) => void): Json {
  const file = configFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    log(`waifu: could not read ${file} (${(err as Error).message}); the API's own settings are at their defaults.`);
    return {};
  }
  let problem: string | null = null;
  let value: unknown;
  try {
    value = JSON.parse(text);
    if (!isPlainObject(value)) problem = 'it is not a JSON object';
    else problem = patchProblem(value);
  } catch {
    problem = 'it is not valid JSON';
  }
  if (problem === null) return stripForFile(value as Json);
  const aside = `${file}.broken-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    fs.renameSync(file, aside);
    log(`waifu: ${file} could not be used (${problem}); it was moved to ${aside} and the API's own settings are at their defaults.`);
  } catch (err) {
    log(`waifu: ${file} could not be used (${problem}) nor moved aside (${(err as Error).message}); the defaults are used.`);
  }
  return {};
}

/** Writes the file atomically (a temporary file renamed over it), readable by the user only. */
function saveStored(dataDir: string, stored: Json): void {
  const file = configFile(dataDir);
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** What the file may hold: no mapped field, no key, nothing whose name says secret. */
function stripForFile(config: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(config)) {
    if (MAPPED[''].includes(k) || SECRET_NAME.test(k)) continue;
    const mapped = MAPPED[k];
    if (isPlainObject(v)) {
      const inner = stripSecrets(v);
      if (mapped) for (const f of mapped) if (!(k === 'asr' && f === 'provider' && inner[f] === 'browser')) delete inner[f];
      if (!mapped || Object.keys(inner).length > 0) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

function stripSecrets(v: Json): Json {
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (SECRET_NAME.test(k)) continue;
    out[k] = isPlainObject(x) ? stripSecrets(x) : x;
  }
  return out;
}

function stored(deps: Deps): Json {
  const s = stateOf(deps);
  s.stored ??= loadStored(deps.dataDir, deps.log);
  return s.stored;
}

// ---------------------------------------------------------------- the live part

function isHttp(id: TtsEngineId): id is HttpTtsId {
  return (HTTP_TTS_IDS as readonly string[]).includes(id);
}

interface Live {
  muted: boolean;
  order: TtsEngineId[];
  /** The local engines' voice name (alisa.voice.voice). */
  voice: string;
  servers: ReturnType<CompanionCore['voice']['settings']>['servers'];
  stt: SttEngine;
}

function live(deps: Deps): Live {
  const v = deps.core.voice.settings();
  return { muted: v.muted, order: v.ttsEngines, voice: v.voice ?? '', servers: v.servers, stt: v.sttEngine };
}

function serverUrl(l: Live, id: HttpTtsId): string {
  return l.servers[id]?.url || HTTP_TTS_DEFAULTS[id].url || '';
}
function serverVoice(l: Live, id: HttpTtsId): string {
  return l.servers[id]?.voice || HTTP_TTS_DEFAULTS[id].voice;
}
function serverKeySet(l: Live, id: HttpTtsId): boolean {
  const env = KEY_ENV[id];
  return !!l.servers[id]?.keySet || (env !== null && !!process.env[env]);
}

/** The `config` object, as GET /api/config answers it. */
export function waifuConfigOf(deps: Deps): WaifuConfig {
  const file = stored(deps);
  const l = live(deps);
  const c = deps.companionConfig;
  const first = l.order[0] ?? 'espeak';
  const section = (k: string): Json => (isPlainObject(file[k]) ? (file[k] as Json) : {});
  const tts = section('tts');
  const asr = section('asr');
  const config: WaifuConfig = {
    profile: FILE_DEFAULTS.profile,
    input_mode: FILE_DEFAULTS.input_mode,
    ...file,
    output_mode: l.muted ? 'text' : 'text+voice',
    llm: {
      ...section('llm'),
      provider: c.providers[0] === 'openai' ? 'openai' : 'embedded',
      endpoint: c.endpoint ?? '',
      api_key: '',
      api_key_set: !!c.apiKey,
      model: c.endpointModel ?? '',
    },
    tts: {
      ...FILE_DEFAULTS.tts,
      ...tts,
      provider: TTS_NAMES[first],
      endpoint: isHttp(first) ? serverUrl(l, first) : '',
      api_key: '',
      api_key_set: isHttp(first) && serverKeySet(l, first),
      voice_id: isHttp(first) ? serverVoice(l, first) : l.voice,
      fallback_chain: l.order.slice(1).map((id) => TTS_NAMES[id]),
    },
    asr: {
      ...FILE_DEFAULTS.asr,
      ...asr,
      provider: asr.provider === 'browser' ? 'browser' : ASR_NAMES[l.stt],
      endpoint: c.sttEndpoint ?? '',
      api_key: '',
      api_key_set: !!process.env.ALISA_STT_API_KEY,
      model: c.sttServerModel || 'whisper-1',
    },
    memory: { ...FILE_DEFAULTS.memory, ...section('memory') },
  };
  // The original's key order (preflight's app.json), then the rest.
  const out = ordered(config, ['profile', 'input_mode', 'output_mode', 'llm', 'tts', 'asr', 'memory']);
  out.llm = ordered(config.llm as Json, ['provider', 'endpoint', 'api_key', 'api_key_set', 'model']);
  out.tts = ordered(config.tts as Json, ['provider', 'endpoint', 'api_key', 'api_key_set', 'voice_id', 'format', 'sample_rate', 'fallback_chain']);
  out.asr = ordered(config.asr as Json, ['enabled', 'provider', 'endpoint', 'api_key', 'api_key_set', 'model', 'language']);
  return out as WaifuConfig;
}

/** `o` with `first` keys first, in that order. */
function ordered(o: Json, first: string[]): Json {
  const out: Json = {};
  for (const k of first) if (has(o, k)) out[k] = o[k];
  for (const [k, v] of Object.entries(o)) if (!has(out, k)) out[k] = v;
  return out;
}

// ---------------------------------------------------------------- planning a PUT

export interface Plan {
  /** For the running companion's voice (voice.configure). */
  voice: VoiceConfigure;
  /** Voices on a server changed while running (URL, voice; a key for this run). */
  servers: Array<{ id: HttpTtsId; change: HttpTtsSettings }>;
  /** What VS Code's settings should hold. */
  settings: SyncedSetting[];
  /** Settings that take effect only when the companion restarts (by key). */
  restartKeys: string[];
  /** Said back to the client, in plain English (never a key). */
  notes: string[];
}

/** What a validated patch changes in Alisa's settings, compared with what is in effect now. */
export function planPatch(patch: Json, now: WaifuConfig, l: Live, providers: readonly string[]): Plan {
  const plan: Plan = { voice: {}, servers: [], settings: [], restartKeys: [], notes: [] };
  const set = (s: SyncedSetting, restart = false) => {
    plan.settings.push(s);
    if (restart) plan.restartKeys.push(s.key);
  };

  if (has(patch, 'output_mode') && patch.output_mode !== now.output_mode) {
    plan.voice.muted = patch.output_mode === 'text';
    set({ key: 'alisa.voice.muted', value: plan.voice.muted });
  }

  const tts = sectionOf(patch, 'tts');
  const current = l.order[0] ?? 'espeak';
  const provider = has(tts, 'provider') ? TTS_PROVIDERS[tts.provider as string]! : current;
  let order: TtsEngineId[];
  if (has(tts, 'fallback_chain')) order = [provider, ...(tts.fallback_chain as string[]).map((n) => TTS_PROVIDERS[n]!)];
  else order = [provider, ...l.order];
  order = [...new Set(order)].slice(0, 10);
  if (order.join() !== l.order.join()) {
    plan.voice.ttsEngines = order;
    set({ key: 'alisa.voice.ttsEngines', value: order });
  }
  if (isHttp(provider)) {
    const change: HttpTtsSettings = {};
    if (has(tts, 'endpoint') && tts.endpoint !== serverUrl(l, provider)) change.url = (tts.endpoint as string) || null;
    if (has(tts, 'voice_id') && tts.voice_id !== serverVoice(l, provider)) change.voice = (tts.voice_id as string) || null;
    if (change.url !== undefined || change.voice !== undefined) {
      plan.servers.push({ id: provider, change: { ...change } });
      set({ key: 'alisa.voice.servers', value: serversSetting(l, provider, change) });
    }
    if (typeof tts.api_key === 'string' && tts.api_key !== '') {
      plan.servers.push({ id: provider, change: { apiKey: tts.api_key } });
      plan.notes.push(
        `tts.api_key: used by ${TTS_NAMES[provider]} until Alisa restarts, never stored. To keep it, use "Alisa: Set Voice API Key" in VS Code${KEY_ENV[provider] ? ` or set ${KEY_ENV[provider]}` : ''}.`,
      );
    }
  } else {
    if (has(tts, 'voice_id') && tts.voice_id !== l.voice) {
      if ((tts.voice_id as string).length > 100) throw new PatchError(`tts.voice_id must be at most 100 characters for ${TTS_NAMES[provider]}.`);
      plan.voice.voice = tts.voice_id as string;
      set({ key: 'alisa.voice.voice', value: plan.voice.voice });
    }
    if (typeof tts.endpoint === 'string' && tts.endpoint !== '')
      plan.notes.push(`tts.endpoint: ignored, ${TTS_NAMES[provider]} runs on this machine and has no server.`);
    if (typeof tts.api_key === 'string' && tts.api_key !== '') plan.notes.push(`tts.api_key: ignored, ${TTS_NAMES[provider]} needs no key; it was not stored.`);
  }

  const llm = sectionOf(patch, 'llm');
  if (has(llm, 'provider')) {
    const want = llm.provider === 'embedded' ? 'embedded' : 'openai';
    if (want !== now.llm?.provider) {
      const other = want === 'embedded' ? 'openai' : 'embedded';
      const next = providers.includes(other) || (want === 'embedded' && (now.llm?.endpoint ?? '') !== '') ? [want, other] : [want];
      set({ key: 'alisa.llm.providers', value: next as Array<'embedded' | 'openai'> }, true);
    }
  }
  if (has(llm, 'endpoint') && llm.endpoint !== now.llm?.endpoint) set({ key: 'alisa.llm.endpoint', value: llm.endpoint as string }, true);
  if (has(llm, 'model') && llm.model !== now.llm?.model) set({ key: 'alisa.llm.endpointModel', value: llm.model as string }, true);
  if (typeof llm.api_key === 'string' && llm.api_key !== '')
    plan.notes.push('llm.api_key: not stored and not used. Set the key with "Alisa: Set API Key" in VS Code (secret storage) or ALISA_LLM_API_KEY.');

  const asr = sectionOf(patch, 'asr');
  if (has(asr, 'provider')) {
    const engine = ASR_TO_ALISA[asr.provider as string]!;
    if (engine !== 'browser' && engine !== l.stt) {
      plan.voice.sttEngine = engine;
      set({ key: 'alisa.voice.sttEngine', value: engine });
    }
  }
  if (has(asr, 'endpoint') && asr.endpoint !== now.asr?.endpoint) set({ key: 'alisa.voice.sttEndpoint', value: asr.endpoint as string }, true);
  if (has(asr, 'model') && asr.model !== now.asr?.model) set({ key: 'alisa.voice.sttServerModel', value: asr.model as string }, true);
  if (typeof asr.api_key === 'string' && asr.api_key !== '')
    plan.notes.push(
      'asr.api_key: not stored and not used. Set the key with "Alisa: Set Speech-to-Text API Key" in VS Code (secret storage) or ALISA_STT_API_KEY.',
    );
  return plan;
}

/** A patch that passed the types but not a rule that depends on the rest (422). */
export class PatchError extends Error {}

/** alisa.voice.servers as it will be: the current servers (no keys) with one changed. */
function serversSetting(l: Live, id: HttpTtsId, change: HttpTtsSettings): Extract<SyncedSetting, { key: 'alisa.voice.servers' }>['value'] {
  const out: Record<string, { url?: string; voice?: string; model?: string }> = {};
  for (const sid of HTTP_TTS_IDS) {
    const s = l.servers[sid];
    const next =
      sid === id ? { url: change.url !== undefined ? change.url : s?.url, voice: change.voice !== undefined ? change.voice : s?.voice, model: s?.model } : s;
    if (!next) continue;
    const entry: { url?: string; voice?: string; model?: string } = {};
    if (next.url) entry.url = next.url;
    if (next.voice) entry.voice = next.voice;
    if (next.model) entry.model = next.model;
    if (Object.keys(entry).length) out[settingPrefix(sid)] = entry;
  }
  return out;
}

// ---------------------------------------------------------------- the routes

const BODY_HINT = 'The body must be a JSON object with the fields to change, e.g. {"tts": {"voice_id": "..."}}.';

async function put(deps: WaifuDeps, body: unknown): Promise<ApiReply> {
  if (!isPlainObject(body)) return detail(400, body === undefined ? `No body. ${BODY_HINT}` : BODY_HINT);
  const problem = patchProblem(body);
  if (problem) return detail(422, problem);
  const now = waifuConfigOf(deps);
  const l = live(deps);
  let plan: Plan;
  try {
    plan = planPatch(body, now, l, deps.companionConfig.providers);
  } catch (err) {
    if (err instanceof PatchError) return detail(422, err.message);
    throw err;
  }

  // The file first: if it cannot be written, nothing is applied.
  const before = stored(deps);
  const patchForFile = stripForFile(body);
  const asrPatch = sectionOf(body, 'asr');
  if (has(asrPatch, 'provider') && asrPatch.provider !== 'browser' && isPlainObject(before.asr) && has(before.asr, 'provider')) {
    patchForFile.asr = { ...(patchForFile.asr as Json | undefined), provider: null };
  }
  const after = stripForFile(deepMerge(before, patchForFile));
  if (JSON.stringify(after) !== JSON.stringify(before)) {
    try {
      saveStored(deps.dataDir, after);
    } catch (err) {
      deps.log(`waifu: could not save ${configFile(deps.dataDir)}: ${(err as Error).message}`);
      return detail(500, `Alisa could not save the configuration (${(err as NodeJS.ErrnoException).code ?? 'write failed'}); nothing was changed.`);
    }
    stateOf(deps).stored = after;
  }
  const dropped = droppedSecrets(body);
  if (dropped.length) plan.notes.push(`${dropped.join(', ')}: not stored (the name says it is a secret; keys are never written to a file).`);

  // Then the running companion, then VS Code's settings.
  for (const { id, change } of plan.servers) deps.core.voice.configureServer(id, change);
  if (Object.keys(plan.voice).length) await deps.core.voice.configure(plan.voice);
  const windows = deps.core.windows?.() ?? 0;
  if (plan.settings.length) {
    deps.core.events.emit({ type: 'settings.changed', changes: plan.settings, source: 'the waifu-rt3d API (PUT /api/config)' });
    const liveKeys = plan.settings.map((s) => s.key).filter((k) => !plan.restartKeys.includes(k));
    if (windows > 0) {
      if (plan.restartKeys.length) plan.notes.push(`${plan.restartKeys.join(', ')}: saved in VS Code's settings; Alisa restarts to use them.`);
    } else {
      if (liveKeys.length) plan.notes.push(`${liveKeys.join(', ')}: applied until Alisa stops (no VS Code window is connected to keep them in its settings).`);
      if (plan.restartKeys.length)
        plan.notes.push(
          `${plan.restartKeys.join(', ')}: not applied. Alisa reads them when she starts, and no VS Code window is connected to save them: set them in VS Code's settings or as the companion's flags.`,
        );
    }
    deps.log(`waifu: PUT /api/config changed ${plan.settings.map((s) => s.key).join(', ')} (VS Code windows told: ${windows})`);
  }
  return { status: 200, body: { ok: true, config: waifuConfigOf(deps), ...(plan.notes.length ? { notes: plan.notes } : {}) } };
}

/** Paths of unknown keys the file will not hold because their name says secret. */
function droppedSecrets(body: Json, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    const p = prefix ? `${prefix}.${k}` : k;
    const known = prefix === '' ? SCHEMA[k] : undefined;
    if (SECRET_NAME.test(k) && !(prefix && isKnown(prefix, k))) out.push(p);
    else if (isPlainObject(v) && (known === undefined || typeof known === 'object')) out.push(...droppedSecrets(v, p));
  }
  return out;
}

function isKnown(section: string, field: string): boolean {
  const rule = SCHEMA[section];
  return typeof rule === 'object' && Object.hasOwn(rule, field);
}

export function configRoutes(deps: WaifuDeps): RouteTable {
  return {
    'GET /api/config': async () => ({ status: 200, body: waifuConfigOf(deps) }),
    'PUT /api/config': async (req) => {
      // One PUT at a time: each plans against what the one before left.
      const s = stateOf(deps);
      const run = s.queue.then(() => put(deps, req.json));
      s.queue = run.catch(() => undefined);
      return run;
    },
  };
}
