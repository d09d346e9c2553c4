// Small figures every bench prints the same way.
import os from 'node:os';

/** The middle value (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The machine's 1, 5 and 15 minute load, as `0.52 0.61 0.70`. */
export const machineLoad = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Runs `a(i)` then `b(i)` for i from 0 to n - 1, so each pair runs under the same machine load; resolves with both lists. */
export async function alternate(n, a, b) {
  const as = [];
  const bs = [];
  for (let i = 0; i < n; i++) {
    as.push(await a(i));
    bs.push(await b(i));
  }
  return [as, bs];
}
