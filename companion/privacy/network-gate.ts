// The network gate: every connection the companion makes to another machine goes through here.
// "Runs entirely on your machine" is true with default settings because nothing leaves 127.0.0.1
// without passing this gate, and the socket guard (socket-guard.ts) refuses anything that tries.
//
// USE (a feature that connects out, e.g. a voice download):
//
//   import { networkGate } from './network-gate';
//   await networkGate().run(
//     { url, feature: 'voice-download', purpose: 'download the Piper voice en_US-amy',
//       alternative: 'choose a voice file you already have (alisa.voice.piperModel)', signal },
//     () => download(url, signal),          // every socket it opens (redirects too) is allowed and counted
//   );
//
//   or `await networkGate().request({ url, feature, purpose, alternative?, signal? })` before the
//   connection (it resolves when allowed), when the work cannot be wrapped.
//
//   - Resolves at once for loopback (127.0.0.0/8, ::1, localhost): never asked, never recorded.
//   - Otherwise it records the attempt (time, host, port, feature, purpose, decision; bytes once
//     sockets close) and, by mode: `allowed` resolves; `offline` throws; `ask` asks the user once
//     per host (a `network.ask` event to every connected client, answered by `network.decide`)
//     and resolves when they allow it, throws when they block it, when no client is connected,
//     or when nobody answers within `askTimeoutMs` (a later answer still counts next time).
//   - It throws AlisaError('network_blocked') whose message names the host and what it was for,
//     and whose action says how to allow it (alisa.network) or the `alternative`.
//   - `signal` aborting stops the wait (with the signal's reason); the question stays open.
//   - `noWait: true` (a voice that must speak now) asks but does not wait: this attempt is refused
//     at once ("until you answer, she does without it"), later ones pass once the host is allowed.
//   - `feature` is a short id (protocol/network.ts NETWORK_FEATURE_LABELS: model-download,
//     llm-endpoint, voice-edge, voice-download, stt-server); `purpose` completes "to ..." and
//     must not contain secrets; the URL itself is never recorded, only its host and port.
//
// `run` also makes its work a scope (AsyncLocalStorage): sockets opened inside it, e.g. a redirect
// from huggingface.co to its CDN, are allowed as part of the approved operation and their bytes
// counted on its record; `relatedHosts` (e.g. ['*.hf.co']) name hosts that count as part of it
// while it runs even where a library loses the async context. Outside those, the socket guard
// allows only hosts the gate approved.
//
// Answers: "Allow once" allows the host until the companion restarts; "Always allow" is kept in
// DATA/network-hosts.json; "Block" blocks it until the companion restarts. The activity is kept
// in memory (at most `maxRecords`, repeats counted on one record) and in
// DATA/network-activity.jsonl (rewritten, so never larger than that), so it survives restarts.
//
// `networkGate()` is the process's gate: the companion (app.ts) and the CLIs set it with
// setNetworkGate() before anything connects. Unset (library use, unit tests), it is an in-memory
// gate in mode `allowed`: it records, and blocks nothing.
//
// The activity log lives in network-activity.ts and address parsing in network-target.ts; this
// file stays over 400 lines because the decisions (approve, decide, expire, setMode,
// checkConnection) share one state of hosts and open questions and read best together, and this
// header is the gate's usage guide.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkActivity, NetworkRecord, NetworkAskInfo, NetworkConfigure, NetworkDecision, NetworkMode, NetworkStatus } from '../../protocol';
import { AlisaError } from '../errors';
import { ActivityLog, writeAtomic, type RecordInput } from './network-activity';
import { isLoopbackHost, parseTarget } from './network-target';

export { ACTIVITY_FILE } from './network-activity';
export { isLoopbackHost, parseTarget } from './network-target';

