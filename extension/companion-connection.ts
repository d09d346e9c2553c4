// The extension's WebSocket to a running companion: `ws` as the transport under the shared
// RpcClient. `connectCompanion` resolves after the companion's welcome (so requests made on the
// result never wait), and rejects if the socket fails, the companion refuses the hello, or no
// welcome arrives in time. After that, `onClose` fires once when the socket goes away.
// No `vscode` import: unit-tested in vitest against the real companion.
import WebSocket from 'ws';
import type { Status } from '../protocol/common';
import type { ClientWorkspace, CompanionEvent, CompanionMessage } from '../protocol/messages';
import { RpcClient } from '../protocol/rpc-client';

export interface CompanionConnection {
  readonly rpc: RpcClient;
  /** The status the companion sent with its welcome. */
  readonly welcomeStatus: Status;
  close(): void;
}

interface ConnectOptions {
  port: number;
  token: string;
  client: string;
  /** The window's workspace, said in hello: the companion files its new chats under it. Null or absent: none. */
  workspace?: ClientWorkspace | null;
  /** Unsolicited companion messages (reply.*, status, ...). */
  onEvent: (event: CompanionEvent) => void;
  /** The socket closed after the welcome (not called when `close()` was asked for). */
  onClose: (reason: string) => void;
  timeoutMs?: number;
  requestTimeoutMs?: number;
}

export function connectCompanion(opts: ConnectOptions): Promise<CompanionConnection> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const ws = new WebSocket(`ws://127.0.0.1:${opts.port}/ws`, {
    headers: { Authorization: `Bearer ${opts.token}` },
    handshakeTimeout: timeoutMs,
  });
  const rpc = new RpcClient(
    { send: (data) => ws.send(data) },
    { client: opts.client, workspace: opts.workspace ?? null, timeoutMs: opts.requestTimeoutMs ?? 60_000 },
  );
  let closedByUs = false;

  return new Promise<CompanionConnection>((resolve, reject) => {
    let welcomed = false;
    const fail = (message: string) => {
      if (welcomed) return;
      welcomed = true; // settled
      clearTimeout(timer);
      closedByUs = true;
      ws.terminate();
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`no welcome from the companion within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);

    rpc.onMessage = (message: CompanionMessage) => {
      if (message.type === 'welcome' || message.type === 'response') return;
      if (message.type === 'error') {
        // Before the welcome an error means the hello was refused (e.g. protocol_mismatch).
        if (!welcomed) fail(`the companion refused the connection: ${message.error.message}`);
        return;
      }
      opts.onEvent(message);
    };

    ws.on('open', () => rpc.hello());
    ws.on('message', (data) => {
      rpc.receive(data.toString());
      if (!welcomed && rpc.status) {
        welcomed = true;
        clearTimeout(timer);
        const welcomeStatus = rpc.status;
        resolve({
          rpc,
          welcomeStatus,
          close: () => {
            closedByUs = true;
            rpc.close('the extension closed it');
            ws.close(1000, 'extension closing');
          },
        });
      }
    });
    ws.on('error', (err) => fail(`could not connect to ws://127.0.0.1:${opts.port}/ws: ${err.message}`));
    ws.on('close', (code, reason) => {
      const why = `socket closed with ${code}${reason.length ? `: ${reason.toString()}` : ''}`;
      if (!welcomed) {
        fail(`the connection closed before the welcome (${why})`);
        return;
      }
      rpc.close(why);
      if (!closedByUs) opts.onClose(why);
    });
  });
}
