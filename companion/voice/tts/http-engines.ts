// Voices on a server (issue 19, the waifu-rt3d chain): any OpenAI-compatible `/v1/audio/speech`
// server (Kokoro-FastAPI, LocalAI, openedai-speech), ElevenLabs (its streaming endpoint, for a fast
// first audio), Fish Audio and an XTTS server. Each is one HTTP request per unit of speech, through
// the network gate (alisa.network): "online" unless its server is on this machine ("local server").
//
// Formats are chosen so that no decoder is needed: WAV where the server offers it, raw 16-bit PCM
// from ElevenLabs (wrapped into a WAV here), and MP3 only when a server sends it anyway (the
// webview plays MP3 as it does Edge's). Anything else is "bad audio" and the chain moves on.
//
// Keys come from the environment (set by the extension from VS Code's SecretStorage, or by the
// user): never from the config file, never in a message, a log line or an error (the key is cut
// out of whatever the server says back).
import type { EngineState } from '../../../protocol';
import { isLoopbackHost, networkGate } from '../../privacy/network-gate';
import { encodeWav, readWav } from '../wav-io';
import type { SpeakOptions, SynthResult, TtsEngine } from './types';

export type HttpTtsId = 'openai-tts' | 'elevenlabs' | 'fish' | 'xtts';

export interface HttpTtsSettings {
  /** Base URL; null for the provider's own (OpenAI-compatible: none, it must be set). */
  url?: string | null;
  /** Voice: OpenAI-compatible voice name, ElevenLabs voice_id, Fish reference_id, XTTS speaker. */
  voice?: string | null;
  /** OpenAI-compatible `model`, ElevenLabs `model_id`; XTTS: the language ("en"). */
  model?: string | null;
  /** The key; undefined: from the engine's environment variable (KEY_ENV). */
  apiKey?: string | null;
  /** Whole request (default 30 s; the chain's first-audio limit usually ends it sooner). */
  timeoutMs?: number;
}

/** Where each engine's key is read from (the extension sets these from SecretStorage). */
export const KEY_ENV: Record<HttpTtsId, string | null> = {
  'openai-tts': 'ALISA_TTS_API_KEY',
  elevenlabs: 'ELEVENLABS_API_KEY',
  fish: 'FISH_API_KEY',
  xtts: null,
};

const DEFAULTS: Record<HttpTtsId, { url: string | null; voice: string; model: string }> = {
  'openai-tts': { url: null, voice: 'alloy', model: 'tts-1' },
  // Rachel, ElevenLabs' default voice; the seed's model.
  elevenlabs: { url: 'https://api.elevenlabs.io', voice: '21m00Tcm4TlvDq8ikWAM', model: 'eleven_multilingual_v2' },
  // The seed's default reference voice.
  fish: { url: 'https://api.fish.audio/v1', voice: '8ef4a238714b45718ce04243307c57a7', model: '' },
  xtts: { url: 'http://127.0.0.1:8020', voice: '', model: 'en' },
};

/** Each engine's own server and voice when none is set (GET /api/config shows them, issue 19). */
export const HTTP_TTS_DEFAULTS: Readonly<Record<HttpTtsId, { url: string | null; voice: string; model: string }>> = DEFAULTS;

const NAMES: Record<HttpTtsId, string> = {
  'openai-tts': 'the OpenAI-compatible speech server',
  elevenlabs: 'ElevenLabs',
  fish: 'Fish Audio',
  xtts: 'the XTTS server',
};

const EXTRA_FIRST_AUDIO_MS: Record<HttpTtsId, number> = { 'openai-tts': 4000, elevenlabs: 0, fish: 2000, xtts: 8000 };

/** ElevenLabs' raw PCM: 16-bit little-endian mono at this rate (output_format=pcm_22050). */
export const ELEVENLABS_PCM_RATE = 22050;

