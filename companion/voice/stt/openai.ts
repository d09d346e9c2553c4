// An OpenAI-compatible transcription server (`POST {endpoint}/audio/transcriptions`, multipart
// form with `file` (WAV) and `model`, answer JSON `{text}`): OpenAI, a local whisper.cpp server,
// faster-whisper-server, LocalAI, ... The bearer key comes from ALISA_STT_API_KEY when set.
import type { EngineState } from '../../../protocol';
import { AlisaError } from '../../errors';
import { isLoopbackHost, networkGate } from '../../privacy/network-gate';
import { asInt16, encodeWav } from '../wav-io';
import type { SttEngine, Transcript } from './types';

interface OpenAiSttOptions {
  /** Base URL (`http://127.0.0.1:8080/v1`) or the full transcriptions URL. */
  endpoint: string;
  model?: string;
  apiKey?: string | null;
  timeoutMs?: number;
  language?: string;
}

export function transcriptionsUrl(endpoint: string): string {
  const base = endpoint.trim().replace(/\/+$/, '');
  if (/\/audio\/transcriptions$/.test(base)) return base;
  return /\/v\d+$/.test(base) ? `${base}/audio/transcriptions` : `${base}/v1/audio/transcriptions`;
}

const ENDPOINT_SETTING = 'alisa.voice.sttEndpoint / --stt-endpoint';

/** Why `endpoint` cannot be a transcription server address, or null. Only http(s), no credentials in it. */
function sttEndpointProblem(endpoint: string): string | null {
  let url: URL;
  try {
    url = new URL(transcriptionsUrl(endpoint));
  } catch {
    return `The transcription server setting (${ENDPOINT_SETTING}) "${endpoint.slice(0, 200)}" is not a URL: set an http:// or https:// address, e.g. http://127.0.0.1:8080/v1.`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `The transcription server setting (${ENDPOINT_SETTING}) must be an http:// or https:// URL, got "${url.protocol}".`;
  }
  if (url.username || url.password) {
    return `The transcription server setting (${ENDPOINT_SETTING}) holds a user name or password: remove it and put the key in ALISA_STT_API_KEY.`;
  }
  return null;
}

export class OpenAiSttEngine implements SttEngine {
  readonly id = 'openai' as const;
  readonly url: string;
  constructor(private readonly opts: OpenAiSttOptions) {
    this.url = transcriptionsUrl(opts.endpoint);
  }

  async available(): Promise<EngineState> {
    const problem = sttEndpointProblem(this.opts.endpoint);
    return problem
      ? { id: this.id, available: false, reason: problem }
      : { id: this.id, available: true, reason: null, online: !isLoopbackHost(new URL(this.url).hostname) };
  }

  async transcribe(pcm16k: Int16Array | Buffer, opts: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const problem = sttEndpointProblem(this.opts.endpoint);
    if (problem) throw new AlisaError('voice_unavailable', problem, 'Fix the setting, or choose another speech-to-text engine.');
    // Your speech leaves the machine only through the network gate (alisa.network).
    await networkGate().request({
      url: this.url,
      feature: 'stt-server',
      purpose: `send your speech to the transcription server at ${new URL(this.url).host}`,
      alternative: 'use dictation on this machine (alisa.voice.sttEngine: sherpa)',
      signal: opts.signal,
    });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(encodeWav(asInt16(pcm16k)))], { type: 'audio/wav' }), 'speech.wav');
    form.append('model', this.opts.model || 'whisper-1');
    form.append('response_format', 'json');
    if (this.opts.language) form.append('language', this.opts.language);
    const key = this.opts.apiKey === undefined ? process.env.ALISA_STT_API_KEY : this.opts.apiKey;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const action = `Check that the transcription server at ${this.opts.endpoint} is running (and ALISA_STT_API_KEY if it needs a key), or choose another speech-to-text engine.`;
    let res: Response;
    try {
      res = await fetch(this.url, { method: 'POST', body: form, headers: key ? { authorization: `Bearer ${key}` } : {}, signal });
    } catch (err) {
      const timedOut = timeout.aborted;
      throw new AlisaError(
        'voice_unavailable',
        timedOut
          ? `The transcription server did not answer in ${Math.round((this.opts.timeoutMs ?? 30_000) / 1000)} s.`
          : `The transcription server could not be reached: ${(err as Error).message}.`,
        action,
        { cause: err },
      );
    }
    const body = await res.text().catch(() => '');
    if (!res.ok) {
      let detail = body.slice(0, 200);
      try {
        detail = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? detail;
      } catch {
        // not JSON
      }
      throw new AlisaError('voice_unavailable', `The transcription server answered ${res.status}${detail ? `: ${detail}` : ''}.`, action);
    }
    let text: unknown;
    try {
      text = (JSON.parse(body) as { text?: unknown }).text;
    } catch {
      text = undefined;
    }
    if (typeof text !== 'string') throw new AlisaError('voice_unavailable', 'The transcription server answered without a transcript ({"text": ...}).', action);
    return { text: text.trim() };
  }
}
