// What every transcription server engine shares (OpenAI-compatible /v1/audio/transcriptions,
// whisper.cpp's /inference): the endpoint check, the network gate, the multipart POST of a 16 kHz
// mono WAV, the timeout, and the failures told in words the panel shows (unreachable, timed out,
// 401, 413, an error body, a body that is not JSON). The key is sent only as a bearer header and
// cut out of anything the server echoes back, so it never reaches an error message or a log.
import { AlisaError } from '../../errors';
import { isLoopbackHost, networkGate } from '../../privacy/network-gate';
import { asInt16, encodeWav } from '../wav-io';

export const ENDPOINT_SETTING = 'alisa.voice.sttEndpoint / --stt-endpoint';
export const KEY_HINT = 'the key from "Alisa: Set Speech-to-Text API Key" or ALISA_STT_API_KEY';
const DEFAULT_TIMEOUT_MS = 30_000;

/** Why `url` (built from the user's endpoint setting) cannot be a transcription server, or null. Only http(s), no credentials in it. */
export function sttEndpointProblem(endpoint: string, toUrl: (e: string) => string): string | null {
  let url: URL;
  try {
    url = new URL(toUrl(endpoint));
  } catch {
    return `The transcription server setting (${ENDPOINT_SETTING}) "${endpoint.slice(0, 200)}" is not a URL: set an http:// or https:// address, e.g. http://127.0.0.1:8080/v1.`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `The transcription server setting (${ENDPOINT_SETTING}) must be an http:// or https:// URL, got "${url.protocol}".`;
  }
  if (url.username || url.password) {
    return `The transcription server setting (${ENDPOINT_SETTING}) holds a user name or password: remove it and keep the key as ${KEY_HINT}.`;
  }
  return null;
}

/** True when the server is on another machine (the network gate's "online"), false for this one. */
export const isOnline = (url: string): boolean => !isLoopbackHost(new URL(url).hostname);

export interface SttPost {
  /** The full URL to POST to. */
  url: string;
  /** The user's setting, as shown in messages. */
  endpoint: string;
  /** "transcription server", "whisper.cpp server": how messages name it. */
  serverName: string;
  pcm16k: Int16Array | Buffer;
  /** Form fields besides `file` (the WAV). */
  fields: Record<string, string | undefined>;
  key?: string | null;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The WAV the servers get: 16 kHz, mono, 16-bit PCM (what whisper.cpp's server requires unless built with ffmpeg). */
export function wavFile(pcm16k: Int16Array | Buffer): Blob {
  return new Blob([new Uint8Array(encodeWav(asInt16(pcm16k)))], { type: 'audio/wav' });
}

/** POSTs the speech and returns the answer's JSON body; every failure is an AlisaError saying what to do. */
export async function postSpeech(p: SttPost): Promise<Record<string, unknown>> {
  const host = new URL(p.url).host;
  // Your speech leaves the machine only through the network gate (alisa.network).
  await networkGate().request({
    url: p.url,
    feature: 'stt-server',
    purpose: `send your speech to the ${p.serverName} at ${host}`,
    alternative: 'use dictation on this machine (alisa.voice.sttEngine: sherpa)',
    signal: p.signal,
  });
  const form = new FormData();
  form.append('file', wavFile(p.pcm16k), 'speech.wav');
  for (const [k, v] of Object.entries(p.fields)) if (v !== undefined && v !== '') form.append(k, v);
  const timeoutMs = p.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = p.signal ? AbortSignal.any([p.signal, timeout]) : timeout;
  const hide = (s: string) => (p.key && p.key.length >= 4 ? s.split(p.key).join('[key]') : s);
  const check = `Check that the ${p.serverName} at ${p.endpoint} is running, or choose another speech-to-text engine (alisa.voice.sttEngine).`;
  let res: Response;
  try {
    res = await fetch(p.url, { method: 'POST', body: form, headers: p.key ? { authorization: `Bearer ${p.key}` } : {}, signal });
  } catch (err) {
    if (p.signal?.aborted) throw err;
    const why = timeout.aborted
      ? `The ${p.serverName} at ${host} did not answer in ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}.`
      : `The ${p.serverName} at ${host} could not be reached (${hide(causeText(err))}).`;
    throw new AlisaError('voice_unavailable', why, check, { cause: err });
  }
  const body = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const detail = hide(errorDetail(json) ?? body.replace(/\s+/g, ' ').trim()).slice(0, 200);
  if (res.status === 401 || res.status === 403) {
    throw new AlisaError(
      'voice_unavailable',
      `The ${p.serverName} at ${host} refused the key (${res.status}${detail ? `: ${detail}` : ''}).`,
      p.key ? `Check ${KEY_HINT}.` : `It needs a key: set ${KEY_HINT}.`,
    );
  }
  if (res.status === 413) {
    throw new AlisaError(
      'voice_unavailable',
      `The ${p.serverName} at ${host} said the recording is too large (413).`,
      'Speak in shorter parts, or raise the upload limit of the server.',
    );
  }
  if (!res.ok) throw new AlisaError('voice_unavailable', `The ${p.serverName} at ${host} answered ${res.status}${detail ? `: ${detail}` : ''}.`, check);
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new AlisaError(
      'voice_unavailable',
      `The ${p.serverName} at ${host} answered something that is not JSON ("${detail.slice(0, 80)}"): is ${p.endpoint} really a ${p.serverName}?`,
      check,
    );
  }
  // whisper.cpp answers some failures with status 200 and {"error": "..."}.
  const inBody = errorDetail(json);
  if (inBody) throw new AlisaError('voice_unavailable', `The ${p.serverName} at ${host} could not transcribe: ${hide(inBody).slice(0, 200)}.`, check);
  return json as Record<string, unknown>;
}

/** The text of `{"text": ...}`, or an error saying the answer has none. */
export function answerText(json: Record<string, unknown>, serverName: string): string {
  if (typeof json.text !== 'string') {
    throw new AlisaError(
      'voice_unavailable',
      `The ${serverName} answered without a transcript ({"text": ...}).`,
      'Check that the endpoint is a transcription server.',
    );
  }
  return json.text;
}

/** OpenAI's `{"error": {"message"}}`, whisper.cpp's `{"error": "..."}`, FastAPI's `{"detail": ...}`. */
function errorDetail(json: unknown): string | null {
  if (!json || typeof json !== 'object') return null;
  const o = json as { error?: unknown; detail?: unknown };
  if (typeof o.error === 'string' && o.error) return o.error;
  if (o.error && typeof o.error === 'object' && typeof (o.error as { message?: unknown }).message === 'string') return (o.error as { message: string }).message;
  if (typeof o.detail === 'string' && o.detail) return o.detail;
  return null;
}

/** undici says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND ...) is in its cause. */
function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
