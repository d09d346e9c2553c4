// Defence in depth under the network gate: in the companion process every TCP/TLS connection
// (net.Socket#connect, which http, https, tls, fetch/undici, ws and every library on them use),
// every DNS query (dns.lookup, dns.resolve*, their promise forms and Resolver objects) and every
// UDP datagram (dgram) to a host that is not loopback is checked with the gate
// (NetworkGate.checkConnection) before a single packet is sent. What the gate did not approve is
// refused, as a failed connection ('error' with code ERR_ALISA_NETWORK_BLOCKED), and recorded;
// what it approved has its bytes counted on the gate's record when the socket closes. So "no
// socket leaves 127.0.0.1" holds whatever library makes the connection, not just the features
// that ask the gate.
//
// Not covered: child processes (ffmpeg, espeak-ng, piper, … run with local files only) and worker
// threads (tesseract.js reads its language data from a local package), which have their own
// modules; they are given no network addresses by Alisa.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { isLoopbackHost, type NetworkGate } from './network-gate';

type AnyFn = (...args: unknown[]) => unknown;

interface ConnectTarget {
  host: string;
  port: number | null;
}

/** Where a net.Socket#connect call goes; null for a local (IPC) path. */
export function connectTarget(args: unknown[]): ConnectTarget | null {
  let first = args[0];
  // net.connect() passes an already normalized [options, callback] array.
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') {
    const o = first as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof o.path === 'string' && o.path) return null;
    return { host: typeof o.host === 'string' && o.host ? o.host : 'localhost', port: toPort(o.port) };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // connect(path)
  return { host: typeof args[1] === 'string' && args[1] ? args[1] : 'localhost', port: toPort(first) };
}

function toPort(p: unknown): number | null {
  const n = typeof p === 'number' ? p : typeof p === 'string' ? Number(p) : NaN;
  return Number.isInteger(n) ? n : null;
}

let installed: (() => void) | null = null;

/**
 * Patches net, dns and dgram in this process so that every non-loopback connection asks `gate()`.
 * Returns the function that restores them (tests); a second install returns the first's.
 */
export function installSocketGuard(gate: () => NetworkGate): () => void {
  if (installed) return installed;
  const restore: Array<() => void> = [];
  const patch = <T extends object>(target: T, key: string, make: (orig: AnyFn) => AnyFn) => {
    const orig = (target as Record<string, unknown>)[key];
    if (typeof orig !== 'function') return;
    (target as Record<string, unknown>)[key] = make(orig as AnyFn);
    restore.push(() => {
      (target as Record<string, unknown>)[key] = orig;
    });
  };

  // ---- TCP and TLS
  patch(
    net.Socket.prototype,
    'connect',
    (orig) =>
      function guardedConnect(this: net.Socket, ...args: unknown[]) {
        const target = connectTarget(args);
        if (target && !isLoopbackHost(target.host)) {
          const verdict = gate().checkConnection(target.host, target.port, 'socket');
          if (!verdict.allowed) {
            // Fails like a refused connection, before any lookup or packet.
            process.nextTick(() => this.destroy(verdict.error));
            return this;
          }
          if (verdict.recordId !== null) {
            const id = verdict.recordId;
            this.once('close', () => gate().addBytes(id, this.bytesWritten ?? 0, this.bytesRead ?? 0));
          }
        }
        return orig.apply(this, args);
      },
  );

  // ---- DNS: a query for a name leaves the machine too (to the resolver).
  const refuseName = (name: unknown): Error | null => {
    if (typeof name !== 'string' || !name || isLoopbackHost(name)) return null;
    const verdict = gate().checkConnection(name, null, 'dns');
    return verdict.allowed ? null : verdict.error;
  };
  // lookup() of an IP literal answers without a query; of a name it may ask the resolver.
  const refuseQuery = (isLookup: boolean, name: unknown) => (isLookup && net.isIP(String(name)) ? null : refuseName(name));
  const callbackStyle = (isLookup: boolean) => (orig: AnyFn) =>
    function guardedQuery(this: unknown, ...args: unknown[]) {
      const error = refuseQuery(isLookup, args[0]);
      if (error) {
        const cb = [...args].reverse().find((a) => typeof a === 'function') as AnyFn | undefined;
        if (cb) process.nextTick(() => cb(error));
        return undefined;
      }
      return orig.apply(this, args);
    };
  const promiseStyle = (isLookup: boolean) => (orig: AnyFn) =>
    function guardedQuery(this: unknown, ...args: unknown[]) {
      const error = refuseQuery(isLookup, args[0]);
      if (error) return Promise.reject(error);
      return orig.apply(this, args);
    };
  const QUERIES = [
    'resolve',
    'resolve4',
    'resolve6',
    'resolveAny',
    'resolveCaa',
    'resolveCname',
    'resolveMx',
    'resolveNaptr',
    'resolveNs',
    'resolvePtr',
    'resolveSoa',
    'resolveSrv',
    'resolveTxt',
    'reverse',
  ];
  patch(dns, 'lookup', callbackStyle(true));
  patch(dns.promises, 'lookup', promiseStyle(true));
  for (const q of QUERIES) {
    patch(dns, q, callbackStyle(false));
    patch(dns.Resolver.prototype, q, callbackStyle(false));
    patch(dns.promises, q, promiseStyle(false));
    patch(dns.promises.Resolver.prototype, q, promiseStyle(false));
  }

  // ---- UDP
  const refuseDatagram = (address: unknown, port: unknown): Error | null => {
    const host = typeof address === 'string' && address ? address : 'localhost';
    if (isLoopbackHost(host)) return null;
    const verdict = gate().checkConnection(host, toPort(port), 'udp');
    return verdict.allowed ? null : verdict.error;
  };
  patch(
    dgram.Socket.prototype,
    'connect',
    (orig) =>
      function guardedUdpConnect(this: dgram.Socket, ...args: unknown[]) {
        const error = refuseDatagram(typeof args[1] === 'string' ? args[1] : undefined, args[0]);
        if (error) {
          const cb = args.find((a) => typeof a === 'function') as AnyFn | undefined;
          process.nextTick(() => (cb ? cb(error) : this.emit('error', error)));
          return undefined;
        }
        return orig.apply(this, args);
      },
  );
  patch(
    dgram.Socket.prototype,
    'send',
    (orig) =>
      function guardedSend(this: dgram.Socket, ...args: unknown[]) {
        // send(msg, [offset, length,] [port, [address,]] [callback]): the address is the string after the message.
        const address = args.slice(1).find((a) => typeof a === 'string');
        const numbers = args.slice(1).filter((a) => typeof a === 'number');
        let connected = false;
        try {
          this.remoteAddress();
          connected = true;
        } catch {
          connected = false;
        }
        const error = connected ? null : refuseDatagram(address, numbers.at(-1));
        if (error) {
          const cb = args.find((a) => typeof a === 'function') as AnyFn | undefined;
          process.nextTick(() => (cb ? cb(error) : this.emit('error', error)));
          return undefined;
        }
        return orig.apply(this, args);
      },
  );

  installed = () => {
    for (const r of restore.splice(0).reverse()) r();
    installed = null;
  };
  return installed;
}