/** "+15%" → 1.15 (OpenAI-compatible `speed`, 0.25–4). */
export function rateToSpeed(rate: string): number {
  const m = /^([+-]?\d+(?:\.\d+)?)%$/.exec(rate.trim());
  const speed = m ? 1 + Number(m[1]) / 100 : 1;
  return Math.min(4, Math.max(0.25, Math.round(speed * 100) / 100));
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Who gets the text: 'problem' when the URL is unusable. */
function urlProblem(url: string | null, id: HttpTtsId): string | null {
  if (!url) return `Set the server of ${NAMES[id]} (alisa.voice.${settingPrefix(id)}.url).`;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${url} is not an http:// or https:// URL.`;
    if (u.username || u.password) return 'Put the key in the key setting, not in the URL.';
    return null;
  } catch {
    return `"${url}" is not a URL.`;
  }
}

export function settingPrefix(id: HttpTtsId): string {
  return { 'openai-tts': 'openaiTts', elevenlabs: 'elevenLabs', fish: 'fishAudio', xtts: 'xtts' }[id];
}

export class HttpTtsEngine implements TtsEngine {
  constructor(
    readonly id: HttpTtsId,
    private settings: HttpTtsSettings = {},
  ) {}

  configure(settings: HttpTtsSettings): void {
    this.settings = settings;
  }

  private get url(): string | null {
    const u = this.settings.url?.trim() || DEFAULTS[this.id].url;
    return u ? trimSlash(u) : null;
  }
  private get voice(): string {
    return this.settings.voice?.trim() || DEFAULTS[this.id].voice;
  }
  private get model(): string {
    return this.settings.model?.trim() || DEFAULTS[this.id].model;
  }
  private get key(): string | null {
    if (this.settings.apiKey !== undefined) return this.settings.apiKey || null;
    const env = KEY_ENV[this.id];
    return (env && process.env[env]) || null;
  }

  private isLocal(): boolean {
    try {
      return isLoopbackHost(new URL(this.url ?? '').hostname);
    } catch {
      return false;
    }
  }

  /**
   * Extra time for the first audio: these servers (all but ElevenLabs' stream) send nothing until
   * the whole unit is made, and XTTS on a CPU takes seconds for a sentence.
   */
  startupMs(): number {
    return EXTRA_FIRST_AUDIO_MS[this.id];
  }

  /** Speech cached from one voice or server is not another's. */
  cacheTag(): string {
    return `${this.id}|${this.url ?? ''}|${this.voice}|${this.model}`;
  }

  async available(): Promise<EngineState> {
    const online = !this.isLocal();
    const problem = urlProblem(this.url, this.id);
    if (problem) return { id: this.id, available: false, reason: problem, online };
    // The hosted services need a key; a server on this machine may not.
    const env = KEY_ENV[this.id];
    if (env && online && !this.key && this.id !== 'openai-tts')
      return { id: this.id, available: false, reason: `${NAMES[this.id]} needs an API key (Alisa: Set Voice API Key, or ${env}).`, online };
    return { id: this.id, available: true, reason: null, online };
  }

