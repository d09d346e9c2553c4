// A local stand-in for an OpenAI-compatible transcription server: `POST /v1/audio/transcriptions`
// with a multipart form (`file` = the audio, `model`, optional `response_format`, `language`),
// bearer auth when a key is set, answers `{"text": ...}` (or OpenAI's `{"error": {...}}`).
// It does not recognise speech: it "transcribes" by looking up the SHA-256 of the uploaded file
// in a table the test prepared (so a test proves the exact WAV bytes arrived), and answers
// `unknown` with an empty text for anything else. Every request is recorded for assertions.
import { parseForm, type ParsedForm } from './multipart-form';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TranscribeRequest {
  path: string;
  authorization: string | null;
  model: string | null;
  fileName: string | null;
  fileType: string | null;
  fileBytes: number;
  sha256: string | null;
  fields: Record<string, string>;
}

export interface FakeTranscribeServer {
  /** Base URL ending in /v1. */
  url: string;
  requests: TranscribeRequest[];
  /** sha256 of the uploaded file -> the text to answer. */
  transcripts: Map<string, string>;
  close(): Promise<void>;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export async function startFakeTranscribeServer(
  opts: { apiKey?: string; delayMs?: number; transcripts?: Map<string, string> } = {},
): Promise<FakeTranscribeServer> {
  const requests: TranscribeRequest[] = [];
  const transcripts = opts.transcripts ?? new Map<string, string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return send(404, { error: { message: `no route ${req.method} ${req.url}` } });
      const auth = req.headers.authorization ?? null;
      // Parse the multipart body with the platform's own parser (undici's Request.formData).
      let parsed: ParsedForm;
      try {
        parsed = await parseForm(req.headers['content-type'] ?? '', Buffer.concat(chunks));
      } catch (err) {
        return send(400, { error: { message: `bad multipart body: ${(err as Error).message}` } });
      }
      const { fields, file, bytes } = parsed;
      const r: TranscribeRequest = {
        path: req.url,
        authorization: auth,
        model: fields.model ?? null,
        fileName: file?.name ?? null,
        fileType: file?.type ?? null,
        fileBytes: bytes?.length ?? 0,
        sha256: bytes ? sha256(bytes) : null,
        fields,
      };
      requests.push(r);
      if (opts.apiKey && auth !== `Bearer ${opts.apiKey}`)
        return send(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } });
      if (!bytes) return send(400, { error: { message: "'file' is a required property" } });
      if (!r.model) return send(400, { error: { message: "'model' is a required property" } });
      if (Buffer.from(bytes.subarray(0, 4)).toString('ascii') !== 'RIFF') return send(400, { error: { message: 'Invalid file format.' } });
      if (opts.delayMs) await new Promise((d) => setTimeout(d, opts.delayMs));
      if (res.destroyed) return;
      send(200, { text: transcripts.get(r.sha256!) ?? '' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    transcripts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
