// Local stand-ins for the two transcription wire formats Alisa speaks, on 127.0.0.1:
//   openai:     POST /v1/audio/transcriptions, multipart `file`, `model` (required), `language`?,
//               `response_format` json | text | verbose_json; bearer key when one is set; errors as
//               OpenAI's `{"error": {"message", "type", "param", "code"}}` (401, 400, 413).
//   whispercpp: POST /inference, multipart `file`, `temperature`, `response_format`; no key; like
//               whisper.cpp's server it answers a missing file with status 200 and `{"error": ...}`,
//               and silence as "[BLANK_AUDIO]".
// The multipart body is parsed for real (undici's Request.formData), and the uploaded file's WAV
// header is read: RIFF/WAVE, PCM, channels, rate, bits. They do not recognise speech: the answer is
// looked up by the SHA-256 of the uploaded file in a table the test prepared, so a test proves the
// exact bytes arrived. Every request is recorded, raw headers included, for assertions.
import { parseForm, type ParsedForm } from './multipart-form';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type SttWire = 'openai' | 'whispercpp';

export interface WavHeader {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
}

export interface SttRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Form fields other than the file. */
  fields: Record<string, string>;
  fileName: string | null;
  fileType: string | null;
  fileBytes: number;
  sha256: string | null;
  wav: WavHeader | null;
}

export interface FakeSttServer {
  /** What to put in alisa.voice.sttEndpoint: `.../v1` (openai) or `.../inference` (whispercpp). */
  endpoint: string;
  requests: SttRequest[];
  /** sha256 of the uploaded file -> the text to answer. */
  transcripts: Map<string, string>;
  close(): Promise<void>;
}

export interface FakeSttOptions {
  /** openai: the bearer key it demands. */
  apiKey?: string;
  /** Larger uploads get 413, as behind a proxy's body limit. */
  maxBytes?: number;
  /** Answer 200 with this body as text/html (a web page where a server was expected). */
  htmlInstead?: string;
  /** Hold the answer until the request is aborted (for timeouts). */
  hang?: boolean;
  /** whisper.cpp: answer 200 `{"error": this}`, as its server does when it cannot decode or run. */
  failWith?: string;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The header of a canonical WAV (RIFF, WAVE, fmt, data chunks), or null when it is not one. */
export function readWavHeader(b: Uint8Array): WavHeader | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < 44 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let off = 12;
  let fmt: Omit<WavHeader, 'dataBytes'> | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(off + 8),
        channels: buf.readUInt16LE(off + 10),
        sampleRate: buf.readUInt32LE(off + 12),
        bitsPerSample: buf.readUInt16LE(off + 22),
      };
    } else if (id === 'data') {
      return fmt ? { ...fmt, dataBytes: Math.min(size, buf.length - off - 8) } : null;
    }
    off += 8 + size + (size % 2);
  }
  return null;
}

export async function startFakeSttServer(wire: SttWire, opts: FakeSttOptions = {}): Promise<FakeSttServer> {
  const requests: SttRequest[] = [];
  const transcripts = new Map<string, string>();
  const route = wire === 'openai' ? '/v1/audio/transcriptions' : '/inference';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      chunks.push(c);
    });
    req.on('end', async () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const openaiError = (status: number, message: string, type = 'invalid_request_error', code: string | null = null) =>
        json(status, { error: { message, type, param: null, code } });
      if (req.method !== 'POST' || req.url !== route) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('File Not Found');
      }
      if (opts.maxBytes && size > opts.maxBytes) {
        res.writeHead(413, { 'content-type': 'text/html' });
        return res.end(
          '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>',
        );
      }
      let parsed: ParsedForm;
      try {
        parsed = await parseForm(req.headers['content-type'] ?? '', Buffer.concat(chunks));
      } catch (err) {
        return wire === 'openai'
          ? openaiError(400, `Could not parse multipart form: ${(err as Error).message}`)
          : json(200, { error: "no 'file' field in the request" });
      }
      const { fields, file, bytes } = parsed;
      const r: SttRequest = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        fields,
        fileName: file?.name ?? null,
        fileType: file?.type ?? null,
        fileBytes: bytes?.length ?? 0,
        sha256: bytes ? sha256(bytes) : null,
        wav: bytes ? readWavHeader(bytes) : null,
      };
      requests.push(r);
      if (opts.hang) return; // the client's timeout ends it
      if (opts.htmlInstead !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(opts.htmlInstead);
      }
      const text = r.sha256 ? (transcripts.get(r.sha256) ?? '') : '';
      if (wire === 'openai') {
        if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
          const sent = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
          // OpenAI echoes a masked key; a careless server may echo it whole (the client must hide it).
          return openaiError(401, sent ? `Incorrect API key provided: ${sent}.` : "You didn't provide an API key.", 'invalid_request_error', 'invalid_api_key');
        }
        if (!bytes) return openaiError(400, "1 validation error: 'file' field required");
        if (!fields.model) return openaiError(400, "1 validation error: 'model' field required");
        if (!r.wav) return openaiError(400, 'Invalid file format. Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm');
        const format = fields.response_format ?? 'json';
        if (format === 'text') {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          return res.end(`${text}\n`);
        }
        if (format === 'verbose_json') {
          const duration = r.wav.dataBytes / (r.wav.sampleRate * r.wav.channels * (r.wav.bitsPerSample / 8));
          return json(200, {
            task: 'transcribe',
            language: fields.language ?? 'english',
            duration,
            text,
            segments: [{ id: 0, start: 0, end: duration, text }],
          });
        }
        if (format !== 'json') return openaiError(400, `Invalid response_format: ${format}`);
        return json(200, { text });
      }
      // whisper.cpp: failures are 200 with {"error"}, like its server.
      if (!bytes) return json(200, { error: "no 'file' field in the request" });
      if (opts.failWith) return json(200, { error: opts.failWith });
      if (r.wav?.format !== 1 || r.wav.bitsPerSample !== 16 || r.wav.sampleRate !== 16000) return json(200, { error: 'failed to read WAV file' });
      const format = fields.response_format ?? 'json';
      if (format === 'text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return res.end(text || ' [BLANK_AUDIO]\n');
      }
      // Its text keeps the leading space of Whisper's first token and a newline per segment.
      return json(200, { text: text ? ` ${text}\n` : ' [BLANK_AUDIO]\n' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: wire === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}/inference`,
    requests,
    transcripts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
