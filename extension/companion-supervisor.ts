// Keeps one companion process running and connected, and says how it is going.
//
// Lifecycle of one launch: check the Node runtime -> spawn and read the ready line -> connect
// over WebSocket (hello/welcome) -> ready. When the process dies unexpectedly it is launched
// again after the RestartPolicy's delay; after too many crashes the supervisor gives up
// ('failed') until someone calls `start()` or `restart()` again. A lost socket with a living
// process is reconnected a few times, then the process is killed and counts as a crash.
//
// Every async step captures the `generation` it belongs to; `start()`, `stop()` and each
// automatic restart bump it, so the continuations of a superseded launch just return.
// No `vscode` import: unit-tested in vitest against the real companion.
// It stays over 400 lines on purpose: launch, connect, reconnect, crash handling and shutdown
// are one state machine guarded by `generation`, which is only checkable read in one place (the
// process, connection, attach and restart-policy parts already have their own modules).
import type { ErrorInfo, Status } from '../protocol/common';
import type { CompanionEvent } from '../protocol/messages';
import type { RpcClient } from '../protocol/rpc-client';
import type { ConnectionState } from '../protocol/webview';
import { attachedCompanion, findRunningCompanion, isAttached } from './companion-attach';
import { connectCompanion, type CompanionConnection } from './companion-connection';
import { describeExit, launchCompanion, STOP_GRACE_MS, type CompanionProcess, type ExitInfo, type LaunchSpec, type StartError } from './companion-process';
import { checkNativeAddons, checkNodeRuntime } from './node-runtime';
import { DEFAULT_RESTART_POLICY, describeDuration, RestartPolicy, type RestartPolicyOptions } from './restart-policy';

/** Why the supervisor gave up: decides which button the user is offered. */
export type FailureKind = 'runtime' | 'settings' | 'crashed' | 'in-use';

export interface SupervisorState {
  state: ConnectionState;
  /** For the user; null when there is nothing to say (ready). */
  message: string | null;
  error: ErrorInfo | null;
  failure: FailureKind | null;
}

interface SupervisorLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A line the companion printed. */
  companion(line: string): void;
}

interface SupervisorOptions {
  log: SupervisorLog;
  /** Sent in `hello`. */
  clientName?: string;
  /** The window's workspace, sent in `hello` (null: no folder open). */
  workspace?: { id: string; name: string } | null;
  policy?: RestartPolicyOptions;
  readyTimeoutMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  stopGraceMs?: number;
}

const RECONNECT_DELAYS_MS = [0, 500, 1000, 2000];
/** How long a closing window waits for its companion to say whether other windows still use it. */
const DETACH_WAIT_MS = 1500;
/** The exit code of companion/main.ts when it refuses its arguments: restarting cannot help. */
const EXIT_BAD_ARGUMENTS = 2;
/** companion/instance-lock.ts: another companion already uses the data folder. Restarting cannot help. */
const EXIT_ALREADY_RUNNING = 75;
/** Waits before trying again while another companion still holds the data folder (about 10 s in all). */
const IN_USE_RETRY_MS = [500, 1000, 2000, 3000, 3500];
const SEE_LOG = 'See the log ("Alisa: Show Logs"), fix the cause, then run "Alisa: Restart Companion".';

