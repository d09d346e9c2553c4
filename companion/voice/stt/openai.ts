// An OpenAI-compatible transcription server (`POST {endpoint}/audio/transcriptions`, multipart
// form with `file` (WAV), `model`, `response_format` and optionally `language`; answer JSON
// `{text}`): OpenAI, faster-whisper-server / speaches, LocalAI, whisper.cpp's server started with
// an OpenAI route ... The bearer key comes from VS Code's secret storage (passed to the companion
// as ALISA_STT_API_KEY) or from ALISA_STT_API_KEY when the companion is started by hand.
import type { EngineState } from '../../../protocol';
import { AlisaError } from '../../errors';
import { answerText, isOnline, postSpeech, sttEndpointProblem } from './server-request';
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

export class OpenAiSttEngine implements SttEngine {
  readonly id = 'openai' as const;
  readonly url: string;
  constructor(private readonly opts: OpenAiSttOptions) {
    this.url = transcriptionsUrl(opts.endpoint);
  }

  async available(): Promise<EngineState> {
    const problem = sttEndpointProblem(this.opts.endpoint, transcriptionsUrl);
    return problem ? { id: this.id, available: false, reason: problem } : { id: this.id, available: true, reason: null, online: isOnline(this.url) };
  }

  async transcribe(pcm16k: Int16Array | Buffer, opts: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const problem = sttEndpointProblem(this.opts.endpoint, transcriptionsUrl);
    if (problem) throw new AlisaError('voice_unavailable', problem, 'Fix the setting, or choose another speech-to-text engine.');
    const json = await postSpeech({
      url: this.url,
      endpoint: this.opts.endpoint,
      serverName: 'transcription server',
      pcm16k,
      fields: { model: this.opts.model || 'whisper-1', response_format: 'json', language: this.opts.language },
      key: this.opts.apiKey === undefined ? process.env.ALISA_STT_API_KEY : this.opts.apiKey,
      timeoutMs: this.opts.timeoutMs,
      signal: opts.signal,
    });
    return { text: answerText(json, 'transcription server').trim() };
  }
}
