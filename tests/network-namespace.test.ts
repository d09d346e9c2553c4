// "No packet leaves 127.0.0.1" measured by the kernel, not by Alisa: the real companion runs in an
// empty network namespace (`unshare -rn`, no root needed) whose only way out is a veth interface
// carrying the default route; every packet that would leave the machine (a DNS query, a SYN, the
// ARP before it) is counted in that interface's transmit counter. With `--network offline` the
// real attempts (https:// model, remote endpoint, Edge's online voice) send nothing; the same run
// with `--network allowed` is the control that shows the counter does move. Skipped where user
// namespaces or veth are not available. The driver is tests/helpers/netns-driver.mjs.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineState, NetworkRecord } from '../protocol';
import { COMPANION_BUNDLE } from './helpers/companion';
import { requireModel } from './helpers/model';

const SETUP = [
  'ip link set lo up',
  'ip link add v0 type veth peer name v1',
  // No IPv6 link-local address: no router solicitations or DAD of its own on the counter.
  'ip link set v0 addrgenmode none',
  'ip link set v1 addrgenmode none',
  'ip addr add 10.9.9.1/24 dev v0',
  'ip link set v0 up',
  'ip link set v1 up',
  'ip route add default dev v0',
].join(' && ');

function namespaceProblem(): string | null {
  const r = spawnSync('unshare', ['-rn', 'sh', '-c', `${SETUP} && grep -q v0: /proc/net/dev`], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return r.error.message;
  return r.status === 0 ? null : (r.stderr || `exit ${r.status}`).trim();
}

const problem = namespaceProblem();
if (problem) console.log(`SKIPPED the network-namespace test: ${problem}`);

interface DriverResult {
  mode: string;
  txBefore: number;
  txAfter: number;
  phase1: { embedded?: string; openai?: string; activity?: NetworkRecord[]; left?: boolean };
  phase2: { msedge?: EngineState; activity?: NetworkRecord[]; left?: boolean };
}

function drive(mode: 'offline' | 'allowed'): Promise<DriverResult> {
  const driver = path.join(__dirname, 'helpers', 'netns-driver.mjs');
  const proc = spawn('unshare', ['-rn', 'sh', '-c', `${SETUP} && exec "$0" "$@"`, process.execPath, driver, mode, COMPANION_BUNDLE, requireModel()], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`driver exited ${code}:\n${err}\n${out}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as DriverResult);
    });
  });
}

describe.skipIf(problem !== null)('the companion in an empty network namespace', () => {
  it('offline: the attempts are blocked and the kernel counts no packet leaving loopback', async () => {
    const r = await drive('offline');
    expect(r.phase1).toMatchObject({ embedded: 'network_blocked', openai: 'network_blocked' });
    expect(r.phase2.msedge).toMatchObject({ id: 'msedge', available: false, online: true });
    const records = [...r.phase1.activity!, ...r.phase2.activity!];
    expect(records.map((x) => x.host).sort()).toEqual(['10.9.8.7', 'huggingface.co', 'speech.platform.bing.com']);
    expect(records.every((x) => x.decision === 'blocked')).toBe(true);
    expect(r.txAfter).toBe(r.txBefore);
  }, 120_000);

  it('allowed (the control): the same attempts do leave, and the counter shows it', async () => {
    const r = await drive('allowed');
    expect(r.phase1.left).toBe(true);
    expect(r.phase2.left).toBe(true);
    expect(r.txAfter).toBeGreaterThan(r.txBefore);
  }, 120_000);
});
