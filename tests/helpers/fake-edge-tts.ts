// A local stand-in for Microsoft Edge's read-aloud service (the only fake in the voice tests:
// the real one is in the cloud). It speaks the real wire format that msedge-tts 2.0.7 reads:
//   client -> server  text "…Path:speech.config\r\n\r\n{json}", then text "X-RequestId:…\r\n
//                     Content-Type:application/ssml+xml\r\nPath:ssml\r\n\r\n<speak>…"
//   server -> client  text "X-RequestId:…\r\nContent-Type:application/json; charset=utf-8\r\n
//                     Path:turn.start\r\n\r\n{…}", binary audio frames (2-byte big-endian header
//                     length, headers "X-RequestId:…\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n",
//                     then MP3 bytes), and text "…Path:turn.end\r\n\r\n{}".
// Modes: 'ok' answers; 'hang' accepts and never answers the SSML; 'close' drops the connection
// abruptly when the SSML arrives.
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type FakeEdgeMode = 'ok' | 'hang' | 'close';

export interface FakeEdge {
  url: string;
  port: number;
  mode: FakeEdgeMode;
  /** Every SSML document received, and every speech.config. */
  ssml: string[];
  configs: string[];
  connections: number;
  audio: Buffer;
  close(): Promise<void>;
}

/** A real MP3 (espeak-ng through ffmpeg) when both exist; otherwise MPEG-like filler bytes. */
export function makeMp3(text = 'Hello from the fake Edge server.'): Buffer {
  try {
    const wav = execFileSync('espeak-ng', ['--stdout', text], { maxBuffer: 16 << 20 });
    return execFileSync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'wav', '-i', '-', '-codec:a', 'libmp3lame', '-b:a', '48k', '-ar', '24000', '-ac', '1', '-f', 'mp3', '-'],
      {
        input: wav,
        maxBuffer: 16 << 20,
      },
    );
  } catch {
    const b = Buffer.alloc(6000, 0x55);
    b[0] = 0xff;
    b[1] = 0xf3;
    return b;
  }
}

function textFrame(requestId: string, path: string, body: string): string {
  return `X-RequestId:${requestId}\r\nContent-Type:application/json; charset=utf-8\r\nPath:${path}\r\n\r\n${body}`;
}

function audioFrame(requestId: string, audio: Buffer): Buffer {
  const headers = Buffer.from(`X-RequestId:${requestId}\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(headers.length);
  return Buffer.concat([len, headers, audio]);
}

export async function startFakeEdge(
  opts: {
    mode?: FakeEdgeMode;
    audio?: Buffer;
    chunkBytes?: number /** Time before answering an SSML request (by its text). */;
    delayMs?: (ssml: string) => number;
  } = {},
): Promise<FakeEdge> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const sockets = new Set<WebSocket>();
  const fake: FakeEdge = {
    url: `ws://127.0.0.1:${port}/consumer/speech/synthesize/readaloud/edge/v1`,
    port,
    mode: opts.mode ?? 'ok',
    ssml: [],
    configs: [],
    connections: 0,
    audio: opts.audio ?? makeMp3(),
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  const chunkBytes = opts.chunkBytes ?? 4096;
  wss.on('connection', (ws) => {
    fake.connections++;
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = data.toString();
      if (msg.includes('Path:speech.config')) {
        fake.configs.push(msg);
        return;
      }
      if (!msg.includes('Path:ssml')) return;
      const requestId = /X-RequestId:([^\r\n]+)/.exec(msg)?.[1] ?? 'unknown';
      fake.ssml.push(msg.slice(msg.indexOf('\r\n\r\n') + 4));
      if (fake.mode === 'hang') return;
      if (fake.mode === 'close') {
        ws.terminate();
        return;
      }
      const answer = () => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(textFrame(requestId, 'turn.start', '{"context":{"serviceTag":"fake"}}'));
        for (let off = 0; off < fake.audio.length; off += chunkBytes) {
          ws.send(audioFrame(requestId, fake.audio.subarray(off, off + chunkBytes)));
        }
        ws.send(textFrame(requestId, 'turn.end', '{}'));
      };
      const delay = opts.delayMs?.(fake.ssml.at(-1)!) ?? 0;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  return fake;
}