interface NetworkRequest {
  /** Where it goes: an http(s)/ws(s) URL, or "host:port". Only the host and port are kept. */
  url: string;
  /** A short id: model-download, llm-endpoint, voice-edge, voice-download, stt-server, … */
  feature: string;
  /** Completes "to …": "download the language model hf:…". No secrets. */
  purpose: string;
  /** What the user can do instead, for the blocked message: "choose a GGUF file you already have". */
  alternative?: string;
  signal?: AbortSignal;
  /**
   * Do not wait for the user's answer (a voice that must speak now): the question is asked, this
   * attempt is refused at once, and later attempts pass once the user allowed the host.
   */
  noWait?: boolean;
  /**
   * With `run`: other hosts the operation is known to reach (a download host's CDN), as exact
   * names or `*.example.com` (any subdomain). While the operation runs they are part of it even
   * where a library loses the async context.
   */
  relatedHosts?: string[];
}

export interface NetworkGateOptions {
  mode: NetworkMode;
  /** Where the activity and the remembered hosts are kept; null: memory only. */
  dataDir?: string | null;
  /** How long an attempt waits for the user's answer (default 60 s). */
  askTimeoutMs?: number;
  /** Records kept (default 500). */
  maxRecords?: number;
  /** The name of the setting in messages (default alisa.network; the voice CLI: --network). */
  setting?: string;
  /** How the user allows connections, for the messages: `some` (to ask or allow), `all` (to allow). */
  howToAllow?: { some: string; all: string };
  /** Tells the connected clients about a question; returns how many were told (0: refused at once). */
  ask?: (ask: NetworkAskInfo) => number;
  /** A question was answered (any client): the others close their prompt. */
  askDone?: (id: string, allow: boolean) => void;
  /** The mode, the remembered hosts or the pending questions changed. */
  onChange?: (status: NetworkStatus) => void;
  log?: (line: string) => void;
}

/** What the socket guard decides for one connection. */
type ConnectionVerdict = { allowed: true; recordId: number | null } | { allowed: false; error: Error };

interface Scope {
  recordId: number;
  host: string;
  feature: string;
  purpose: string;
}

/** The approved operation the current async context belongs to (see `run`). */
export const networkScope = new AsyncLocalStorage<Scope>();

export const HOSTS_FILE = 'network-hosts.json';
const DEFAULT_ASK_MS = 60_000;
const DEFAULT_MAX_RECORDS = 500;
const DEFAULT_HOW_TO_ALLOW = {
  some: 'set alisa.network to "ask" or "allowed" in VS Code\'s settings (standalone companion: --network ask)',
  all: 'set alisa.network to "allowed" (standalone companion: --network allowed)',
};

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface PendingAsk {
  info: NetworkAskInfo;
  request: NetworkRequest;
  waiters: Set<Waiter>;
  timer: NodeJS.Timeout;
}

export class NetworkGate {
  private currentMode: NetworkMode;
  /** Every attempt to reach another machine, kept in DATA/network-activity.jsonl. */
  private readonly activityLog: ActivityLog;
  private readonly alwaysAllowed = new Set<string>();
  private readonly sessionAllowed = new Set<string>();
  private readonly sessionBlocked = new Set<string>();
  /** Hosts the user said yes to in another dialog that named them (allowForRun). */
  private readonly consented = new Set<string>();
  private readonly pendingByHost = new Map<string, PendingAsk>();
  private readonly pendingById = new Map<string, PendingAsk>();
  /** Questions that expired unanswered, by id: a late answer still counts (bounded). */
  private readonly expired = new Map<string, string>();
  /** The newest allowed gate record per host, for sockets opened outside a scope. */
  private readonly lastAllowed = new Map<string, number>();
  /** Operations running under `run` with related hosts. */
  private readonly activeRuns = new Set<{ scope: Scope; patterns: string[] }>();
  private readonly askTimeoutMs: number;
  private readonly maxRecords: number;
  private readonly howToAllow: { some: string; all: string };
  private readonly setting: string;

  constructor(private readonly opts: NetworkGateOptions) {
    this.currentMode = opts.mode;
    this.askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_MS;
    this.maxRecords = Math.max(1, opts.maxRecords ?? DEFAULT_MAX_RECORDS);
    this.howToAllow = opts.howToAllow ?? DEFAULT_HOW_TO_ALLOW;
    this.setting = opts.setting ?? 'alisa.network';
    this.activityLog = new ActivityLog({ dataDir: opts.dataDir, maxRecords: this.maxRecords, log: opts.log });
    this.loadHosts();
  }

