// CPU time of the Chromium processes this bench started, from /proc (Linux): the whole browser
// (GPU/SwiftShader, renderer, browser processes), which the page's own metrics do not see.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU ms (user + system) of this process's `chrom*` descendants, leaving out `skipPids` and theirs. */
export function chromiumCpuMs(skipPids = []) {
  const procs = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(rest[1]), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // Gone meanwhile.
    }
  }
  const ours = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!ours.has(pid) && ours.has(p.ppid) && !skipPids.includes(pid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of ours) if (procs.get(pid)?.comm.startsWith('chrom')) ticks += procs.get(pid).ticks;
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux.
}
