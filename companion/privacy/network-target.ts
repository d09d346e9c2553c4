// Where a connection goes, as the network gate sees it: the host and port of a URL (or
// "host:port"), and whether that host is this machine (loopback connections are never asked
// about nor recorded). Split out of network-gate.ts (issue 14); the socket guard and the
// features that connect out use these too, through network-gate.ts's re-exports.
import net from 'node:net';
import { AlisaError } from '../errors';

/** True for 127.0.0.0/8, ::1 (also IPv4-mapped), and localhost. */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) {
    const zone = h.indexOf('%');
    if (zone >= 0) h = h.slice(0, zone);
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^(?:0:0:0:0:0:|::)ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/** The host (lowercase, no brackets) and port of a URL or "host:port"; throws AlisaError on nonsense. */
export function parseTarget(url: string): { host: string; port: number | null } {
  const text = url.trim();
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `tcp://${text}`);
    const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (!host) throw new Error('no host');
    const port = u.port ? Number(u.port) : (DEFAULT_PORTS[u.protocol] ?? null);
    return { host, port };
  } catch (err) {
    throw new AlisaError('invalid_argument', `"${text.slice(0, 200)}" is not an address Alisa can connect to.`, undefined, { cause: err });
  }
}
