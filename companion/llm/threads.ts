// How many CPU threads llama.cpp gets when the user does not say.
//
// node-llama-cpp's own default is max(cpuMathCores, 4): on a 2-core machine that is 4 threads
// fighting over 2 cores (plus Node's own thread and the editor), and llama.cpp's spin-waiting
// threads collapse. Measured on this machine (2 vCPUs, AMD EPYC, node-llama-cpp 3.22.1, CPU
// build, stories260K.gguf, contextSize 2048, 300-400 generated tokens, several runs each while
// other work shared the machine, load average ~2-3):
//   1 thread : 580-1100 tokens/s
//   2 threads:  16-  91 tokens/s   (10-50x slower: both cores taken, nothing left for Node)
//   4 threads: ~1 token/s          (the library default here; the reference notes report 1.2/s)
// Rule: every core but one, at least 1. The spare core keeps the event loop, the editor and the
// socket responsive while a reply streams, and avoids the oversubscription collapse above.
// `os.availableParallelism()` counts logical cores (SMT siblings included); on large machines
// memory bandwidth, not threads, bounds speed, so leaving one logical core idle costs little.

import os from 'node:os';

export function defaultThreads(cores: number = os.availableParallelism()): number {
  if (!Number.isFinite(cores) || cores < 2) return 1;
  return Math.max(1, Math.floor(cores) - 1);
}
