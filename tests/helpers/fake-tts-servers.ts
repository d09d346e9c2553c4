// Local servers speaking the wire formats of the voices on a server (issue 19): an
// OpenAI-compatible `/v1/audio/speech`, ElevenLabs' `/v1/text-to-speech/{voice_id}` and its
// chunked `/stream` (raw PCM for output_format=pcm_22050), Fish Audio's `/v1/tts` and the XTTS
// server's `/api/tts` (the seed's adapter). The audio is a real generated sine, as WAV or PCM.
// Each records what it received; `fail` makes the next answers an error status (401, 429, ...)
// or a body that is not audio.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeWav } from '../../companion/voice/wav-io';

export type Provider = 'openai' | 'elevenlabs' | 'fish' | 'xtts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | null;
}

export interface FakeTtsServer {
  url: string;
  received: ReceivedRequest[];
  /** The PCM samples every answer carries (16-bit mono at `rate`). */
  pcm: Buffer;
  rate: number;
  /** The next answers: an HTTP status with a JSON error, or 'garbage' (200 with a body that is not audio). */
  fail: { status: number; body?: string } | 'garbage' | null;
  /** Fish only: answer JSON `{audio: base64}` (the seed accepted that too) instead of the bytes. */
  fishJson: boolean;
  /** Answer these bytes instead (e.g. an MP3 made by ffmpeg, as servers asked for WAV may still send). */
  answer: { contentType: string; data: Buffer } | null;
  close(): Promise<void>;
}

/** A 440 Hz sine of `ms` milliseconds, 16-bit mono little-endian. */
export function sinePcm(rate: number, ms = 300): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  return b;
}

const KEYS = { openai: 'sk-fake-openai-tts-key-123456', elevenlabs: 'el-fake-key-abcdef0123456789', fish: 'fish-fake-key-9876543210', xtts: '' };
export const FAKE_KEYS: Readonly<Record<Provider, string>> = KEYS;

export async function startFakeTtsServer(provider: Provider, opts: { rate?: number; requireKey?: boolean } = {}): Promise<FakeTtsServer> {
  const rate = opts.rate ?? (provider === 'elevenlabs' ? 22050 : 24000);
  const pcm = sinePcm(rate);
  const wav = encodeWav(pcm, rate);
  const requireKey = opts.requireKey ?? provider !== 'xtts';
  const state: FakeTtsServer = { url: '', received: [], pcm, rate, fail: null, fishJson: false, answer: null, close: async () => {} };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      state.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const error = (status: number, message: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        // ElevenLabs and FastAPI answer {"detail": ...}; OpenAI {"error": {"message"}}.
        res.end(JSON.stringify(provider === 'openai' ? { error: { message } } : { detail: message }));
      };
      if (req.method !== 'POST') return error(405, 'Method Not Allowed');
      const auth = provider === 'elevenlabs' ? req.headers['xi-api-key'] : provider === 'xtts' ? '' : (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (requireKey && auth !== KEYS[provider]) return error(401, provider === 'elevenlabs' ? 'invalid_api_key' : 'Invalid API key');
      if (state.fail === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>maintenance</html>');
      }
      if (state.fail) return error(state.fail.status, state.fail.body ?? `failed with ${state.fail.status}`);
      if (state.answer) {
        res.writeHead(200, { 'content-type': state.answer.contentType });
        return res.end(state.answer.data);
      }
      switch (provider) {
        case 'openai': {
          if (url.pathname !== '/v1/audio/speech') return error(404, 'Not Found');
          if (typeof body?.input !== 'string' || typeof body.model !== 'string' || typeof body.voice !== 'string')
            return error(400, 'input, model and voice are required');
          if (body.response_format !== 'wav') return error(400, 'this fake serves only wav');
          res.writeHead(200, { 'content-type': 'audio/wav' });
          return res.end(wav);
        }
        case 'elevenlabs': {
          const m = /^\/v1\/text-to-speech\/([^/]+)(\/stream)?$/.exec(url.pathname);
          if (!m) return error(404, 'Not Found');
          if (typeof body?.text !== 'string') return error(422, 'text is required');
          const format = url.searchParams.get('output_format') ?? 'mp3_44100_128';
          if (format !== `pcm_${rate}`) return error(400, `this fake serves only pcm_${rate}`);
          if (!m[2]) {
            res.writeHead(200, { 'content-type': 'audio/pcm' });
            return res.end(pcm);
          }
          // The streaming endpoint: chunked transfer, the audio in several writes.
          res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
          const step = 4096;
          let off = 0;
          const next = () => {
            if (off >= pcm.length) return res.end();
            res.write(pcm.subarray(off, off + step), () => setImmediate(next));
            off += step;
          };
          return next();
        }
        case 'fish': {
          if (url.pathname !== '/v1/tts') return error(404, 'Not Found');
          if (typeof body?.text !== 'string') return error(422, 'text is required');
          if (state.fishJson) {
            res.writeHead(200, { 'content-type': 'application/json' });
            return res.end(JSON.stringify({ audio: wav.toString('base64') }));
          }
          res.writeHead(200, { 'content-type': body.format === 'wav' ? 'audio/wav' : 'audio/mpeg' });
          return res.end(wav);
        }
        case 'xtts': {
          if (url.pathname !== '/api/tts') return error(404, 'Not Found');
          if (typeof body?.text !== 'string') return error(422, 'text is required');
          res.writeHead(200, { 'content-type': 'audio/wav' });
          return res.end(wav);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.url = provider === 'openai' ? `http://127.0.0.1:${port}/v1` : provider === 'fish' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