  /** The request for one unit: URL, headers and body in the provider's wire format. */
  private request(text: string, opts: SpeakOptions): { url: string; headers: Record<string, string>; body: string } {
    const base = this.url!;
    const key = this.key;
    const json = { 'content-type': 'application/json' };
    switch (this.id) {
      case 'openai-tts': {
        // Accepts the server's root, its /v1, or the full /v1/audio/speech.
        const url = /\/audio\/speech$/.test(base) ? base : /\/v1$/.test(base) ? `${base}/audio/speech` : `${base}/v1/audio/speech`;
        const body = { model: this.model, input: text, voice: this.voice, response_format: 'wav', speed: rateToSpeed(opts.rate) };
        return { url, headers: { ...json, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) };
      }
      case 'elevenlabs': {
        const url = `${base}/v1/text-to-speech/${encodeURIComponent(this.voice)}/stream?output_format=pcm_${ELEVENLABS_PCM_RATE}`;
        return { url, headers: { ...json, accept: 'audio/pcm', ...(key ? { 'xi-api-key': key } : {}) }, body: JSON.stringify({ text, model_id: this.model }) };
      }
      case 'fish': {
        const body = { text, reference_id: this.voice, format: 'wav' };
        return { url: `${base}/tts`, headers: { ...json, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) };
      }
      case 'xtts': {
        // The seed's XTTSAdapter: POST /api/tts {text, speaker_wav?, speaker_id?}; a speaker ending
        // in .wav is a reference recording on the server, anything else a speaker id.
        const speaker = this.voice;
        const body: Record<string, string> = { text, language: this.model };
        if (speaker) body[/\.wav$/i.test(speaker) ? 'speaker_wav' : 'speaker_id'] = speaker;
        return { url: `${base}/api/tts`, headers: json, body: JSON.stringify(body) };
      }
    }
  }

  async synthesize(text: string, opts: SpeakOptions, signal: AbortSignal): Promise<SynthResult> {
    const state = await this.available();
    if (!state.available) throw new Error(state.reason ?? 'unavailable');
    const req = this.request(text, opts);
    const key = this.key;
    const host = new URL(req.url).host;
    const clean = (s: string) => (key ? s.split(key).join('***') : s);
    const timeoutMs = this.settings.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    let res: Response;
    try {
      res = await networkGate().run(
        {
          url: req.url,
          feature: 'voice-server',
          purpose: `speak with ${NAMES[this.id]} at ${host}`,
          alternative: 'use a voice on this machine (alisa.voice.ttsEngines: piper or espeak)',
          signal,
          // She speaks now: while the user has not answered, the next engine speaks instead.
          noWait: true,
        },
        () => fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: both }),
      );
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) throw new Error(`${NAMES[this.id]} did not answer within ${Math.round(timeoutMs / 1000)} s`);
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Error(clean(`${NAMES[this.id]} at ${host} could not be reached${cause ? ` (${cause})` : `: ${(err as Error).message}`}`));
    }
    if (!res.ok) {
      const detail = clean(errorDetail(await res.text().catch(() => '')));
      const what =
        res.status === 401 || res.status === 403
          ? 'rejected the API key'
          : res.status === 429
            ? 'is rate-limiting or out of quota'
            : res.status === 404
              ? 'does not know this voice or route'
              : 'failed';
      throw new Error(`${NAMES[this.id]} ${what} (HTTP ${res.status}${detail ? `: ${detail}` : ''})`);
    }
    const data = await readBody(res, both, opts.onAudio).catch((err) => {
      if (signal.aborted) throw signal.reason;
      throw new Error(
        timeout.aborted ? `${NAMES[this.id]} did not finish within ${Math.round(timeoutMs / 1000)} s` : clean(`${NAMES[this.id]}: ${(err as Error).message}`),
      );
    });
    return this.toResult(data, res.headers.get('content-type') ?? '');
  }

  private toResult(data: Buffer, contentType: string): SynthResult {
    if (data.length === 0) throw new Error(`${NAMES[this.id]} sent no audio`);
    // Fish may answer JSON with the audio in base64 (`audio` or `data`), as the seed accepted.
    if (/json/i.test(contentType) || data[0] === 0x7b) {
      let b64: unknown;
      try {
        const parsed = JSON.parse(data.toString('utf8')) as { audio?: unknown; data?: unknown };
        b64 = parsed.audio ?? parsed.data;
      } catch {
        b64 = undefined;
      }
      if (typeof b64 !== 'string') throw new Error(`${NAMES[this.id]} answered JSON without audio`);
      return this.toResult(Buffer.from(b64, 'base64'), '');
    }
    const wav = readWav(data);
    if (wav) {
      if (wav.dataBytes === 0) throw new Error(`${NAMES[this.id]} sent a WAV without samples`);
      return { mime: 'audio/wav', data, durationMs: wav.durationMs };
    }
    if (isMp3(data)) return { mime: 'audio/mpeg', data, durationMs: null };
    if (this.id === 'elevenlabs' && /pcm|octet-stream|^$/i.test(contentType) && data.length % 2 === 0) {
      const pcm = encodeWav(data, ELEVENLABS_PCM_RATE);
      return { mime: 'audio/wav', data: pcm, durationMs: Math.round((data.length / 2 / ELEVENLABS_PCM_RATE) * 1000) };
    }
    throw new Error(`${NAMES[this.id]} sent something that is not audio (${contentType || 'no content type'}, ${data.length} bytes)`);
  }
}

