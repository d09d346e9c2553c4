// A download plan in words (pure: the extension and the panel use it too).
import type { DownloadPlan } from '../protocol';

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${Math.round(n / 1024 ** 2)} MB`;
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}

/** One sentence with every figure the user needs to decide. */
export function describePlan(plan: DownloadPlan): string {
  const parts = [`Downloading ${plan.name}${plan.host ? ` from ${plan.host}` : ''}`];
  parts.push(plan.sizeBytes !== null ? `takes ${formatBytes(plan.sizeBytes)}` : 'takes an unknown amount of space (the size is known once it starts)');
  if (plan.freeDiskBytes !== null) parts.push(`${formatBytes(plan.freeDiskBytes)} is free on that disk`);
  const ram = plan.ramBytes !== null ? `it needs about ${formatBytes(plan.ramBytes)} of RAM` : 'it needs RAM about its size';
  parts.push(`${ram} (this machine has ${formatBytes(plan.totalRamBytes)}, ${formatBytes(plan.freeRamBytes)} free)`);
  return `${parts[0]} ${parts.slice(1).join('; ')}.`;
}

/** Not enough room: the download would fail part-way. */
export function lacksDisk(plan: DownloadPlan): boolean {
  return plan.sizeBytes !== null && plan.freeDiskBytes !== null && plan.freeDiskBytes < plan.sizeBytes;
}