export class CompanionSupervisor {
  private spec: LaunchSpec | null = null;
  private generation = 0;
  private proc: CompanionProcess | null = null;
  private conn: CompanionConnection | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The launch in progress (spawn, ready line, connect), so that stop() can wait for it. */
  private launching: Promise<void> | null = null;
  /** Set when the supervisor itself kills a process, so its exit is explained properly. */
  private killReason: string | null = null;
  /** Launch attempts refused because another companion held the data folder (reset on success). */
  private inUseRetries = 0;
  /** Companions of other windows this one could not reach (pid:port): not attached to again. */
  private readonly unreachable = new Set<string>();
  private readonly policy: RestartPolicy;
  private current: SupervisorState = { state: 'stopped', message: 'Alisa is not running.', error: null, failure: null };
  private latestStatus: Status | null = null;
  private readonly stateListeners = new Set<(s: SupervisorState) => void>();
  private readonly eventListeners = new Set<(e: CompanionEvent) => void>();

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = new RestartPolicy(opts.policy ?? DEFAULT_RESTART_POLICY);
  }

  get state(): SupervisorState {
    return this.current;
  }

  /** The RPC client while connected, else null. */
  get client(): RpcClient | null {
    return this.current.state === 'ready' ? (this.conn?.rpc ?? null) : null;
  }

  /** The companion's pid while one runs. */
  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** True while this window uses a companion another window started (see companion-attach.ts). */
  get attached(): boolean {
    return isAttached(this.proc);
  }

  /** The running companion's ready line (port, where its /v1 API key is kept), or null. */
  get ready(): CompanionProcess['ready'] | null {
    return this.proc?.ready ?? null;
  }

  /** The companion's latest status (from the welcome, then from `status` events). */
  get status(): Status | null {
    return this.latestStatus;
  }

  get launchSpec(): LaunchSpec | null {
    return this.spec;
  }

  onState(listener: (s: SupervisorState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Companion events; on every (re)connection a `status` event carries the welcome's status. */
  onEvent(listener: (e: CompanionEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * (Re)starts the companion with `spec`, replacing one that runs, and forgets earlier crashes.
   * Resolves when this launch has reached ready, or failed, or been superseded; never rejects.
   */
  async start(spec: LaunchSpec): Promise<void> {
    this.spec = spec;
    this.policy.reset();
    const gen = this.bump();
    await this.shutdownCurrent('restart');
    // A launch still under way stops its own process once it sees the new generation: wait for it,
    // or the new companion would find the data folder still locked by it (exit code 75).
    if (this.launching) await Promise.race([this.launching, sleep((this.opts.stopGraceMs ?? STOP_GRACE_MS) + 1000)]);
    if (gen !== this.generation) return;
    await this.track(this.launch(gen, null));
  }

  /** Starts again with the last spec (the "Restart" button). */
  async restart(): Promise<void> {
    if (!this.spec) throw new Error('The companion was never started.');
    await this.start(this.spec);
  }

  /**
   * This window stops using the companion and stays stopped: its own companion is stopped
   * (SIGTERM, SIGKILL after the grace period) unless other windows are attached to it, which it
   * then leaves to them; a companion another window started is only left.
   */
  async stop(): Promise<void> {
    const gen = this.bump();
    await this.shutdownCurrent('close');
    // A launch still under way sees the new generation and stops its process itself.
    if (this.launching) await Promise.race([this.launching, sleep((this.opts.stopGraceMs ?? STOP_GRACE_MS) + 1000)]);
    if (gen === this.generation) this.setState('stopped', 'Alisa is stopped.');
  }

  /** The client once connected; rejects at once when stopped or failed, or after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<RpcClient> {
    const now = this.client;
    if (now) return Promise.resolve(now);
    if (this.current.state === 'failed' || this.current.state === 'stopped') return Promise.reject(new Error(this.current.message ?? 'Alisa is not running.'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Alisa did not become ready within ${Math.round(timeoutMs / 1000)} s (${this.current.message ?? this.current.state}).`));
      }, timeoutMs);
      const off = this.onState((s) => {
        const client = this.client;
        if (client) {
          clearTimeout(timer);
          off();
          resolve(client);
        } else if (s.state === 'failed' || s.state === 'stopped') {
          clearTimeout(timer);
          off();
          reject(new Error(s.message ?? 'Alisa is not running.'));
        }
      });
    });
  }

  // ------------------------------------------------------------------ one launch

  private async launch(gen: number, restartNote: string | null): Promise<void> {
    const spec = this.spec!;
    this.killReason = null;
    const phase = restartNote ? 'restarting' : 'starting';
    this.setState(phase, restartNote ?? 'Starting Alisa…');

    // One companion per user: attach to the one another window runs on this data folder.
    const dataDir = dataDirOf(spec);
    const found = dataDir ? findRunningCompanion(dataDir) : { kind: 'none' as const };
    if (found.kind === 'unusable') {
      this.opts.log.error(found.reason);
      this.fail('in-use', found.reason, 'Reload the other VS Code windows, then run "Alisa: Restart Companion" here.');
      return;
    }
    if (found.kind === 'found' && !this.unreachable.has(`${found.ready.pid}:${found.ready.port}`)) {
      const proc = attachedCompanion(found.ready);
      this.proc = proc;
      this.inUseRetries = 0;
      this.opts.log.info(`attaching to the companion another window started: pid ${proc.pid}, port ${proc.ready.port}, version ${proc.ready.version}`);
      void proc.exited.then((exit) => this.onExit(gen, proc, exit));
      if (!restartNote) this.setState('connecting', 'Connecting to Alisa…');
      if (await this.connect(gen, proc)) return;
      if (gen !== this.generation) return;
      // Alive but unreachable from here: start one of our own (which says so if the folder stays locked).
      this.unreachable.add(`${proc.pid}:${proc.ready.port}`);
      return;
    }

    const runtime = await checkNodeRuntime(spec.nodePath);
    if (gen !== this.generation) return;
    if (!runtime.ok) {
      this.opts.log.error(`${runtime.message} ${runtime.action}`);
      this.fail('runtime', runtime.message, runtime.action);
      return;
    }

    // The package carries its SQLite addon per Node ABI: a Node it has none for still runs the
    // companion (chat without history; the companion's status says the same with the fix).
    const native = checkNativeAddons(spec.script, spec.nodePath, runtime.version, runtime.major);
    if (native && !native.ok) this.opts.log.warn(`${native.message} ${native.action}`);
    this.opts.log.info(`starting the companion with Node.js ${runtime.version}: ${spec.nodePath} ${spec.script} ${spec.args.join(' ')}`);
    let proc: CompanionProcess;
    try {
      proc = await launchCompanion(spec, {
        readyTimeoutMs: this.opts.readyTimeoutMs,
        onStderr: (line) => this.opts.log.companion(line),
        onStdout: (line) => this.opts.log.companion(line),
      });
    } catch (err) {
      if (gen !== this.generation) return;
      const e = err as StartError;
      if (e.exit?.code === EXIT_BAD_ARGUMENTS) {
        const why = firstLine(e.stderr) ?? 'it did not say why';
        this.fail(
          'settings',
          `Alisa's companion refused its settings: ${why}`,
          'Fix the setting (Settings, search "alisa"), then run "Alisa: Restart Companion".',
        );
        return;
      }
      if (e.exit?.code === EXIT_ALREADY_RUNNING) {
        // A window that is reloading or closing leaves its companion a moment to exit (it notices
        // its parent is gone within a second): wait for it a few times before calling it in use.
        if (this.inUseRetries < IN_USE_RETRY_MS.length) {
          const delay = IN_USE_RETRY_MS[this.inUseRetries++]!;
          this.opts.log.info(`the data folder is still held by another companion; trying again in ${delay} ms`);
          this.setState(phase, 'Waiting for the previous companion to exit…');
          await new Promise((r) => setTimeout(r, delay));
          if (gen !== this.generation) return;
          return this.launch(gen, restartNote);
        }
        this.inUseRetries = 0;
        // Its one stderr line names the running companion (pid, port) and what to do.
        const why = firstLine(e.stderr, 800) ?? 'Another Alisa companion is already running on this data folder.';
        this.fail('in-use', why, 'Stop that companion (or close the program that started it), then run "Alisa: Restart Companion".');
        return;
      }
      this.crashed(gen, `Alisa's companion could not start: ${e.message}${lastWords(e.stderr)}.`);
      return;
    }
    if (gen !== this.generation) {
      await proc.stop(this.opts.stopGraceMs);
      return;
    }
    this.proc = proc;
    this.inUseRetries = 0;
    this.opts.log.info(`companion ready: pid ${proc.pid}, port ${proc.ready.port}, version ${proc.ready.version}`);
    void proc.exited.then((exit) => this.onExit(gen, proc, exit));
    if (!restartNote) this.setState('connecting', 'Connecting to Alisa…');
    await this.connect(gen, proc);
  }

  /** Connects to `proc`; on failure (if `killOnFailure`) kills it, which counts as a crash. */
  private async connect(gen: number, proc: CompanionProcess, killOnFailure = true): Promise<boolean> {
    try {
      const conn = await connectCompanion({
        port: proc.ready.port,
        token: proc.ready.token,
        client: this.opts.clientName ?? 'alisa-vscode',
        workspace: this.opts.workspace ?? null,
        timeoutMs: this.opts.connectTimeoutMs,
        requestTimeoutMs: this.opts.requestTimeoutMs,
        onEvent: (event) => {
          if (event.type === 'status') this.latestStatus = event.status;
          this.emitEvent(event);
        },
        onClose: (reason) => void this.onConnectionLost(gen, proc, reason),
      });
      if (isAttached(proc)) this.opts.log.info(`attached to the companion of another window (pid ${proc.pid}): one companion and one memory for all windows`);
      if (gen !== this.generation || this.proc !== proc) {
        conn.close();
        return false;
      }
      this.conn = conn;
      this.latestStatus = conn.welcomeStatus;
      this.setState('ready', null);
      this.emitEvent({ type: 'status', status: conn.welcomeStatus });
      return true;
    } catch (err) {
      if (gen !== this.generation || this.proc !== proc) return false;
      this.opts.log.error(`could not connect to the companion: ${(err as Error).message}`);
      if (!killOnFailure) return false;
      this.killReason = `Alisa's companion was running but could not be reached (${(err as Error).message}).`;
      proc.kill();
      return false;
    }
  }

  private async onConnectionLost(gen: number, proc: CompanionProcess, reason: string): Promise<void> {
    if (gen !== this.generation || this.proc !== proc) return;
    this.conn = null;
    this.opts.log.warn(`lost the connection to the companion (${reason})`);
    this.setState('connecting', 'Lost the connection to Alisa; reconnecting…');
    // When the process died, its exit follows the socket's close closely: let it win.
    for (const delay of RECONNECT_DELAYS_MS) {
      await sleep(delay + 300);
      if (gen !== this.generation || this.proc !== proc || proc.exitInfo()) return;
      if (await this.connect(gen, proc, false)) return;
    }
    if (gen !== this.generation || this.proc !== proc || proc.exitInfo()) return;
    this.killReason = `Alisa's companion stopped answering (${reason}) and could not be reached again.`;
    proc.kill(); // the exit handler restarts it
  }

  private onExit(gen: number, proc: CompanionProcess, exit: ExitInfo): void {
    if (this.proc !== proc) return; // stopped or replaced on purpose
    this.proc = null;
    this.conn?.close();
    this.conn = null;
    if (gen !== this.generation) return;
    const reason =
      this.killReason ??
      (isAttached(proc)
        ? `The companion another VS Code window started (pid ${proc.pid}) has stopped (restarted with new settings, or ended).`
        : `Alisa's companion stopped unexpectedly (${describeExit(exit)})${lastWords(proc.recentStderr())}.`);
    this.crashed(gen, reason);
  }

  private crashed(gen: number, reason: string): void {
    this.opts.log.warn(reason);
    const decision = this.policy.recordCrash();
    if (decision.giveUp) {
      this.fail(
        'crashed',
        `Alisa's companion stopped ${decision.crashes} times within ${describeDuration(decision.windowMs)}, so it is not restarted again. Last problem: ${reason}`,
        SEE_LOG,
      );
      return;
    }
    const attempt = `(attempt ${decision.attempt} of ${decision.maxAttempts})`;
    this.setState('restarting', `${reason} Restarting in ${describeDuration(decision.delayMs)} ${attempt}…`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (gen !== this.generation) return;
      void this.track(this.launch(this.bump(), `${reason} Restarting now ${attempt}…`));
    }, decision.delayMs);
  }

  // ------------------------------------------------------------------ helpers

  private track(launch: Promise<void>): Promise<void> {
    this.launching = launch;
    const done = () => {
      if (this.launching === launch) this.launching = null;
    };
    void launch.then(done, done);
    return launch;
  }

  private bump(): number {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    return ++this.generation;
  }

  /**
   * 'restart': the companion is stopped for every window (new settings apply to all; the others
   * attach to the new one). 'close': this window goes; a companion other windows still use is
   * left to them.
   */
  private async shutdownCurrent(why: 'restart' | 'close'): Promise<void> {
    const proc = this.proc;
    const conn = this.conn;
    this.proc = null;
    this.conn = null;
    const grace = this.opts.stopGraceMs ?? STOP_GRACE_MS;
    if (proc && isAttached(proc)) {
      conn?.close();
      if (why === 'close') {
        this.opts.log.info(`leaving the companion of another window (pid ${proc.pid}) running`);
        proc.detach();
        return;
      }
      this.opts.log.info(`stopping the shared companion (pid ${proc.pid}) to restart it`);
      await proc.terminate(grace);
      this.opts.log.info('the shared companion stopped');
      return;
    }
    if (proc && conn && why === 'close') {
      // Other windows attached to it? Then it keeps running for them (companion/window-keeper.ts).
      const staying = await Promise.race([
        conn.rpc.request('companion.detach', {}).then(
          (r) => r.staying,
          () => false,
        ),
        sleep(DETACH_WAIT_MS).then(() => false),
      ]);
      conn.close();
      if (staying) {
        this.opts.log.info(`other windows use the companion (pid ${proc.pid}): it keeps running for them`);
        return;
      }
    } else conn?.close();
    if (!proc) return;
    this.opts.log.info(`stopping the companion (pid ${proc.pid})`);
    const exit = await proc.stop(grace);
    this.opts.log.info(`companion stopped (${describeExit(exit)})`);
  }

  private fail(failure: FailureKind, message: string, action: string): void {
    this.setState('failed', message, { code: 'internal', message, action }, failure);
  }

  private setState(state: ConnectionState, message: string | null, error: ErrorInfo | null = null, failure: FailureKind | null = null): void {
    this.current = { state, message, error, failure };
    if (state !== 'ready') this.opts.log.info(`state: ${state}${message ? ` - ${message}` : ''}`);
    else this.opts.log.info('state: ready');
    for (const listener of [...this.stateListeners]) {
      try {
        listener(this.current);
      } catch (err) {
        this.opts.log.error(`a state listener failed: ${(err as Error).message}`);
      }
    }
  }

  private emitEvent(event: CompanionEvent): void {
    for (const listener of [...this.eventListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.opts.log.error(`an event listener failed: ${(err as Error).message}`);
      }
    }
  }
}

/** The data folder in the companion's arguments (`--data DIR`), or null. */
function dataDirOf(spec: LaunchSpec): string | null {
  const i = spec.args.indexOf('--data');
  return i >= 0 ? (spec.args[i + 1] ?? null) : null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The companion's log lines start with "[alisa <time>] "; users need only the words. */
function stripPrefix(line: string): string {
  return line.replace(/^\[alisa [^\]]*\]\s*/, '').trim();
}

function firstLine(stderr: string[], max = 300): string | null {
  const line = stderr.map(stripPrefix).find((l) => l.length > 0);
  return line ? line.slice(0, max) : null;
}

/** `; last output: "..."` from the last stderr line, or '' when it printed nothing. */
function lastWords(stderr: string[]): string {
  const lines = stderr.map(stripPrefix).filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  return last ? `; its last output: "${last.slice(0, 300)}"` : '';
}
