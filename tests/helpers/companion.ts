// Starts the real, built companion (dist/companion.mjs) as a child process and talks to it
// over the real WebSocket. `npm test` builds before vitest runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { methods, PROTOCOL_VERSION, ReadyLine, type CompanionMessage, type MethodName, type Params, type Result } from '../../protocol';
import { MODEL_PATH, REPO_ROOT } from './model';

/** ALISA_TEST_COMPANION: another build of it (a private one, while dist/ is someone else's). */
export const COMPANION_BUNDLE = process.env.ALISA_TEST_COMPANION ?? path.join(REPO_ROOT, 'dist', 'companion.mjs');

/**
 * Settings that suit the 260K-parameter test model: one thread, compact prompt, short replies. And
 * chats named by their first words only: a title the model writes lands at a moment of its own,
 * which would race a test's reads of the session list (tests/chat-session-title.test.ts covers it).
 * No facts extracted by the model either: the tiny model would store nonsense after every chat
 * (tests/memory-extract.test.ts turns it on).
 */
export const TINY_MODEL_ARGS = [
  '--threads',
  '1',
  '--gpu',
  'off',
  '--prompt-style',
  'compact',
  '--history-tokens',
  '300',
  '--max-reply-tokens',
  '40',
  '--auto-title',
  'words',
  '--memory-extract',
  'off',
];

export interface RunningCompanion {
  proc: ChildProcess;
  port: number;
  token: string;
  legacyPort: number | null;
  /** The waifu-rt3d API's port (--waifu-port), null when off. */
  waifuPort: number | null;
  /** The whole ready line (apiKeyFile, version, ...). */
  ready: ReadyLine;
  dataDir: string;
  url: string;
  stderr: () => string;
  /** What the companion printed on stdout after its ready line. */
  stdout: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export function tempDir(prefix = 'alisa-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startCompanion(
  opts: { args?: string[]; dataDir?: string; model?: string | null; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningCompanion> {
  const dataDir = opts.dataDir ?? tempDir();
  const modelArgs = opts.model === null ? [] : ['--model', opts.model ?? MODEL_PATH];
  const proc = spawn(process.execPath, [COMPANION_BUNDLE, ...modelArgs, '--data', dataDir, ...TINY_MODEL_ARGS, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  let stdoutRest = '';
  proc.stderr!.on('data', (d) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => reject(new Error(`companion did not print its ready line in 20 s. stderr:\n${stderr}`)), 20_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
      // Lines after the ready line (the standalone browser address) are kept for tests.
      rl.on('line', (more) => (stdoutRest += `${more}\n`));
    });
    proc.once('exit', (code) => reject(new Error(`companion exited with ${code} before ready. stderr:\n${stderr}`)));
  });
  const ready = ReadyLine.parse(JSON.parse(firstLine));
  return {
    proc,
    port: ready.port,
    token: ready.token,
    legacyPort: ready.legacyPort,
    waifuPort: ready.waifuPort ?? null,
    ready,
    dataDir,
    url: `http://127.0.0.1:${ready.port}`,
    stderr: () => stderr,
    stdout: () => stdoutRest,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** A protocol client for tests: request/response by id, and every event recorded in order. */
export class TestClient {
  readonly events: CompanionMessage[] = [];
  private nextId = 1;
  private waiters: Array<{ pred: (m: CompanionMessage) => boolean; resolve: (m: CompanionMessage) => void }> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as CompanionMessage;
      this.events.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async connect(c: { port: number; token: string }, opts: { hello?: boolean; headers?: Record<string, string> } = {}): Promise<TestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${c.port}/ws`, { headers: { authorization: `Bearer ${c.token}`, ...opts.headers } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new TestClient(ws);
    if (opts.hello !== false) {
      const welcome = client.waitFor((m) => m.type === 'welcome' || m.type === 'error');
      client.sendJson({ type: 'hello', protocolVersion: PROTOCOL_VERSION, client: 'test' });
      const w = await welcome;
      if (w.type !== 'welcome') throw new Error(`hello failed: ${JSON.stringify(w)}`);
    }
    return client;
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  waitFor(pred: (m: CompanionMessage) => boolean, timeoutMs = 30_000): Promise<CompanionMessage> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting; events so far: ${JSON.stringify(this.events.slice(-5))}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends a request; resolves with its result, rejects with the typed error. */
  async request<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const id = `r${this.nextId++}`;
    const answer = this.waitFor((m) => (m.type === 'response' || m.type === 'error') && m.id === id);
    this.sendJson({ type: 'request', id, method, params });
    const m = await answer;
    if (m.type === 'error') throw Object.assign(new Error(m.error.message), { info: m.error });
    // Every answer is checked against the result schema its method declares in protocol/: a
    // handler cannot drift from its contract without a test failing.
    const checked = methods[method].result.safeParse((m as { result: unknown }).result);
    if (!checked.success) throw new Error(`the companion's answer to ${method} does not match its declared result: ${checked.error.message.slice(0, 600)}`);
    return (m as { result: Result<M> }).result;
  }

  /** The events of one reply, once it has ended (with reply.end or reply.error). */
  async reply(replyId: string): Promise<CompanionMessage[]> {
    await this.waitFor((m) => (m.type === 'reply.end' || m.type === 'reply.error') && m.replyId === replyId, 60_000);
    return this.events.filter((m) => 'replyId' in m && m.replyId === replyId);
  }

  close(): void {
    this.ws.close();
  }
}
