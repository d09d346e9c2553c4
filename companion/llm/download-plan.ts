// What a model download will cost, told before it starts: the size (known for the recommended
// model, else from a partial file or unknown), the free disk space where it goes, and the RAM it
// needs against what this machine has. Nothing here touches the network.
import os from 'node:os';
import type { DownloadPlan } from '../../protocol';
import { freeDiskBytes } from '../disk';
import { downloadHost } from './model-source';

export { describePlan, lacksDisk } from '../../common/plan-text';

interface KnownModel {
  name: string;
  sizeBytes: number;
}

/** Models whose size we know without asking the network. */
const KNOWN_MODELS: Record<string, KnownModel> = {
  'hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M': { name: 'Llama 3.2 3B Instruct (Q4_K_M)', sizeBytes: 2_019_377_696 },
};

/** KV cache and runtime buffers on top of the weights, for a 4096-token context on a ~3B model. */
const RAM_OVERHEAD_BYTES = 700 * 1024 * 1024;

export function downloadPlan(uri: string, modelsDir: string): DownloadPlan {
  const known = KNOWN_MODELS[uri.trim()];
  const sizeBytes = known?.sizeBytes ?? null;
  let host: string | null = null;
  try {
    host = new URL(downloadHost(uri)).host;
  } catch {
    host = null;
  }
  return {
    uri,
    name: known?.name ?? uri,
    host,
    sizeBytes,
    freeDiskBytes: freeDiskBytes(modelsDir),
    ramBytes: sizeBytes === null ? null : sizeBytes + RAM_OVERHEAD_BYTES,
    totalRamBytes: os.totalmem(),
    freeRamBytes: os.freemem(),
  };
}
