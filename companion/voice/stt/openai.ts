// An OpenAI-compatible transcription server (`POST {endpoint}/audio/transcriptions`, multipart
// form with `file` (WAV) and `model`, answer JSON `{text}`): OpenAI, a local whisper.cpp server,
// faster-whisper-server, LocalAI, ... The bearer key comes from ALISA_STT_API_KEY when set.
import type { EngineState } from '../../../protocol';
import { AlisaError } from '../../errors';
import { asInt16, encodeWav } from '../wav-io';
import type { SttEngine, Transcript } from './types';

export interface OpenAiSttOptions {
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

export class OpenAiSttEngine implements SttEngine {
  readonly id = 'openai' as const;
  readonly url: string;
  constructor(private readonly opts: OpenAiSttOptions) {
    this.url = transcriptionsUrl(opts.endpoint);
  }

  async available(): Promise<EngineState> {
    try {
      new URL(this.url);
    } catch {
      return { id: this.id, available: false, reason: `The transcription server address "${this.opts.endpoint}" is not a URL.` };
    }
    return { id: this.id, available: true, reason: null };
  }

  async transcribe(pcm16k: Int16Array | Buffer, opts: { signal?: AbortSignal } = {}): Promise<Transcript> {
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
      throw new AlisaError('voice_unavailable', timedOut ? `The transcription server did not answer in ${Math.round((this.opts.timeoutMs ?? 30_000) / 1000)} s.` : `The transcription server could not be reached: ${(err as Error).message}.`, action, { cause: err });
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
