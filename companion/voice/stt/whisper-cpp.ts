// whisper.cpp's own HTTP server (`whisper-server -m MODEL --port 8080`): `POST /inference` with a
// multipart form (`file` = the WAV, `temperature`, `response_format`, optionally `language`),
// answer JSON `{"text": ...}`. It needs no key (a reverse proxy in front of it may: the bearer key
// is sent when one is set). It answers some failures with status 200 and `{"error": "..."}`, and
// silence as "[BLANK_AUDIO]", which is no words at all.
import type { EngineState } from '../../../protocol';
import { AlisaError } from '../../errors';
import { answerText, isOnline, postSpeech, sttEndpointProblem } from './server-request';
import type { SttEngine, Transcript } from './types';

interface WhisperCppOptions {
  /** `http://127.0.0.1:8080` or the full `/inference` URL. */
  endpoint: string;
  apiKey?: string | null;
  timeoutMs?: number;
  language?: string;
}

export function inferenceUrl(endpoint: string): string {
  const base = endpoint.trim().replace(/\/+$/, '');
  return /\/inference$/.test(base) ? base : `${base}/inference`;
}

/** An endpoint that names whisper.cpp's route is a whisper.cpp server (alisa.voice.sttEngine auto). */
export const isWhisperCppEndpoint = (endpoint: string): boolean => /\/inference\/*$/.test(endpoint.trim());

const SERVER = 'whisper.cpp server';

/** whisper.cpp marks non-speech with tokens such as [BLANK_AUDIO], (silence) or [MUSIC]: not words the user said. */
export function stripNonSpeech(text: string): string {
  return text
    .replace(/\[(BLANK_AUDIO|MUSIC|NOISE|SILENCE|INAUDIBLE)\]|\((silence|music|noise)\)/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class WhisperCppEngine implements SttEngine {
  readonly id = 'whispercpp' as const;
  readonly url: string;
  constructor(private readonly opts: WhisperCppOptions) {
    this.url = inferenceUrl(opts.endpoint);
  }

  async available(): Promise<EngineState> {
    const problem = sttEndpointProblem(this.opts.endpoint, inferenceUrl);
    return problem ? { id: this.id, available: false, reason: problem } : { id: this.id, available: true, reason: null, online: isOnline(this.url) };
  }

  async transcribe(pcm16k: Int16Array | Buffer, opts: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const problem = sttEndpointProblem(this.opts.endpoint, inferenceUrl);
    if (problem) throw new AlisaError('voice_unavailable', problem, 'Fix the setting, or choose another speech-to-text engine.');
    const json = await postSpeech({
      url: this.url,
      endpoint: this.opts.endpoint,
      serverName: SERVER,
      pcm16k,
      // temperature 0: the most likely words, no sampling (what dictation wants).
      fields: { temperature: '0.0', response_format: 'json', language: this.opts.language },
      key: this.opts.apiKey === undefined ? process.env.ALISA_STT_API_KEY : this.opts.apiKey,
      timeoutMs: this.opts.timeoutMs,
      signal: opts.signal,
    });
    return { text: stripNonSpeech(answerText(json, SERVER)) };
  }
}