/** What a server's error body says: OpenAI's error.message, FastAPI's and ElevenLabs' detail, or the text. */
function errorDetail(body: string): string {
  let said: unknown;
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
    said = (typeof j.error === 'object' ? j.error?.message : j.error) ?? j.detail ?? j.message;
  } catch {
    said = undefined;
  }
  const text = typeof said === 'string' ? said : said !== undefined ? JSON.stringify(said) : body;
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function isMp3(b: Buffer): boolean {
  return (b.length > 3 && b.toString('latin1', 0, 3) === 'ID3') || (b.length > 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0);
}

/** The whole body, calling `onAudio` when the first bytes arrive (streamed answers start early). */
async function readBody(res: Response, signal: AbortSignal, onAudio?: () => void): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  const reader = res.body.getReader();
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      if (value.length === 0) continue;
      if (chunks.length === 0) onAudio?.();
      chunks.push(Buffer.from(value));
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks);
}

export const HTTP_TTS_IDS: readonly HttpTtsId[] = ['openai-tts', 'elevenlabs', 'fish', 'xtts'];

/** The names in `--tts-servers` / ALISA_TTS_SERVERS (the settings' names: alisa.voice.servers.openaiTts …). */
const SERVER_KEYS: Record<string, HttpTtsId> = { openaiTts: 'openai-tts', elevenLabs: 'elevenlabs', fishAudio: 'fish', xtts: 'xtts' };

/**
 * `--tts-servers` / ALISA_TTS_SERVERS: JSON like {"xtts": {"url": "http://127.0.0.1:8020", "voice":
 * "female.wav"}, "elevenLabs": {"voice": "..."}}. Keys are refused here: they come only from the
 * environment (ALISA_TTS_API_KEY, ELEVENLABS_API_KEY, FISH_API_KEY), never from a file or argv.
 */
export function parseTtsServers(json: string): Partial<Record<HttpTtsId, HttpTtsSettings>> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('the voice servers are not JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the voice servers must be a JSON object');
  const out: Partial<Record<HttpTtsId, HttpTtsSettings>> = {};
  for (const [name, value] of Object.entries(raw)) {
    const id = SERVER_KEYS[name];
    if (!id) throw new Error(`unknown voice server "${name}" (use ${Object.keys(SERVER_KEYS).join(', ')})`);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`voice server "${name}" must be an object`);
    const entry: HttpTtsSettings = {};
    for (const [k, v] of Object.entries(value)) {
      if (/key|token|secret/i.test(k))
        throw new Error(`voice server "${name}": put the key in ${KEY_ENV[id] ?? 'the environment'} or "Alisa: Set Voice API Key", not in the settings`);
      if (k !== 'url' && k !== 'voice' && k !== 'model') throw new Error(`voice server "${name}": unknown field "${k}" (url, voice, model)`);
      if (typeof v !== 'string' || v.length > 1000) throw new Error(`voice server "${name}": ${k} must be a string`);
      entry[k] = v.trim() || null;
    }
    if (entry.url) {
      const problem = urlProblem(entry.url, id);
      if (problem) throw new Error(`voice server "${name}": ${problem}`);
    }
    out[id] = entry;
  }
  return out;
}