  get mode(): NetworkMode {
    return this.currentMode;
  }

  // ------------------------------------------------------------------ the gate

  /** Resolves when a connection to `req.url` is allowed; throws AlisaError('network_blocked') otherwise. */
  async request(req: NetworkRequest): Promise<void> {
    await this.approve(req);
  }

  /** `request`, then `work` as the approved operation: its sockets (redirects too) are allowed and counted. */
  async run<T>(req: NetworkRequest, work: () => Promise<T>): Promise<T> {
    const scope = await this.approve(req);
    if (!scope) return work();
    const patterns = (req.relatedHosts ?? []).map((p) => p.trim().toLowerCase()).filter(Boolean);
    const active = { scope, patterns };
    if (patterns.length) this.activeRuns.add(active);
    try {
      return await networkScope.run(scope, work);
    } finally {
      this.activeRuns.delete(active);
    }
  }

  /** The running operation `host` belongs to: the async context's, else one that names it as related. */
  private scopeFor(host: string): Scope | undefined {
    const scope = networkScope.getStore();
    if (scope) return scope;
    for (const run of this.activeRuns) {
      if (run.patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p))) return run.scope;
    }
    return undefined;
  }

  private async approve(req: NetworkRequest): Promise<Scope | null> {
    if (req.signal?.aborted) throw req.signal.reason;
    const { host, port } = parseTarget(req.url);
    if (isLoopbackHost(host)) return null;
    const base = { host, port, feature: clip(req.feature, 50), purpose: clip(req.purpose, 300), layer: 'gate' as const };
    const allow = (decision: NetworkDecision, reason: string): Scope => {
      const rec = this.record({ ...base, decision, reason });
      this.lastAllowed.set(host, rec.id);
      return { recordId: rec.id, host, feature: base.feature, purpose: base.purpose };
    };
    switch (this.currentMode) {
      case 'allowed':
        return allow('allowed', `${this.setting} is "allowed"`);
      case 'offline':
        this.record({ ...base, decision: 'blocked', reason: `${this.setting} is "offline"` });
        throw this.blocked('offline', host, req);
      case 'ask':
        break;
    }
    if (this.sessionBlocked.has(host)) {
      this.record({ ...base, decision: 'denied', reason: 'you blocked this host' });
      throw this.blocked('denied', host, req);
    }
    if (this.alwaysAllowed.has(host)) return allow('allowed', 'you always allow this host');
    if (this.sessionAllowed.has(host)) return allow('asked-allowed', 'you allowed this host earlier in this run');
    if (this.consented.has(host)) return allow('asked-allowed', 'you said yes to the download, which named this host');

    let pending = this.pendingByHost.get(host);
    if (!pending) {
      const info: NetworkAskInfo = { id: randomUUID(), host, port, feature: base.feature, purpose: base.purpose, expiresAt: Date.now() + this.askTimeoutMs };
      const told = this.opts.ask?.(info) ?? 0;
      if (told === 0) {
        this.record({ ...base, decision: 'blocked', reason: 'no Alisa window was open to ask you' });
        throw this.blocked('no-ui', host, req);
      }
      const created: PendingAsk = { info, request: req, waiters: new Set(), timer: setTimeout(() => this.expire(created), this.askTimeoutMs) };
      created.timer.unref();
      pending = created;
      this.pendingByHost.set(host, created);
      this.pendingById.set(info.id, created);
      this.opts.log?.(`network: asking whether Alisa may connect to ${host} to ${base.purpose}`);
      this.changed();
    }
    const ask = pending;
    if (req.noWait) {
      this.record({ ...base, decision: 'blocked', reason: 'waiting for your answer' });
      throw this.blocked('waiting', host, req);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = () => waiter.reject(req.signal!.reason);
      const cleanup = () => {
        ask.waiters.delete(waiter);
        req.signal?.removeEventListener('abort', onAbort);
      };
      ask.waiters.add(waiter);
      req.signal?.addEventListener('abort', onAbort, { once: true });
    });
    // The answer was yes (a no rejects the waiters): this attempt goes ahead under the ask's record.
    const recordId = this.lastAllowed.get(host) ?? this.record({ ...base, decision: 'asked-allowed', reason: 'you allowed it' }).id;
    return { recordId, host, feature: base.feature, purpose: base.purpose };
  }

  /**
   * The user already said yes to this host in a dialog that named it (the model download's, which
   * tells the host, size, disk and RAM): allowed until the companion restarts, as "Allow once",
   * so they are not asked twice. Changes nothing in `offline` (the setting wins) or `allowed`.
   */
  allowForRun(host: string): void {
    if (this.currentMode !== 'ask' || isLoopbackHost(host)) return;
    const h = host.toLowerCase();
    this.sessionBlocked.delete(h);
    this.consented.add(h);
  }

  /** The user's answer to a question (`network.decide`); false when the id is unknown. */
  decide(id: string, allow: boolean, remember = false): boolean {
    const pending = this.pendingById.get(id);
    const host = pending?.info.host ?? this.expired.get(id);
    if (!host) return false;
    if (allow) {
      this.sessionBlocked.delete(host);
      this.sessionAllowed.add(host);
      if (remember) {
        this.alwaysAllowed.add(host);
        this.saveHosts();
      }
    } else {
      this.sessionAllowed.delete(host);
      this.sessionBlocked.add(host);
    }
    this.expired.delete(id);
    if (pending) {
      this.settle(pending);
      const { info, request } = pending;
      const base = { host, port: info.port, feature: info.feature, purpose: info.purpose, layer: 'gate' as const };
      if (allow) {
        const rec = this.record({
          ...base,
          decision: 'asked-allowed',
          reason: remember ? 'you chose to always allow this host' : 'you allowed it (until Alisa restarts)',
        });
        this.lastAllowed.set(host, rec.id);
        for (const w of [...pending.waiters]) w.resolve();
      } else {
        this.record({ ...base, decision: 'denied', reason: 'you blocked this host' });
        const error = this.blocked('denied', host, request);
        for (const w of [...pending.waiters]) w.reject(error);
      }
      this.opts.askDone?.(id, allow);
    }
    this.opts.log?.(`network: ${host} ${allow ? (remember ? 'always allowed' : 'allowed until restart') : 'blocked until restart'} by the user`);
    this.changed();
    return true;
  }

  private expire(pending: PendingAsk): void {
    if (this.pendingById.get(pending.info.id) !== pending) return;
    this.settle(pending);
    this.expired.set(pending.info.id, pending.info.host);
    while (this.expired.size > 50) this.expired.delete(this.expired.keys().next().value!);
    const { info, request } = pending;
    this.record({
      host: info.host,
      port: info.port,
      feature: info.feature,
      purpose: info.purpose,
      layer: 'gate',
      decision: 'blocked',
      reason: `no answer within ${seconds(this.askTimeoutMs)} s`,
    });
    const error = this.blocked('timeout', info.host, request);
    for (const w of [...pending.waiters]) w.reject(error);
    this.changed();
  }

  private settle(pending: PendingAsk): void {
    clearTimeout(pending.timer);
    this.pendingById.delete(pending.info.id);
    if (this.pendingByHost.get(pending.info.host) === pending) this.pendingByHost.delete(pending.info.host);
  }

  // ------------------------------------------------------------------ settings and reports

  configure(p: NetworkConfigure): NetworkStatus {
    if (p.forgetHosts) {
      this.alwaysAllowed.clear();
      this.sessionAllowed.clear();
      this.sessionBlocked.clear();
      this.saveHosts();
    }
    if (p.mode !== undefined && p.mode !== this.currentMode) this.setMode(p.mode);
    else this.changed();
    return this.status();
  }

  setMode(mode: NetworkMode): void {
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    this.opts.log?.(`network: mode ${mode}`);
    // Questions still open are answered by the new mode.
    for (const pending of [...this.pendingById.values()]) {
      if (mode === 'ask') continue;
      this.settle(pending);
      const { info, request } = pending;
      const base = { host: info.host, port: info.port, feature: info.feature, purpose: info.purpose, layer: 'gate' as const };
      if (mode === 'allowed') {
        const rec = this.record({ ...base, decision: 'allowed', reason: `${this.setting} became "allowed"` });
        this.lastAllowed.set(info.host, rec.id);
        for (const w of [...pending.waiters]) w.resolve();
      } else {
        this.record({ ...base, decision: 'blocked', reason: `${this.setting} became "offline"` });
        const error = this.blocked('offline', info.host, request);
        for (const w of [...pending.waiters]) w.reject(error);
      }
      this.opts.askDone?.(info.id, mode === 'allowed');
    }
    this.changed();
  }

  status(): NetworkStatus {
    return {
      mode: this.currentMode,
      allowedHosts: [...this.alwaysAllowed].sort(),
      sessionAllowed: [...this.sessionAllowed].sort(),
      sessionBlocked: [...this.sessionBlocked].sort(),
      pending: [...this.pendingById.values()].map((p) => p.info),
    };
  }

  /** The records, newest first. */
  activity(limit = this.maxRecords): NetworkActivity {
    const records = this.activityLog.newest(limit);
    return { mode: this.currentMode, allowedHosts: [...this.alwaysAllowed].sort(), records };
  }

  // ------------------------------------------------------------------ the socket guard's side

  /**
   * May a socket (or DNS lookup, or datagram) to a non-loopback `host` open now? Records what it
   * decides. Allowed: the mode is `allowed`; the host was approved (always, or in this run); or
   * the connection belongs to an approved operation (`run`, e.g. a redirect). Everything else is
   * refused: it did not go through the gate.
   */
  checkConnection(host: string, port: number | null, layer: 'socket' | 'dns' | 'udp'): ConnectionVerdict {
    const h = host.toLowerCase().replace(/^\[|\]$/g, '');
    const scope = this.scopeFor(h);
    const feature = scope?.feature ?? 'unannounced';
    const purpose = scope
      ? scope.host === h
        ? scope.purpose
        : `${scope.purpose} (redirected from ${scope.host})`
      : 'a connection that did not go through the network gate';
    const base = { host: h, port, feature, purpose, layer };
    const refuse = (reason: string): ConnectionVerdict => {
      // A lookup refused by the guard for a socket it refuses already is one attempt, not two.
      this.record({ ...base, decision: 'blocked', reason });
      const error = Object.assign(
        new Error(`Alisa blocked a connection to ${h}${port ? `:${port}` : ''} (${reason}). To allow connections, ${this.howToAllow.some}.`),
        { code: 'ERR_ALISA_NETWORK_BLOCKED' },
      );
      return { allowed: false, error };
    };
    if (this.currentMode === 'offline') return refuse(`${this.setting} is "offline"`);
    if (this.currentMode === 'ask' && this.sessionBlocked.has(h)) return refuse('you blocked this host');
    const approved = this.currentMode === 'allowed' || this.alwaysAllowed.has(h) || this.sessionAllowed.has(h) || this.consented.has(h);
    if (layer === 'dns') return approved || scope ? { allowed: true, recordId: null } : refuse('not announced to the network gate, so you were not asked');
    if (scope && scope.host === h) return { allowed: true, recordId: scope.recordId };
    if (scope) return { allowed: true, recordId: this.record({ ...base, decision: 'allowed', reason: 'part of an allowed operation' }).id };
    if (approved) {
      const last = this.lastAllowed.get(h);
      if (last !== undefined && this.activityLog.has(last)) return { allowed: true, recordId: last };
      return {
        allowed: true,
        recordId: this.record({ ...base, decision: 'allowed', reason: this.currentMode === 'allowed' ? `${this.setting} is "allowed"` : 'an allowed host' }).id,
      };
    }
    return refuse('not announced to the network gate, so you were not asked');
  }

  /** Adds the bytes of a closed connection to its record. */
  addBytes(recordId: number, sent: number, received: number): void {
    this.activityLog.addBytes(recordId, sent, received);
  }

  // ------------------------------------------------------------------ records and files (network-activity.ts)

  private record(input: RecordInput): NetworkRecord {
    return this.activityLog.record(input);
  }

  /** Writes the activity now (the companion calls it when it stops). */
  flush(): void {
    this.activityLog.flush();
  }

  /** Stops timers and open questions (their attempts are refused) and saves. */
  dispose(): void {
    for (const pending of [...this.pendingById.values()]) {
      this.settle(pending);
      const error = new AlisaError('cancelled', 'Alisa is shutting down.');
      for (const w of [...pending.waiters]) w.reject(error);
    }
    this.flush();
  }

  private loadHosts(): void {
    const dir = this.opts.dataDir;
    if (!dir) return;
    try {
      const hosts = JSON.parse(readFileSync(path.join(dir, HOSTS_FILE), 'utf8')) as { alwaysAllow?: unknown };
      if (Array.isArray(hosts.alwaysAllow))
        for (const h of hosts.alwaysAllow) if (typeof h === 'string' && h.length <= 255) this.alwaysAllowed.add(h.toLowerCase());
    } catch {
      // None remembered.
    }
  }

  private saveHosts(): void {
    const dir = this.opts.dataDir;
    if (!dir) return;
    try {
      mkdirSync(dir, { recursive: true });
      writeAtomic(path.join(dir, HOSTS_FILE), `${JSON.stringify({ alwaysAllow: [...this.alwaysAllowed].sort() }, null, 2)}\n`);
    } catch (err) {
      this.opts.log?.(`network: could not save the remembered hosts: ${(err as Error).message}`);
    }
  }

  private changed(): void {
    this.opts.onChange?.(this.status());
  }

  private blocked(kind: 'offline' | 'denied' | 'no-ui' | 'timeout' | 'waiting', host: string, req: NetworkRequest): AlisaError {
    const alt = req.alternative ? `; or ${req.alternative}` : '';
    const purpose = clip(req.purpose, 300);
    switch (kind) {
      case 'offline':
        return new AlisaError(
          'network_blocked',
          `Alisa works offline (${this.setting} is "offline"), so she did not connect to ${host} to ${purpose}.`,
          `To allow it, ${this.howToAllow.some}${alt}.`,
        );
      case 'denied':
        return new AlisaError(
          'network_blocked',
          `You blocked ${host}, so Alisa did not connect to it to ${purpose}.`,
          `She asks again after a restart; to allow it now, forget your answers ("Alisa: Show Network Activity") or ${this.howToAllow.all}${alt}.`,
        );
      case 'no-ui':
        return new AlisaError(
          'network_blocked',
          `Alisa must ask you before she connects to ${host} to ${purpose}, and no Alisa window is open to ask.`,
          `Open Alisa's panel and try again, or ${this.howToAllow.all}${alt}.`,
        );
      case 'waiting':
        return new AlisaError(
          'network_blocked',
          `Alisa asked whether she may connect to ${host} to ${purpose}; until you answer, she does without it.`,
          `Answer the question in VS Code or in her panel, or ${this.howToAllow.all}${alt}.`,
        );
      case 'timeout':
        return new AlisaError(
          'network_blocked',
          `Alisa asked whether she may connect to ${host} to ${purpose}, and got no answer within ${seconds(this.askTimeoutMs)} s.`,
          `Answer the question and try again, or ${this.howToAllow.all}${alt}.`,
        );
    }
  }
}

/** Whole seconds for messages, at least 1. */
function seconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

let current: NetworkGate | null = null;

/** The process's gate (see the header). */
export function networkGate(): NetworkGate {
  current ??= new NetworkGate({ mode: 'allowed' });
  return current;
}

/** Makes `gate` the process's gate (the companion and the CLIs, at start). */
export function setNetworkGate(gate: NetworkGate): void {
  current = gate;
}
