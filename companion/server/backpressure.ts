// Slow consumers, connection caps and noisy refusals: what keeps a client that never reads (or a
// flood of clients) from growing the companion's memory without bound.
//
// Every frame to a WebSocket goes through `guardedSend`, which looks at `ws.bufferedAmount` (bytes
// accepted by `send` but not yet handed to the kernel) plus a cost per frame still queued
// (FRAME_OVERHEAD_BYTES):
//   - above SOFT_LIMIT, droppable events (reply tokens, speech chunks, presence updates: each is
//     superseded by a later event such as `reply.end`, which carries the whole text) are dropped;
//   - above HARD_LIMIT, the client is closed with 1008 and a reason that says why; if its buffer
//     does not shrink during a CLOSE_GRACE_MS period, the socket is destroyed (its buffer freed).
// A client above the hard limit gets nothing more, so a socket never holds much more than
// HARD_LIMIT bytes in the companion.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocket } from 'ws';

export const SOFT_LIMIT_BYTES = 1024 * 1024;
export const HARD_LIMIT_BYTES = 8 * 1024 * 1024;
const CLOSE_GRACE_MS = 10_000;
/** WebSocket connections per server (the extension's windows, panels and a few tools fit easily). */
export const MAX_CONNECTIONS = 32;
/** An upgraded socket that has not said hello in this time is closed. */
export const HELLO_TIMEOUT_MS = 10_000;
/** HTTP: the request head must arrive within this time, the whole request within REQUEST_TIMEOUT_MS. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** Raw TCP connections per HTTP server (WebSockets included), beyond which new ones are dropped. */
export const MAX_HTTP_CONNECTIONS = 128;

const CLOSE_SLOW_CONSUMER = 1008;
const SLOW_CONSUMER_REASON = 'too slow: the client is not reading its messages';

export type SendOutcome = 'sent' | 'dropped' | 'closed';

/**
 * What one queued frame costs beyond its bytes (the write request, its buffers): `bufferedAmount`
 * counts only the bytes, so a flood of tiny frames (16-byte legacy relays) would hold hundreds of
 * MB while it stays under the limit. Frames not yet handed to the kernel are counted by their send
 * callbacks.
 */
const FRAME_OVERHEAD_BYTES = 512;

const closing = new WeakSet<WebSocket>();
const pendingFrames = new WeakMap<WebSocket, number>();

/** The memory a socket holds for its client: bytes waiting plus a cost per frame waiting. */
export function queuedWeight(ws: WebSocket): number {
  return ws.bufferedAmount + (pendingFrames.get(ws) ?? 0) * FRAME_OVERHEAD_BYTES;
}

/**
 * Sends `data` unless the socket is closed, too far behind for a droppable frame (dropped), or
 * beyond the hard limit (then closes it and calls `onClose` once with the reason).
 */
export function guardedSend(ws: WebSocket, data: string, opts: { droppable: boolean; onClose?: (reason: string) => void }): SendOutcome {
  if (ws.readyState !== ws.OPEN || closing.has(ws)) return 'closed';
  const weight = queuedWeight(ws);
  if (weight + data.length > HARD_LIMIT_BYTES) {
    closeSlowConsumer(ws, weight, opts.onClose);
    return 'closed';
  }
  if (opts.droppable && weight > SOFT_LIMIT_BYTES) return 'dropped';
  pendingFrames.set(ws, (pendingFrames.get(ws) ?? 0) + 1);
  ws.send(data, () => pendingFrames.set(ws, (pendingFrames.get(ws) ?? 1) - 1));
  return 'sent';
}

function closeSlowConsumer(ws: WebSocket, buffered: number, onClose?: (reason: string) => void): void {
  if (closing.has(ws)) return;
  closing.add(ws);
  const reason = `${SLOW_CONSUMER_REASON} (${Math.round(buffered / 1024)} KiB waiting)`;
  onClose?.(reason);
  // The close frame queues behind what is buffered: a client that resumes reading sees it; one that
  // reads nothing for a whole grace period is destroyed, which frees its buffer.
  ws.close(CLOSE_SLOW_CONSUMER, SLOW_CONSUMER_REASON);
  let last = ws.bufferedAmount;
  const timer = setInterval(() => {
    const now = ws.bufferedAmount;
    if (now >= last) {
      clearInterval(timer);
      ws.terminate();
    }
    last = now;
  }, CLOSE_GRACE_MS);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/** Logs at most one line per `intervalMs` per key; the next line says how many were left out. */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  line(key: string, text: string): void {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry && t - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const more = entry?.suppressed ? ` (${entry.suppressed} more like it in the last ${Math.round((t - entry.at) / 1000)} s)` : '';
    this.last.set(key, { at: t, suppressed: 0 });
    this.log(`${text}${more}`);
  }
}

/** The raw HTTP answer for a refused upgrade. */
export function refuseUpgrade(socket: { end: (data: string) => void }, status: number, reason: string): void {
  const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Refused';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`);
}

/** Starts `server` on 127.0.0.1:`port` (0: any free port); resolves with the port it got, rejects with the listen error (in use, no permission). */
export async function listenOnLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
